#include "sql/sql_value.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "sql/utf16.h"

namespace cloister::sql {
namespace {

// ---- fixed-size little-endian numbers ----

void put_le(Bytes& out, std::uint64_t bits, std::size_t size) {
  for (std::size_t i = 0; i < size; ++i) out.push_back(static_cast<std::uint8_t>(bits >> (8 * i)));
}

std::uint64_t get_le(ByteView bytes) {
  std::uint64_t value = 0;
  for (std::size_t i = bytes.size(); i-- > 0;) value = (value << 8) | bytes[i];
  return value;
}

Status wrong_length(SqlType type, std::size_t expected, std::size_t got) {
  return error(ErrorCode::decode_error, "a " + std::string(to_string(type)) + " plaintext is " +
                                            std::to_string(expected) + " bytes, got " + std::to_string(got));
}

Result<std::int32_t> read_int32(ByteView bytes) {
  if (bytes.size() != 4) return wrong_length(SqlType::int32, 4, bytes.size());
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(get_le(bytes)));
}

Result<std::int64_t> read_int64(ByteView bytes) {
  if (bytes.size() != 8) return wrong_length(SqlType::int64, 8, bytes.size());
  return static_cast<std::int64_t>(get_le(bytes));
}

Result<double> read_float64(ByteView bytes) {
  if (bytes.size() != 8) return wrong_length(SqlType::float64, 8, bytes.size());
  const auto value = std::bit_cast<double>(get_le(bytes));
  // SQL Server's FLOAT has no NaN or infinities, and comparisons need a total order.
  if (!std::isfinite(value)) return error(ErrorCode::decode_error, "a float plaintext is NaN or infinite");
  return value;
}

// ---- code points ----

// The code points of a string, wiped when freed (they are plaintext).
class CodePoints {
 public:
  CodePoints() = default;
  CodePoints(const CodePoints&) = delete;
  CodePoints& operator=(const CodePoints&) = delete;
  ~CodePoints() {
    if (!points_.empty()) secure_wipe(points_.data(), points_.size() * sizeof(char32_t));
  }
  void reserve(std::size_t n) { points_.reserve(n); }
  // Empties it, wiped, keeping the capacity for the next text.
  void wipe_and_clear() {
    if (!points_.empty()) secure_wipe(points_.data(), points_.size() * sizeof(char32_t));
    points_.clear();
  }
  void push_back(char32_t point) { points_.push_back(point); }
  [[nodiscard]] std::size_t size() const { return points_.size(); }
  char32_t operator[](std::size_t i) const { return points_[i]; }

 private:
  std::vector<char32_t> points_;
};

// The next code point of UTF-8 text. A byte that does not start a valid
// sequence counts as one character of its own (0x110000 + byte, above every
// code point), so VARCHAR bytes from another code page still match '_'.
char32_t next_utf8(ByteView text, std::size_t& pos) {
  const std::uint8_t lead = text[pos];
  std::size_t length = 0;
  char32_t point = 0;
  if (lead < 0x80) {
    ++pos;
    return lead;
  }
  if ((lead & 0xe0) == 0xc0) {
    length = 2;
    point = lead & 0x1fu;
  } else if ((lead & 0xf0) == 0xe0) {
    length = 3;
    point = lead & 0x0fu;
  } else if ((lead & 0xf8) == 0xf0) {
    length = 4;
    point = lead & 0x07u;
  }
  bool valid = length != 0 && pos + length <= text.size();
  for (std::size_t k = 1; valid && k < length; ++k) {
    const std::uint8_t next = text[pos + k];
    valid = (next & 0xc0) == 0x80;
    point = (point << 6) | (next & 0x3fu);
  }
  static constexpr char32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
  if (valid && (point < kMinimum[length] || point > 0x10ffff || (point >= 0xd800 && point <= 0xdfff))) {
    valid = false;
  }
  if (!valid) {
    ++pos;
    return 0x110000 + lead;
  }
  pos += length;
  return point;
}

Status bad_utf16() {
  return error(ErrorCode::decode_error,
               "an nvarchar plaintext is not valid UTF-16LE (odd length or unpaired surrogate)");
}

std::uint32_t unit_at(ByteView text, std::size_t pos) {
  return text[pos] | (static_cast<std::uint32_t>(text[pos + 1]) << 8);
}

// The next code point of UTF-16LE text of even length; false on an unpaired surrogate.
bool next_utf16(ByteView text, std::size_t& pos, char32_t& point) {
  const std::uint32_t unit = unit_at(text, pos);
  pos += 2;
  if (unit < 0xd800 || unit > 0xdfff) {
    point = unit;
    return true;
  }
  if (unit > 0xdbff || pos + 2 > text.size()) return false;
  const std::uint32_t low = unit_at(text, pos);
  if (low < 0xdc00 || low > 0xdfff) return false;
  pos += 2;
  point = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
  return true;
}

Status decode(SqlType type, ByteView text, CodePoints& out) {
  out.reserve(type == SqlType::nvarchar ? text.size() / 2 : text.size());
  std::size_t pos = 0;
  if (type == SqlType::varchar) {
    while (pos < text.size()) out.push_back(next_utf8(text, pos));
    return Status::ok();
  }
  if (text.size() % 2 != 0) return bad_utf16();
  char32_t point = 0;
  while (pos < text.size()) {
    if (!next_utf16(text, pos, point)) return bad_utf16();
    out.push_back(point);
  }
  return Status::ok();
}

int compare_bytes(ByteView a, ByteView b) {
  const std::size_t common = std::min(a.size(), b.size());
  const int c = common == 0 ? 0 : std::memcmp(a.data(), b.data(), common);
  if (c != 0) return c < 0 ? -1 : 1;
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

// Code point order of two UTF-16LE strings (not code unit order, which puts
// U+10000.. before U+E000..U+FFFF).
Result<int> compare_utf16(ByteView a, ByteView b) {
  if (a.size() % 2 != 0 || b.size() % 2 != 0) return bad_utf16();
  std::size_t i = 0;
  std::size_t j = 0;
  char32_t x = 0;
  char32_t y = 0;
  while (i < a.size() && j < b.size()) {
    if (!next_utf16(a, i, x) || !next_utf16(b, j, y)) return bad_utf16();
    if (x != y) return x < y ? -1 : 1;
  }
  const bool a_longer = i < a.size();
  const bool b_longer = j < b.size();
  // The rest of the longer one must still be valid.
  while (i < a.size()) {
    if (!next_utf16(a, i, x)) return bad_utf16();
  }
  while (j < b.size()) {
    if (!next_utf16(b, j, y)) return bad_utf16();
  }
  if (a_longer) return 1;
  return b_longer ? -1 : 0;
}

template <typename T>
int three_way(T a, T b) {
  if (a < b) return -1;
  return b < a ? 1 : 0;
}

const char* value_kind(const SqlValue& value) {
  switch (value.index()) {
    case 0:
      return "NULL";
    case 1:
      return "an integer";
    case 2:
      return "a float";
    case 3:
      return "a string";
    default:
      return "bytes";
  }
}

Status wrong_value(SqlType type, const SqlValue& value) {
  return error(ErrorCode::invalid_argument, std::string("cannot store ") + value_kind(value) + " in a " +
                                                std::string(to_string(type)) + " column");
}

}  // namespace

Result<SecretBytes> serialize_plaintext(SqlType type, const SqlValue& value) {
  if (std::holds_alternative<SqlNull>(value)) {
    return error(ErrorCode::invalid_argument, "NULL is never encrypted: store it as NULL");
  }
  Bytes out;
  switch (type) {
    case SqlType::int32: {
      const auto* number = std::get_if<std::int64_t>(&value);
      if (number == nullptr) return wrong_value(type, value);
      if (*number < std::numeric_limits<std::int32_t>::min() ||
          *number > std::numeric_limits<std::int32_t>::max()) {
        return error(ErrorCode::invalid_argument,
                     "the integer " + std::to_string(*number) + " does not fit an int column (32 bits)");
      }
      put_le(out, static_cast<std::uint32_t>(static_cast<std::int32_t>(*number)), 4);
      return SecretBytes(std::move(out));
    }
    case SqlType::int64: {
      const auto* number = std::get_if<std::int64_t>(&value);
      if (number == nullptr) return wrong_value(type, value);
      put_le(out, static_cast<std::uint64_t>(*number), 8);
      return SecretBytes(std::move(out));
    }
    case SqlType::float64: {
      double number = 0;
      if (const auto* d = std::get_if<double>(&value)) {
        number = *d;
      } else if (const auto* i = std::get_if<std::int64_t>(&value)) {
        constexpr std::int64_t kExact = std::int64_t{1} << 53;
        if (*i > kExact || *i < -kExact) {
          return error(ErrorCode::invalid_argument, "the integer " + std::to_string(*i) +
                                                        " is not exactly representable in a float column");
        }
        number = static_cast<double>(*i);
      } else {
        return wrong_value(type, value);
      }
      if (!std::isfinite(number)) {
        return error(ErrorCode::invalid_argument, "a float column holds no NaN or infinity");
      }
      put_le(out, std::bit_cast<std::uint64_t>(number), 8);
      return SecretBytes(std::move(out));
    }
    case SqlType::varchar: {
      const auto* text = std::get_if<std::string>(&value);
      if (text == nullptr) return wrong_value(type, value);
      return SecretBytes(as_bytes(*text));
    }
    case SqlType::nvarchar: {
      const auto* text = std::get_if<std::string>(&value);
      if (text == nullptr) return wrong_value(type, value);
      Result<Bytes> utf16 = utf16le_from_utf8(*text);
      if (!utf16.is_ok()) {
        return error(ErrorCode::invalid_argument, "an nvarchar value must be valid UTF-8 text");
      }
      return SecretBytes(std::move(utf16).value());
    }
    case SqlType::varbinary: {
      const auto* bytes = std::get_if<Bytes>(&value);
      if (bytes == nullptr) return wrong_value(type, value);
      return SecretBytes(ByteView(*bytes));
    }
  }
  return error(ErrorCode::invalid_argument, "unknown SQL type " + std::to_string(static_cast<int>(type)));
}

Result<SqlValue> deserialize_plaintext(SqlType type, ByteView plaintext) {
  switch (type) {
    case SqlType::int32: {
      CLOISTER_ASSIGN_OR_RETURN(std::int32_t number, read_int32(plaintext));
      return SqlValue(std::int64_t{number});
    }
    case SqlType::int64: {
      CLOISTER_ASSIGN_OR_RETURN(std::int64_t number, read_int64(plaintext));
      return SqlValue(number);
    }
    case SqlType::float64: {
      CLOISTER_ASSIGN_OR_RETURN(double number, read_float64(plaintext));
      return SqlValue(number);
    }
    case SqlType::varchar:
      return SqlValue(cloister::to_string(plaintext));
    case SqlType::nvarchar: {
      Result<std::string> text = utf8_from_utf16le(plaintext);
      if (!text.is_ok()) return bad_utf16();
      return SqlValue(std::move(text).value());
    }
    case SqlType::varbinary:
      return SqlValue(Bytes(plaintext.begin(), plaintext.end()));
  }
  return error(ErrorCode::invalid_argument, "unknown SQL type " + std::to_string(static_cast<int>(type)));
}

Result<int> compare_plaintext(SqlType type, ByteView a, ByteView b) {
  switch (type) {
    case SqlType::int32: {
      CLOISTER_ASSIGN_OR_RETURN(std::int32_t x, read_int32(a));
      CLOISTER_ASSIGN_OR_RETURN(std::int32_t y, read_int32(b));
      return three_way(x, y);
    }
    case SqlType::int64: {
      CLOISTER_ASSIGN_OR_RETURN(std::int64_t x, read_int64(a));
      CLOISTER_ASSIGN_OR_RETURN(std::int64_t y, read_int64(b));
      return three_way(x, y);
    }
    case SqlType::float64: {
      CLOISTER_ASSIGN_OR_RETURN(double x, read_float64(a));
      CLOISTER_ASSIGN_OR_RETURN(double y, read_float64(b));
      return three_way(x, y);  // -0.0 equals 0.0
    }
    case SqlType::varchar:
    case SqlType::varbinary:
      // Byte order is code point order for UTF-8, and SQLite's BINARY collation.
      return compare_bytes(a, b);
    case SqlType::nvarchar:
      return compare_utf16(a, b);
  }
  return error(ErrorCode::invalid_argument, "unknown SQL type " + std::to_string(static_cast<int>(type)));
}

namespace {

Status like_type(SqlType type) {
  if (type != SqlType::varchar && type != SqlType::nvarchar) {
    return error(ErrorCode::invalid_argument,
                 "LIKE applies to varchar and nvarchar columns, not " + std::string(to_string(type)));
  }
  return Status::ok();
}

// The two-pointer wildcard match: on a mismatch, retry from the last '%' one
// character further on. O(|text| * |pattern|) time, no extra memory, no
// backtracking beyond the last '%'.
bool wildcard_match(const CodePoints& text, const CodePoints& pat) {
  constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();
  std::size_t t = 0;
  std::size_t p = 0;
  std::size_t star = kNone;
  std::size_t star_text = 0;
  while (t < text.size()) {
    if (p < pat.size() && pat[p] != U'%' && (pat[p] == U'_' || pat[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pat.size() && pat[p] == U'%') {
      star = p++;
      star_text = t;
    } else if (star != kNone) {
      p = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pat.size() && pat[p] == U'%') ++p;
  return p == pat.size();
}

}  // namespace

Result<bool> like_plaintext(SqlType type, ByteView value, ByteView pattern) {
  CLOISTER_RETURN_IF_ERROR(like_type(type));
  CodePoints text;
  CodePoints pat;
  CLOISTER_RETURN_IF_ERROR(decode(type, value, text));
  CLOISTER_RETURN_IF_ERROR(decode(type, pattern, pat));
  return wildcard_match(text, pat);
}

struct LikePattern::State {
  SqlType type = SqlType::varchar;
  CodePoints pattern;
  CodePoints text;  // the last value's, wiped after each match
};

LikePattern::LikePattern(std::unique_ptr<State> state) : state_(std::move(state)) {}
LikePattern::LikePattern(LikePattern&&) noexcept = default;
LikePattern& LikePattern::operator=(LikePattern&&) noexcept = default;
LikePattern::~LikePattern() = default;

Result<LikePattern> LikePattern::create(SqlType type, ByteView pattern) {
  CLOISTER_RETURN_IF_ERROR(like_type(type));
  auto state = std::make_unique<State>();
  state->type = type;
  CLOISTER_RETURN_IF_ERROR(decode(type, pattern, state->pattern));
  return LikePattern(std::move(state));
}

Result<bool> LikePattern::matches(ByteView value) {
  CodePoints& text = state_->text;
  // decode reserves the value's size first, so the buffer grows (and copies
  // code points into a new block) only when a longer value comes: grow it
  // while it is empty, so no copy of a value is left in a freed block.
  text.reserve(value.size());
  const Status decoded = decode(state_->type, value, text);
  const bool matched = decoded.is_ok() && wildcard_match(text, state_->pattern);
  text.wipe_and_clear();
  if (!decoded.is_ok()) return decoded;
  return matched;
}

}  // namespace cloister::sql
