#include "platform/enclave_service.h"

#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

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

EnclaveService::EnclaveService(std::shared_ptr<const PlatformIdentity> platform, UniqueFd socket, pid_t pid,
                               const EnclaveIdentity& identity, const EnclaveConfig& config)
    : platform_(std::move(platform)),
      socket_(std::move(socket)),
      pidfd_(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0))) {
  thread_ = std::thread([this, pid, identity, config] { serve(pid, identity, config); });
}

EnclaveService::~EnclaveService() {
  if (!pidfd_.valid()) {
    abandon();  // without a pidfd a signal could reach another process
  } else if (!abandoned_.load()) {
    ::syscall(SYS_pidfd_send_signal, pidfd_.get(), SIGKILL, nullptr, 0);
  }
  if (thread_.joinable()) thread_.join();
}

void EnclaveService::abandon() {
  abandoned_.store(true);
  ::shutdown(socket_.get(), SHUT_RDWR);  // wakes the thread's receive
}

void EnclaveService::serve(pid_t pid, const EnclaveIdentity& identity, const EnclaveConfig& config) {
  for (;;) {
    auto message = receive_message(socket_.get(), kMaxPlatformMessage);
    if (!message.is_ok()) break;  // the enclave exited or closed its socket, or we were abandoned
    auto request = wire::decode<EnclaveRequest>(message->bytes, platform_limits());
    EnclaveReply reply = request.is_ok()
                             ? handle(*platform_, identity, config, *request)
                             : failure(request.status().with_context("malformed platform request"));
    Bytes encoded = wire::encode(reply);
    if (!reply.key.empty()) reply.key.wipe();
    Status sent = send_message(socket_.get(), encoded);
    secure_wipe(encoded.data(), encoded.size());
    if (!sent.is_ok()) break;
  }
  if (!abandoned_.load()) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  finished_.store(true);
}

}  // namespace cloister::platform
