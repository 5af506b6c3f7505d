// The names of the SQL types an encrypted column may have: declared type
// text ("VARCHAR(11)") and the short names the protocol and catalog use.
#include <algorithm>
#include <cctype>
#include <string>

#include "sql/sql_value.h"

namespace cloister::sql {
namespace {

std::string upper_trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

// "(11)" or "(max)", with any spaces; true if well formed.
bool valid_length(std::string_view s) {
  auto skip_spaces = [&] {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  };
  skip_spaces();
  if (s.empty() || s.front() != '(' || s.back() != ')') return false;
  s = s.substr(1, s.size() - 2);
  skip_spaces();
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  if (s == "MAX") return true;
  if (s.empty() || s.size() > 9) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

}  // namespace

Result<SqlType> parse_sql_type(std::string_view declared) {
  const std::string text = upper_trimmed(declared);
  std::size_t name_end = 0;
  while (name_end < text.size() && (std::isalpha(static_cast<unsigned char>(text[name_end])) != 0))
    ++name_end;
  const std::string name = text.substr(0, name_end);
  const std::string_view rest = std::string_view(text).substr(name_end);
  struct Entry {
    const char* name;
    SqlType type;
    bool sized;
  };
  static constexpr Entry kTypes[] = {
      {"INT", SqlType::int32, false},       {"INTEGER", SqlType::int32, false},
      {"BIGINT", SqlType::int64, false},    {"FLOAT", SqlType::float64, false},
      {"REAL", SqlType::float64, false},    {"DOUBLE", SqlType::float64, false},
      {"VARCHAR", SqlType::varchar, true},  {"CHAR", SqlType::varchar, true},
      {"TEXT", SqlType::varchar, false},    {"NVARCHAR", SqlType::nvarchar, true},
      {"NCHAR", SqlType::nvarchar, true},   {"VARBINARY", SqlType::varbinary, true},
      {"BINARY", SqlType::varbinary, true}, {"BLOB", SqlType::varbinary, false},
  };
  for (const Entry& e : kTypes) {
    if (name != e.name) continue;
    if (rest.empty()) return e.type;
    if (e.sized && valid_length(rest)) return e.type;
    break;
  }
  return error(
      ErrorCode::invalid_argument,
      "unsupported type '" + std::string(declared) +
          "' for an encrypted column: use INT, BIGINT, FLOAT, VARCHAR(n), NVARCHAR(n) or VARBINARY(n)");
}

std::string_view to_string(SqlType type) {
  switch (type) {
    case SqlType::int32:
      return "int";
    case SqlType::int64:
      return "bigint";
    case SqlType::float64:
      return "float";
    case SqlType::varchar:
      return "varchar";
    case SqlType::nvarchar:
      return "nvarchar";
    case SqlType::varbinary:
      return "varbinary";
  }
  return "unknown";
}

Result<SqlType> sql_type_from_name(std::string_view name) {
  for (SqlType t : {SqlType::int32, SqlType::int64, SqlType::float64, SqlType::varchar, SqlType::nvarchar,
                    SqlType::varbinary}) {
    if (to_string(t) == name) return t;
  }
  return error(ErrorCode::invalid_argument,
               "unknown SQL type name '" + std::string(name) +
                   "': expected int, bigint, float, varchar, nvarchar or varbinary");
}

}  // namespace cloister::sql
