// The platform daemon against hostile and broken clients. No enclave image is
// needed: every request here must be refused, and the daemon must keep
// serving after each one.
#include "platform/daemon.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "common/errno_text.h"
#include "common/fd_passing.h"
#include "common/test/temp_dir.h"
#include "crypto/rng.h"
#include "platform/protocol.h"

namespace cloister::platform {
namespace {

using Clock = std::chrono::steady_clock;
using testing::TempDir;

Result<UniqueFd> connect_to(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Status(ErrorCode::io_error, "socket");
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    return Status(ErrorCode::io_error, std::string("connect: ") + errno_text(errno));
  }
  // A daemon that never answers fails the test instead of hanging it.
  timeval timeout{10, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  return fd;
}

Result<LaunchReply> read_reply(int connection) {
  CLOISTER_ASSIGN_OR_RETURN(ReceivedMessage message, receive_message(connection, kMaxPlatformMessage));
  if (!message.fds.empty()) return Status(ErrorCode::internal, "a refused launch came with descriptors");
  return wire::decode<LaunchReply>(message.bytes, platform_limits());
}

UniqueFd open_file(const std::string& path, int flags = O_RDONLY) {
  return UniqueFd(::open(path.c_str(), flags | O_CLOEXEC));
}

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    auto identity = PlatformIdentity::create_development();
    ASSERT_TRUE(identity.is_ok()) << identity.status().to_string();
    launcher_ = std::make_unique<EnclaveLauncher>(
        std::make_shared<const PlatformIdentity>(std::move(identity).value()));
    options_.socket_path = dir_.sub("platform.sock");
    options_.stop = &stop_;
    daemon_ = std::thread([this] { served_ = serve_daemon(*launcher_, options_); });
    // The daemon binds in its own thread; wait until it accepts.
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (!connect_to(options_.socket_path).is_ok()) {
      ASSERT_LT(Clock::now(), deadline) << "the daemon never started listening";
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  void TearDown() override {
    stop_.store(true);
    if (daemon_.joinable()) daemon_.join();
    EXPECT_TRUE(served_.is_ok()) << served_.to_string();
    EXPECT_FALSE(std::filesystem::exists(options_.socket_path)) << "the daemon leaves its socket behind";
  }

  // Sends one message (with descriptors) and returns the daemon's reply.
  Result<LaunchReply> exchange(ByteView bytes, const std::vector<int>& fds = {}) {
    CLOISTER_ASSIGN_OR_RETURN(UniqueFd connection, connect_to(options_.socket_path));
    CLOISTER_RETURN_IF_ERROR(send_message(connection.get(), bytes, fds));
    return read_reply(connection.get());
  }

  static Bytes launch_request() {
    LaunchRequest request;
    request.slot_capacity = 64 * 1024;
    return wire::encode(request);
  }

  // The reply refuses the launch with `code` and a message containing `words`.
  static void expect_refused(const Result<LaunchReply>& reply, ErrorCode code, const std::string& words) {
    ASSERT_TRUE(reply.is_ok()) << "no usable reply: " << reply.status().to_string();
    EXPECT_EQ(reply->status, static_cast<std::uint32_t>(code)) << reply->message;
    EXPECT_NE(reply->message.find(words), std::string::npos) << reply->message;
    EXPECT_EQ(reply->pid, 0);
  }

  // The daemon still answers: the check every test ends with.
  void expect_still_serving() {
    expect_refused(exchange(launch_request()), ErrorCode::invalid_argument, "descriptor");
  }

  TempDir dir_;
  std::unique_ptr<EnclaveLauncher> launcher_;
  DaemonOptions options_;
  std::atomic<bool> stop_{false};
  Status served_;
  std::thread daemon_;
};

TEST_F(DaemonTest, GarbageBytesAreAMalformedRequest) {
  const Bytes garbage = {0xDE, 0xAD, 0xBE, 0xEF, 0x01};
  expect_refused(exchange(garbage), ErrorCode::decode_error, "malformed launch request");
  Bytes trailing = launch_request();
  trailing.push_back(0);
  expect_refused(exchange(trailing), ErrorCode::decode_error, "malformed launch request");
  expect_still_serving();
}

TEST_F(DaemonTest, RequestWithoutImageDescriptorIsRefused) {
  expect_refused(exchange(launch_request()), ErrorCode::invalid_argument, "exactly one image descriptor");
  expect_still_serving();
}

TEST_F(DaemonTest, UnknownProtocolVersionIsRefused) {
  LaunchRequest request;
  request.version = 2;
  request.slot_capacity = 64 * 1024;
  UniqueFd image = open_file("/dev/null");
  expect_refused(exchange(wire::encode(request), {image.get()}), ErrorCode::invalid_argument,
                 "unsupported launch protocol version 2");
  expect_still_serving();
}

TEST_F(DaemonTest, RequestWithTwoDescriptorsIsRefused) {
  UniqueFd a = open_file("/dev/null");
  UniqueFd b = open_file("/dev/null");
  expect_refused(exchange(launch_request(), {a.get(), b.get()}), ErrorCode::invalid_argument,
                 "exactly one image descriptor");
  expect_still_serving();
}

TEST_F(DaemonTest, RandomBytesAreNotAnImage) {
  const std::string path = dir_.sub("random.bin");
  {
    auto random = crypto::random_bytes(4096);
    ASSERT_TRUE(random.is_ok());
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(random->data()), static_cast<std::streamsize>(random->size()));
  }
  UniqueFd image = open_file(path);
  ASSERT_TRUE(image.valid());
  auto reply = exchange(launch_request(), {image.get()});
  ASSERT_TRUE(reply.is_ok()) << reply.status().to_string();
  EXPECT_NE(reply->status, 0u);
  EXPECT_FALSE(reply->message.empty());
  EXPECT_EQ(reply->pid, 0);
  expect_still_serving();
}

TEST_F(DaemonTest, DevNullIsNotAnImage) {
  UniqueFd image = open_file("/dev/null");
  ASSERT_TRUE(image.valid());
  expect_refused(exchange(launch_request(), {image.get()}), ErrorCode::invalid_argument,
                 "not a regular file");
  expect_still_serving();
}

TEST_F(DaemonTest, EmptyFileIsNotAnImage) {
  const std::string path = dir_.sub("empty.bin");
  std::ofstream(path).close();
  UniqueFd image = open_file(path);
  ASSERT_TRUE(image.valid());
  expect_refused(exchange(launch_request(), {image.get()}), ErrorCode::out_of_range, "out of range");
  expect_still_serving();
}

TEST_F(DaemonTest, WriteOnlyDescriptorCannotBeRead) {
  const std::string path = dir_.sub("write-only.bin");
  std::ofstream(path) << "not an image";
  UniqueFd image = open_file(path, O_WRONLY);
  ASSERT_TRUE(image.valid());
  expect_refused(exchange(launch_request(), {image.get()}), ErrorCode::io_error, "cannot read enclave image");
  expect_still_serving();
}

TEST_F(DaemonTest, ClientThatHangsUpAtOnceDoesNotStopTheDaemon) {
  {
    auto connection = connect_to(options_.socket_path);
    ASSERT_TRUE(connection.is_ok());
  }
  expect_still_serving();
}

TEST_F(DaemonTest, ClientThatHangsUpBeforeTheReplyDoesNotStopTheDaemon) {
  {
    auto connection = connect_to(options_.socket_path);
    ASSERT_TRUE(connection.is_ok());
    ASSERT_TRUE(send_message(connection->get(), launch_request()).is_ok());
  }
  // Answering a client that is gone must not kill the daemon (SIGPIPE).
  expect_still_serving();
}

TEST_F(DaemonTest, SilentClientsDoNotDelayOthers) {
  // Each silent client used to hold the daemon for its 5 s receive timeout:
  // eight of them delayed every other host by 40 s.
  std::vector<UniqueFd> silent;
  for (int i = 0; i < 8; ++i) {
    auto connection = connect_to(options_.socket_path);
    ASSERT_TRUE(connection.is_ok());
    silent.push_back(std::move(connection).value());
  }
  const auto start = Clock::now();
  expect_still_serving();
  // The bound this promises: answered at once, well within one silent deadline.
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
  // The silent clients are told why they were dropped, at their deadline.
  for (auto& connection : silent) {
    expect_refused(read_reply(connection.get()), ErrorCode::io_error, "did not arrive in time");
  }
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(9));
}

TEST_F(DaemonTest, AUserWithTooManyWaitingConnectionsIsToldItIsBusy) {
  // An answered request first: by then the daemon has dropped SetUp's probe
  // connection, so the count below is this test's alone.
  expect_still_serving();
  std::vector<UniqueFd> silent;
  for (std::size_t i = 0; i < ConnectionLimits{}.max_pending_per_user; ++i) {
    auto connection = connect_to(options_.socket_path);
    ASSERT_TRUE(connection.is_ok());
    silent.push_back(std::move(connection).value());
  }
  // The next one gets an answer at once, not a wait.
  auto one_more = connect_to(options_.socket_path);
  ASSERT_TRUE(one_more.is_ok());
  expect_refused(read_reply(one_more->get()), ErrorCode::enclave_busy, "too many waiting connections");
  silent.clear();
  // Once they have gone, the user is served again.
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  Result<LaunchReply> reply = exchange(launch_request());
  while (reply.is_ok() && reply->status == static_cast<std::uint32_t>(ErrorCode::enclave_busy) &&
         Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    reply = exchange(launch_request());
  }
  expect_refused(reply, ErrorCode::invalid_argument, "descriptor");
}

TEST(DaemonStartTest, SocketPathTooLongIsAnError) {
  auto identity = PlatformIdentity::create_development();
  ASSERT_TRUE(identity.is_ok());
  EnclaveLauncher launcher(std::make_shared<const PlatformIdentity>(std::move(identity).value()));
  std::atomic<bool> stop{true};
  DaemonOptions options;
  options.socket_path = "/tmp/" + std::string(200, 'x');
  options.stop = &stop;
  Status status = serve_daemon(launcher, options);
  EXPECT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("too long"), std::string::npos) << status.message();
}

// ---- protocol ----

// Every strict prefix of a valid encoding must be refused, never read past its end.
template <typename T>
void expect_every_truncation_refused(const T& value) {
  const Bytes encoded = wire::encode(value);
  auto whole = wire::decode<T>(encoded, platform_limits());
  ASSERT_TRUE(whole.is_ok()) << whole.status().to_string();
  EXPECT_EQ(wire::encode(*whole), encoded);
  for (std::size_t length = 0; length < encoded.size(); ++length) {
    // A copy of exactly `length` bytes, so ASan catches a read past the end.
    const Bytes prefix(encoded.begin(), encoded.begin() + static_cast<std::ptrdiff_t>(length));
    auto decoded = wire::decode<T>(prefix, platform_limits());
    EXPECT_FALSE(decoded.is_ok()) << "a " << length << "-byte prefix of " << encoded.size() << " decoded";
    if (!decoded.is_ok()) {
      EXPECT_EQ(decoded.status().code(), ErrorCode::decode_error);
    }
  }
}

TEST(ProtocolTest, LaunchRequestTruncationsAreRefused) {
  LaunchRequest request;
  request.slot_capacity = 1 << 20;
  request.spin_iterations = 3000;
  expect_every_truncation_refused(request);
}

TEST(ProtocolTest, EnclaveRequestTruncationsAreRefused) {
  EnclaveRequest request;
  request.kind = EnclaveRequestKind::seal_key;
  request.report_data.fill(0x5A);
  request.seal_policy = 2;
  request.seal_svn = 7;
  request.key_id = to_bytes("key id");
  expect_every_truncation_refused(request);
}

TEST(ProtocolTest, RepliesTruncationsAreRefused) {
  LaunchReply launch;
  launch.status = 0;
  launch.message = "ok";
  launch.pid = 1234;
  launch.identity.measurement.fill(1);
  launch.config.max_threads = 4;
  launch.development_platform = true;
  launch.platform_ca_der = Bytes(100, 0x30);
  expect_every_truncation_refused(launch);

  EnclaveReply enclave;
  enclave.message = "fine";
  enclave.evidence = Bytes(50, 0xEE);
  enclave.key = SecretBytes(Bytes(32, 0x4B));
  enclave.platform_ca_der = Bytes(10, 0x30);
  expect_every_truncation_refused(enclave);
}

TEST(ProtocolTest, LimitsRefuseOversizeMessagesAndFields) {
  EnclaveRequest request;
  request.key_id = Bytes(kMaxPlatformMessage, 0);
  auto oversize = wire::decode<EnclaveRequest>(wire::encode(request), platform_limits());
  ASSERT_FALSE(oversize.is_ok());
  EXPECT_EQ(oversize.status().code(), ErrorCode::out_of_range);

  // A length prefix larger than the bytes present is refused before allocating.
  Bytes lying = wire::encode(EnclaveRequest{});
  const std::size_t length_at = lying.size() - 4;
  lying[length_at + 3] = 0x7F;
  auto refused = wire::decode<EnclaveRequest>(lying, platform_limits());
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::decode_error);
}

TEST(ProtocolTest, StatusFromMapsCodes) {
  EXPECT_TRUE(status_from(0, "ignored").is_ok());
  Status denied = status_from(static_cast<std::uint32_t>(ErrorCode::permission_denied), "no");
  EXPECT_EQ(denied.code(), ErrorCode::permission_denied);
  EXPECT_EQ(denied.message(), "no");
  // A peer's unknown code must not become an out-of-range enum value.
  EXPECT_EQ(status_from(9999, "odd").code(), ErrorCode::internal);
}

}  // namespace
}  // namespace cloister::platform
