// What `cloister sql shell` needs beyond the driver, kept here so it is unit
// tested: argument parsing, splitting input into statements, and printing
// result tables.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cloister/result.h"
#include "cloister/sql_client.h"
#include "image/identity.h"

namespace cloister::sql::client {

// "HOST:PORT" or "[IPv6]:PORT".
Result<std::pair<std::string, std::uint16_t>> parse_host_port(std::string_view text);

// "@name=type:value" with type int (bigint), real (float), text (varchar,
// nvarchar), blob (varbinary; value in hex) or null (no value).
Result<NamedParam> parse_param(std::string_view text);

// The parameters whose name occurs in `sql` (so one --param list serves
// several statements).
std::vector<NamedParam> params_used_by(std::string_view sql, const std::vector<NamedParam>& params);

// 32 bytes as 64 hex digits (a signer id or measurement).
Result<std::array<std::uint8_t, 32>> parse_id_hex(std::string_view text, std::string_view what);

// The measurement and signer of a signed enclave image (verified).
Result<std::pair<Measurement, SignerId>> identity_of_image(const std::string& path);

// Accumulates input and hands out complete statements: text up to a ';' that
// is outside quotes ('', "", ``, []) and comments (--, /* */).
class StatementSplitter {
 public:
  void feed(std::string_view text);
  // The next complete statement (without its ';', trimmed), if any.
  std::optional<std::string> next();
  // What remains after the last ';' (trimmed): a statement without its ';'.
  [[nodiscard]] std::string rest() const;

 private:
  std::string buffer_;
};

// A value as the shell prints it: NULL, numbers, text as is, bytes as 0x hex.
std::string format_value(const SqlValue& value);

// Aligned columns with a header and a rule, then "(N rows)"; for statements
// without columns, "N rows changed".
std::string format_result(const ResultSet& result);

}  // namespace cloister::sql::client
