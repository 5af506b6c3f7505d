// Nonces seen within the token lifetime, so one nonce buys at most one token.
// Bounded: it keeps SHA-256 of each nonce (not the nonce) and at most
// `capacity` of them; when full of unexpired nonces it refuses new ones
// rather than forget one early (forgetting would re-open a replay window).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string_view>
#include <unordered_set>

#include "cloister/result.h"

namespace cloister::attestd {

class ReplayCache {
 public:
  ReplayCache(std::size_t capacity, std::int64_t lifetime_ms)
      : capacity_(capacity), lifetime_ms_(lifetime_ms) {}

  // Records `nonce` at `now_ms`. conflict if it was seen within the lifetime;
  // enclave_busy (503) if the cache is full of live nonces.
  Status check_and_insert(std::string_view nonce, std::int64_t now_ms);
  [[nodiscard]] std::size_t size() const;

 private:
  using Key = std::array<std::uint8_t, 32>;
  struct KeyHash {
    std::size_t operator()(const Key& key) const noexcept;
  };
  void evict_expired(std::int64_t now_ms);

  const std::size_t capacity_;
  const std::int64_t lifetime_ms_;
  mutable std::mutex mutex_;
  std::unordered_set<Key, KeyHash> seen_;
  std::deque<std::pair<std::int64_t, Key>>
      by_expiry_;  // the lifetime is fixed: insertion order is expiry order
};

}  // namespace cloister::attestd
