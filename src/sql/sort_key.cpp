#include "sql/sort_key.h"

#include <bit>
#include <cstring>
#include <string>
#include <variant>

#include "sql/utf16.h"

namespace cloister::sql {
namespace {

constexpr std::uint64_t kSignBit = std::uint64_t{1} << 63;

std::size_t put_big_endian(std::uint64_t bits, std::span<std::uint8_t> out) {
  for (std::size_t i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(bits >> (8 * (7 - i)));
  return 8;
}

Status too_small() {
  return error(ErrorCode::invalid_argument, "the sort key buffer is smaller than sort_key_capacity");
}

}  // namespace

std::size_t sort_key_capacity(SqlType type, std::size_t plaintext_size) {
  switch (type) {
    case SqlType::int32:
    case SqlType::int64:
    case SqlType::float64:
      return 8;
    case SqlType::nvarchar:
      // A UTF-16 unit becomes at most 3 UTF-8 bytes; a surrogate pair (two units) 4.
      return plaintext_size / 2 * 3;
    case SqlType::varchar:
    case SqlType::varbinary:
      return plaintext_size;
  }
  return 0;
}

Result<std::size_t> write_sort_key(SqlType type, ByteView plaintext, std::span<std::uint8_t> out) {
  if (out.size() < sort_key_capacity(type, plaintext.size())) return too_small();
  switch (type) {
    case SqlType::int32:
    case SqlType::int64: {
      // deserialize_plaintext checks the length and allocates nothing for numbers.
      CLOISTER_ASSIGN_OR_RETURN(SqlValue value, deserialize_plaintext(type, plaintext));
      const auto bits = static_cast<std::uint64_t>(std::get<std::int64_t>(value));
      return put_big_endian(bits ^ kSignBit, out);
    }
    case SqlType::float64: {
      CLOISTER_ASSIGN_OR_RETURN(SqlValue value, deserialize_plaintext(type, plaintext));
      double number = std::get<double>(value);  // finite: NaN and infinities are refused
      if (number == 0.0) number = 0.0;          // -0.0 equals 0.0
      const auto bits = std::bit_cast<std::uint64_t>(number);
      return put_big_endian((bits & kSignBit) != 0 ? ~bits : bits ^ kSignBit, out);
    }
    case SqlType::varchar:
    case SqlType::varbinary:
      if (!plaintext.empty()) std::memcpy(out.data(), plaintext.data(), plaintext.size());
      return plaintext.size();
    case SqlType::nvarchar: {
      Result<std::string> utf8 = utf8_from_utf16le(plaintext);
      if (!utf8.is_ok()) return error(ErrorCode::decode_error, "an nvarchar plaintext is not valid UTF-16LE");
      const std::size_t size = utf8->size();
      if (size > out.size()) return too_small();
      if (size != 0) std::memcpy(out.data(), utf8->data(), size);
      secure_wipe(utf8->data(), size);
      return size;
    }
  }
  return error(ErrorCode::invalid_argument, "unknown SQL type " + std::to_string(static_cast<int>(type)));
}

}  // namespace cloister::sql
