// Whole-column sorts inside the enclave. When the server runs a sort over a
// whole table on a randomized column (ORDER BY, GROUP BY, DISTINCT, MIN/MAX,
// CREATE INDEX: scan_memo.h), SQLite would otherwise ask the enclave about
// one pair of cells at a time. Instead the host sends the column in batches;
// the enclave keeps an order-preserving key (sort_key.h) per row, sorts them
// once, and hands back each row's rank (equal values, equal ranks), which
// answers every comparison the sort then makes. The host learns the column's
// order, as it would from the sort itself or from an index on the column.
//
// Bounded: at most kMaxSorts at once (starting another evicts the oldest),
// kMaxRows rows and kMaxKeyBytes of keys each. Keys are wiped as soon as the
// ranks are computed; the ranks, which go to the host anyway, stay until the
// host has taken the last of them.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "sql/enclave_calls.h"
#include "sql/sql_value.h"

namespace cloister::sql {

// The keys of one batch of rows, built outside the sort's lock.
class SortBatch {
 public:
  // `key_capacity`: room for the longest keys the batch can hold
  // (sort_key_capacity of each cell's size, summed).
  SortBatch(SqlType type, std::size_t key_capacity);
  // Adds `row`'s key; decode_error if the plaintext is not a value of the type.
  Status add(std::uint32_t row, ByteView plaintext);
  [[nodiscard]] std::size_t size() const { return entries_.size(); }

  struct Entry {
    std::uint64_t prefix = 0;  // the key's first 8 bytes, big-endian, zero-padded
    const std::uint8_t* key = nullptr;
    std::uint32_t length = 0;
    std::uint32_t row = 0;
  };

 private:
  friend class ColumnSort;
  SqlType type_;
  SecretBytes arena_;  // keys longer than 8 bytes, never reallocated
  std::size_t used_ = 0;
  std::vector<Entry> entries_;
};

class ColumnSort {
 public:
  static constexpr std::uint32_t kMaxRows = kMaxSortRows;
  static constexpr std::size_t kMaxKeyBytes = std::size_t{64} << 20;

  ColumnSort(std::uint32_t cek_id, SqlType type) : cek_id_(cek_id), type_(type) {}
  ~ColumnSort();
  ColumnSort(const ColumnSort&) = delete;
  ColumnSort& operator=(const ColumnSort&) = delete;

  [[nodiscard]] std::uint32_t cek_id() const { return cek_id_; }
  [[nodiscard]] SqlType type() const { return type_; }

  // Takes a batch's keys; refused once ranks were asked for, or beyond the bounds.
  Status add(SortBatch batch);
  // The ranks of rows [first_row, first_row + count), kUnranked for a row
  // that has no key; the first call sorts. `last` is set when the range
  // reaches the highest row added, so the caller can forget the sort.
  Result<std::vector<std::uint32_t>> ranks(std::uint32_t first_row, std::uint32_t count, bool& last);

 private:
  void rank_locked();
  void wipe_keys_locked();

  const std::uint32_t cek_id_;
  const SqlType type_;
  std::mutex mutex_;
  std::vector<SortBatch::Entry> entries_;
  std::vector<SecretBytes> arenas_;
  std::size_t key_bytes_ = 0;
  std::uint32_t row_limit_ = 0;  // one past the highest row added
  bool ranked_ = false;
  std::vector<std::uint32_t> ranks_;  // by row, once ranked
};

// The sorts in progress, by an id the enclave draws.
class ColumnSorts {
 public:
  static constexpr std::size_t kMaxSorts = 2;

  Result<std::uint64_t> start(std::uint32_t cek_id, SqlType type);
  // not_found, saying the sort may have been evicted, if `id` is unknown.
  Result<std::shared_ptr<ColumnSort>> find(std::uint64_t id);
  void forget(std::uint64_t id);

 private:
  std::mutex mutex_;
  std::deque<std::pair<std::uint64_t, std::shared_ptr<ColumnSort>>> sorts_;  // oldest first
};

}  // namespace cloister::sql
