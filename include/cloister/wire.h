// The binary codec for everything that crosses a trust boundary.
//
// Fixed-width little-endian integers, u32 length prefixes, strict booleans and
// optionals, and structs that list their fields once with CLOISTER_FIELDS.
// Decoding never trusts a length: it is checked against the bytes left and the
// limits before anything is allocated, and every failure is a Status naming
// the offset and what was expected.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "cloister/bytes.h"
#include "cloister/result.h"

namespace cloister::wire {

struct Limits {
  std::size_t max_total_bytes = std::size_t{256} << 20;  // whole message
  std::size_t max_field_bytes = std::size_t{64} << 20;   // one string or byte string
  std::size_t max_elements = std::size_t{1} << 20;       // one vector
  std::size_t max_depth = 32;                            // nesting of structs and containers
};

class Writer {
 public:
  void put_u8(std::uint8_t v) { out_.push_back(v); }
  void put_u16(std::uint16_t v) { put_le(v); }
  void put_u32(std::uint32_t v) { put_le(v); }
  void put_u64(std::uint64_t v) { put_le(v); }
  void put_raw(const void* data, std::size_t size) {
    const auto* p = static_cast<const std::uint8_t*>(data);
    out_.insert(out_.end(), p, p + size);
  }
  void put_length(std::size_t size) { put_u32(static_cast<std::uint32_t>(size)); }
  Bytes& bytes() { return out_; }
  Bytes take() { return std::move(out_); }

 private:
  template <typename U>
  void put_le(U v) {
    for (std::size_t i = 0; i < sizeof(U); ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  Bytes out_;
};

class Reader {
 public:
  explicit Reader(ByteView in, Limits limits = {}) : in_(in), limits_(limits) {}

  [[nodiscard]] bool failed() const { return !status_.is_ok(); }
  [[nodiscard]] const Status& status() const { return status_; }
  [[nodiscard]] std::size_t offset() const { return pos_; }
  [[nodiscard]] std::size_t remaining() const { return in_.size() - pos_; }
  [[nodiscard]] const Limits& limits() const { return limits_; }

  bool fail(const std::string& what);
  bool get_u8(std::uint8_t& v) { return get_le(v); }
  bool get_u16(std::uint16_t& v) { return get_le(v); }
  bool get_u32(std::uint32_t& v) { return get_le(v); }
  bool get_u64(std::uint64_t& v) { return get_le(v); }
  bool get_raw(void* data, std::size_t size);
  // The next `size` bytes in place, without copying; false if fewer are left.
  bool get_view(ByteView& view, std::size_t size);
  // Reads a u32 length and checks it against the bytes left and max_field_bytes.
  bool get_length(std::size_t& size, std::size_t element_min_size, std::size_t max_count, const char* what);
  bool enter();  // nesting depth guard
  void leave() { --depth_; }

 private:
  template <typename U>
  bool get_le(U& v) {
    if (failed()) return false;
    if (remaining() < sizeof(U)) return fail("truncated integer");
    U out = 0;
    for (std::size_t i = 0; i < sizeof(U); ++i)
      out |= static_cast<U>(static_cast<U>(in_[pos_ + i]) << (8 * i));
    pos_ += sizeof(U);
    v = out;
    return true;
  }
  ByteView in_;
  Limits limits_;
  std::size_t pos_ = 0;
  std::size_t depth_ = 0;
  Status status_;
};

// A struct opts in with CLOISTER_FIELDS(a, b, c): its fields, in wire order.
#define CLOISTER_FIELDS(...)      \
  auto wire_fields() {            \
    return std::tie(__VA_ARGS__); \
  }                               \
  auto wire_fields() const {      \
    return std::tie(__VA_ARGS__); \
  }

// A list of byte strings kept in one buffer: encoded exactly as a
// std::vector<Bytes>, but decoding a batch of thousands allocates twice, not
// once per string.
class ByteStrings {
 public:
  ByteStrings() = default;
  explicit ByteStrings(const std::vector<Bytes>& strings) {
    for (const Bytes& s : strings) push_back(s);
  }
  void clear() {
    data_.clear();
    ends_.clear();
  }
  void swap(ByteStrings& other) noexcept {
    data_.swap(other.data_);
    ends_.swap(other.ends_);
  }
  void reserve(std::size_t count, std::size_t bytes) {
    ends_.reserve(count);
    data_.reserve(bytes);
  }
  void push_back(ByteView s) {
    data_.insert(data_.end(), s.begin(), s.end());
    ends_.push_back(data_.size());
  }
  [[nodiscard]] std::size_t size() const { return ends_.size(); }
  [[nodiscard]] bool empty() const { return ends_.empty(); }
  [[nodiscard]] ByteView operator[](std::size_t i) const {
    const std::size_t begin = i == 0 ? 0 : ends_[i - 1];
    return {data_.data() + begin, ends_[i] - begin};
  }
  [[nodiscard]] std::size_t largest() const {
    std::size_t largest = 0;
    for (std::size_t i = 0; i < size(); ++i) largest = std::max(largest, (*this)[i].size());
    return largest;
  }
  [[nodiscard]] std::size_t total_bytes() const { return data_.size(); }
  bool operator==(const ByteStrings&) const = default;

 private:
  Bytes data_;
  std::vector<std::size_t> ends_;  // where each string ends in data_
};

template <typename T>
concept HasFields = requires(T& t) {
  t.wire_fields();
};

template <typename T>
struct is_vector : std::false_type {};
template <typename T>
struct is_vector<std::vector<T>> : std::true_type {};
template <typename T>
struct is_optional : std::false_type {};
template <typename T>
struct is_optional<std::optional<T>> : std::true_type {};
template <typename T>
struct is_byte_array : std::false_type {};
template <std::size_t N>
struct is_byte_array<std::array<std::uint8_t, N>> : std::true_type {};

template <typename T>
void write(Writer& w, const T& value);
template <typename T>
bool read(Reader& r, T& value);

template <typename T>
void write(Writer& w, const T& value) {
  if constexpr (std::is_same_v<T, bool>) {
    w.put_u8(value ? 1 : 0);
  } else if constexpr (std::is_enum_v<T>) {
    write(w, static_cast<std::underlying_type_t<T>>(value));
  } else if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    if constexpr (sizeof(T) == 1)
      w.put_u8(static_cast<U>(value));
    else if constexpr (sizeof(T) == 2)
      w.put_u16(static_cast<U>(value));
    else if constexpr (sizeof(T) == 4)
      w.put_u32(static_cast<U>(value));
    else
      w.put_u64(static_cast<U>(value));
  } else if constexpr (std::is_same_v<T, double>) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    w.put_u64(bits);
  } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, Bytes> ||
                       std::is_same_v<T, SecretBytes>) {
    w.put_length(value.size());
    w.put_raw(value.data(), value.size());
  } else if constexpr (is_byte_array<T>::value) {
    w.put_raw(value.data(), value.size());
  } else if constexpr (std::is_same_v<T, ByteStrings>) {
    w.put_length(value.size());
    w.bytes().reserve(w.bytes().size() + value.size() * 4 + value.total_bytes());
    for (std::size_t i = 0; i < value.size(); ++i) {
      w.put_length(value[i].size());
      w.put_raw(value[i].data(), value[i].size());
    }
  } else if constexpr (is_vector<T>::value) {
    w.put_length(value.size());
    for (const auto& element : value) write(w, element);
  } else if constexpr (is_optional<T>::value) {
    w.put_u8(value.has_value() ? 1 : 0);
    if (value) write(w, *value);
  } else if constexpr (HasFields<T>) {
    std::apply([&w](const auto&... field) { (write(w, field), ...); }, value.wire_fields());
  } else {
    static_assert(sizeof(T) == 0, "type has no wire encoding: add CLOISTER_FIELDS");
  }
}

// The smallest encoding of one T, so a length prefix can be checked against
// the bytes left before anything is allocated.
template <typename T>
constexpr std::size_t min_encoded_size();

// A struct's smallest encoding is the sum of its fields' smallest encodings.
template <typename Tuple>
struct min_fields_size;
template <typename... F>
struct min_fields_size<std::tuple<F...>> {
  static constexpr std::size_t value = (std::size_t{0} + ... + min_encoded_size<std::remove_cvref_t<F>>());
};

template <typename T>
constexpr std::size_t min_encoded_size() {
  if constexpr (std::is_enum_v<T>)
    return sizeof(std::underlying_type_t<T>);
  else if constexpr (std::is_arithmetic_v<T>)
    return sizeof(T);
  else if constexpr (is_byte_array<T>::value)
    return std::tuple_size_v<T>;
  else if constexpr (is_optional<T>::value)
    return 1;
  // Counting a struct as 0 bytes let a 4-byte count reserve max_elements
  // structs; an empty struct is still 0 and bounded by max_elements.
  else if constexpr (HasFields<T>)
    return min_fields_size<decltype(std::declval<T&>().wire_fields())>::value;
  else
    return 4;  // strings, byte strings, vectors: a length prefix
}

template <typename T>
bool read(Reader& r, T& value) {
  if (r.failed()) return false;
  if constexpr (std::is_same_v<T, bool>) {
    std::uint8_t b = 0;
    if (!r.get_u8(b)) return false;
    if (b > 1) return r.fail("boolean is neither 0 nor 1");
    value = b == 1;
    return true;
  } else if constexpr (std::is_enum_v<T>) {
    std::underlying_type_t<T> raw{};
    if (!read(r, raw)) return false;
    value = static_cast<T>(raw);  // callers validate enum ranges where they matter
    return true;
  } else if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    U raw = 0;
    bool ok = false;
    if constexpr (sizeof(T) == 1)
      ok = r.get_u8(raw);
    else if constexpr (sizeof(T) == 2)
      ok = r.get_u16(raw);
    else if constexpr (sizeof(T) == 4)
      ok = r.get_u32(raw);
    else
      ok = r.get_u64(raw);
    if (ok) value = static_cast<T>(raw);
    return ok;
  } else if constexpr (std::is_same_v<T, double>) {
    std::uint64_t bits = 0;
    if (!r.get_u64(bits)) return false;
    std::memcpy(&value, &bits, sizeof bits);
    return true;
  } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, Bytes>) {
    std::size_t size = 0;
    if (!r.get_length(size, 1, r.limits().max_field_bytes, "byte string")) return false;
    ByteView bytes;
    if (!r.get_view(bytes, size)) return false;
    value.assign(bytes.begin(), bytes.end());  // one copy, no zero-fill first
    return true;
  } else if constexpr (std::is_same_v<T, SecretBytes>) {
    std::size_t size = 0;
    if (!r.get_length(size, 1, r.limits().max_field_bytes, "secret")) return false;
    SecretBytes out(size);
    if (!r.get_raw(out.data(), size)) return false;
    value = std::move(out);
    return true;
  } else if constexpr (is_byte_array<T>::value) {
    return r.get_raw(value.data(), value.size());
  } else if constexpr (std::is_same_v<T, ByteStrings>) {
    std::size_t count = 0;
    if (!r.get_length(count, 4, r.limits().max_elements, "vector")) return false;
    value.clear();
    value.reserve(count, r.remaining());  // both bounded by the message itself
    for (std::size_t i = 0; i < count; ++i) {
      std::size_t size = 0;
      ByteView bytes;
      if (!r.get_length(size, 1, r.limits().max_field_bytes, "byte string") || !r.get_view(bytes, size))
        return false;
      value.push_back(bytes);
    }
    return true;
  } else if constexpr (is_vector<T>::value) {
    using E = typename T::value_type;
    std::size_t count = 0;
    if (!r.get_length(count, min_encoded_size<E>(), r.limits().max_elements, "vector")) return false;
    if (!r.enter()) return false;
    value.clear();
    value.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      E element{};
      if (!read(r, element)) return false;
      value.push_back(std::move(element));
    }
    r.leave();
    return true;
  } else if constexpr (is_optional<T>::value) {
    std::uint8_t present = 0;
    if (!r.get_u8(present)) return false;
    if (present > 1) return r.fail("optional flag is neither 0 nor 1");
    if (present == 0) {
      value.reset();
      return true;
    }
    typename T::value_type inner{};
    if (!read(r, inner)) return false;
    value = std::move(inner);
    return true;
  } else if constexpr (HasFields<T>) {
    if (!r.enter()) return false;
    bool ok = std::apply([&r](auto&... field) { return (read(r, field) && ...); }, value.wire_fields());
    r.leave();
    return ok;
  } else {
    static_assert(sizeof(T) == 0, "type has no wire encoding: add CLOISTER_FIELDS");
  }
}

template <typename T>
Bytes encode(const T& value) {
  Writer w;
  write(w, value);
  return w.take();
}

// Decodes exactly one T from all of `in`; trailing bytes are an error.
template <typename T>
Result<T> decode(ByteView in, const Limits& limits = {}) {
  if (in.size() > limits.max_total_bytes) {
    return Status(ErrorCode::out_of_range,
                  "message of " + std::to_string(in.size()) + " bytes exceeds the limit");
  }
  Reader r(in, limits);
  T value{};
  if (!read(r, value)) return r.status();
  if (r.remaining() != 0) {
    return Status(ErrorCode::decode_error,
                  std::to_string(r.remaining()) + " trailing bytes at offset " + std::to_string(r.offset()));
  }
  return value;
}

}  // namespace cloister::wire
