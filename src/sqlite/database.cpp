#include "sqlite/database.h"

#include <sqlite3.h>

#include <climits>

namespace cloister::sqlite {

Status sqlite_error(sqlite3* db, std::string_view what) {
  const char* message = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
  const int code = db != nullptr ? sqlite3_extended_errcode(db) : SQLITE_NOMEM;
  // SQLITE_CONSTRAINT covers UNIQUE violations and the audit triggers' ABORT.
  const ErrorCode error_code = (code & 0xff) == SQLITE_CONSTRAINT ? ErrorCode::conflict : ErrorCode::io_error;
  return {error_code, std::string(what) + ": " + message};
}

void Database::Closer::operator()(sqlite3* db) const {
  sqlite3_close_v2(db);
}

Result<Database> Database::open(const std::string& path) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  Database db;
  db.db_.reset(raw);
  if (rc != SQLITE_OK) return sqlite_error(raw, "opening the key store " + path);
  // Writers wait up to 10 s for the lock rather than failing with SQLITE_BUSY.
  sqlite3_busy_timeout(raw, 10'000);
  CLOISTER_RETURN_IF_ERROR(db.exec("PRAGMA journal_mode=WAL"));
  // FULL: a committed transaction survives power loss, not only a process crash.
  CLOISTER_RETURN_IF_ERROR(db.exec("PRAGMA synchronous=FULL"));
  CLOISTER_RETURN_IF_ERROR(db.exec("PRAGMA foreign_keys=ON"));
  // Freed pages are zeroed so deleted (encrypted) key rows do not linger.
  CLOISTER_RETURN_IF_ERROR(db.exec("PRAGMA secure_delete=ON"));
  return db;
}

Result<Database> Database::open_read_only(const std::string& path) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX, nullptr);
  Database db;
  db.db_.reset(raw);
  if (rc != SQLITE_OK) return sqlite_error(raw, "opening " + path + " read-only");
  sqlite3_busy_timeout(raw, 2000);
  return db;
}

std::string quote_identifier(std::string_view name) {
  std::string quoted = "\"";
  for (char c : name) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

Status Database::exec(std::string_view sql) {
  return sqlite::exec(db_.get(), sql, "key store");
}

Result<Statement> Database::prepare(std::string_view sql) {
  return sqlite::prepare(db_.get(), sql, "key store");
}

Status exec(sqlite3* db, std::string_view sql, std::string_view what) {
  char* message = nullptr;
  const std::string text(sql);
  if (sqlite3_exec(db, text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string detail = message != nullptr ? message : "unknown error";
    sqlite3_free(message);
    const int code = sqlite3_extended_errcode(db);
    return {(code & 0xff) == SQLITE_CONSTRAINT ? ErrorCode::conflict : ErrorCode::io_error,
            std::string(what) + ": " + detail};
  }
  return Status::ok();
}

Result<Statement> prepare(sqlite3* db, std::string_view sql, std::string_view what) {
  sqlite3_stmt* raw = nullptr;
  if (sql.size() > INT_MAX) return Status(ErrorCode::invalid_argument, "SQL too long");
  if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, nullptr) != SQLITE_OK) {
    return sqlite_error(db, "preparing a " + std::string(what) + " query");
  }
  return Statement(raw, db);
}

std::int64_t Database::changes() const {
  return sqlite3_changes64(db_.get());
}

void Statement::Finalizer::operator()(sqlite3_stmt* statement) const {
  sqlite3_finalize(statement);
}

Statement& Statement::bind(int index, std::string_view text) {
  if (bind_status_.is_ok() && sqlite3_bind_text64(stmt_.get(), index, text.data(), text.size(),
                                                  SQLITE_TRANSIENT, SQLITE_UTF8) != SQLITE_OK) {
    bind_status_ = sqlite_error(db_, "binding a text parameter");
  }
  return *this;
}

Statement& Statement::bind(int index, ByteView blob) {
  // A zero-length blob with a null pointer would bind NULL; keep it a blob.
  static const std::uint8_t kEmpty = 0;
  const void* data = blob.empty() ? &kEmpty : blob.data();
  if (bind_status_.is_ok() &&
      sqlite3_bind_blob64(stmt_.get(), index, data, blob.size(), SQLITE_TRANSIENT) != SQLITE_OK) {
    bind_status_ = sqlite_error(db_, "binding a blob parameter");
  }
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  if (bind_status_.is_ok() && sqlite3_bind_int64(stmt_.get(), index, value) != SQLITE_OK) {
    bind_status_ = sqlite_error(db_, "binding an integer parameter");
  }
  return *this;
}

Statement& Statement::bind_null(int index) {
  if (bind_status_.is_ok() && sqlite3_bind_null(stmt_.get(), index) != SQLITE_OK) {
    bind_status_ = sqlite_error(db_, "binding a null parameter");
  }
  return *this;
}

Result<bool> Statement::step() {
  if (!bind_status_.is_ok()) return bind_status_;
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_error(db_, "key store query failed");
}

Status Statement::run() {
  while (true) {
    CLOISTER_ASSIGN_OR_RETURN(bool row, step());
    if (!row) return Status::ok();
  }
}

std::string Statement::text(int column) const {
  const auto* data = sqlite3_column_text(stmt_.get(), column);
  const int size = sqlite3_column_bytes(stmt_.get(), column);
  if (data == nullptr) return {};
  return {reinterpret_cast<const char*>(data), static_cast<std::size_t>(size)};
}

Bytes Statement::blob(int column) const {
  const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_.get(), column));
  const int size = sqlite3_column_bytes(stmt_.get(), column);
  if (data == nullptr) return {};
  return {data, data + size};
}

SecretBytes Statement::secret_blob(int column) const {
  const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_.get(), column));
  const int size = sqlite3_column_bytes(stmt_.get(), column);
  if (data == nullptr) return {};
  return SecretBytes(ByteView(data, static_cast<std::size_t>(size)));
}

std::int64_t Statement::integer(int column) const {
  return sqlite3_column_int64(stmt_.get(), column);
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}

Result<Transaction> Transaction::begin(Database& db) {
  CLOISTER_RETURN_IF_ERROR(db.exec("BEGIN IMMEDIATE"));
  return Transaction(&db);
}

Transaction::~Transaction() {
  if (db_ != nullptr) (void)db_->exec("ROLLBACK");
}

Status Transaction::commit() {
  CLOISTER_RETURN_IF_ERROR(db_->exec("COMMIT"));  // on failure the destructor rolls back
  db_ = nullptr;
  return Status::ok();
}

}  // namespace cloister::sqlite
