#include "sql/server/session.h"

#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <strings.h>

#include <set>

#include "common/encoding.h"
#include "sql/server/json_values.h"
#include "sql/server/statement_guard.h"
#include "sqlite/database.h"

namespace cloister::sql {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxResultRows = 1'000'000;
constexpr std::size_t kMaxBatch = 100'000;

struct StatementCloser {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using StatementPtr = std::unique_ptr<sqlite3_stmt, StatementCloser>;

const char* encryption_name(EncryptionType type) {
  return type == EncryptionType::deterministic ? "deterministic" : "randomized";
}

json encryption_json(const ColumnEncryption& encryption) {
  return {{"cek_id", encryption.cek_id},
          {"cek", encryption.cek_name},
          {"type", encryption_name(encryption.encryption)},
          {"sql_type", std::string(to_string(encryption.sql_type))}};
}

std::string column_label(const EncryptedColumnUse& use) {
  return use.table + "." + use.column;
}

// An error in the user's statement is theirs to fix (invalid_argument).
Status sqlite_failure(sqlite3* db, std::string_view what) {
  const int code = sqlite3_extended_errcode(db) & 0xff;
  if (code == SQLITE_ERROR || code == SQLITE_AUTH || code == SQLITE_MISMATCH || code == SQLITE_RANGE)
    return Status(ErrorCode::invalid_argument, std::string(what) + ": " + sqlite3_errmsg(db));
  return sqlite::sqlite_error(db, what);
}

}  // namespace

Session::Session(sqlite3* db, EnclaveHost* enclave) : db_(db), enclave_(enclave), functions_(db, enclave) {}

Session::~Session() {
  sqlite3_close_v2(db_);
}

Result<std::unique_ptr<Session>> Session::open(const std::string& database_path, EnclaveHost* enclave) {
  sqlite3* db = nullptr;
  // NOMUTEX: the session's own mutex already serializes every use of its
  // connection, and SQLite's per-call locking costs a full scan three
  // lock/unlock pairs per row.
  const int rc = sqlite3_open_v2(database_path.c_str(), &db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<Session> session(new Session(db, enclave));
  if (rc != SQLITE_OK) return sqlite_failure(db, "opening " + database_path);
  sqlite3_busy_timeout(db, 10'000);
  // Memory-mapped reads: a full scan of a table of encrypted cells (several
  // times the pages of its plaintext) otherwise makes a read system call
  // per page, twice (the scan memo's pass and the statement's).
  CLOISTER_RETURN_IF_ERROR(sqlite::exec(
      db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA mmap_size=2147418112", "database"));
  // Defensive mode: no writable_schema, no writes to shadow tables, whatever a statement tries.
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_set_authorizer(db, guard_client_statement, nullptr);
  CLOISTER_RETURN_IF_ERROR(session->functions_.register_like());
  session->last_used = std::chrono::steady_clock::now();
  return session;
}

std::string Session::database_id() {
  auto catalog = load_catalog(db_);
  return catalog.is_ok() ? (*catalog)->database_id : std::string();
}

Result<Session::Prepared> Session::prepare(const std::string& sql) {
  error_code_.clear();
  Prepared prepared;
  CLOISTER_ASSIGN_OR_RETURN(prepared.catalog, load_catalog(db_));
  CLOISTER_ASSIGN_OR_RETURN(prepared.analysis,
                            analyze_statement(sql, analysis_catalog(db_, prepared.catalog)));
  // Every ordered encrypted column's collation, so any index on it works.
  for (const auto& column : prepared.catalog->columns) {
    if (column.encryption.encryption == EncryptionType::randomized && column.encryption.enclave_enabled) {
      CLOISTER_RETURN_IF_ERROR(
          functions_.register_collation(column.encryption.cek_id, column.encryption.sql_type));
    }
  }
  for (const auto& column : prepared.analysis.new_encrypted_columns) {
    CLOISTER_RETURN_IF_ERROR(
        functions_.register_collation(column.encryption.cek_id, column.encryption.sql_type));
  }
  return prepared;
}

Status Session::check_enclave_keys(const Prepared& prepared) {
  std::set<std::uint32_t> needed;
  for (const auto& use : prepared.analysis.columns) {
    if (use.needs_enclave) needed.insert(use.encryption.cek_id);
  }
  if (needed.empty()) return Status::ok();
  auto status = enclave_->key_status();
  // A relaunched enclave answers the second time, holding no keys.
  if (!status.is_ok() && status.status().code() == ErrorCode::enclave_terminated)
    status = enclave_->key_status();
  if (!status.is_ok()) return status.status();
  const std::set<std::uint32_t> held(status->cek_ids.begin(), status->cek_ids.end());
  for (const auto& use : prepared.analysis.columns) {
    if (use.needs_enclave && !held.contains(use.encryption.cek_id)) {
      error_code_ = kEnclaveKeyMissing;
      return Status(ErrorCode::conflict,
                    column_label(use) + " is encrypted with " + use.encryption.cek_name +
                        ", which the enclave does not hold: attest the enclave and release " +
                        "the key to it (a driver with column encryption enabled does this)");
    }
  }
  return Status::ok();
}

Result<json> Session::describe(const std::string& sql) {
  CLOISTER_ASSIGN_OR_RETURN(Prepared prepared, prepare(sql));
  json parameters = json::array();
  std::set<std::uint32_t> ceks;
  std::set<std::uint32_t> enclave_ceks;
  for (const auto& parameter : prepared.analysis.parameters) {
    json entry = {
        {"index", parameter.index}, {"name", parameter.name}, {"column", nullptr}, {"encryption", nullptr}};
    if (parameter.column) {
      entry["column"] = {{"table", parameter.column->table}, {"column", parameter.column->column}};
      entry["encryption"] = encryption_json(parameter.column->encryption);
      ceks.insert(parameter.column->encryption.cek_id);
    }
    parameters.push_back(std::move(entry));
  }
  // Every key a referenced column uses: the driver needs them to decrypt
  // result cells too, not only to encrypt parameters.
  for (const auto& use : prepared.analysis.columns) {
    ceks.insert(use.encryption.cek_id);
    if (use.needs_enclave) enclave_ceks.insert(use.encryption.cek_id);
  }
  json cek_list = json::array();
  for (std::uint32_t id : ceks) {
    const CekRecord* cek = prepared.catalog->cek(id);
    if (cek == nullptr) continue;
    json values = json::array();
    for (const auto& value : cek->values) {
      const CmkRecord* cmk = prepared.catalog->cmk(value.cmk_id);
      if (cmk == nullptr) continue;
      values.push_back({{"cmk", cmk->name},
                        {"provider", cmk->provider},
                        {"key_path", cmk->key_path},
                        {"algorithm", value.algorithm},
                        {"encrypted_value", to_base64(value.encrypted_value)},
                        {"enclave_signature", to_base64(cmk->enclave_signature)}});
    }
    cek_list.push_back({{"id", cek->id}, {"name", cek->name}, {"values", std::move(values)}});
  }
  return json{{"parameters", std::move(parameters)},
              {"ceks", std::move(cek_list)},
              {"enclave_ceks", json(std::vector<std::uint32_t>(enclave_ceks.begin(), enclave_ceks.end()))}};
}

Result<json> Session::execute(const std::string& sql, const json& params, const json* batch) {
  CLOISTER_ASSIGN_OR_RETURN(Prepared prepared, prepare(sql));
  CLOISTER_RETURN_IF_ERROR(check_enclave_keys(prepared));
  switch (prepared.analysis.kind) {
    case StatementKind::create_cmk:
    case StatementKind::create_cek:
    case StatementKind::drop_cmk:
    case StatementKind::drop_cek:
      return run_catalog_statement(prepared);
    case StatementKind::alter_column_encryption:
      return alter_column(prepared);
    default:
      return run_statement(prepared, params, batch);
  }
}

Result<json> Session::run_catalog_statement(Prepared& prepared) {
  const Analysis& analysis = prepared.analysis;
  CLOISTER_RETURN_IF_ERROR(sqlite::exec(db_, "SAVEPOINT cloister_catalog", "catalog"));
  sqlite3_set_authorizer(db_, nullptr, nullptr);
  Status status;
  switch (analysis.kind) {
    case StatementKind::create_cmk:
      status = insert_cmk(db_, *analysis.create_cmk);
      break;
    case StatementKind::create_cek:
      status = insert_cek(db_, *prepared.catalog, *analysis.create_cek);
      break;
    case StatementKind::drop_cmk:
      status = drop_cmk(db_, *prepared.catalog, analysis.dropped_name);
      break;
    default:
      status = drop_cek(db_, *prepared.catalog, analysis.dropped_name);
      break;
  }
  sqlite3_set_authorizer(db_, guard_client_statement, nullptr);
  if (!status.is_ok()) {
    (void)sqlite::exec(db_, "ROLLBACK TO cloister_catalog; RELEASE cloister_catalog", "catalog");
    return status;
  }
  CLOISTER_RETURN_IF_ERROR(sqlite::exec(db_, "RELEASE cloister_catalog", "catalog"));
  return json{{"columns", json::array()}, {"rows", json::array()}, {"changes", 1}, {"last_insert_rowid", 0}};
}

Status Session::explain_failure(Status failure, const Prepared& prepared) {
  const std::string& message = failure.message();
  if (message.find("no key for") != std::string::npos || failure.code() == ErrorCode::enclave_terminated) {
    error_code_ = kEnclaveKeyMissing;
    return Status(ErrorCode::conflict, "the enclave does not hold a key this statement needs (" + message +
                                           "): attest the enclave and release the keys again");
  }
  const std::string cell = functions_.failed_cell();
  if (failure.code() == ErrorCode::verification_failed || failure.code() == ErrorCode::crypto_error) {
    // Name the row whose cell failed, comparing bytes so no collation runs.
    for (const auto& use : prepared.analysis.columns) {
      auto find = sqlite::prepare(db_,
                                  "SELECT rowid FROM " + quote_identifier(use.table) + " WHERE CAST(" +
                                      quote_identifier(use.column) + " AS BLOB) = CAST(? AS BLOB) LIMIT 1",
                                  "database");
      if (!find.is_ok()) continue;
      find->bind(1, cell);
      auto found = find->step();
      if (found.is_ok() && *found) {
        return Status(failure.code(),
                      column_label(use) + " in the row with rowid " + std::to_string(find->integer(0)) +
                          " failed authentication (tampered, or encrypted with another key): " + message);
      }
    }
  }
  return failure;
}

Result<json> Session::run_statement(Prepared& prepared, const json& params, const json* batch) {
  const Analysis& analysis = prepared.analysis;
  const std::string& text = analysis.sqlite_sql;
  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  if (sqlite3_prepare_v2(db_, text.c_str(), static_cast<int>(text.size()), &raw, &tail) != SQLITE_OK) {
    return sqlite_failure(db_, "preparing the statement");
  }
  StatementPtr statement(raw);
  if (!statement) return Status(ErrorCode::invalid_argument, "the statement is empty");

  std::vector<const json*> runs;
  if (batch != nullptr) {
    if (!batch->is_array() || batch->empty() || batch->size() > kMaxBatch) {
      return Status(ErrorCode::invalid_argument, "batch must be an array of 1 to 100000 parameter lists");
    }
    for (const auto& entry : *batch) runs.push_back(&entry);
  } else {
    runs.push_back(&params);
  }

  const int parameter_count = sqlite3_bind_parameter_count(statement.get());
  std::vector<const ParameterUse*> uses(static_cast<std::size_t>(parameter_count) + 1, nullptr);
  for (const auto& use : analysis.parameters) {
    if (use.index >= 1 && use.index <= parameter_count) uses[static_cast<std::size_t>(use.index)] = &use;
  }

  // Result columns: those whose origin is an encrypted column hold cells.
  const int column_count = sqlite3_column_count(statement.get());
  json columns = json::array();
  std::vector<bool> encrypted(static_cast<std::size_t>(column_count), false);
  for (int i = 0; i < column_count; ++i) {
    const char* table = sqlite3_column_table_name(statement.get(), i);
    const char* origin = sqlite3_column_origin_name(statement.get(), i);
    json column = {{"name", sqlite3_column_name(statement.get(), i)},
                   {"table", table != nullptr ? table : ""},
                   {"column", origin != nullptr ? origin : ""},
                   {"encryption", nullptr}};
    std::optional<ColumnEncryption> encryption;
    if (table != nullptr && origin != nullptr) encryption = prepared.catalog->column(table, origin);
    if (!encryption && origin == nullptr) {
      // An expression over one encrypted column (MIN(c), MAX(c)) yields its cells.
      const std::string name = sqlite3_column_name(statement.get(), i);
      for (const auto& use : analysis.columns) {
        const std::string& c = use.column;
        for (const char* function : {"min(", "max(", "MIN(", "MAX("}) {
          if (strncasecmp(name.c_str(), function, 4) == 0 && name.size() > 5 && name.back() == ')') {
            std::string inner = name.substr(4, name.size() - 5);
            if (auto dot = inner.rfind('.'); dot != std::string::npos) inner = inner.substr(dot + 1);
            if (strcasecmp(inner.c_str(), c.c_str()) == 0) encryption = use.encryption;
          }
        }
      }
    }
    if (encryption) {
      column["encryption"] = encryption_json(*encryption);
      encrypted[static_cast<std::size_t>(i)] = true;
    }
    columns.push_back(std::move(column));
  }

  const bool own_transaction = runs.size() > 1 && sqlite3_get_autocommit(db_) != 0;
  // DDL and its catalog rows land together or not at all.
  const bool catalog_change = !analysis.new_encrypted_columns.empty() || !analysis.dropped_table.empty();
  if (own_transaction) CLOISTER_RETURN_IF_ERROR(sqlite::exec(db_, "BEGIN IMMEDIATE", "database"));
  if (catalog_change) CLOISTER_RETURN_IF_ERROR(sqlite::exec(db_, "SAVEPOINT cloister_ddl", "database"));
  auto rollback = [&](Status status) -> Status {
    if (catalog_change) (void)sqlite::exec(db_, "ROLLBACK TO cloister_ddl; RELEASE cloister_ddl", "database");
    if (own_transaction) (void)sqlite::exec(db_, "ROLLBACK", "database");
    return status;
  };

  json rows = json::array();
  std::int64_t changes = 0;
  functions_.take_failure();
  // A table scan comparing an encrypted column with parameters: the whole
  // column goes to the enclave in batches first (scan_memo.h).
  struct MemoGuard {
    ScanMemo& memo;
    ~MemoGuard() { memo.clear(); }
  } memo_guard{functions_.memo()};
  if (runs.size() == 1 && params.is_array()) {
    std::vector<std::string> cells;
    for (const auto& value : params) {
      const bool is_cell =
          value.is_object() && value.size() == 1 && value.contains("cell") && value["cell"].is_string();
      cells.push_back(is_cell ? value["cell"].get<std::string>() : std::string());
    }
    if (Status prefetched = functions_.memo().prefetch(db_, *enclave_, analysis, text, cells);
        !prefetched.is_ok()) {
      functions_.memo().clear();  // the per-row path still answers, and reports any failure itself
    }
  }
  for (std::size_t run = 0; run < runs.size(); ++run) {
    const json& values = *runs[run];
    const std::string where = runs.size() > 1 ? "batch entry " + std::to_string(run) + ": " : "";
    sqlite3_reset(statement.get());
    sqlite3_clear_bindings(statement.get());
    if (!values.is_array() || static_cast<int>(values.size()) != parameter_count) {
      return rollback(
          Status(ErrorCode::invalid_argument,
                 where + "the statement has " + std::to_string(parameter_count) + " parameters; " +
                     (values.is_array() ? std::to_string(values.size()) : "no list of") + " given"));
    }
    for (int index = 1; index <= parameter_count; ++index) {
      auto kind = bind_json_value(statement.get(), index, values[static_cast<std::size_t>(index - 1)]);
      if (!kind.is_ok()) return rollback(kind.status().with_context(where));
      const ParameterUse* use = uses[static_cast<std::size_t>(index)];
      const char* name = sqlite3_bind_parameter_name(statement.get(), index);
      const std::string label = name != nullptr ? name : "?" + std::to_string(index);
      if (use != nullptr && use->column && *kind == BoundKind::plain) {
        std::string message = where;
        message.append("parameter ").append(label).append(" meets encrypted column ");
        message.append(column_label(*use->column))
            .append(" but is plaintext: encrypt it (connect with column encryption enabled)");
        return rollback(Status(ErrorCode::invalid_argument, message));
      }
      if ((use == nullptr || !use->column) && *kind == BoundKind::cell) {
        std::string message = where;
        message.append("parameter ")
            .append(label)
            .append(" is an encrypted cell but meets no encrypted column");
        return rollback(Status(ErrorCode::invalid_argument, message));
      }
    }
    while (true) {
      const int rc = sqlite3_step(statement.get());
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) {
        if (auto failure = functions_.take_failure()) {
          sqlite3_reset(statement.get());
          return rollback(explain_failure(*failure, prepared).with_context(where));
        }
        Status status = sqlite_failure(db_, where.empty() ? "running the statement" : where + "running");
        sqlite3_reset(statement.get());
        return rollback(status);
      }
      if (rows.size() >= kMaxResultRows) {
        return rollback(
            Status(ErrorCode::out_of_range, "the result has more than 1000000 rows: add a LIMIT"));
      }
      json row = json::array();
      for (int i = 0; i < column_count; ++i) {
        row.push_back(column_json_value(statement.get(), i, encrypted[static_cast<std::size_t>(i)]));
      }
      rows.push_back(std::move(row));
    }
    changes += sqlite3_changes64(db_);
  }
  statement.reset();
  // Catalog bookkeeping for DDL that created or dropped encrypted columns.
  if (catalog_change) {
    sqlite3_set_authorizer(db_, nullptr, nullptr);
    Status status = analysis.dropped_table.empty() ? insert_columns(db_, analysis.new_encrypted_columns)
                                                   : forget_table(db_, analysis.dropped_table);
    sqlite3_set_authorizer(db_, guard_client_statement, nullptr);
    if (!status.is_ok()) return rollback(status);
    CLOISTER_RETURN_IF_ERROR(sqlite::exec(db_, "RELEASE cloister_ddl", "database"));
  }
  if (own_transaction) CLOISTER_RETURN_IF_ERROR(sqlite::exec(db_, "COMMIT", "database"));
  return json{{"columns", std::move(columns)},
              {"rows", std::move(rows)},
              {"changes", analysis.kind == StatementKind::query ? 0 : changes},
              {"last_insert_rowid", sqlite3_last_insert_rowid(db_)}};
}

}  // namespace cloister::sql
