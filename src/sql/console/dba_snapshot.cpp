#include "sql/console/dba_snapshot.h"

#include <sqlite3.h>

#include "sqlite/database.h"

namespace cloister::sql::console {
namespace {

Status sqlite_failure(sqlite3* db, const std::string& what) {
  return Status(ErrorCode::io_error, what + ": " + sqlite3_errmsg(db));
}

Result<sqlite::Statement> prepare(sqlite3* db, const std::string& sql) {
  return sqlite::prepare(db, sql, "reading the database");
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
  CLOISTER_ASSIGN_OR_RETURN(sqlite::Database db, sqlite::Database::open_read_only(db_path));
  sqlite3* raw = db.get();
  DbaSnapshot snapshot;
  snapshot.table = table;

  CLOISTER_ASSIGN_OR_RETURN(sqlite::Statement exists,
                            prepare(raw, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"));
  CLOISTER_ASSIGN_OR_RETURN(bool table_exists, exists.bind(1, table).step());
  if (!table_exists) return Status(ErrorCode::not_found, "no table " + table + " in " + db_path + " yet");

  CLOISTER_ASSIGN_OR_RETURN(
      sqlite::Statement catalog,
      prepare(raw, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'cloister_column'"));
  CLOISTER_ASSIGN_OR_RETURN(bool has_catalog, catalog.step());
  if (has_catalog) {
    CLOISTER_ASSIGN_OR_RETURN(sqlite::Statement columns,
                              prepare(raw,
                                      "SELECT column_name FROM cloister_column WHERE table_name = ? "
                                      "COLLATE NOCASE ORDER BY column_name"));
    columns.bind(1, table);
    while (true) {
      CLOISTER_ASSIGN_OR_RETURN(bool row, columns.step());
      if (!row) break;
      snapshot.encrypted_columns.push_back(columns.text(0));
    }
  }

  // NOT INDEXED: an index on a randomized column needs the enclave's
  // collation, which the administrator's connection does not have.
  CLOISTER_ASSIGN_OR_RETURN(
      sqlite::Statement count,
      prepare(raw, "SELECT count(*) FROM " + sqlite::quote_identifier(table) + " NOT INDEXED"));
  if (sqlite3_step(count.get()) != SQLITE_ROW) return sqlite_failure(raw, "counting " + table);
  snapshot.row_count = sqlite3_column_int64(count.get(), 0);

  CLOISTER_ASSIGN_OR_RETURN(sqlite::Statement rows,
                            prepare(raw, "SELECT * FROM " + sqlite::quote_identifier(table) +
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
