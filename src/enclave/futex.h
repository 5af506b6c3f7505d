// Futex wait/wake on a word in memory shared between processes.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace cloister {

// Sleeps while word == expected, at most `timeout`; returns on wake, timeout, or change.
void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected, std::chrono::microseconds timeout);
void futex_wake_all(std::atomic<std::uint32_t>& word);

inline void cpu_relax() {
  __builtin_ia32_pause();
}

// Waits until `word` leaves `current`, spinning up to `spin` iterations first,
// then sleeping in slices of `slice` and asking `keep_waiting` between them.
// Announces the sleep through `sleeping` so the other side wakes it only when needed.
template <typename KeepWaiting>
std::uint32_t wait_for_change(std::atomic<std::uint32_t>& word, std::uint32_t current,
                              std::atomic<std::uint32_t>& sleeping, std::uint32_t spin,
                              std::chrono::microseconds slice, KeepWaiting keep_waiting) {
  for (std::uint32_t i = 0; i < spin; ++i) {
    std::uint32_t now = word.load(std::memory_order_acquire);
    if (now != current) return now;
    cpu_relax();
  }
  for (;;) {
    sleeping.store(1, std::memory_order_seq_cst);
    std::uint32_t now = word.load(std::memory_order_seq_cst);
    if (now != current) {
      sleeping.store(0, std::memory_order_relaxed);
      return now;
    }
    futex_wait(word, current, slice);
    sleeping.store(0, std::memory_order_relaxed);
    now = word.load(std::memory_order_acquire);
    if (now != current) return now;
    if (!keep_waiting()) return now;
  }
}

// Publishes a new state and wakes the other side only if it sleeps.
inline void publish(std::atomic<std::uint32_t>& word, std::uint32_t state,
                    std::atomic<std::uint32_t>& sleeping) {
  word.store(state, std::memory_order_seq_cst);
  if (sleeping.load(std::memory_order_seq_cst) != 0) futex_wake_all(word);
}

}  // namespace cloister
