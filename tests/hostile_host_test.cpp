// A hostile host: launches a real enclave, then writes garbage straight into
// the shared channel instead of using the host library. The enclave must
// answer every bad message with an error and keep serving.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <random>

#include "enclave/channel_layout.h"
#include "enclave/futex.h"
#include "enclave/test_calls.h"
#include "platform/launcher.h"

namespace cloister {
namespace {

using namespace test_enclave;

class HostileHost : public ::testing::Test {
 protected:
  void SetUp() override {
    UniqueFd image(::open(TEST_ENCLAVE_IMAGE, O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(image.valid());
    platform::LaunchParams params;
    params.slot_capacity = 64 * 1024;
    auto launched = platform::development_launcher()->launch(image.get(), params);
    ASSERT_TRUE(launched.is_ok()) << launched.status().to_string();
    enclave_ = std::move(launched).value();
    struct stat st {};
    ASSERT_EQ(::fstat(enclave_.channel.get(), &st), 0);
    size_ = static_cast<std::size_t>(st.st_size);
    base_ = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED, enclave_.channel.get(), 0);
    ASSERT_NE(base_, MAP_FAILED);
    header_ = static_cast<channel::Header*>(base_);
    capacity_ = header_->slot_capacity;
    slot_count_ = header_->slot_count;
    for (int i = 0; i < 1000 && header_->ready.load() == 0; ++i) {
      futex_wait(header_->ready, 0, std::chrono::milliseconds(10));
    }
    ASSERT_EQ(header_->ready.load(), 1u);
  }

  void TearDown() override {
    if (base_ != nullptr && base_ != MAP_FAILED) ::munmap(base_, size_);
    enclave_.lifeline.reset();
  }

  channel::SlotHeader* slot(std::uint32_t index) { return channel::slot_at(base_, capacity_, index); }

  // Sends whatever the test wrote into the slot and waits for the reply.
  std::uint32_t exchange(channel::SlotHeader* s) {
    publish(s->state, channel::kRequest, s->enclave_sleeping);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    return wait_for_change(s->state, channel::kRequest, s->host_sleeping, 0, std::chrono::milliseconds(10),
                           [&] { return std::chrono::steady_clock::now() < deadline; });
  }

  std::string reply_text(channel::SlotHeader* s) {
    std::uint32_t length = std::min(s->length, capacity_);
    return {reinterpret_cast<const char*>(channel::payload_of(s)), length};
  }

  bool echo_works(std::uint32_t index) {
    channel::SlotHeader* s = slot(index);
    Bytes request = wire::encode(Echo{.data = {1, 2, 3}});
    s->call_id = Echo::id;
    s->length = static_cast<std::uint32_t>(request.size());
    std::memcpy(channel::payload_of(s), request.data(), request.size());
    if (exchange(s) != channel::kReply || s->status != 0) return false;
    auto reply = wire::decode<Echo::Reply>(ByteView(channel::payload_of(s), s->length));
    return reply.is_ok() && reply->data == Bytes{1, 2, 3};
  }

  platform::LaunchedEnclave enclave_;
  void* base_ = nullptr;
  std::size_t size_ = 0;
  channel::Header* header_ = nullptr;
  std::uint32_t capacity_ = 0;
  std::uint32_t slot_count_ = 0;
};

TEST_F(HostileHost, LengthBeyondTheBufferIsAnError) {
  channel::SlotHeader* s = slot(0);
  for (std::uint32_t length : {capacity_ + 1, 0xFFFFFFFFu, capacity_ * 2}) {
    s->call_id = Echo::id;
    s->length = length;
    ASSERT_EQ(exchange(s), channel::kReply);
    EXPECT_EQ(s->status, static_cast<std::uint32_t>(ErrorCode::out_of_range));
    EXPECT_NE(reply_text(s).find("exceeds the channel capacity"), std::string::npos) << reply_text(s);
  }
  EXPECT_TRUE(echo_works(0));
}

TEST_F(HostileHost, RandomPayloadsAndCallIdsGetErrors) {
  std::mt19937 random(1234);
  for (int round = 0; round < 300; ++round) {
    channel::SlotHeader* s = slot(static_cast<std::uint32_t>(round) % slot_count_);
    std::uint32_t length = random() % 512;
    for (std::uint32_t i = 0; i < length; ++i)
      channel::payload_of(s)[i] = static_cast<std::uint8_t>(random());
    // Mostly real call ids, so the garbage reaches the decoders.
    s->call_id = round % 4 == 0 ? random() : static_cast<std::uint32_t>(round % 10 + 1);
    if (s->call_id == Misbehave::id) s->call_id = Echo::id;  // asking it to crash is not garbage
    s->length = length;
    ASSERT_EQ(exchange(s), channel::kReply) << "round " << round;
  }
  for (std::uint32_t i = 0; i < slot_count_; ++i) EXPECT_TRUE(echo_works(i)) << i;
}

TEST_F(HostileHost, GarbageStatesAndHeaderRewritesAreIgnored) {
  channel::SlotHeader* s = slot(1);
  for (std::uint32_t state : {7u, 0xFFFFFFFFu, static_cast<std::uint32_t>(channel::kOcallReply)}) {
    publish(s->state, state, s->enclave_sleeping);
  }
  // The enclave read these once at start-up; rewriting them changes nothing.
  header_->slot_count = 100000;
  header_->slot_capacity = 0xFFFFFFFF;
  header_->magic = 0;
  EXPECT_TRUE(echo_works(1));
  EXPECT_TRUE(echo_works(0));
}

}  // namespace
}  // namespace cloister
