// The names of the SQL types an encrypted column may have (sql_value.h).
#include <array>
#include <cctype>
#include <string>

#include "sql/sql_value.h"

namespace cloister::sql {
namespace {

struct TypeName {
  std::string_view name;
  SqlType type;
};

// Declared names (upper case) and the type each means.
constexpr std::array<TypeName, 14> kDeclaredNames{{
    {"INT", SqlType::int32},
    {"INTEGER", SqlType::int32},
    {"BIGINT", SqlType::int64},
    {"FLOAT", SqlType::float64},
    {"REAL", SqlType::float64},
    {"DOUBLE", SqlType::float64},
    {"VARCHAR", SqlType::varchar},
    {"CHAR", SqlType::varchar},
    {"TEXT", SqlType::varchar},
    {"NVARCHAR", SqlType::nvarchar},
    {"NCHAR", SqlType::nvarchar},
    {"VARBINARY", SqlType::varbinary},
    {"BINARY", SqlType::varbinary},
    {"BLOB", SqlType::varbinary},
}};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// "(11)", "( max )": a length, accepted and ignored.
bool is_length(std::string_view text) {
  if (text.size() < 2 || text.front() != '(' || text.back() != ')') return false;
  const std::string inside = upper(trim(text.substr(1, text.size() - 2)));
  if (inside == "MAX") return true;
  if (inside.empty() || inside.size() > 10) return false;
  for (char c : inside) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

Status unsupported(std::string_view declared) {
  return error(
      ErrorCode::invalid_argument,
      "unsupported type for an encrypted column: '" + std::string(declared.substr(0, 64)) +
          "'; supported: INT, BIGINT, FLOAT, VARCHAR(n), NVARCHAR(n), VARBINARY(n) (and INTEGER, REAL, "
          "DOUBLE, CHAR, TEXT, NCHAR, BINARY, BLOB)");
}

}  // namespace

Result<SqlType> parse_sql_type(std::string_view declared) {
  const std::string_view text = trim(declared);
  std::size_t name_end = 0;
  while (name_end < text.size() && std::isalpha(static_cast<unsigned char>(text[name_end])) != 0) ++name_end;
  const std::string name = upper(text.substr(0, name_end));
  const std::string_view rest = trim(text.substr(name_end));
  if (name.empty() || (!rest.empty() && !is_length(rest))) return unsupported(declared);
  for (const TypeName& entry : kDeclaredNames) {
    if (entry.name == name) return entry.type;
  }
  return unsupported(declared);
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
  for (SqlType type : {SqlType::int32, SqlType::int64, SqlType::float64, SqlType::varchar, SqlType::nvarchar,
                       SqlType::varbinary}) {
    if (to_string(type) == name) return type;
  }
  return error(ErrorCode::invalid_argument, "unknown SQL type name '" + std::string(name.substr(0, 64)) +
                                                "': one of int, bigint, float, varchar, nvarchar, varbinary");
}

}  // namespace cloister::sql
