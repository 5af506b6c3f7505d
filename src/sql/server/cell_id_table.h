// Stored cells' identities to row numbers, for the scan memo (scan_memo.h).
// It may hold a million identities, so this is one flat array with open
// addressing and linear probing: a node-based map spent more time allocating
// than the scan spent anywhere else.
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace cloister::sql {

// A stored cell's identity: the 16 base64 characters that encode 96 bits of
// its tag (an HMAC over its IV and ciphertext), taken as text, not decoded.
struct CellId {
  std::uint64_t first = 0;
  std::uint64_t second = 0;
  bool operator==(const CellId&) const = default;

  // Characters 8..23 of the stored text: bytes 6..17 of the cell, all tag
  // (byte 0 is the version). Nullopt if the text is too short to be a cell.
  static std::optional<CellId> of(std::string_view stored) {
    if (stored.size() < 24) return std::nullopt;
    CellId id;
    std::memcpy(&id.first, stored.data() + 8, 8);
    std::memcpy(&id.second, stored.data() + 16, 8);
    return id;
  }
};

// An index of a column's cell identities, which the caller keeps in row
// order, to the first row holding each. Slots hold a row number and 32 bits
// of the identity's hash, not the identity: 8 bytes a slot, so a million
// rows take 16 MiB instead of 48 (allocating, and so page-faulting, the
// larger table cost a sort more than all of its lookups). The identity is
// read from the caller's array only when those 32 bits match.
class CellIdTable {
 public:
  static constexpr std::uint32_t kAbsent = std::numeric_limits<std::uint32_t>::max();

  // Indexes ids[0, ids.size()), replacing what was indexed before.
  void build(std::span<const CellId> ids) {
    std::size_t slots = 1024;
    while (ids.size() * 10 > slots * 7) slots *= 2;
    slots_.assign(slots, Slot{});  // reuses the memory of an earlier build
    size_ = 0;
    built_ = true;
    const std::size_t mask = slots - 1;
    for (std::size_t row = 0; row < ids.size() && row < kAbsent; ++row) {
      const std::uint64_t h = hash(ids[row]);
      const auto tag = static_cast<std::uint32_t>(h >> 32);
      for (std::size_t i = h & mask;; i = (i + 1) & mask) {
        Slot& slot = slots_[i];
        if (slot.row == kAbsent) {
          slot = Slot{tag, static_cast<std::uint32_t>(row)};
          ++size_;
          break;
        }
        if (slot.tag == tag && ids[slot.row] == ids[row]) break;  // the first row stays
      }
    }
  }
  // The first row of `ids` (the array built from) holding `id`, or kAbsent.
  [[nodiscard]] std::uint32_t find(std::span<const CellId> ids, const CellId& id) const {
    if (!built_) return kAbsent;
    const std::size_t mask = slots_.size() - 1;
    const std::uint64_t h = hash(id);
    const auto tag = static_cast<std::uint32_t>(h >> 32);
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
      const Slot& slot = slots_[i];
      if (slot.row == kAbsent) return kAbsent;
      if (slot.tag == tag && slot.row < ids.size() && ids[slot.row] == id) return slot.row;
    }
  }
  [[nodiscard]] bool built() const { return built_; }
  [[nodiscard]] std::size_t size() const { return size_; }  // distinct identities
  // Forgets the index but keeps its memory for the next build.
  void clear() {
    slots_.clear();
    size_ = 0;
    built_ = false;
  }

 private:
  struct Slot {
    std::uint32_t tag = 0;
    std::uint32_t row = kAbsent;
  };

  static std::uint64_t hash(const CellId& id) {
    std::uint64_t h = id.first * 0x9E3779B97F4A7C15ull ^ id.second;
    h ^= h >> 32;
    h *= 0xD6E8FEB86659FD93ull;
    return h ^ (h >> 29);
  }

  std::vector<Slot> slots_;  // a power of two, at most 70% full
  std::size_t size_ = 0;
  bool built_ = false;
};

}  // namespace cloister::sql
