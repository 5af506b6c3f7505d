// One client session: its own SQLite connection (so its transactions are its
// own), the enclave-backed functions registered on it, and the statement
// pipeline: analyze -> check the enclave holds the keys -> run -> label the
// result columns with their encryption.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "cloister/result.h"
#include "sql/server/catalog.h"
#include "sql/server/cell_functions.h"
#include "sql/server/enclave_host.h"

struct sqlite3;

namespace cloister::sql {

// A statement refused because the enclave lacks a key: the service answers
// 409 EnclaveKeyMissing with the enclave's instance and keys, so the driver
// can attest it, release the keys and retry.
inline constexpr std::string_view kEnclaveKeyMissing = "EnclaveKeyMissing";

struct StatementError {
  Status status;
  std::string code;  // the protocol's error code, e.g. "EnclaveKeyMissing"; empty: from the status
};

class Session {
 public:
  static Result<std::unique_ptr<Session>> open(const std::string& database_path, EnclaveHost* enclave);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // sp_describe_parameter_encryption for `sql`.
  Result<nlohmann::json> describe(const std::string& sql);
  // Runs `sql` once with `params`, or once per entry of `batch` (an array of
  // parameter arrays) in one transaction.
  Result<nlohmann::json> execute(const std::string& sql, const nlohmann::json& params,
                                 const nlohmann::json* batch);

  // The last error's protocol code (after execute/describe failed).
  [[nodiscard]] const std::string& error_code() const { return error_code_; }
  [[nodiscard]] std::string database_id();
  // Comparisons and LIKEs that went to the enclave one by one (a full scan's
  // batched calls are not counted): what shows whether a scan was batched.
  [[nodiscard]] std::uint64_t per_row_enclave_calls() const { return functions_.enclave_calls(); }

  std::mutex& mutex() { return mutex_; }
  std::chrono::steady_clock::time_point last_used;

 private:
  Session(sqlite3* db, EnclaveHost* enclave);
  struct Prepared {
    std::shared_ptr<const CatalogSnapshot> catalog;
    Analysis analysis;
  };
  Result<Prepared> prepare(const std::string& sql);
  Status check_enclave_keys(const Prepared& prepared);
  Result<nlohmann::json> run_catalog_statement(Prepared& prepared);
  Result<nlohmann::json> run_statement(Prepared& prepared, const nlohmann::json& params,
                                       const nlohmann::json* batch);
  Result<nlohmann::json> alter_column(Prepared& prepared);
  Status explain_failure(Status failure, const Prepared& prepared);

  sqlite3* db_;
  EnclaveHost* enclave_;
  CellFunctions functions_;
  std::string error_code_;
  std::mutex mutex_;
};

}  // namespace cloister::sql
