// End to end: real enclave processes launched through the development
// platform, driven through the public host API.
#include <fcntl.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "cloister/host.h"
#include "common/unique_fd.h"
#include "crypto/sha.h"
#include "enclave/test_calls.h"

namespace cloister {
namespace {

using namespace test_enclave;

Enclave launch(Backend backend = Backend::process, const std::string& image = TEST_ENCLAVE_IMAGE) {
  EnclaveOptions options;
  options.backend = backend;
  auto enclave = Enclave::create(image, options);
  EXPECT_TRUE(enclave.is_ok()) << enclave.status().to_string();
  return std::move(enclave).value();
}

class BothBackends : public ::testing::TestWithParam<Backend> {};

TEST_P(BothBackends, EchoesPayloadsOfEverySize) {
  Enclave enclave = launch(GetParam());
  for (std::size_t size : {0u, 1u, 63u, 4096u, 65537u, 1u << 20}) {
    Bytes data(size);
    for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<std::uint8_t>(i * 31 + 7);
    auto reply = enclave.call(Echo{.data = data});
    ASSERT_TRUE(reply.is_ok()) << size << ": " << reply.status().to_string();
    EXPECT_EQ(reply->data, data);
  }
}

TEST_P(BothBackends, OcallsAreServedByTheCallingThread) {
  Enclave enclave = launch(GetParam());
  std::thread::id caller = std::this_thread::get_id();
  bool other_thread = false;
  enclave.on_ocall<Increment>([&](const Increment& request) -> Result<Increment::Reply> {
    if (std::this_thread::get_id() != caller) other_thread = true;
    return Increment::Reply{.value = request.value + 1};
  });
  auto reply = enclave.call(OcallLoop{.count = 100});
  ASSERT_TRUE(reply.is_ok()) << reply.status().to_string();
  EXPECT_EQ(reply->total, 100u * 99u / 2u + 100u);
  EXPECT_FALSE(other_thread);
}

TEST_P(BothBackends, EightConcurrentCallersGetTheirOwnResults) {
  Enclave enclave = launch(GetParam());
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  std::atomic<std::uint32_t> most_inside{0};
  threads.reserve(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (std::uint64_t i = 0; i < 50; ++i) {
        std::uint64_t input = static_cast<std::uint64_t>(t) * 1000 + i;
        auto reply = enclave.call(Work{.input = input, .sleep_ms = i % 10 == 0 ? 20u : 0u});
        if (!reply.is_ok() || reply->output != input * input + 1) ++wrong;
        if (reply.is_ok()) most_inside = std::max(most_inside.load(), reply->threads_inside);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GT(most_inside.load(), 1u) << "calls never overlapped inside the enclave";
  EXPECT_LE(most_inside.load(), enclave.config().max_threads);
}

TEST_P(BothBackends, BadRequestsGetErrorsAndTheEnclaveKeepsServing) {
  Enclave enclave = launch(GetParam());
  auto unknown = enclave.call_raw(9999, {});
  EXPECT_EQ(unknown.status().code(), ErrorCode::unknown_call);
  Bytes garbage = {0xff, 0xff, 0xff, 0xff, 1, 2, 3};
  auto malformed = enclave.call_raw(Echo::id, garbage);
  EXPECT_FALSE(malformed.is_ok());
  EXPECT_NE(malformed.status().message().find("malformed request"), std::string::npos);
  auto thrown = enclave.call(Misbehave{.kind = Misbehave::throw_exception});
  EXPECT_EQ(thrown.status().code(), ErrorCode::internal);
  EXPECT_NE(thrown.status().message().find("deliberate failure"), std::string::npos);
  auto ok = enclave.call(Echo{.data = {1, 2, 3}});
  ASSERT_TRUE(ok.is_ok()) << ok.status().to_string();
}

TEST_P(BothBackends, OversizePayloadIsRefusedBeforeItIsSent) {
  EnclaveOptions options;
  options.backend = GetParam();
  options.max_message_size = 64 * 1024;
  auto enclave = Enclave::create(TEST_ENCLAVE_IMAGE, options);
  ASSERT_TRUE(enclave.is_ok());
  if (GetParam() == Backend::sim) GTEST_SKIP() << "the sim backend has no channel to overflow";
  auto reply = enclave->call(Echo{.data = Bytes(128 * 1024)});
  EXPECT_EQ(reply.status().code(), ErrorCode::out_of_range);
  EXPECT_NE(reply.status().message().find("max_message_size"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, BothBackends, ::testing::Values(Backend::process, Backend::sim),
                         [](const auto& info) { return info.param == Backend::sim ? "sim" : "process"; });

TEST(ProcessBackend, ForbiddenSystemCallEndsTheEnclaveWithAClearError) {
  Enclave enclave = launch();
  auto reply = enclave.call(Misbehave{.kind = Misbehave::open_file, .path = "/etc/passwd"});
  ASSERT_FALSE(reply.is_ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::enclave_terminated);
  EXPECT_NE(reply.status().message().find("forbidden system call open"), std::string::npos)
      << reply.status().message();
  // Later calls fail fast, and the host can start another enclave.
  EXPECT_EQ(enclave.call(Empty{}).status().code(), ErrorCode::enclave_terminated);
  Enclave fresh = launch();
  EXPECT_TRUE(fresh.call(Empty{}).is_ok());
}

TEST(ProcessBackend, ProcessCreationAndExecutableMemoryAreForbidden) {
  for (auto kind : {Misbehave::spawn_process, Misbehave::exec_memory}) {
    Enclave enclave = launch();
    auto reply = enclave.call(Misbehave{.kind = kind});
    ASSERT_FALSE(reply.is_ok());
    EXPECT_NE(reply.status().message().find("forbidden system call"), std::string::npos)
        << reply.status().message();
  }
}

// The launcher moves descriptors above 100 before exec; a host that already
// has descriptors there must still get a working enclave.
TEST(ProcessBackend, LaunchesWhenTheHostHasManyOpenFiles) {
  std::vector<UniqueFd> held;
  held.reserve(300);
  for (int i = 0; i < 300; ++i) held.emplace_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  Enclave enclave = launch();
  EXPECT_TRUE(enclave.call(Empty{}).is_ok());
}

TEST(ProcessBackend, CrashIsReportedAsAFatalSignal) {
  Enclave enclave = launch();
  auto reply = enclave.call(Misbehave{.kind = Misbehave::crash});
  ASSERT_FALSE(reply.is_ok());
  EXPECT_EQ(reply.status().message(), "enclave terminated: fatal signal SIGSEGV");
}

TEST(ProcessBackend, TamperedOrMissingImagesAreRefused) {
  auto missing = Enclave::create("/nonexistent/enclave.signed", {});
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.status().message().find("cannot open enclave image"), std::string::npos);

  std::ifstream in(TEST_ENCLAVE_IMAGE, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto path = std::filesystem::temp_directory_path() / ("tampered-" + std::to_string(::getpid()) + ".signed");
  for (std::size_t offset : {std::size_t{100}, bytes.size() / 2, bytes.size() - 200}) {
    std::string tampered = bytes;
    tampered[offset] = static_cast<char>(tampered[offset] ^ 0x01);
    std::ofstream(path, std::ios::binary) << tampered;
    for (auto backend : {Backend::process, Backend::sim}) {
      EnclaveOptions options;
      options.backend = backend;
      auto enclave = Enclave::create(path.string(), options);
      ASSERT_FALSE(enclave.is_ok()) << "offset " << offset;
      EXPECT_NE(enclave.status().message().find("signature"), std::string::npos)
          << enclave.status().message();
    }
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace cloister
