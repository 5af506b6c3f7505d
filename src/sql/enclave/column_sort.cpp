#include "sql/enclave/column_sort.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "crypto/rng.h"
#include "sql/sort_key.h"

namespace cloister::sql {
namespace {

int compare_entries(const SortBatch::Entry& a, const SortBatch::Entry& b) {
  if (a.prefix != b.prefix) return a.prefix < b.prefix ? -1 : 1;
  // Equal first 8 bytes: a key of at most 8 bytes is all in its prefix.
  if (a.length > 8 && b.length > 8) {
    const std::size_t common = std::min(a.length, b.length);
    const int c = std::memcmp(a.key + 8, b.key + 8, common - 8);
    if (c != 0) return c < 0 ? -1 : 1;
  }
  if (a.length == b.length) return 0;
  return a.length < b.length ? -1 : 1;
}

// Keys that all have the same length of at most 8 bytes (numbers always do:
// 8) are ordered by their prefix alone, so an LSD radix sort on it, 16 bits
// a pass, replaces the comparison sort; a pass whose digit is the same in
// every key is skipped (the high bytes of most columns' numbers are).
bool all_in_prefix(const std::vector<SortBatch::Entry>& entries) {
  if (entries.empty() || entries.front().length > 8) return false;
  const std::uint32_t length = entries.front().length;
  return std::all_of(entries.begin(), entries.end(), [length](const auto& e) { return e.length == length; });
}

void radix_sort_by_prefix(std::vector<SortBatch::Entry>& entries) {
  std::vector<SortBatch::Entry> other(entries.size());
  std::vector<std::size_t> counts(std::size_t{1} << 16);
  for (int shift = 0; shift < 64; shift += 16) {
    std::fill(counts.begin(), counts.end(), 0);
    for (const auto& entry : entries) ++counts[(entry.prefix >> shift) & 0xFFFF];
    if (counts[(entries.front().prefix >> shift) & 0xFFFF] == entries.size()) continue;
    std::size_t at = 0;
    for (std::size_t& count : counts) at += std::exchange(count, at);
    for (const auto& entry : entries) other[counts[(entry.prefix >> shift) & 0xFFFF]++] = entry;
    entries.swap(other);
  }
  // The keys are plaintext order: the scratch copy goes the way entries_ go.
  secure_wipe(other.data(), other.size() * sizeof(SortBatch::Entry));
}

}  // namespace

SortBatch::SortBatch(SqlType type, std::size_t key_capacity) : type_(type), arena_(key_capacity) {}

Status SortBatch::add(std::uint32_t row, ByteView plaintext) {
  const std::size_t capacity = sort_key_capacity(type_, plaintext.size());
  if (arena_.size() - used_ < capacity)
    return error(ErrorCode::invalid_argument, "the sort batch has no room for another key");
  std::uint8_t* key = arena_.data() + used_;
  CLOISTER_ASSIGN_OR_RETURN(std::size_t length, write_sort_key(type_, plaintext, std::span(key, capacity)));
  Entry entry;
  for (std::size_t i = 0; i < 8; ++i) entry.prefix = (entry.prefix << 8) | (i < length ? key[i] : 0);
  entry.length = static_cast<std::uint32_t>(length);
  entry.row = row;
  if (length > 8) {
    entry.key = key;
    used_ += length;
  } else {
    secure_wipe(key, length);  // all in the prefix
  }
  entries_.push_back(entry);
  return Status::ok();
}

ColumnSort::~ColumnSort() {
  std::lock_guard lock(mutex_);
  wipe_keys_locked();
}

void ColumnSort::wipe_keys_locked() {
  if (!entries_.empty()) secure_wipe(entries_.data(), entries_.size() * sizeof(SortBatch::Entry));
  std::vector<SortBatch::Entry>().swap(entries_);
  arenas_.clear();  // SecretBytes wipe themselves
}

Status ColumnSort::add(SortBatch batch) {
  std::lock_guard lock(mutex_);
  if (ranked_) return error(ErrorCode::failed_precondition, "the sort was already ranked; start another");
  if (entries_.size() + batch.entries_.size() > kMaxRows || key_bytes_ + batch.used_ > kMaxKeyBytes) {
    return error(ErrorCode::out_of_range, "a column sort holds at most " + std::to_string(kMaxRows) +
                                              " rows and " + std::to_string(kMaxKeyBytes >> 20) +
                                              " MiB of keys");
  }
  for (const SortBatch::Entry& entry : batch.entries_) {
    if (entry.row >= kMaxRows)
      return error(ErrorCode::invalid_argument, "row " + std::to_string(entry.row) + " is beyond a sort's " +
                                                    std::to_string(kMaxRows) + " rows");
  }
  for (const SortBatch::Entry& entry : batch.entries_) row_limit_ = std::max(row_limit_, entry.row + 1);
  entries_.insert(entries_.end(), batch.entries_.begin(), batch.entries_.end());
  secure_wipe(batch.entries_.data(), batch.entries_.size() * sizeof(SortBatch::Entry));
  key_bytes_ += batch.used_;
  if (batch.used_ != 0) arenas_.push_back(std::move(batch.arena_));
  return Status::ok();
}

void ColumnSort::rank_locked() {
  if (all_in_prefix(entries_)) {
    radix_sort_by_prefix(entries_);
  } else {
    std::sort(entries_.begin(), entries_.end(),
              [](const SortBatch::Entry& a, const SortBatch::Entry& b) { return compare_entries(a, b) < 0; });
  }
  ranks_.assign(row_limit_, kUnranked);
  std::uint32_t rank = 0;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (i > 0 && compare_entries(entries_[i - 1], entries_[i]) != 0) ++rank;
    ranks_[entries_[i].row] = rank;
  }
  ranked_ = true;
  wipe_keys_locked();
}

Result<std::vector<std::uint32_t>> ColumnSort::ranks(std::uint32_t first_row, std::uint32_t count,
                                                     bool& last) {
  std::lock_guard lock(mutex_);
  if (!ranked_) rank_locked();
  if (first_row > row_limit_ || count > row_limit_ - first_row) {
    return error(ErrorCode::invalid_argument, "rows " + std::to_string(first_row) + " to " +
                                                  std::to_string(std::uint64_t{first_row} + count) +
                                                  " are beyond the sort's " + std::to_string(row_limit_) +
                                                  " rows");
  }
  last = first_row + count == row_limit_;
  return std::vector<std::uint32_t>(ranks_.begin() + first_row, ranks_.begin() + first_row + count);
}

Result<std::uint64_t> ColumnSorts::start(std::uint32_t cek_id, SqlType type) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes random, crypto::random_bytes(8));
  std::uint64_t id = 0;
  std::memcpy(&id, random.data(), sizeof id);
  std::lock_guard lock(mutex_);
  if (sorts_.size() == kMaxSorts) sorts_.pop_front();
  sorts_.emplace_back(id, std::make_shared<ColumnSort>(cek_id, type));
  return id;
}

Result<std::shared_ptr<ColumnSort>> ColumnSorts::find(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  for (const auto& [sort_id, sort] : sorts_) {
    if (sort_id == id) return sort;
  }
  return error(ErrorCode::not_found, "no column sort " + std::to_string(id) + " (finished, or evicted by " +
                                         std::to_string(kMaxSorts) + " newer sorts): start it again");
}

void ColumnSorts::forget(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  std::erase_if(sorts_, [id](const auto& entry) { return entry.first == id; });
}

}  // namespace cloister::sql
