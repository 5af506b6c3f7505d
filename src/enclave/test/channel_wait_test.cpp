// wait_for_change/publish, the hand-off both sides of a channel slot use:
// two threads, and two processes over a MAP_SHARED mapping as in the real
// channel. A lost wake-up shows up as a sleep that runs to the end of its
// slice, so the slices here are long and every expiry is counted; an overall
// deadline makes a bug fail the test instead of hanging it.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <new>
#include <thread>

#include "enclave/futex.h"

namespace cloister {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kOverallTimeout = std::chrono::seconds(30);
// Long enough that a slice only expires when a wake-up was lost (or the
// machine stalled a thread for seconds).
constexpr std::chrono::microseconds kLongSlice{5'000'000};

// The word and each side's sleeping flag, laid out like a channel slot:
// the word on its own line, the flags on another.
struct Shared {
  alignas(64) std::atomic<std::uint32_t> word{0};
  alignas(64) std::atomic<std::uint32_t> a_sleeping{0};
  std::atomic<std::uint32_t> b_sleeping{0};
};

struct Outcome {
  std::uint32_t completed = 0;       // hand-offs that saw the expected state
  std::uint32_t expired_slices = 0;  // sleeps that lasted a whole slice: not woken
  std::uint32_t wrong_states = 0;    // woke to a state other than the one expected
};

struct Params {
  std::uint32_t handoffs = 0;
  std::uint32_t spin = 0;
  std::chrono::microseconds slice = kLongSlice;
};

// Side A publishes odd states and waits for the next even one; side B waits
// for each odd state and answers with the next even one: a ping-pong where
// every step needs the other side to notice a change.
// Asked by wait_for_change each time a sleep ends with the word unchanged.
// That is a lost wake-up only if the sleep lasted its whole slice: a wake
// meant for an earlier state can land late (the publisher was preempted
// between seeing the flag and calling futex_wake) and end a sleep early,
// which the waiter survives by sleeping again.
class SliceWatch {
 public:
  SliceWatch(Outcome& out, const Params& params, Clock::time_point deadline)
      : out_(out), slice_(params.slice), deadline_(deadline) {}
  void waiting() { since_ = Clock::now(); }
  bool operator()() {
    const auto now = Clock::now();
    if (now - since_ >= slice_) ++out_.expired_slices;
    since_ = now;
    return now < deadline_;
  }

 private:
  Outcome& out_;
  std::chrono::microseconds slice_;
  Clock::time_point deadline_;
  Clock::time_point since_{};
};

Outcome run_side_a(Shared& shared, const Params& params, Clock::time_point deadline) {
  Outcome out;
  SliceWatch watch(out, params, deadline);
  auto keep_waiting = [&] { return watch(); };
  for (std::uint32_t i = 0; i < params.handoffs; ++i) {
    const std::uint32_t sent = 2 * i + 1;
    publish(shared.word, sent, shared.b_sleeping);
    watch.waiting();
    std::uint32_t got =
        wait_for_change(shared.word, sent, shared.a_sleeping, params.spin, params.slice, keep_waiting);
    if (got == sent) break;  // gave up: deadline
    if (got != sent + 1) {
      ++out.wrong_states;
      break;
    }
    ++out.completed;
  }
  return out;
}

Outcome run_side_b(Shared& shared, const Params& params, Clock::time_point deadline) {
  Outcome out;
  SliceWatch watch(out, params, deadline);
  auto keep_waiting = [&] { return watch(); };
  for (std::uint32_t i = 0; i < params.handoffs; ++i) {
    const std::uint32_t current = 2 * i;
    watch.waiting();
    std::uint32_t got =
        wait_for_change(shared.word, current, shared.b_sleeping, params.spin, params.slice, keep_waiting);
    if (got == current) break;
    if (got != current + 1) {
      ++out.wrong_states;
      break;
    }
    ++out.completed;
    publish(shared.word, current + 2, shared.a_sleeping);
  }
  return out;
}

void expect_clean(const Outcome& out, const Params& params, const char* side) {
  EXPECT_EQ(out.completed, params.handoffs) << side << ": hand-offs did not all complete";
  EXPECT_EQ(out.wrong_states, 0u) << side;
  EXPECT_EQ(out.expired_slices, 0u) << side << ": a sleep ran to the end of its slice (lost wake-up?)";
}

void run_threads(const Params& params) {
  Shared shared;
  const auto deadline = Clock::now() + kOverallTimeout;
  Outcome b;
  std::thread responder([&] { b = run_side_b(shared, params, deadline); });
  Outcome a = run_side_a(shared, params, deadline);
  responder.join();
  expect_clean(a, params, "side A");
  expect_clean(b, params, "side B");
  EXPECT_EQ(shared.word.load(), 2 * params.handoffs);
}

TEST(ChannelWaitTest, ThreadsSpinOnly) {
  // A spin budget far beyond any hand-off on idle cores. Few hand-offs: when
  // both sides share one busy core, each may burn its whole budget first.
  run_threads({.handoffs = 1'000, .spin = 1u << 16});
}

TEST(ChannelWaitTest, ThreadsSleepOnly) {
  run_threads({.handoffs = 20'000, .spin = 0});
}

TEST(ChannelWaitTest, ThreadsBrieflySpinThenSleep) {
  // A short spin lands many changes right at the switch from spinning to
  // announcing the sleep, the window a lost wake-up would hide in.
  run_threads({.handoffs = 20'000, .spin = 64});
}

void run_processes(const Params& params) {
  void* memory = ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(memory, MAP_FAILED);
  auto* shared = new (memory) Shared{};
  const auto deadline = Clock::now() + kOverallTimeout;
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child only runs side B and reports through its exit status; it
    // never returns into the test framework.
    Outcome b = run_side_b(*shared, params, deadline);
    bool clean = b.completed == params.handoffs && b.wrong_states == 0 && b.expired_slices == 0;
    ::_exit(clean ? 0 : 1);
  }
  Outcome a = run_side_a(*shared, params, deadline);
  if (a.completed != params.handoffs) ::kill(child, SIGKILL);  // do not wait for a child stuck on a bug
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  expect_clean(a, params, "parent (side A)");
  ASSERT_TRUE(WIFEXITED(status)) << "child did not exit normally";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "child (side B) saw a lost wake-up or a wrong state";
  EXPECT_EQ(shared->word.load(), 2 * params.handoffs);
  shared->~Shared();
  ::munmap(memory, sizeof(Shared));
}

TEST(ChannelWaitTest, ProcessesSpinOnly) {
  run_processes({.handoffs = 1'000, .spin = 1u << 16});
}

TEST(ChannelWaitTest, ProcessesSleepOnly) {
  // The mapping sits at the same address in both processes, but they are
  // different address spaces: only a shared (not FUTEX_PRIVATE) futex wakes
  // across them.
  run_processes({.handoffs = 10'000, .spin = 0});
}

TEST(ChannelWaitTest, ReturnsAtOnceWhenAlreadyChanged) {
  std::atomic<std::uint32_t> word{6};
  std::atomic<std::uint32_t> sleeping{0};
  int asked = 0;
  auto keep_waiting = [&] {
    ++asked;
    return false;
  };
  EXPECT_EQ(wait_for_change(word, 5, sleeping, 0, kLongSlice, keep_waiting), 6u);
  EXPECT_EQ(wait_for_change(word, 5, sleeping, 1000, kLongSlice, keep_waiting), 6u);
  EXPECT_EQ(asked, 0);
  EXPECT_EQ(sleeping.load(), 0u);
}

TEST(ChannelWaitTest, GivingUpReturnsTheUnchangedState) {
  std::atomic<std::uint32_t> word{5};
  std::atomic<std::uint32_t> sleeping{0};
  int asked = 0;
  const auto start = Clock::now();
  std::uint32_t got = wait_for_change(word, 5, sleeping, 100, std::chrono::microseconds(1000), [&] {
    ++asked;
    return asked < 3;  // three slices, then give up
  });
  EXPECT_EQ(got, 5u);
  EXPECT_EQ(asked, 3);
  EXPECT_EQ(sleeping.load(), 0u) << "a side that stopped waiting must not look asleep";
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(3)) << "each slice should actually sleep";
}

TEST(ChannelWaitTest, PublishWithoutSleeperJustStores) {
  std::atomic<std::uint32_t> word{0};
  std::atomic<std::uint32_t> sleeping{0};
  publish(word, 9, sleeping);
  EXPECT_EQ(word.load(), 9u);
}

TEST(ChannelWaitTest, FutexWaitReturnsOnTimeoutAndOnMismatch) {
  std::atomic<std::uint32_t> word{1};
  auto start = Clock::now();
  futex_wait(word, 2, std::chrono::microseconds(2'000'000));  // value differs: returns at once
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(1));
  start = Clock::now();
  futex_wait(word, 1, std::chrono::microseconds(20'000));
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(15));
}

}  // namespace
}  // namespace cloister
