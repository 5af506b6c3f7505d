#include "platform/daemon.h"

#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "common/encoding.h"
#include "common/errno_text.h"
#include "common/fd_passing.h"
#include "common/log.h"
#include "platform/pending_connections.h"
#include "platform/protocol.h"

namespace cloister::platform {
namespace {

Result<UniqueFd> listen_unix(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path)
    return Status(ErrorCode::invalid_argument, "socket path too long");
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  // Non-blocking: the accept loop takes what is there and goes back to poll.
  UniqueFd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) return Status(ErrorCode::io_error, std::string("socket: ") + errno_text(errno));
  ::unlink(path.c_str());
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    return Status(ErrorCode::io_error, "cannot bind " + path + ": " + errno_text(errno));
  }
  // Any local user may launch enclaves, as any user may open /dev/sgx_enclave.
  ::chmod(path.c_str(), 0666);
  if (::listen(fd.get(), 64) != 0)
    return Status(ErrorCode::io_error, std::string("listen: ") + errno_text(errno));
  return fd;
}

// A live enclave: its service, and its uid until it has been reaped.
struct RunningEnclave {
  UidLease uid;  // declared first, so it is given back after the service has reaped the enclave
  std::unique_ptr<EnclaveService> service;
};

Result<LaunchedEnclave> launch_one(EnclaveLauncher& launcher, const DaemonOptions& options, int image_fd,
                                   const LaunchRequest& request, UidLease& uid) {
  LaunchParams params = options.enclave_defaults;
  params.slot_capacity = request.slot_capacity;
  params.spin_iterations = request.spin_iterations;
  if (options.enclave_uids) {
    auto lease = options.enclave_uids->acquire();
    if (!lease.is_ok()) return lease.status();
    uid = std::move(lease).value();
    params.enclave_uid = uid.uid();
    params.enclave_gid = static_cast<gid_t>(uid.uid());
  }
  return launcher.launch(image_fd, params);
}

// Answers one launch request; returns the launched enclave, if any.
RunningEnclave handle_connection(EnclaveLauncher& launcher, const DaemonOptions& options, int connection) {
  LaunchReply reply;
  std::vector<int> fds;
  LaunchedEnclave launched;
  UidLease uid;
  auto message = receive_message(connection, kMaxPlatformMessage);
  Status status = message.status();
  if (status.is_ok()) {
    auto request = wire::decode<LaunchRequest>(message->bytes, platform_limits());
    if (!request.is_ok()) {
      status = request.status().with_context("malformed launch request");
    } else if (request->version != LaunchRequest{}.version) {
      status = Status(ErrorCode::invalid_argument,
                      "unsupported launch protocol version " + std::to_string(request->version) +
                          ": the host and the platform daemon come from different releases");
    } else if (message->fds.size() != 1) {
      status = Status(ErrorCode::invalid_argument, "a launch request carries exactly one image descriptor");
    } else {
      auto result = launch_one(launcher, options, message->fds[0].get(), *request, uid);
      status = result.status();
      if (result.is_ok()) launched = std::move(result).value();
    }
  }
  if (status.is_ok()) {
    reply.pid = launched.pid;
    reply.identity = launched.identity;
    reply.config = launched.config;
    reply.development_platform = launcher.identity().development();
    reply.platform_ca_der = launcher.identity().operator_ca_der();
    fds = {launched.channel.get(), launched.lifeline.get()};
    spdlog::info("launched enclave pid {} uid {} measurement {} signer {}", launched.pid,
                 uid.valid() ? std::to_string(uid.uid()) : std::string("(the daemon's)"),
                 to_hex(launched.identity.measurement), to_hex(launched.identity.signer));
  } else {
    reply.status = static_cast<std::uint32_t>(status.code());
    reply.message = status.message();
    spdlog::warn("launch refused: {}", status.message());
  }
  Status sent = send_message(connection, wire::encode(reply), fds);
  if (!sent.is_ok()) spdlog::warn("cannot answer the host: {}", sent.message());
  return RunningEnclave{std::move(uid), std::move(launched.service)};
}

void send_refusal(int connection, ErrorCode code, const std::string& message) {
  // A request left unread when we close would reset the connection, and the
  // peer would see "connection reset" instead of this answer.
  char discard[512];
  while (::recv(connection, discard, sizeof discard, MSG_DONTWAIT) > 0) {
  }
  LaunchReply reply;
  reply.status = static_cast<std::uint32_t>(code);
  reply.message = message;
  (void)send_message(connection, wire::encode(reply));
}

// Takes every connection the listener holds into `pending`, or refuses it
// at once (as busy) when its user already has too many waiting.
void accept_waiting(int listener, PendingConnections& pending, PendingConnections::Clock::time_point now) {
  for (int i = 0; i < 64; ++i) {
    UniqueFd connection(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
    if (!connection.valid()) return;  // EAGAIN: nothing more to take
    // The reply and a ready request never block for long; a peer that does
    // not read its reply loses it.
    timeval timeout{1, 0};
    ::setsockopt(connection.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(connection.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    const uid_t uid = peer_uid(connection.get());
    const std::string refusal = pending.refusal_for(uid);
    if (refusal.empty()) {
      pending.add(std::move(connection), uid, now);
      continue;
    }
    send_refusal(connection.get(), ErrorCode::enclave_busy, refusal + ": try again in a moment");
    spdlog::warn("refused a connection from uid {}: {}", uid, refusal);
  }
}

}  // namespace

Status serve_daemon(EnclaveLauncher& launcher, const DaemonOptions& options) {
  // The daemon holds the platform's keys: no process of its uid may read it
  // either, and the enclaves it forks start from that state.
  ::prctl(PR_SET_DUMPABLE, 0);
  CLOISTER_ASSIGN_OR_RETURN(UniqueFd listener, listen_unix(options.socket_path));
  spdlog::info("platform daemon listening on {} (platform id {})", options.socket_path,
               to_hex(launcher.identity().platform_id()));
  if (options.enclave_uids) {
    spdlog::info("each enclave runs under a uid of its own from {}-{}", options.enclave_uids->range().first,
                 options.enclave_uids->range().last);
  } else {
    spdlog::warn(
        "enclaves run as the daemon's uid {}: every process of that user can signal them; run the "
        "daemon as root to give each enclave a uid of its own",
        ::getuid());
  }
  std::vector<RunningEnclave> running;
  PendingConnections pending(options.connection_limits);
  std::vector<pollfd> fds;
  while (options.stop == nullptr || !options.stop->load()) {
    // An enclave's uid goes back to the pool only once it has been reaped.
    std::erase_if(running, [](const auto& enclave) { return enclave.service->finished(); });
    fds.assign(1, pollfd{listener.get(), POLLIN, 0});
    pending.fill(fds);
    int rc = ::poll(fds.data(), fds.size(), pending.next_timeout_ms(PendingConnections::Clock::now(), 200));
    if (rc < 0 && errno != EINTR) return Status(ErrorCode::io_error, "poll: " + errno_text(errno));
    const auto now = PendingConnections::Clock::now();
    // Only a connection whose request has arrived whole is served: a silent
    // or slow one waits apart, and is closed at its deadline.
    std::vector<UniqueFd> expired;
    for (UniqueFd& connection : pending.take_ready(fds, 1, now, expired)) {
      auto enclave = handle_connection(launcher, options, connection.get());
      if (enclave.service) running.push_back(std::move(enclave));
    }
    for (UniqueFd& connection : expired) {
      send_refusal(connection.get(), ErrorCode::io_error,
                   "the launch request did not arrive in time (the daemon waits " +
                       std::to_string(options.connection_limits.silent_deadline.count()) +
                       " ms): connect when it is ready, and send it at once");
    }
    if (!expired.empty())
      spdlog::warn("closed {} connection(s) that sent no launch request in time", expired.size());
    if (rc > 0 && (fds[0].revents & POLLIN) != 0) accept_waiting(listener.get(), pending, now);
  }
  // The enclaves outlive the daemon, as they outlive a stopped platform
  // service; their uids stay taken, as a restarted daemon sees them in use.
  for (auto& enclave : running) enclave.service->abandon();
  running.clear();
  ::unlink(options.socket_path.c_str());
  spdlog::info("platform daemon stopped");
  return Status::ok();
}

}  // namespace cloister::platform
