#include "common/fd_passing.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "common/errno_text.h"

namespace cloister {

Status send_message(int socket, ByteView message, const std::vector<int>& fds) {
  if (fds.size() > kMaxPassedFds)
    return Status(ErrorCode::invalid_argument, "too many file descriptors to pass");
  iovec iov{const_cast<std::uint8_t*>(message.data()), message.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxPassedFds)] = {};
  if (!fds.empty()) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(cmsg), fds.data(), sizeof(int) * fds.size());
  }
  for (;;) {
    ssize_t sent = ::sendmsg(socket, &msg, MSG_NOSIGNAL);
    if (sent >= 0) return Status::ok();
    if (errno == EINTR) continue;
    return Status(ErrorCode::io_error, std::string("send failed: ") + errno_text(errno));
  }
}

Result<ReceivedMessage> receive_message(int socket, std::size_t max_size) {
  ReceivedMessage out;
  out.bytes.resize(max_size);
  iovec iov{out.bytes.data(), out.bytes.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxPassedFds)] = {};
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t received = 0;
  for (;;) {
    received = ::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
    if (received >= 0) break;
    if (errno == EINTR) continue;
    // SO_RCVTIMEO expiry reads as EAGAIN; say what happened, not "try again".
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return Status(ErrorCode::io_error, "receive timed out: the peer sent nothing");
    }
    return Status(ErrorCode::io_error, std::string("receive failed: ") + errno_text(errno));
  }
  // Take ownership of passed descriptors first, so none leaks on an error below.
  for (cmsghdr* cmsg = CMSG_FIRSTHDR(&msg); cmsg != nullptr; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
    if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS) {
      std::size_t count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (std::size_t i = 0; i < count; ++i) {
        int fd = -1;
        std::memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
        out.fds.emplace_back(fd);
      }
    }
  }
  if (received == 0 && out.fds.empty()) return Status(ErrorCode::io_error, "peer closed the connection");
  if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) {
    return Status(ErrorCode::out_of_range, "message larger than " + std::to_string(max_size) + " bytes");
  }
  out.bytes.resize(static_cast<std::size_t>(received));
  return out;
}

}  // namespace cloister
