#include "sql/console/dba_snapshot.h"

#include <sqlite3.h>

#include <memory>

namespace cloister::sql::console {
namespace {

struct DatabaseCloser {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
struct StatementFinalizer {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

std::string quote_identifier(const std::string& name) {
  std::string quoted = "\"";
  for (char c : name) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

Status sqlite_failure(sqlite3* db, const std::string& what) {
  return Status(ErrorCode::io_error, what + ": " + sqlite3_errmsg(db));
}

Result<Statement> prepare(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr) != SQLITE_OK)
    return sqlite_failure(db, "reading the database");
  return Statement(raw);
}

std::string cell_text(sqlite3_stmt* statement, int column) {
  switch (sqlite3_column_type(statement, column)) {
    case SQLITE_NULL:
      return "NULL";
    case SQLITE_BLOB:
      return "(" + std::to_string(sqlite3_column_bytes(statement, column)) + "-byte blob)";
    default:
      return {reinterpret_cast<const char*>(sqlite3_column_text(statement, column)),
              static_cast<std::size_t>(sqlite3_column_bytes(statement, column))};
  }
}

}  // namespace

Result<DbaSnapshot> read_dba_snapshot(const std::string& db_path, const std::string& table, int limit) {
  sqlite3* raw = nullptr;
  const int opened = sqlite3_open_v2(db_path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  std::unique_ptr<sqlite3, DatabaseCloser> db(raw);
  if (opened != SQLITE_OK) {
    return Status(ErrorCode::io_error, "cannot open " + db_path + " read-only: " +
                                           (raw != nullptr ? sqlite3_errmsg(raw) : "no memory"));
  }
  sqlite3_busy_timeout(raw, 2000);
  DbaSnapshot snapshot;
  snapshot.table = table;

  CLOISTER_ASSIGN_OR_RETURN(Statement exists,
                            prepare(raw, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"));
  sqlite3_bind_text(exists.get(), 1, table.c_str(), static_cast<int>(table.size()), SQLITE_TRANSIENT);
  if (sqlite3_step(exists.get()) != SQLITE_ROW)
    return Status(ErrorCode::not_found, "no table " + table + " in " + db_path + " yet");

  CLOISTER_ASSIGN_OR_RETURN(
      Statement catalog,
      prepare(raw, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'cloister_column'"));
  if (sqlite3_step(catalog.get()) == SQLITE_ROW) {
    CLOISTER_ASSIGN_OR_RETURN(Statement columns,
                              prepare(raw,
                                      "SELECT column_name FROM cloister_column WHERE table_name = ? "
                                      "COLLATE NOCASE ORDER BY column_name"));
    sqlite3_bind_text(columns.get(), 1, table.c_str(), static_cast<int>(table.size()), SQLITE_TRANSIENT);
    while (sqlite3_step(columns.get()) == SQLITE_ROW)
      snapshot.encrypted_columns.push_back(cell_text(columns.get(), 0));
  }

  // NOT INDEXED: an index on a randomized column needs the enclave's
  // collation, which the administrator's connection does not have.
  CLOISTER_ASSIGN_OR_RETURN(Statement count,
                            prepare(raw, "SELECT count(*) FROM " + quote_identifier(table) + " NOT INDEXED"));
  if (sqlite3_step(count.get()) != SQLITE_ROW) return sqlite_failure(raw, "counting " + table);
  snapshot.row_count = sqlite3_column_int64(count.get(), 0);

  CLOISTER_ASSIGN_OR_RETURN(Statement rows,
                            prepare(raw, "SELECT * FROM " + quote_identifier(table) +
                                             " NOT INDEXED ORDER BY rowid LIMIT " + std::to_string(limit)));
  const int width = sqlite3_column_count(rows.get());
  for (int c = 0; c < width; ++c) snapshot.columns.emplace_back(sqlite3_column_name(rows.get(), c));
  int step = SQLITE_ROW;
  while ((step = sqlite3_step(rows.get())) == SQLITE_ROW) {
    std::vector<std::string> row;
    row.reserve(static_cast<std::size_t>(width));
    for (int c = 0; c < width; ++c) row.push_back(cell_text(rows.get(), c));
    snapshot.rows.push_back(std::move(row));
  }
  if (step != SQLITE_DONE) return sqlite_failure(raw, "reading " + table);
  return snapshot;
}

}  // namespace cloister::sql::console
