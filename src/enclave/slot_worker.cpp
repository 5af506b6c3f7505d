#include "enclave/slot_worker.h"

#include <cstring>

#include "enclave/futex.h"

namespace cloister::enclave {
namespace {

constexpr std::chrono::microseconds kSleepSlice{1000000};
thread_local channel::SlotHeader* tls_slot = nullptr;

// Copies a payload out of shared memory after reading its length once.
Result<Bytes> copy_payload_out(channel::SlotHeader* slot, std::uint32_t capacity) {
  std::uint32_t length = slot->length;
  if (length > capacity) {
    return Status(ErrorCode::out_of_range, "message length " + std::to_string(length) +
                                               " exceeds the channel capacity " + std::to_string(capacity));
  }
  const std::uint8_t* payload = channel::payload_of(slot);
  return Bytes(payload, payload + length);
}

void write_reply(channel::SlotHeader* slot, std::uint32_t capacity, const Result<Bytes>& reply) {
  if (reply.is_ok() && reply->size() <= capacity) {
    slot->status = 0;
    slot->length = static_cast<std::uint32_t>(reply->size());
    if (!reply->empty()) std::memcpy(channel::payload_of(slot), reply->data(), reply->size());
    return;
  }
  Status status = reply.is_ok()
                      ? Status(ErrorCode::out_of_range, "reply of " + std::to_string(reply->size()) +
                                                            " bytes exceeds the channel message size")
                      : reply.status();
  std::string message = status.message().substr(0, capacity);
  slot->status = static_cast<std::uint32_t>(status.code());
  slot->length = static_cast<std::uint32_t>(message.size());
  std::memcpy(channel::payload_of(slot), message.data(), message.size());
}

}  // namespace

Result<Bytes> ProcessContext::ocall(std::uint32_t id, ByteView request) {
  channel::SlotHeader* slot = tls_slot;
  if (slot == nullptr) return Status(ErrorCode::invalid_argument, "ocall outside an ecall");
  if (request.size() > channel_.capacity) {
    return Status(ErrorCode::out_of_range, "ocall request exceeds the channel message size");
  }
  slot->call_id = id;
  slot->status = 0;
  slot->length = static_cast<std::uint32_t>(request.size());
  if (!request.empty()) std::memcpy(channel::payload_of(slot), request.data(), request.size());
  publish(slot->state, channel::kOcall, slot->host_sleeping);
  std::uint32_t state = wait_for_change(slot->state, channel::kOcall, slot->enclave_sleeping,
                                        channel_.spin_iterations, kSleepSlice, [] { return true; });
  if (state != channel::kOcallReply) {
    return Status(ErrorCode::internal, "the host broke the channel protocol during an ocall");
  }
  std::uint32_t status = slot->status;
  CLOISTER_ASSIGN_OR_RETURN(Bytes reply, copy_payload_out(slot, channel_.capacity));
  if (status != 0) return platform::status_from(status, to_string(reply));
  return reply;
}

Result<Bytes> ProcessContext::evidence(const std::array<std::uint8_t, 64>& report_data) {
  platform::EnclaveRequest request;
  request.kind = platform::EnclaveRequestKind::evidence;
  request.report_data = report_data;
  CLOISTER_ASSIGN_OR_RETURN(platform::EnclaveReply reply, platform_.request(request));
  return std::move(reply.evidence);
}

Result<SecretBytes> ProcessContext::seal_key(SealPolicy policy, std::uint16_t svn, ByteView key_id) {
  platform::EnclaveRequest request;
  request.kind = platform::EnclaveRequestKind::seal_key;
  request.seal_policy = static_cast<std::uint8_t>(policy);
  request.seal_svn = svn;
  request.key_id.assign(key_id.begin(), key_id.end());
  CLOISTER_ASSIGN_OR_RETURN(platform::EnclaveReply reply, platform_.request(request));
  return std::move(reply.key);
}

void serve_slot(const Handlers& handlers, ProcessContext& context, const ChannelView& channel,
                std::uint32_t index) {
  channel::SlotHeader* slot = channel::slot_at(channel.base, channel.capacity, index);
  tls_slot = slot;
  ContextScope scope(&context);
  for (;;) {
    std::uint32_t state = slot->state.load(std::memory_order_acquire);
    if (state != channel::kRequest) {
      wait_for_change(slot->state, state, slot->enclave_sleeping, channel.spin_iterations, kSleepSlice,
                      [] { return true; });
      continue;
    }
    std::uint32_t call_id = slot->call_id;
    Result<Bytes> request = copy_payload_out(slot, channel.capacity);
    Result<Bytes> reply = request.is_ok() ? handlers.dispatch(call_id, *request) : request.status();
    write_reply(slot, channel.capacity, reply);
    publish(slot->state, channel::kReply, slot->host_sleeping);
  }
}

}  // namespace cloister::enclave
