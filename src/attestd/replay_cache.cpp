#include "attestd/replay_cache.h"

#include <cstring>

#include "crypto/sha.h"

namespace cloister::attestd {

std::size_t ReplayCache::KeyHash::operator()(const Key& key) const noexcept {
  // The key is already a SHA-256 digest: its first bytes are uniform.
  std::size_t out = 0;
  std::memcpy(&out, key.data(), sizeof out);
  return out;
}

void ReplayCache::evict_expired(std::int64_t now_ms) {
  while (!by_expiry_.empty() && by_expiry_.front().first <= now_ms) {
    seen_.erase(by_expiry_.front().second);
    by_expiry_.pop_front();
  }
}

Status ReplayCache::check_and_insert(std::string_view nonce, std::int64_t now_ms) {
  const Key key = crypto::sha256(as_bytes(nonce));
  std::lock_guard lock(mutex_);
  evict_expired(now_ms);
  if (seen_.contains(key)) {
    return Status(ErrorCode::conflict,
                  "nonce was used before; a nonce buys one token (ask the relying party for a fresh one)");
  }
  if (seen_.size() >= capacity_) {
    return Status(ErrorCode::enclave_busy, "too many outstanding nonces; retry later");
  }
  seen_.insert(key);
  by_expiry_.emplace_back(now_ms + lifetime_ms_, key);
  return Status::ok();
}

std::size_t ReplayCache::size() const {
  std::lock_guard lock(mutex_);
  return seen_.size();
}

}  // namespace cloister::attestd
