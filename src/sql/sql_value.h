// The SQL types an encrypted column may have, and how a value of each is
// turned into the plaintext bytes a cell encrypts, exactly as SQL Server's
// drivers serialize them for Always Encrypted, so cells interoperate:
//
//   INT       4 bytes, two's complement, little-endian
//   BIGINT    8 bytes, two's complement, little-endian
//   FLOAT     8 bytes, IEEE 754 binary64, little-endian
//   VARCHAR   the string's bytes (UTF-8 here; SQL Server uses the column's
//             code page, the same bytes for ASCII)
//   NVARCHAR  UTF-16LE
//   VARBINARY the bytes
//
// Plaintext comparison (what the enclave evaluates) follows the type:
// numbers numerically, strings by code point (SQL Server's *_BIN2 order, and
// SQLite's BINARY order for UTF-8), bytes by memcmp.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "cloister/bytes.h"
#include "cloister/result.h"

namespace cloister::sql {

enum class SqlType : std::uint8_t {
  int32 = 1,
  int64 = 2,
  float64 = 3,
  varchar = 4,
  nvarchar = 5,
  varbinary = 6
};

// "INT", "BIGINT", "FLOAT", "VARCHAR(11)", "CHAR(11)", "NVARCHAR(50)",
// "VARBINARY(16)", ... case-insensitive; a length is accepted and ignored.
// invalid_argument naming the supported types otherwise.
Result<SqlType> parse_sql_type(std::string_view declared);
// "int", "bigint", "float", "varchar", "nvarchar", "varbinary": the names
// the protocol and the catalog use.
std::string_view to_string(SqlType type);
Result<SqlType> sql_type_from_name(std::string_view name);  // inverse of to_string

// A value as the application sees it. Null is never encrypted (Always
// Encrypted stores NULL as NULL).
struct SqlNull {
  bool operator==(const SqlNull&) const = default;
};
using SqlValue = std::variant<SqlNull, std::int64_t, double, std::string, Bytes>;

// Value -> plaintext bytes for a column of `type`. An int64 that does not fit
// INT, a string for a number column, a non-UTF-8 string for NVARCHAR, or a
// null gets invalid_argument saying which.
Result<SecretBytes> serialize_plaintext(SqlType type, const SqlValue& value);
// Plaintext bytes -> value; a wrong length for a number type or invalid UTF-16
// gets decode_error.
Result<SqlValue> deserialize_plaintext(SqlType type, ByteView plaintext);

// -1, 0, 1 comparing two plaintexts of `type` (already validated: use on
// deserialize_plaintext's input only after it succeeded, or it returns an error).
Result<int> compare_plaintext(SqlType type, ByteView a, ByteView b);

// SQL LIKE on plaintexts of a string type: '%' any run, '_' one character
// (code point), case-sensitive, no escape character. The pattern is a value
// of the same column type.
Result<bool> like_plaintext(SqlType type, ByteView value, ByteView pattern);

// The same, for many values against one pattern (a scan): the pattern is
// decoded once, and each value into a buffer reused (and wiped) from one
// match to the next. Not for several threads at once. The pattern's code
// points are wiped when it goes.
class LikePattern {
 public:
  // invalid_argument for a type that is not a string, decode_error for a
  // pattern that is not valid text of the type.
  static Result<LikePattern> create(SqlType type, ByteView pattern);
  LikePattern(LikePattern&&) noexcept;
  LikePattern& operator=(LikePattern&&) noexcept;
  ~LikePattern();
  // decode_error for a value that is not valid text of the type.
  Result<bool> matches(ByteView value);

 private:
  struct State;
  explicit LikePattern(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace cloister::sql
