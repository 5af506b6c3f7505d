// Decrypted cells, kept so that the many comparisons of one cell (a sort, an
// index build, a range scan against the same bounds) decrypt it once. Keyed
// by the key's generation (key_table.h) and the whole cell, so a hit is exactly
// the cell whose tag was verified under that key when it was inserted: insert only after that.
//
// A cell is admitted the second time it is offered: one decrypted once only
// (a scan over distinct rows) never pays for an insert, which costs about
// twice a decryption; one compared again (a sort, an index build, a query's
// parameters) is cached from its second decryption on. A fixed table of
// fingerprints remembers what was offered.
//
// Bounded in entries and bytes, split into shards with a lock each; a full
// shard evicts its oldest entries (first in, first out). Plaintexts are
// wiped when the last reference to them goes (evicted and no reader left).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "cloister/bytes.h"

namespace cloister::sql {

class PlaintextCache {
 public:
  struct Limits {
    std::size_t max_entries = 1'000'000;
    std::size_t max_bytes = std::size_t{384} << 20;  // cells, plaintexts and bookkeeping
    std::size_t seen_slots = std::size_t{1} << 21;   // fingerprints (8 bytes each); 0: admit at once
  };
  using Plaintext = std::shared_ptr<const SecretBytes>;

  PlaintextCache() : PlaintextCache(Limits{}) {}
  explicit PlaintextCache(Limits limits);

  [[nodiscard]] Plaintext find(std::uint64_t key_generation, ByteView cell) const;
  // Caches the plaintext if this cell was offered before (or seen_slots is 0).
  void insert(std::uint64_t key_generation, ByteView cell, Plaintext plaintext);
  void clear();

  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] std::size_t bytes() const;

  // What one entry costs beyond its cell and plaintext: map node, strings'
  // heap blocks, the shared_ptr control block, the FIFO slot.
  static constexpr std::size_t kEntryOverhead = 160;

 private:
  static constexpr std::size_t kShards = 16;

  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
  };
  struct Entry {
    std::uint64_t key_generation = 0;
    Plaintext plaintext;
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries;
    std::deque<std::string_view> order;  // keys of `entries`, oldest first (node keys do not move)
    std::size_t bytes = 0;
  };

  Shard& shard_for(std::string_view key) const;
  // Whether this cell was offered before; remembers it if not.
  bool offered_before(std::uint64_t key_generation, std::string_view key);
  static void evict_oldest(Shard& shard);

  std::size_t max_entries_per_shard_;
  std::size_t max_bytes_per_shard_;
  mutable std::array<Shard, kShards> shards_;
  std::size_t seen_slots_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> seen_;  // 0: empty; races only lose a fingerprint
};

}  // namespace cloister::sql
