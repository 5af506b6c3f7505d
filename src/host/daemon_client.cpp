#include "host/daemon_client.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "common/errno_text.h"
#include "common/fd_passing.h"
#include "platform/protocol.h"

namespace cloister {

Result<UniqueFd> connect_unix(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path)
    return Status(ErrorCode::invalid_argument, "socket path too long: " + path);
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Status(ErrorCode::io_error, std::string("socket: ") + errno_text(errno));
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    return Status(ErrorCode::io_error, "cannot reach the platform daemon at " + path + ": " +
                                           errno_text(errno) +
                                           " (start it with `cloister platform serve`, or unset "
                                           "CLOISTER_PLATFORM_SOCKET to use the development platform)");
  }
  return fd;
}

Result<DaemonLaunch> launch_with_daemon(const std::string& socket_path, int image_fd,
                                        const platform::LaunchParams& params) {
  CLOISTER_ASSIGN_OR_RETURN(UniqueFd connection, connect_unix(socket_path));
  platform::LaunchRequest request;
  request.slot_capacity = params.slot_capacity;
  request.spin_iterations = params.spin_iterations;
  CLOISTER_RETURN_IF_ERROR(send_message(connection.get(), wire::encode(request), {image_fd}));
  CLOISTER_ASSIGN_OR_RETURN(ReceivedMessage message,
                            receive_message(connection.get(), platform::kMaxPlatformMessage));
  auto reply = wire::decode<platform::LaunchReply>(message.bytes, platform::platform_limits());
  if (!reply.is_ok()) return reply.status().with_context("malformed reply from the platform daemon");
  CLOISTER_RETURN_IF_ERROR(platform::status_from(reply->status, reply->message));
  if (message.fds.size() != 2) return Status(ErrorCode::internal, "the platform daemon sent no channel");
  DaemonLaunch launch;
  launch.enclave.pid = reply->pid;
  launch.enclave.channel = std::move(message.fds[0]);
  launch.enclave.lifeline = std::move(message.fds[1]);
  launch.enclave.identity = reply->identity;
  launch.enclave.config = reply->config;
  launch.development_platform = reply->development_platform;
  launch.platform_ca_der = std::move(reply->platform_ca_der);
  return launch;
}

}  // namespace cloister
