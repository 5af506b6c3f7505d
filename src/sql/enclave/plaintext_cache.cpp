#include "sql/enclave/plaintext_cache.h"

#include <algorithm>

namespace cloister::sql {
namespace {

std::string_view as_key(ByteView cell) {
  return {reinterpret_cast<const char*>(cell.data()), cell.size()};
}

std::size_t cost(std::size_t cell, std::size_t plaintext) {
  return cell + plaintext + PlaintextCache::kEntryOverhead;
}

}  // namespace

PlaintextCache::PlaintextCache(Limits limits)
    : max_entries_per_shard_(std::max<std::size_t>(1, limits.max_entries / kShards)),
      max_bytes_per_shard_(std::max<std::size_t>(1, limits.max_bytes / kShards)),
      seen_slots_(limits.seen_slots),
      seen_(limits.seen_slots == 0 ? nullptr : new std::atomic<std::uint64_t>[limits.seen_slots]()) {
  // Buckets for a full shard up front (8 bytes each): growing by rehashing
  // would cost more than a decryption per insert.
  for (Shard& shard : shards_) shard.entries.reserve(max_entries_per_shard_);
}

PlaintextCache::Shard& PlaintextCache::shard_for(std::string_view key) const {
  // Cells carry a random IV and an HMAC tag, so any of their bytes spread
  // well; the map hashes the whole cell.
  const std::size_t index = key.size() > 8 ? static_cast<std::uint8_t>(key[key.size() / 2]) : key.size();
  return shards_[index % kShards];
}

PlaintextCache::Plaintext PlaintextCache::find(std::uint64_t key_generation, ByteView cell) const {
  const std::string_view key = as_key(cell);
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  auto found = shard.entries.find(key);
  if (found == shard.entries.end() || found->second.key_generation != key_generation) return nullptr;
  return found->second.plaintext;
}

void PlaintextCache::evict_oldest(Shard& shard) {
  auto found = shard.entries.find(shard.order.front());
  shard.order.pop_front();
  if (found == shard.entries.end()) return;
  shard.bytes -= cost(found->first.size(), found->second.plaintext->size());
  shard.entries.erase(found);  // the plaintext is wiped when its last reader lets go
}

bool PlaintextCache::offered_before(std::uint64_t key_generation, std::string_view key) {
  if (seen_slots_ == 0) return true;
  const std::uint64_t hash = std::hash<std::string_view>{}(key) ^ (key_generation * 0x9e3779b97f4a7c15ull);
  const std::uint64_t fingerprint = hash | 1;  // never the empty 0
  std::atomic<std::uint64_t>& slot = seen_[hash % seen_slots_];
  if (slot.load(std::memory_order_relaxed) == fingerprint) return true;
  slot.store(fingerprint, std::memory_order_relaxed);
  return false;
}

void PlaintextCache::insert(std::uint64_t key_generation, ByteView cell, Plaintext plaintext) {
  if (plaintext == nullptr) return;
  const std::string_view key = as_key(cell);
  const std::size_t entry_cost = cost(cell.size(), plaintext->size());
  if (entry_cost > max_bytes_per_shard_ || !offered_before(key_generation, key)) return;
  Shard& shard = shard_for(key);
  Plaintext replaced;  // freed after the lock is released
  std::lock_guard lock(shard.mutex);
  auto found = shard.entries.find(key);
  if (found != shard.entries.end()) {
    shard.bytes -= cost(found->first.size(), found->second.plaintext->size());
    replaced = std::move(found->second.plaintext);
    found->second = Entry{key_generation, std::move(plaintext)};
    shard.bytes += entry_cost;
    return;
  }
  while (!shard.order.empty() && (shard.entries.size() + 1 > max_entries_per_shard_ ||
                                  shard.bytes + entry_cost > max_bytes_per_shard_)) {
    evict_oldest(shard);
  }
  auto [inserted, added] =
      shard.entries.emplace(std::string(key), Entry{key_generation, std::move(plaintext)});
  if (!added) return;
  shard.order.push_back(inserted->first);
  shard.bytes += entry_cost;
}

void PlaintextCache::clear() {
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    shard.entries.clear();
    shard.order.clear();
    shard.bytes = 0;
  }
}

std::size_t PlaintextCache::size() const {
  std::size_t total = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    total += shard.entries.size();
  }
  return total;
}

std::size_t PlaintextCache::bytes() const {
  std::size_t total = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    total += shard.bytes;
  }
  return total;
}

}  // namespace cloister::sql
