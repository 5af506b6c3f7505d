#include "platform/enclave_service.h"

#include <poll.h>
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

EnclaveService::EnclaveService(std::shared_ptr<const PlatformIdentity> platform, UniqueFd socket,
                               UniqueFd host_watch, pid_t pid, const EnclaveIdentity& identity,
                               const EnclaveConfig& config)
    : platform_(std::move(platform)),
      socket_(std::move(socket)),
      host_watch_(std::move(host_watch)),
      pidfd_(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0))) {
  thread_ = std::thread([this, pid, identity, config] { serve(pid, identity, config); });
}

EnclaveService::~EnclaveService() {
  if (!pidfd_.valid()) {
    abandon();  // without a pidfd a signal could reach another process
  } else if (!abandoned_.load()) {
    kill_enclave();
  }
  if (thread_.joinable()) thread_.join();
}

void EnclaveService::abandon() {
  abandoned_.store(true);
  ::shutdown(socket_.get(), SHUT_RDWR);  // wakes the thread's receive
}

void EnclaveService::kill_enclave() const {
  if (pidfd_.valid()) ::syscall(SYS_pidfd_send_signal, pidfd_.get(), SIGKILL, nullptr, 0);
}

void EnclaveService::answer_one(const EnclaveIdentity& identity, const EnclaveConfig& config, bool& serving) {
  auto message = receive_message(socket_.get(), kMaxPlatformMessage);
  if (!message.is_ok()) {  // the enclave exited or closed its socket, or we were abandoned
    serving = false;
    return;
  }
  auto request = wire::decode<EnclaveRequest>(message->bytes, platform_limits());
  EnclaveReply reply = request.is_ok() ? handle(*platform_, identity, config, *request)
                                       : failure(request.status().with_context("malformed platform request"));
  Bytes encoded = wire::encode(reply);
  if (!reply.key.empty()) reply.key.wipe();
  Status sent = send_message(socket_.get(), encoded);
  secure_wipe(encoded.data(), encoded.size());
  if (!sent.is_ok()) serving = false;
}

void EnclaveService::serve(pid_t pid, const EnclaveIdentity& identity, const EnclaveConfig& config) {
  bool serving = true;
  while (serving) {
    // events 0 on the lifeline: only its hang-up matters, never its bytes.
    pollfd fds[2] = {{socket_.get(), POLLIN, 0}, {host_watch_.get(), 0, 0}};
    int rc = ::poll(fds, 2, -1);
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) break;
    if ((fds[1].revents & (POLLHUP | POLLERR)) != 0) {
      if (!abandoned_.load()) kill_enclave();  // the host let go: the enclave ends with it
      host_watch_.reset();                     // poll ignores a negative descriptor from now on
    }
    if (fds[0].revents != 0) answer_one(identity, config, serving);
  }
  // Our copy of the lifeline must not keep the host from seeing the enclave's death.
  host_watch_.reset();
  if (!abandoned_.load()) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  finished_.store(true);
}

}  // namespace cloister::platform
