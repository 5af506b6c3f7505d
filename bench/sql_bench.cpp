// The encrypted SQL server beside plain SQLite, on one employees table:
// both databases go through the same server pipeline (statement analysis,
// binding, JSON rows); the encrypted one stores ssn and salary as randomized
// Always Encrypted cells and evaluates ranges, LIKE and ORDER BY in the real
// SQL enclave (process backend, switchless calls). Client-side encryption is
// counted in the insert rate, as a driver would spend it.
//
//   cloister_sql_bench [--rows 1000000] [--json FILE] [--enclave IMAGE]
#include <sqlite3.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <random>

#include "common/encoding.h"
#include "common/log.h"
#include "common/test/temp_dir.h"
#include "crypto/keys.h"
#include "crypto/rng.h"
#include "jose/jose.h"
#include "measure.h"
#include "sql/cmk_metadata.h"
#include "sql/encrypted_cek.h"
#include "sql/key_release.h"
#include "sql/server/session.h"

namespace {

using namespace cloister;
using namespace cloister::sql;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr char kEncrypted[] =
    "ENCRYPTED WITH (COLUMN_ENCRYPTION_KEY = cek1, ENCRYPTION_TYPE = RANDOMIZED, "
    "ALGORITHM = 'AEAD_AES_256_CBC_HMAC_SHA_256')";
constexpr int kSalaryBase = 30000;
constexpr int kSalarySpan = 200000;  // salaries are uniform in [30000, 230000): 1% is a 2000-wide range

[[noreturn]] void die(const std::string& what, const Status& status) {
  std::cerr << "error: " << what << ": " << status.to_string() << "\n";
  std::exit(1);
}

template <typename T>
T must(Result<T> result, const std::string& what) {
  if (!result.is_ok()) die(what, result.status());
  return std::move(*result);
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Employee {
  std::string name;
  std::string ssn;
  int salary;
};

class Side {
 public:
  Side(const std::string& path, EnclaveHost* enclave, bool encrypted) : encrypted_(encrypted) {
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    if (!create_catalog(db).is_ok()) die("catalog", Status(ErrorCode::internal, path));
    sqlite3_close(db);
    session_ = must(Session::open(path, enclave), "session");
  }

  json run(const std::string& sql, const json& params = json::array(), const json* batch = nullptr) {
    return must(session_->execute(sql, params, batch), sql);
  }
  // Median seconds over `repeats` runs (the first is also returned, cold).
  std::pair<double, double> time(const std::string& sql, const json& params, int repeats, std::size_t* rows) {
    std::vector<double> times;
    for (int i = 0; i < repeats; ++i) {
      const auto start = Clock::now();
      const json answer = run(sql, params);
      times.push_back(seconds_since(start));
      *rows = answer["rows"].size();
    }
    const double cold = times.front();
    std::sort(times.begin(), times.end());
    return {times[times.size() / 2], cold};
  }
  Session& session() { return *session_; }
  [[nodiscard]] bool encrypted() const { return encrypted_; }

 private:
  bool encrypted_;
  std::unique_ptr<Session> session_;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Encrypted SQL (Always Encrypted with an enclave) beside plaintext SQLite"};
  std::size_t rows = 1'000'000;
  std::string json_path;
  std::string image = CLOISTER_SQL_ENCLAVE_IMAGE;
  int repeats = 5;  // the median of five: one run disturbed by the machine does not move it
  bool full_scans_only = false;
  app.add_option("--rows", rows, "rows in the employees table")->capture_default_str();
  app.add_option("--repeats", repeats, "runs of each query (the median is reported)")->capture_default_str();
  app.add_option("--json", json_path, "also write the table as JSON");
  app.add_option("--enclave", image, "signed SQL enclave image")->capture_default_str();
  app.add_flag("--full-scans-only", full_scans_only,
               "skip CREATE INDEX and the indexed queries (quicker runs while tuning full scans)");
  CLI11_PARSE(app, argc, argv);
  cloister::log::init("cloister_sql_bench");  // CLOISTER_LOG=debug shows each full scan's prefetch

  EnclaveOptions options;
  options.call_mode = CallMode::switchless;
  auto enclave = must(EnclaveHost::launch(image, options), "launching the SQL enclave");
  cloister::testing::TempDir dir;
  Side plain(dir.sub("plain.db"), enclave.get(), false);
  Side encrypted(dir.sub("encrypted.db"), enclave.get(), true);

  // Keys, as a client would make and release them.
  auto cmk = must(crypto::PrivateKey::generate(crypto::KeyType::rsa, 2048), "CMK");
  SecretBytes cek(must(crypto::random_bytes(32), "CEK"));
  auto cell_key = must(CellKey::create(cek), "cell key");
  const Bytes signature = must(sign_cmk_metadata(cmk, "CLOISTER_KEY_FILE", "cmk1", true), "signature");
  const Bytes wrapped = must(wrap_cek(cmk, "cmk1", cek), "wrap");
  encrypted.run(
      "CREATE COLUMN MASTER KEY cmk1 WITH (KEY_STORE_PROVIDER_NAME = N'CLOISTER_KEY_FILE', KEY_PATH = "
      "N'cmk1', ENCLAVE_COMPUTATIONS (SIGNATURE = 0x" +
      to_hex(signature) + "))");
  encrypted.run(
      "CREATE COLUMN ENCRYPTION KEY cek1 WITH VALUES (COLUMN_MASTER_KEY = cmk1, ALGORITHM = 'RSA_OAEP', "
      "ENCRYPTED_VALUE = 0x" +
      to_hex(wrapped) + ")");
  encrypted.run(std::string("CREATE TABLE employees (id INTEGER PRIMARY KEY, name TEXT, ssn VARCHAR(11) ") +
                kEncrypted + ", salary INT " + kEncrypted + ")");
  plain.run("CREATE TABLE employees (id INTEGER PRIMARY KEY, name TEXT, ssn TEXT, salary INT)");
  {
    auto evidence = must(enclave->evidence(Bytes{0}), "evidence");
    const auto document = json::parse(evidence.runtime_data.begin(), evidence.runtime_data.end());
    KeyRelease release;
    release.database_id = encrypted.session().database_id();
    release.keys.push_back({1, "cek1", cek, "CLOISTER_KEY_FILE", "cmk1",
                            must(cmk.public_key().to_der(), "CMK public key"), signature});
    const std::string jwe =
        must(seal_key_release(release, must(jose::key_from_jwk(document["keys"][0]), "JWK")), "key release");
    must(enclave->install_keys(jwe), "installing the key");
  }

  std::mt19937_64 random(20261127);
  std::vector<Employee> employees(rows);
  for (std::size_t i = 0; i < rows; ++i) {
    char ssn[16];
    std::snprintf(ssn, sizeof ssn, "%03u-%02u-%04u", static_cast<unsigned>(random() % 1000),
                  static_cast<unsigned>(random() % 100), static_cast<unsigned>(random() % 10000));
    employees[i] = {"employee" + std::to_string(i + 1), ssn,
                    kSalaryBase + static_cast<int>(random() % kSalarySpan)};
  }
  const auto encrypt_cell = [&](const SqlValue& value, SqlType type) -> json {
    auto plaintext = must(serialize_plaintext(type, value), "serialize");
    return {
        {"cell", to_base64(must(cell_key.encrypt(plaintext.view(), EncryptionType::randomized), "encrypt"))}};
  };

  bench::Table table("cloister_sql_bench: " + std::to_string(rows) +
                     " employees; encrypted (enclave) vs plaintext");
  std::cerr << "inserting " << rows << " rows into each table...\n";
  const std::string insert = "INSERT INTO employees (id, name, ssn, salary) VALUES (?, ?, ?, ?)";
  double insert_seconds[2] = {0, 0};
  for (Side* side : {&plain, &encrypted}) {
    const auto start = Clock::now();
    for (std::size_t first = 0; first < rows; first += 10000) {
      json batch = json::array();
      for (std::size_t i = first; i < std::min(rows, first + 10000); ++i) {
        const Employee& e = employees[i];
        json ssn = side->encrypted() ? encrypt_cell(e.ssn, SqlType::varchar) : json{{"text", e.ssn}};
        json salary = side->encrypted() ? encrypt_cell(std::int64_t{e.salary}, SqlType::int32)
                                        : json{{"int", e.salary}};
        batch.push_back(
            json::array({{{"int", i + 1}}, {{"text", e.name}}, std::move(ssn), std::move(salary)}));
      }
      side->run(insert, json::array(), &batch);
      if (first % 200000 == 0)
        std::cerr << "  " << (side->encrypted() ? "encrypted" : "plaintext") << " " << first << "\n";
    }
    insert_seconds[side->encrypted() ? 1 : 0] = seconds_since(start);
  }
  table.add({"bulk insert (client encryption included)", rows / insert_seconds[1], "rows/s", "plaintext",
             rows / insert_seconds[0], "higher is better"});

  const int lo = kSalaryBase + kSalarySpan / 2;
  const int hi = lo + kSalarySpan / 100 - 1;
  const std::string range = "SELECT id, name, ssn, salary FROM employees WHERE salary BETWEEN ? AND ?";
  const json plain_range = json::array({{{"int", lo}}, {{"int", hi}}});
  const json encrypted_range = json::array(
      {encrypt_cell(std::int64_t{lo}, SqlType::int32), encrypt_cell(std::int64_t{hi}, SqlType::int32)});
  const auto compare = [&](const std::string& name, const std::string& sql, const json& plain_params,
                           const json& encrypted_params, const std::string& target) {
    std::size_t plain_rows = 0;
    std::size_t encrypted_rows = 0;
    std::cerr << "  " << name << "...\n";
    const auto [plain_time, plain_cold] = plain.time(sql, plain_params, repeats, &plain_rows);
    const auto [encrypted_time, encrypted_cold] =
        encrypted.time(sql, encrypted_params, repeats, &encrypted_rows);
    if (plain_rows != encrypted_rows) {
      die(name,
          Status(ErrorCode::internal, "row counts differ: " + std::to_string(plain_rows) + " plaintext, " +
                                          std::to_string(encrypted_rows) + " encrypted"));
    }
    table.add({name + " (" + std::to_string(plain_rows) + " rows)", encrypted_time * 1000, "ms", "plaintext",
               plain_time * 1000, target});
    table.add({"  same, first run (enclave cache cold)", encrypted_cold * 1000, "ms", "plaintext first run",
               plain_cold * 1000, ""});
  };
  std::cerr << "queries:\n";
  compare("1% salary range, no index", range, plain_range, encrypted_range, "full scan: target <= 10x");
  const std::string like = "SELECT id, ssn FROM employees WHERE ssn LIKE ?";
  compare("LIKE '12%' on ssn, full scan", like, json::array({{{"text", "12%"}}}),
          json::array({encrypt_cell(std::string("12%"), SqlType::varchar)}), "full scan: target <= 10x");
  const std::string top = "SELECT id, salary FROM employees ORDER BY salary LIMIT 100";
  compare("ORDER BY salary LIMIT 100, no index", top, json::array(), json::array(),
          "full scan: target <= 10x");

  if (full_scans_only) {
    table.print();
    return 0;
  }
  std::cerr << "  CREATE INDEX on salary...\n";
  double index_seconds[2] = {0, 0};
  for (Side* side : {&plain, &encrypted}) {
    const auto start = Clock::now();
    side->run("CREATE INDEX employees_salary ON employees(salary)");
    index_seconds[side->encrypted() ? 1 : 0] = seconds_since(start);
  }
  table.add(
      {"CREATE INDEX on salary", index_seconds[1] * 1000, "ms", "plaintext", index_seconds[0] * 1000, ""});
  compare("1% salary range, indexed", range, plain_range, encrypted_range, "target <= 3x");
  compare("ORDER BY salary LIMIT 100, indexed", top, json::array(), json::array(), "target <= 3x");

  // Raw enclave comparison rate: one CompareCells ecall each.
  const Bytes a =
      must(from_base64(encrypt_cell(std::int64_t{5}, SqlType::int32)["cell"].get<std::string>()), "a");
  const Bytes b =
      must(from_base64(encrypt_cell(std::int64_t{7}, SqlType::int32)["cell"].get<std::string>()), "b");
  const double compare_ns = bench::ns_per_op([&] { (void)enclave->compare(1, SqlType::int32, a, b); });
  table.add({"enclave comparisons (CompareCells ecall)", 1e9 / compare_ns, "per s", "", 0, ""});

  table.print();
  if (!json_path.empty() && !table.write_json(json_path)) return 1;
  return 0;
}
