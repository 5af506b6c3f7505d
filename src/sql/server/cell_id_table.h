// Stored cells' identities to row numbers, for the scan memo (scan_memo.h).
// It may hold a million identities, so this is one flat array with open
// addressing and linear probing: a node-based map spent more time allocating
// than the scan spent anywhere else.
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
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

class CellIdTable {
 public:
  static constexpr std::uint32_t kAbsent = std::numeric_limits<std::uint32_t>::max();

  // Maps `id` to `row` unless it is mapped already (the first row stays).
  void insert(const CellId& id, std::uint32_t row) {
    if ((size_ + 1) * 10 > slots_.size() * 7) grow();
    Slot& slot = slot_for(id);
    if (slot.row == kAbsent) {
      slot.id = id;
      slot.row = row;
      ++size_;
    }
  }
  [[nodiscard]] std::uint32_t find(const CellId& id) const {
    if (slots_.empty()) return kAbsent;
    return const_cast<CellIdTable*>(this)->slot_for(id).row;
  }
  [[nodiscard]] std::size_t size() const { return size_; }
  // Room for `count` identities without growing (rehashing a million costs
  // as much as inserting them).
  void reserve(std::size_t count) {
    std::size_t slots = 1024;
    while (count * 10 > slots * 7) slots *= 2;
    if (slots > slots_.size()) rehash(slots);
  }
  void clear() {
    std::vector<Slot>().swap(slots_);
    size_ = 0;
  }

 private:
  struct Slot {
    CellId id;
    std::uint32_t row = kAbsent;
  };

  static std::size_t hash(const CellId& id) {
    std::uint64_t h = id.first * 0x9E3779B97F4A7C15ull ^ id.second;
    h ^= h >> 32;
    h *= 0xD6E8FEB86659FD93ull;
    return static_cast<std::size_t>(h ^ (h >> 32));
  }
  // The slot holding `id`, or the empty slot where it belongs.
  Slot& slot_for(const CellId& id) {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash(id) & mask;; i = (i + 1) & mask) {
      Slot& slot = slots_[i];
      if (slot.row == kAbsent || slot.id == id) return slot;
    }
  }
  void grow() { rehash(slots_.empty() ? 1024 : slots_.size() * 2); }
  void rehash(std::size_t slots) {
    std::vector<Slot> old(slots);
    old.swap(slots_);
    for (const Slot& slot : old) {
      if (slot.row != kAbsent) slot_for(slot.id) = slot;
    }
  }

  std::vector<Slot> slots_;  // a power of two, at most 70% full
  std::size_t size_ = 0;
};

}  // namespace cloister::sql
