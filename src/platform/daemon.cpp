#include "platform/daemon.h"

#include <poll.h>
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
#include "platform/protocol.h"

namespace cloister::platform {
namespace {

Result<UniqueFd> listen_unix(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path)
    return Status(ErrorCode::invalid_argument, "socket path too long");
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
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

// Answers one launch request; returns the launched enclave's service, if any.
std::unique_ptr<EnclaveService> handle_connection(EnclaveLauncher& launcher, const DaemonOptions& options,
                                                  int connection) {
  LaunchReply reply;
  std::vector<int> fds;
  LaunchedEnclave launched;
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
      LaunchParams params = options.enclave_defaults;
      params.slot_capacity = request->slot_capacity;
      params.spin_iterations = request->spin_iterations;
      auto result = launcher.launch(message->fds[0].get(), params);
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
    spdlog::info("launched enclave pid {} measurement {} signer {}", launched.pid,
                 to_hex(launched.identity.measurement), to_hex(launched.identity.signer));
  } else {
    reply.status = static_cast<std::uint32_t>(status.code());
    reply.message = status.message();
    spdlog::warn("launch refused: {}", status.message());
  }
  Status sent = send_message(connection, wire::encode(reply), fds);
  if (!sent.is_ok()) spdlog::warn("cannot answer the host: {}", sent.message());
  return std::move(launched.service);
}

}  // namespace

Status serve_daemon(EnclaveLauncher& launcher, const DaemonOptions& options) {
  CLOISTER_ASSIGN_OR_RETURN(UniqueFd listener, listen_unix(options.socket_path));
  spdlog::info("platform daemon listening on {} (platform id {})", options.socket_path,
               to_hex(launcher.identity().platform_id()));
  std::vector<std::unique_ptr<EnclaveService>> services;
  while (options.stop == nullptr || !options.stop->load()) {
    std::erase_if(services, [](const auto& service) { return service->finished(); });
    pollfd pfd{listener.get(), POLLIN, 0};
    int rc = ::poll(&pfd, 1, 200);
    if (rc <= 0) continue;
    UniqueFd connection(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!connection.valid()) continue;
    // A slow or silent client must not stall the daemon for others.
    timeval timeout{5, 0};
    ::setsockopt(connection.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    auto service = handle_connection(launcher, options, connection.get());
    if (service) services.push_back(std::move(service));
  }
  // The enclaves outlive the daemon, as they outlive a stopped platform service.
  for (auto& service : services) service->abandon();
  services.clear();
  ::unlink(options.socket_path.c_str());
  spdlog::info("platform daemon stopped");
  return Status::ok();
}

}  // namespace cloister::platform
