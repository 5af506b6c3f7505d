#include "enclave/platform_client.h"

#include "common/fd_passing.h"

namespace cloister::enclave {

Result<platform::EnclaveReply> PlatformClient::request(const platform::EnclaveRequest& request) {
  std::lock_guard lock(mutex_);
  CLOISTER_RETURN_IF_ERROR(send_message(socket_, wire::encode(request)));
  auto message = receive_message(socket_, platform::kMaxPlatformMessage);
  if (!message.is_ok()) return message.status().with_context("platform did not answer");
  auto reply = wire::decode<platform::EnclaveReply>(message->bytes, platform::platform_limits());
  secure_wipe(message->bytes.data(), message->bytes.size());
  if (!reply.is_ok()) return reply.status().with_context("malformed platform reply");
  CLOISTER_RETURN_IF_ERROR(platform::status_from(reply->status, reply->message));
  return reply;
}

}  // namespace cloister::enclave
