// cloister sql seed: fills the employees table with synthetic employees
// through the driver (SSN and salary encrypted here), for demos and tests.
#include <fstream>
#include <iostream>

#include "sql/console/employee_data.h"
#include "tools/command_registry.h"
#include "tools/sql_connection_options.h"

namespace cloister::cli {
namespace {

struct SeedArgs {
  SqlConnectionArgs connection;
  std::string cek = "hr_cek";
  std::size_t rows = 100;
  std::uint64_t seed = 1;
  std::string plaintext_out;
};

constexpr std::size_t kBatchRows = 500;

std::string create_table_sql(const std::string& cek) {
  const std::string encrypted =
      " ENCRYPTED WITH (COLUMN_ENCRYPTION_KEY = " + cek +
      ", ENCRYPTION_TYPE = RANDOMIZED, ALGORITHM = 'AEAD_AES_256_CBC_HMAC_SHA_256')";
  return "CREATE TABLE employees (id INTEGER PRIMARY KEY, name TEXT, ssn CHAR(11)" + encrypted +
         ", salary INT" + encrypted + ")";
}

int run_seed(const SeedArgs& args) {
  auto options = connection_options(args.connection);
  if (!options.is_ok()) return fail(options.status().message());
  auto connection = sql::Connection::open(std::move(options).value());
  if (!connection.is_ok()) return fail(connection.status().message(), "check --server and --server-cert");
  if (!connection->execute("SELECT count(*) FROM employees").is_ok()) {
    auto created = connection->execute(create_table_sql(args.cek));
    if (!created.is_ok())
      return fail(created.status().message(),
                  "create the column keys first (cloister sql cmk/cek create --ddl)");
    std::cerr << "created table employees (ssn and salary encrypted with " << args.cek << ", randomized)\n";
  }
  const auto employees = sql::console::synthetic_employees(args.rows, args.seed);
  for (std::size_t first = 0; first < employees.size(); first += kBatchRows) {
    std::vector<std::vector<sql::SqlValue>> batch;
    for (std::size_t i = first; i < std::min(employees.size(), first + kBatchRows); ++i)
      batch.push_back({employees[i].name, employees[i].ssn, employees[i].salary});
    auto inserted =
        connection->execute_batch("INSERT INTO employees (name, ssn, salary) VALUES (?, ?, ?)", batch);
    if (!inserted.is_ok()) return fail(inserted.status().message());
    std::cerr << "inserted " << first + batch.size() << " of " << employees.size() << " employees\n";
  }
  if (!args.plaintext_out.empty()) {
    std::ofstream out(args.plaintext_out, std::ios::trunc);
    out << sql::console::employees_csv(employees);
    if (!out.flush()) return fail("cannot write " + args.plaintext_out);
  }
  std::cout << "seeded " << employees.size() << " synthetic employees (seed " << args.seed << ")\n";
  return 0;
}

const RegisterSubcommands kRegisterSeed([](CLI::App& root) {
  CLI::App* sql = root.get_subcommand("sql");
  static SeedArgs args;
  auto* seed = sql->add_subcommand(
      "seed",
      "Add synthetic employees (made-up names, SSNs, salaries) to the employees table, encrypted here");
  add_sql_connection_options(*seed, args.connection);
  seed->add_option("--cek", args.cek, "column encryption key for ssn and salary, if the table is created")
      ->capture_default_str();
  seed->add_option("--rows", args.rows, "how many employees")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000000));
  seed->add_option("--seed", args.seed, "the generator's seed: the same seed, the same employees")
      ->capture_default_str();
  seed->add_option("--plaintext-out", args.plaintext_out,
                   "also write the rows in plaintext as CSV here (to check query answers against)");
  seed->callback([] { exit_code() = run_seed(args); });
});

}  // namespace
}  // namespace cloister::cli
