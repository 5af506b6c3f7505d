#include "sql/console/employee_data.h"

#include <array>
#include <cstdio>
#include <random>
#include <set>
#include <string_view>

namespace cloister::sql::console {
namespace {

constexpr std::array<std::string_view, 24> kFirstNames{
    "Alice", "Bob",  "Carol",   "Dave",   "Erin",   "Frank", "Grace",  "Heidi",
    "Ivan",  "Judy", "Mallory", "Niaj",   "Olivia", "Peggy", "Rupert", "Sybil",
    "Trent", "Uma",  "Victor",  "Walter", "Xena",   "Yusuf", "Zoe",    "Quinn"};
constexpr std::array<std::string_view, 16> kLastNames{
    "Adams", "Baker",  "Chen",     "Diaz",  "Evans",  "Fischer",  "Garcia", "Hughes",
    "Ito",   "Jensen", "Kowalski", "Lopez", "Moreau", "Nakamura", "Okafor", "Petrov"};
constexpr std::int64_t kSalaryMin = 40000;
constexpr std::int64_t kSalarySteps = 240;  // up to 159,500 in steps of 500
constexpr std::int64_t kSalaryStep = 500;

}  // namespace

std::vector<Employee> synthetic_employees(std::size_t count, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  std::vector<Employee> employees;
  std::set<std::string> ssns;
  employees.reserve(count);
  while (employees.size() < count) {
    Employee employee;
    employee.name = std::string(kFirstNames[random() % kFirstNames.size()]) + " " +
                    std::string(kLastNames[random() % kLastNames.size()]);
    char ssn[16];
    std::snprintf(ssn, sizeof ssn, "%03u-%02u-%04u", static_cast<unsigned>(100 + random() % 800),
                  static_cast<unsigned>(10 + random() % 90), static_cast<unsigned>(1000 + random() % 9000));
    employee.ssn = ssn;
    employee.salary = kSalaryMin + static_cast<std::int64_t>(random() % kSalarySteps) * kSalaryStep;
    if (ssns.insert(employee.ssn).second) employees.push_back(std::move(employee));
  }
  return employees;
}

std::string employees_csv(const std::vector<Employee>& employees) {
  std::string csv = "name,ssn,salary\n";
  for (const Employee& employee : employees)
    csv += employee.name + "," + employee.ssn + "," + std::to_string(employee.salary) + "\n";
  return csv;
}

}  // namespace cloister::sql::console
