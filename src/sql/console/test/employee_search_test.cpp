#include "sql/console/employee_search.h"

#include <gtest/gtest.h>

namespace cloister::sql::console {
namespace {

using json = nlohmann::json;

TEST(EmployeeSearch, SalaryRangeBecomesAParameterizedStatement) {
  auto search = parse_employee_search(
      json{{"column", "salary"}, {"operator", "between"}, {"value", "60000"}, {"value2", "100000"}});
  ASSERT_TRUE(search.is_ok()) << search.status().to_string();
  EXPECT_EQ(search->sql,
            "SELECT name, ssn, salary FROM employees WHERE salary BETWEEN @value AND @value2 ORDER BY salary "
            "LIMIT 200");
  ASSERT_EQ(search->params.size(), 2U);
  EXPECT_EQ(search->params[0].first, "@value");
  EXPECT_EQ(std::get<std::int64_t>(search->params[0].second), 60000);
  EXPECT_EQ(std::get<std::int64_t>(search->params[1].second), 100000);
  EXPECT_EQ(search->description, "salary between 60000 and 100000");
}

TEST(EmployeeSearch, SsnPatternsStayTextAndNeverReachTheSqlText) {
  const std::string hostile = "%' OR 1=1 --";
  auto search = parse_employee_search(json{{"column", "ssn"}, {"operator", "like"}, {"value", hostile}});
  ASSERT_TRUE(search.is_ok());
  EXPECT_EQ(search->sql.find("OR 1=1"), std::string::npos);
  EXPECT_EQ(std::get<std::string>(search->params[0].second), hostile);
  auto glob = parse_employee_search(json{{"column", "ssn"}, {"operator", "glob"}, {"value", "123*"}});
  ASSERT_TRUE(glob.is_ok());
  EXPECT_NE(glob->sql.find("ssn GLOB @value"), std::string::npos);  // the server decides; it refuses GLOB
}

TEST(EmployeeSearch, BadRequestsAreRefusedWithWhatIsWrong) {
  const std::vector<std::pair<json, std::string>> cases = {
      {json::array(), "JSON object"},
      {json{{"operator", "="}, {"value", "1"}}, "no column"},
      {json{{"column", "name; DROP TABLE employees"}, {"operator", "="}, {"value", "1"}}, "salary or ssn"},
      {json{{"column", "salary"}, {"operator", "UNION"}, {"value", "1"}}, "unknown operator"},
      {json{{"column", "salary"}, {"operator", "="}, {"value", "12k"}}, "whole number"},
      {json{{"column", "salary"}, {"operator", "="}, {"value", ""}}, "whole number"},
      {json{{"column", "salary"}, {"operator", "="}, {"value", "99999999999999999999"}}, "whole number"},
      {json{{"column", "salary"}, {"operator", "between"}, {"value", "1"}}, "no value2"},
      {json{{"column", "salary"}, {"operator", "="}, {"value", 5}}, "must be text"},
      {json{{"column", "ssn"}, {"operator", "like"}, {"value", std::string(65, '1')}}, "longer than 64"},
  };
  for (const auto& [request, reason] : cases) {
    auto search = parse_employee_search(request);
    ASSERT_FALSE(search.is_ok()) << request.dump();
    EXPECT_EQ(search.status().code(), ErrorCode::invalid_argument);
    EXPECT_NE(search.status().message().find(reason), std::string::npos) << search.status().message();
  }
}

}  // namespace
}  // namespace cloister::sql::console
