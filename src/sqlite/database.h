// Small RAII layer over the SQLite C API: a connection, prepared statements
// and transactions. Every failure becomes a Status naming what was attempted.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cloister/bytes.h"
#include "cloister/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace cloister::sqlite {

class Statement;

// On a connection the caller owns; `what` names the store in messages.
Status exec(sqlite3* db, std::string_view sql, std::string_view what);
// The connection's last error as a Status: conflict for a constraint
// violation, io_error otherwise; "what: SQLite's message".
Status sqlite_error(sqlite3* db, std::string_view what);
Result<Statement> prepare(sqlite3* db, std::string_view sql, std::string_view what);
// "name" with embedded quotes doubled: a table or column name in SQL text.
std::string quote_identifier(std::string_view name);

class Database {
 public:
  // Opens (creating if missing) with WAL journaling, foreign keys on and a
  // busy timeout, so concurrent writers wait for each other instead of failing.
  static Result<Database> open(const std::string& path);
  // Opens an existing file read-only, as it is (no pragmas that would write):
  // what an administrator's tools see.
  static Result<Database> open_read_only(const std::string& path);
  Database() = default;
  Database(Database&&) noexcept = default;
  Database& operator=(Database&&) noexcept = default;

  Status exec(std::string_view sql);  // statements without parameters or results
  Result<Statement> prepare(std::string_view sql);
  [[nodiscard]] std::int64_t changes() const;
  [[nodiscard]] sqlite3* get() const { return db_.get(); }

 private:
  struct Closer {
    void operator()(sqlite3* db) const;
  };
  std::unique_ptr<sqlite3, Closer> db_;
};

class Statement {
 public:
  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) noexcept = default;

  // Binding is 1-based as in SQLite.
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, ByteView blob);
  Statement& bind(int index, std::int64_t value);
  Statement& bind_null(int index);

  // True when a row is available, false when done.
  Result<bool> step();
  Status run();  // steps to completion, for statements without results

  [[nodiscard]] std::string text(int column) const;
  [[nodiscard]] Bytes blob(int column) const;
  [[nodiscard]] SecretBytes secret_blob(int column) const;
  [[nodiscard]] std::int64_t integer(int column) const;
  [[nodiscard]] bool is_null(int column) const;
  [[nodiscard]] sqlite3_stmt* get() const { return stmt_.get(); }

 private:
  friend Result<Statement> prepare(sqlite3* db, std::string_view sql, std::string_view what);
  explicit Statement(sqlite3_stmt* statement, sqlite3* db) : stmt_(statement), db_(db) {}
  struct Finalizer {
    void operator()(sqlite3_stmt* statement) const;
  };
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
  sqlite3* db_ = nullptr;
  Status bind_status_;  // the first bind failure, reported by step()
};

// BEGIN IMMEDIATE on construction (takes the write lock up front so two
// writers never deadlock upgrading read locks); ROLLBACK unless committed.
class Transaction {
 public:
  static Result<Transaction> begin(Database& db);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Status commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_;
};

}  // namespace cloister::sqlite
