#include "sql/console/employee_data.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace cloister::sql::console {
namespace {

TEST(EmployeeData, SameSeedSameRowsAndEveryRowWellFormed) {
  const auto first = synthetic_employees(300, 7);
  const auto again = synthetic_employees(300, 7);
  const auto other = synthetic_employees(300, 8);
  ASSERT_EQ(first.size(), 300U);
  std::set<std::string> ssns;
  const std::regex ssn_shape("[1-8][0-9]{2}-[1-9][0-9]-[1-9][0-9]{3}");
  for (std::size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].ssn, again[i].ssn);
    EXPECT_EQ(first[i].salary, again[i].salary);
    EXPECT_TRUE(std::regex_match(first[i].ssn, ssn_shape)) << first[i].ssn;
    EXPECT_GE(first[i].salary, 40000);
    EXPECT_LE(first[i].salary, 159500);
    EXPECT_EQ(first[i].salary % 500, 0);
    ssns.insert(first[i].ssn);
  }
  EXPECT_EQ(ssns.size(), first.size());  // unique, so a search by SSN names one person
  EXPECT_NE(first[0].ssn, other[0].ssn);
  const std::string csv = employees_csv({first[0]});
  EXPECT_EQ(csv, "name,ssn,salary\n" + first[0].name + "," + first[0].ssn + "," +
                     std::to_string(first[0].salary) + "\n");
}

}  // namespace
}  // namespace cloister::sql::console
