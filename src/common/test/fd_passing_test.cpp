#include "common/fd_passing.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <string>

#include "common/errno_text.h"

namespace cloister {
namespace {

// Open descriptors in this process; a difference before and after an
// operation is a leak.
int open_fd_count() {
  int count = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  while (dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  ::closedir(dir);
  return count - 1;  // the directory stream's own descriptor
}

struct SocketPair {
  SocketPair() {
    int fds[2] = {-1, -1};
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds), 0) << errno_text(errno);
    a.reset(fds[0]);
    b.reset(fds[1]);
  }
  UniqueFd a;
  UniqueFd b;
};

struct Pipe {
  Pipe() {
    int fds[2] = {-1, -1};
    EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    read_end.reset(fds[0]);
    write_end.reset(fds[1]);
  }
  UniqueFd read_end;
  UniqueFd write_end;
};

bool readable(int fd) {
  pollfd pfd{fd, POLLIN, 0};
  return ::poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN) != 0;
}

TEST(FdPassingTest, BytesRoundTrip) {
  SocketPair sockets;
  const Bytes message = to_bytes("hello over seqpacket");
  ASSERT_TRUE(send_message(sockets.a.get(), message).is_ok());
  auto received = receive_message(sockets.b.get(), 1024);
  ASSERT_TRUE(received.is_ok()) << received.status().to_string();
  EXPECT_EQ(received->bytes, message);
  EXPECT_TRUE(received->fds.empty());
}

TEST(FdPassingTest, MessageBoundariesAreKept) {
  SocketPair sockets;
  ASSERT_TRUE(send_message(sockets.a.get(), to_bytes("first")).is_ok());
  ASSERT_TRUE(send_message(sockets.a.get(), to_bytes("second message")).is_ok());
  auto first = receive_message(sockets.b.get(), 1024);
  auto second = receive_message(sockets.b.get(), 1024);
  ASSERT_TRUE(first.is_ok());
  ASSERT_TRUE(second.is_ok());
  EXPECT_EQ(to_string(first->bytes), "first");
  EXPECT_EQ(to_string(second->bytes), "second message");
}

TEST(FdPassingTest, MessageOfExactlyMaxSizeFits) {
  SocketPair sockets;
  const Bytes message(64, 0xAB);
  ASSERT_TRUE(send_message(sockets.a.get(), message).is_ok());
  auto received = receive_message(sockets.b.get(), message.size());
  ASSERT_TRUE(received.is_ok()) << received.status().to_string();
  EXPECT_EQ(received->bytes, message);
}

TEST(FdPassingTest, PassesTwoUsableDescriptors) {
  SocketPair sockets;
  Pipe pipe;
  const int before = open_fd_count();
  ASSERT_TRUE(
      send_message(sockets.a.get(), to_bytes("pipe"), {pipe.read_end.get(), pipe.write_end.get()}).is_ok());
  auto received = receive_message(sockets.b.get(), 1024);
  ASSERT_TRUE(received.is_ok()) << received.status().to_string();
  EXPECT_EQ(to_string(received->bytes), "pipe");
  ASSERT_EQ(received->fds.size(), 2u);
  EXPECT_EQ(open_fd_count(), before + 2);

  // The received descriptors are new numbers for the same pipe, close-on-exec.
  const int read_fd = received->fds[0].get();
  const int write_fd = received->fds[1].get();
  EXPECT_NE(read_fd, pipe.read_end.get());
  EXPECT_NE(write_fd, pipe.write_end.get());
  EXPECT_NE(::fcntl(read_fd, F_GETFD) & FD_CLOEXEC, 0);
  EXPECT_NE(::fcntl(write_fd, F_GETFD) & FD_CLOEXEC, 0);
  ASSERT_EQ(::write(write_fd, "xyz", 3), 3);
  std::array<char, 8> buffer{};
  ASSERT_EQ(::read(pipe.read_end.get(), buffer.data(), buffer.size()), 3);
  EXPECT_EQ(std::string(buffer.data(), 3), "xyz");
  ASSERT_EQ(::write(pipe.write_end.get(), "ab", 2), 2);
  ASSERT_EQ(::read(read_fd, buffer.data(), buffer.size()), 2);
  EXPECT_EQ(std::string(buffer.data(), 2), "ab");

  received = Status(ErrorCode::internal, "drop");  // closes the received copies
  EXPECT_EQ(open_fd_count(), before);
}

TEST(FdPassingTest, DescriptorsWithAnEmptyMessageAreNotAHangUp) {
  SocketPair sockets;
  Pipe pipe;
  ASSERT_TRUE(send_message(sockets.a.get(), {}, {pipe.read_end.get()}).is_ok());
  auto received = receive_message(sockets.b.get(), 16);
  ASSERT_TRUE(received.is_ok()) << received.status().to_string();
  EXPECT_TRUE(received->bytes.empty());
  EXPECT_EQ(received->fds.size(), 1u);
}

TEST(FdPassingTest, OversizeMessageIsOutOfRangeAndLeaksNoDescriptor) {
  SocketPair sockets;
  Pipe pipe;
  const int before = open_fd_count();
  ASSERT_TRUE(
      send_message(sockets.a.get(), Bytes(100, 0x11), {pipe.read_end.get(), pipe.write_end.get()}).is_ok());
  auto received = receive_message(sockets.b.get(), 10);
  ASSERT_FALSE(received.is_ok());
  EXPECT_EQ(received.status().code(), ErrorCode::out_of_range);
  EXPECT_NE(received.status().message().find("10 bytes"), std::string::npos) << received.status().message();
  EXPECT_EQ(open_fd_count(), before);
  // The rest of the oversize record is gone: the next message arrives whole.
  ASSERT_TRUE(send_message(sockets.a.get(), to_bytes("next")).is_ok());
  auto next = receive_message(sockets.b.get(), 10);
  ASSERT_TRUE(next.is_ok());
  EXPECT_EQ(to_string(next->bytes), "next");
}

TEST(FdPassingTest, TooManyDescriptorsFromAHostilePeerAreRefusedAndClosed) {
  // send_message refuses more than kMaxPassedFds, so build the message by hand
  // as a hostile peer would.
  SocketPair sockets;
  Pipe pipe;
  constexpr std::size_t kCount = kMaxPassedFds + 2;
  std::array<int, kCount> fds{};
  fds.fill(pipe.write_end.get());
  const int before = open_fd_count();
  char byte = 'x';
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kCount)] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int) * kCount);
  std::memcpy(CMSG_DATA(cmsg), fds.data(), sizeof(int) * kCount);
  ASSERT_EQ(::sendmsg(sockets.a.get(), &msg, 0), 1) << errno_text(errno);

  auto received = receive_message(sockets.b.get(), 16);
  ASSERT_FALSE(received.is_ok());
  EXPECT_EQ(received.status().code(), ErrorCode::out_of_range);
  EXPECT_EQ(open_fd_count(), before);
  // Every copy of the write end is gone: closing ours leaves the pipe at EOF.
  pipe.write_end.reset();
  std::array<char, 4> buffer{};
  EXPECT_EQ(::read(pipe.read_end.get(), buffer.data(), buffer.size()), 0);
}

TEST(FdPassingTest, PeerClosedIsIoError) {
  SocketPair sockets;
  sockets.a.reset();
  auto received = receive_message(sockets.b.get(), 1024);
  ASSERT_FALSE(received.is_ok());
  EXPECT_EQ(received.status().code(), ErrorCode::io_error);
  EXPECT_EQ(received.status().message(), "peer closed the connection");
}

TEST(FdPassingTest, QueuedMessageIsStillDeliveredAfterThePeerCloses) {
  SocketPair sockets;
  ASSERT_TRUE(send_message(sockets.a.get(), to_bytes("last words")).is_ok());
  sockets.a.reset();
  auto received = receive_message(sockets.b.get(), 1024);
  ASSERT_TRUE(received.is_ok());
  EXPECT_EQ(to_string(received->bytes), "last words");
  auto after = receive_message(sockets.b.get(), 1024);
  ASSERT_FALSE(after.is_ok());
  EXPECT_EQ(after.status().message(), "peer closed the connection");
}

TEST(FdPassingTest, ReceiveTimeoutSaysSo) {
  SocketPair sockets;
  timeval timeout{0, 50'000};
  ASSERT_EQ(::setsockopt(sockets.b.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout), 0);
  auto received = receive_message(sockets.b.get(), 16);
  ASSERT_FALSE(received.is_ok());
  EXPECT_EQ(received.status().code(), ErrorCode::io_error);
  EXPECT_NE(received.status().message().find("timed out"), std::string::npos) << received.status().message();
}

TEST(FdPassingTest, SendToClosedPeerIsIoErrorNotSigpipe) {
  SocketPair sockets;
  sockets.b.reset();
  Status sent = send_message(sockets.a.get(), to_bytes("nobody listens"));
  ASSERT_FALSE(sent.is_ok());
  EXPECT_EQ(sent.code(), ErrorCode::io_error);
}

TEST(FdPassingTest, TooManyDescriptorsToSendIsInvalidArgument) {
  SocketPair sockets;
  Pipe pipe;
  std::vector<int> fds(kMaxPassedFds + 1, pipe.read_end.get());
  Status sent = send_message(sockets.a.get(), to_bytes("x"), fds);
  ASSERT_FALSE(sent.is_ok());
  EXPECT_EQ(sent.code(), ErrorCode::invalid_argument);
  EXPECT_FALSE(readable(sockets.b.get())) << "nothing may be sent when the request is refused";

  // The limit itself is fine.
  fds.resize(kMaxPassedFds);
  ASSERT_TRUE(send_message(sockets.a.get(), to_bytes("x"), fds).is_ok());
  auto received = receive_message(sockets.b.get(), 16);
  ASSERT_TRUE(received.is_ok()) << received.status().to_string();
  EXPECT_EQ(received->fds.size(), kMaxPassedFds);
}

TEST(FdPassingTest, ReceiveOnABadDescriptorIsIoError) {
  auto received = receive_message(-1, 16);
  ASSERT_FALSE(received.is_ok());
  EXPECT_EQ(received.status().code(), ErrorCode::io_error);
  EXPECT_FALSE(send_message(-1, to_bytes("x")).is_ok());
}

}  // namespace
}  // namespace cloister
