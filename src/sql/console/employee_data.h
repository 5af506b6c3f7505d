// Synthetic employees for demos and tests (names, SSN-shaped numbers and
// salaries, all made up): the same seed gives the same rows.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cloister::sql::console {

struct Employee {
  std::string name;
  std::string ssn;  // "NNN-NN-NNNN"
  std::int64_t salary = 0;
};

std::vector<Employee> synthetic_employees(std::size_t count, std::uint64_t seed);

// "name,ssn,salary" and one line per employee.
std::string employees_csv(const std::vector<Employee>& employees);

}  // namespace cloister::sql::console
