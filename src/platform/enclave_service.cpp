#include "platform/enclave_service.h"

#include <sys/wait.h>

#include "common/fd_passing.h"
#include "platform/protocol.h"

namespace cloister::platform {
namespace {

EnclaveReply failure(const Status& status) {
  EnclaveReply reply;
  reply.status = static_cast<std::uint32_t>(status.code());
  reply.message = status.message();
  return reply;
}

EnclaveReply handle(const PlatformIdentity& platform, const EnclaveIdentity& identity,
                    const EnclaveConfig& config, const EnclaveRequest& request) {
  EnclaveReply reply;
  switch (request.kind) {
    case EnclaveRequestKind::hello:
      reply.identity = identity;
      reply.config = config;
      reply.platform_ca_der = platform.operator_ca_der();
      reply.development_platform = platform.development();
      return reply;
    case EnclaveRequestKind::evidence: {
      // The enclave chooses only the report data; the identity is what we measured.
      auto evidence =
          platform.sign_report(Backend::process, Isolation::process, identity, request.report_data);
      if (!evidence.is_ok()) return failure(evidence.status());
      reply.evidence = std::move(evidence).value();
      return reply;
    }
    case EnclaveRequestKind::seal_key: {
      if (request.seal_policy != static_cast<std::uint8_t>(SealPolicy::unique) &&
          request.seal_policy != static_cast<std::uint8_t>(SealPolicy::product)) {
        return failure(Status(ErrorCode::invalid_argument, "unknown sealing policy"));
      }
      auto key = platform.derive_seal_key(identity, static_cast<SealPolicy>(request.seal_policy),
                                          request.seal_svn, request.key_id);
      if (!key.is_ok()) return failure(key.status());
      reply.key = std::move(key).value();
      return reply;
    }
  }
  return failure(Status(ErrorCode::invalid_argument, "unknown platform request"));
}

}  // namespace

void serve_enclave(const PlatformIdentity& platform, UniqueFd socket, pid_t pid,
                   const EnclaveIdentity& identity, const EnclaveConfig& config) {
  for (;;) {
    auto message = receive_message(socket.get(), kMaxPlatformMessage);
    if (!message.is_ok()) break;  // the enclave exited or closed its socket
    auto request = wire::decode<EnclaveRequest>(message->bytes, platform_limits());
    EnclaveReply reply = request.is_ok()
                             ? handle(platform, identity, config, *request)
                             : failure(request.status().with_context("malformed platform request"));
    Bytes encoded = wire::encode(reply);
    if (!reply.key.empty()) reply.key.wipe();
    Status sent = send_message(socket.get(), encoded);
    secure_wipe(encoded.data(), encoded.size());
    if (!sent.is_ok()) break;
  }
  socket.reset();
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace cloister::platform
