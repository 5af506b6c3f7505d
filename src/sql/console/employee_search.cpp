#include "sql/console/employee_search.h"

#include <array>
#include <charconv>
#include <string_view>

namespace cloister::sql::console {
namespace {

using json = nlohmann::json;

struct Operator {
  std::string_view name;  // as the page sends it
  std::string_view sql;
  int values;
};

// The page offers every comparison SQLite has; the server decides which run
// on an encrypted column (GLOB does not, and its refusal is shown as is).
constexpr std::array<Operator, 10> kOperators{{{"between", "BETWEEN", 2},
                                               {"=", "=", 1},
                                               {"<>", "<>", 1},
                                               {"<", "<", 1},
                                               {"<=", "<=", 1},
                                               {">", ">", 1},
                                               {">=", ">=", 1},
                                               {"like", "LIKE", 1},
                                               {"not like", "NOT LIKE", 1},
                                               {"glob", "GLOB", 1}}};

Status bad(const std::string& message) {
  return Status(ErrorCode::invalid_argument, message);
}

Result<std::string> text_member(const json& request, const char* name, bool required) {
  if (!request.contains(name) || request[name].is_null()) {
    if (required) return bad(std::string("the search has no ") + name);
    return std::string();
  }
  if (!request[name].is_string()) return bad(std::string(name) + " must be text");
  std::string value = request[name].get<std::string>();
  if (value.size() > kMaxSearchValueBytes)
    return bad(std::string(name) + " is longer than " + std::to_string(kMaxSearchValueBytes) + " bytes");
  return value;
}

Result<SqlValue> salary_value(const std::string& text) {
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || stop != end)
    return bad("a salary must be a whole number, like 60000 (got \"" + text + "\")");
  return SqlValue{value};
}

}  // namespace

Result<EmployeeSearch> parse_employee_search(const json& request) {
  if (!request.is_object()) return bad("the search must be a JSON object");
  CLOISTER_ASSIGN_OR_RETURN(std::string column, text_member(request, "column", true));
  CLOISTER_ASSIGN_OR_RETURN(std::string name, text_member(request, "operator", true));
  if (column != "salary" && column != "ssn") return bad("search by salary or ssn, not \"" + column + "\"");
  const Operator* op = nullptr;
  for (const Operator& candidate : kOperators) {
    if (candidate.name == name) op = &candidate;
  }
  if (op == nullptr) return bad("unknown operator \"" + name + "\"");

  std::vector<std::string> texts;
  CLOISTER_ASSIGN_OR_RETURN(std::string first, text_member(request, "value", true));
  texts.push_back(std::move(first));
  if (op->values == 2) {
    CLOISTER_ASSIGN_OR_RETURN(std::string second, text_member(request, "value2", true));
    texts.push_back(std::move(second));
  }

  EmployeeSearch search;
  search.description = column + " " + std::string(op->name);
  std::string condition = column + " " + std::string(op->sql) + " ";
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const std::string param = i == 0 ? "@value" : "@value2";
    SqlValue value;
    if (column == "salary") {
      CLOISTER_ASSIGN_OR_RETURN(value, salary_value(texts[i]));
    } else {
      value = texts[i];
    }
    search.params.emplace_back(param, std::move(value));
    condition += (i == 0 ? "" : " AND ") + param;
    search.description += (i == 0 ? " " : " and ") + texts[i];
  }
  search.sql = "SELECT name, ssn, salary FROM employees WHERE " + condition + " ORDER BY salary LIMIT " +
               std::to_string(kMaxSearchRows);
  return search;
}

}  // namespace cloister::sql::console
