// A search from the SQL console's page, turned into one parameterized
// statement on the employees table. The request comes from a browser, so it
// is untrusted: the column and operator come from fixed lists, values are
// bounded and typed, and nothing from it is ever spliced into SQL text.
//
//   {"column": "salary", "operator": "between", "value": "60000", "value2": "100000"}
//   {"column": "ssn", "operator": "like", "value": "123-%"}
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cloister/result.h"
#include "cloister/sql_client.h"

namespace cloister::sql::console {

struct EmployeeSearch {
  std::string sql;
  std::vector<NamedParam> params;
  std::string description;  // "salary between 60000 and 100000"
};

inline constexpr std::size_t kMaxSearchValueBytes = 64;
inline constexpr int kMaxSearchRows = 200;

// invalid_argument naming what is wrong, for the page to show.
Result<EmployeeSearch> parse_employee_search(const nlohmann::json& request);

}  // namespace cloister::sql::console
