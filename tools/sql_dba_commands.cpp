// cloister sql dba: what an administrator on the database server sees. The
// SQLite file is opened read-only with SQLite itself: no server, no keys.
// Encrypted cells (base64 TEXT in the file) are shown as the ciphertext
// bytes they are; the catalog shows which keys exist, wrapped.
#include <sqlite3.h>

#include <cctype>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/encoding.h"
#include "sql/client/shell_support.h"
#include "sqlite/database.h"
#include "tools/command_registry.h"

namespace cloister::cli {
namespace {

struct DbaArgs {
  std::string db;
  std::string table;
  int limit = 20;
};

constexpr std::size_t kHexPrefixBytes = 16;

// The catalog's names compare case-insensitively (COLLATE NOCASE), as SQL's do.
std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string hex_prefix(ByteView bytes) {
  std::string text = "0x" + to_hex(bytes.subspan(0, std::min(bytes.size(), kHexPrefixBytes)));
  if (bytes.size() > kHexPrefixBytes) text += "... (" + std::to_string(bytes.size()) + " bytes)";
  return text;
}

// Rows of a query as display strings; encrypted columns (by index) are
// decoded from base64 and shown as ciphertext hex.
struct Rows {
  std::vector<std::string> names;
  std::vector<std::vector<std::string>> values;
};

Result<Rows> query(sqlite3* db, const std::string& sql, const std::set<std::string>& encrypted_columns = {}) {
  auto prepared = sqlite::prepare(db, sql, "reading the database");
  if (!prepared.is_ok()) return prepared.status().with_context(sql);
  sqlite3_stmt* raw = prepared->get();
  Rows rows;
  const int count = sqlite3_column_count(raw);
  for (int c = 0; c < count; ++c) rows.names.emplace_back(sqlite3_column_name(raw, c));
  int step = SQLITE_ROW;
  while ((step = sqlite3_step(raw)) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int c = 0; c < count; ++c) {
      const int type = sqlite3_column_type(raw, c);
      if (type == SQLITE_NULL) {
        row.emplace_back("NULL");
      } else if (type == SQLITE_BLOB) {
        const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(raw, c));
        row.push_back(hex_prefix(ByteView(data, static_cast<std::size_t>(sqlite3_column_bytes(raw, c)))));
      } else {
        std::string text(reinterpret_cast<const char*>(sqlite3_column_text(raw, c)),
                         static_cast<std::size_t>(sqlite3_column_bytes(raw, c)));
        if (encrypted_columns.count(lower(rows.names[static_cast<std::size_t>(c)])) != 0 &&
            type == SQLITE_TEXT) {
          auto cell = from_base64(text);
          if (cell.is_ok()) text = hex_prefix(*cell);
        }
        row.push_back(std::move(text));
      }
    }
    rows.values.push_back(std::move(row));
  }
  if (step != SQLITE_DONE)
    return Status(ErrorCode::io_error, std::string(sqlite3_errmsg(db)) + " in: " + sql);
  return rows;
}

void print(const Rows& rows) {
  sql::ResultSet table;
  for (const auto& name : rows.names) table.columns.push_back({name, "", "", false});
  for (const auto& row : rows.values) {
    std::vector<sql::SqlValue> values(row.begin(), row.end());
    table.rows.push_back(std::move(values));
  }
  std::cout << sql::client::format_result(table);
}

bool has_table(sqlite3* db, const std::string& name) {
  auto rows = query(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '" + name + "'");
  return rows.is_ok() && !rows->values.empty();
}

// table -> its encrypted columns, from the catalog.
std::map<std::string, std::set<std::string>> encrypted_columns(sqlite3* db) {
  std::map<std::string, std::set<std::string>> columns;
  if (!has_table(db, "cloister_column")) return columns;
  auto rows = query(db, "SELECT table_name, column_name FROM cloister_column");
  if (!rows.is_ok()) return columns;
  for (const auto& row : rows->values) columns[lower(row[0])].insert(lower(row[1]));
  return columns;
}

Status print_catalog(sqlite3* db) {
  if (!has_table(db, "cloister_cmk")) {
    std::cout << "No Cloister catalog (cloister_cmk) in this database: no encrypted columns.\n\n";
    return Status::ok();
  }
  std::cout << "Column master keys (held by the clients; the database has only their names):\n";
  CLOISTER_ASSIGN_OR_RETURN(
      Rows cmks,
      query(db,
            "SELECT id, name, provider, key_path, CASE WHEN length(enclave_signature) > 0 THEN "
            "'yes' ELSE 'no' END AS enclave_enabled, enclave_signature FROM cloister_cmk ORDER BY id"));
  print(cmks);
  if (has_table(db, "cloister_cek") && has_table(db, "cloister_cek_value")) {
    std::cout << "\nColumn encryption keys (stored only wrapped by a column master key):\n";
    CLOISTER_ASSIGN_OR_RETURN(
        Rows ceks,
        query(db,
              "SELECT k.id, k.name, m.name AS cmk, v.algorithm, v.encrypted_value FROM cloister_cek k "
              "JOIN cloister_cek_value v ON v.cek_id = k.id LEFT JOIN cloister_cmk m ON m.id = v.cmk_id "
              "ORDER BY k.id"));
    print(ceks);
  }
  if (has_table(db, "cloister_column")) {
    std::cout << "\nEncrypted columns:\n";
    CLOISTER_ASSIGN_OR_RETURN(
        Rows columns,
        query(db,
              "SELECT c.table_name, c.column_name, k.name AS cek, c.encryption_type, c.sql_type "
              "FROM cloister_column c LEFT JOIN cloister_cek k ON k.id = c.cek_id "
              "ORDER BY c.table_name, c.column_name"));
    print(columns);
  }
  std::cout << "\n";
  return Status::ok();
}

int run_dba(const DbaArgs& args) {
  auto db = sqlite::Database::open_read_only(args.db);
  if (!db.is_ok())
    return fail(db.status().message(), "--db names the SQLite file `cloister sql serve --db` uses");
  sqlite3* raw = db->get();
  std::cout << "Database " << args.db << ", as its administrator sees it (no keys):\n\n";
  if (Status catalog = print_catalog(raw); !catalog.is_ok()) return fail(catalog.message());

  auto tables = query(raw,
                      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                      "AND name NOT LIKE 'cloister_%' ORDER BY name");
  if (!tables.is_ok()) return fail(tables.status().message());
  const auto encrypted = encrypted_columns(raw);
  auto indexes = query(raw,
                       "SELECT name, tbl_name AS table_name, sql FROM sqlite_master WHERE type = 'index' "
                       "AND sql IS NOT NULL AND tbl_name NOT LIKE 'cloister_%' ORDER BY tbl_name, name");
  if (indexes.is_ok() && !indexes->values.empty() && args.table.empty()) {
    std::cout
        << "Indexes (an index on an encrypted column is sorted by plaintext order, which it reveals):\n";
    print(*indexes);
    std::cout << "\n";
  }
  bool found = args.table.empty();
  for (const auto& row : tables->values) {
    const std::string& name = row[0];
    if (!args.table.empty() && name != args.table) continue;
    found = true;
    // NOT INDEXED: SQLite would count through the smallest index, and an
    // index on a randomized column needs the enclave's collation, which an
    // administrator's connection does not have.
    auto count = query(raw, "SELECT count(*) FROM " + sqlite::quote_identifier(name) + " NOT INDEXED");
    if (!count.is_ok()) return fail(count.status().message());
    std::cout << "Table " << name << " (" << count->values[0][0] << " rows";
    const auto columns = encrypted.find(lower(name));
    if (columns != encrypted.end()) {
      std::cout << "; encrypted:";
      for (const auto& column : columns->second) std::cout << " " << column;
    }
    std::cout << "):\n";
    auto rows =
        query(raw, "SELECT * FROM " + sqlite::quote_identifier(name) + " LIMIT " + std::to_string(args.limit),
              columns != encrypted.end() ? columns->second : std::set<std::string>{});
    if (!rows.is_ok()) return fail(rows.status().message());
    print(*rows);
    std::cout << "\n";
  }
  if (!found) return fail("no table " + args.table + " in " + args.db);
  return 0;
}

void add_dba_command(CLI::App& root) {
  CLI::App* sql = root.get_subcommand("sql");
  auto args = std::make_shared<DbaArgs>();
  auto* dba = sql->add_subcommand(
      "dba", "Show what the database file holds, as an administrator sees it: catalog, rows, ciphertext");
  dba->add_option("--db", args->db, "The SQLite database file")->required()->check(CLI::ExistingFile);
  dba->add_option("--table", args->table, "Only this table");
  dba->add_option("--limit", args->limit, "Rows per table")
      ->check(CLI::Range(0, 1000000))
      ->capture_default_str();
  dba->callback([args] { exit_code() = run_dba(*args); });
}

const RegisterSubcommands kRegisterDba(add_dba_command);

}  // namespace
}  // namespace cloister::cli
