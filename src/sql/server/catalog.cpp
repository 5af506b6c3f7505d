#include "sql/server/catalog.h"

#include <sqlite3.h>
#include <strings.h>

#include "common/encoding.h"
#include "crypto/rng.h"
#include "sqlite/database.h"

namespace cloister::sql {

namespace {

constexpr std::string_view kWhat = "catalog";

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

const char* to_catalog_string(EncryptionType type) {
  return type == EncryptionType::deterministic ? "deterministic" : "randomized";
}

Result<EncryptionType> encryption_from_catalog(std::string_view text) {
  if (text == "deterministic") return EncryptionType::deterministic;
  if (text == "randomized") return EncryptionType::randomized;
  return Status(ErrorCode::decode_error, "catalog: unknown encryption type '" + std::string(text) + "'");
}

}  // namespace

const CmkRecord* CatalogSnapshot::cmk(std::string_view name) const {
  for (const auto& record : cmks) {
    if (same_name(record.name, name)) return &record;
  }
  return nullptr;
}

const CmkRecord* CatalogSnapshot::cmk(std::int64_t id) const {
  for (const auto& record : cmks) {
    if (record.id == id) return &record;
  }
  return nullptr;
}

const CekRecord* CatalogSnapshot::cek(std::string_view name) const {
  for (const auto& record : ceks) {
    if (same_name(record.name, name)) return &record;
  }
  return nullptr;
}

const CekRecord* CatalogSnapshot::cek(std::uint32_t id) const {
  for (const auto& record : ceks) {
    if (record.id == id) return &record;
  }
  return nullptr;
}

bool CatalogSnapshot::enclave_enabled(const CekRecord& record) const {
  for (const auto& value : record.values) {
    const CmkRecord* master = cmk(value.cmk_id);
    if (master != nullptr && !master->enclave_signature.empty()) return true;
  }
  return false;
}

std::optional<ColumnEncryption> CatalogSnapshot::column(std::string_view table, std::string_view name) const {
  for (const auto& record : columns) {
    if (same_name(record.table, table) && same_name(record.column, name)) return record.encryption;
  }
  return std::nullopt;
}

Status create_catalog(sqlite3* db) {
  CLOISTER_RETURN_IF_ERROR(sqlite::exec(db, R"(
    CREATE TABLE IF NOT EXISTS cloister_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS cloister_cmk(
      id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE, provider TEXT NOT NULL,
      key_path TEXT NOT NULL, enclave_signature BLOB);
    CREATE TABLE IF NOT EXISTS cloister_cek(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE);
    CREATE TABLE IF NOT EXISTS cloister_cek_value(
      cek_id INTEGER NOT NULL REFERENCES cloister_cek(id), cmk_id INTEGER NOT NULL REFERENCES cloister_cmk(id),
      algorithm TEXT NOT NULL, encrypted_value BLOB NOT NULL, PRIMARY KEY(cek_id, cmk_id));
    CREATE TABLE IF NOT EXISTS cloister_column(
      table_name TEXT NOT NULL COLLATE NOCASE, column_name TEXT NOT NULL COLLATE NOCASE,
      cek_id INTEGER NOT NULL REFERENCES cloister_cek(id), encryption_type TEXT NOT NULL, sql_type TEXT NOT NULL,
      PRIMARY KEY(table_name, column_name));
  )",
                                        kWhat));
  CLOISTER_ASSIGN_OR_RETURN(auto id, crypto::random_bytes(16));
  CLOISTER_ASSIGN_OR_RETURN(
      auto insert,
      sqlite::prepare(db, "INSERT OR IGNORE INTO cloister_meta VALUES('database_id', ?)", kWhat));
  insert.bind(1, to_hex(id));
  return insert.run();
}

Result<std::shared_ptr<const CatalogSnapshot>> load_catalog(sqlite3* db) {
  auto snapshot = std::make_shared<CatalogSnapshot>();
  {
    CLOISTER_ASSIGN_OR_RETURN(
        auto row, sqlite::prepare(db, "SELECT value FROM cloister_meta WHERE key='database_id'", kWhat));
    CLOISTER_ASSIGN_OR_RETURN(bool found, row.step());
    if (found) snapshot->database_id = row.text(0);
  }
  {
    CLOISTER_ASSIGN_OR_RETURN(
        auto rows,
        sqlite::prepare(
            db, "SELECT id, name, provider, key_path, enclave_signature FROM cloister_cmk ORDER BY id",
            kWhat));
    while (true) {
      CLOISTER_ASSIGN_OR_RETURN(bool more, rows.step());
      if (!more) break;
      snapshot->cmks.push_back({rows.integer(0), rows.text(1), rows.text(2), rows.text(3),
                                rows.is_null(4) ? Bytes{} : rows.blob(4)});
    }
  }
  {
    CLOISTER_ASSIGN_OR_RETURN(auto rows,
                              sqlite::prepare(db, "SELECT id, name FROM cloister_cek ORDER BY id", kWhat));
    while (true) {
      CLOISTER_ASSIGN_OR_RETURN(bool more, rows.step());
      if (!more) break;
      snapshot->ceks.push_back({static_cast<std::uint32_t>(rows.integer(0)), rows.text(1), {}});
    }
  }
  {
    CLOISTER_ASSIGN_OR_RETURN(
        auto rows,
        sqlite::prepare(db, "SELECT cek_id, cmk_id, algorithm, encrypted_value FROM cloister_cek_value",
                        kWhat));
    while (true) {
      CLOISTER_ASSIGN_OR_RETURN(bool more, rows.step());
      if (!more) break;
      for (auto& cek : snapshot->ceks) {
        if (cek.id == static_cast<std::uint32_t>(rows.integer(0))) {
          cek.values.push_back({rows.integer(1), rows.text(2), rows.blob(3)});
        }
      }
    }
  }
  {
    CLOISTER_ASSIGN_OR_RETURN(
        auto rows,
        sqlite::prepare(
            db, "SELECT table_name, column_name, cek_id, encryption_type, sql_type FROM cloister_column",
            kWhat));
    while (true) {
      CLOISTER_ASSIGN_OR_RETURN(bool more, rows.step());
      if (!more) break;
      ColumnRecord record{rows.text(0), rows.text(1), {}};
      record.encryption.cek_id = static_cast<std::uint32_t>(rows.integer(2));
      CLOISTER_ASSIGN_OR_RETURN(record.encryption.encryption, encryption_from_catalog(rows.text(3)));
      CLOISTER_ASSIGN_OR_RETURN(record.encryption.sql_type, sql_type_from_name(rows.text(4)));
      snapshot->columns.push_back(std::move(record));
    }
  }
  for (auto& record : snapshot->columns) {
    const CekRecord* cek = snapshot->cek(record.encryption.cek_id);
    if (cek == nullptr) {
      return Status(ErrorCode::decode_error, "catalog: column " + record.table + "." + record.column +
                                                 " names a column encryption key that does not exist");
    }
    record.encryption.cek_name = cek->name;
    record.encryption.enclave_enabled = snapshot->enclave_enabled(*cek);
  }
  return std::shared_ptr<const CatalogSnapshot>(std::move(snapshot));
}

Status insert_cmk(sqlite3* db, const CreateCmk& cmk) {
  CLOISTER_ASSIGN_OR_RETURN(
      auto insert,
      sqlite::prepare(db,
                      "INSERT INTO cloister_cmk(name, provider, key_path, enclave_signature) VALUES(?,?,?,?)",
                      kWhat));
  insert.bind(1, cmk.name).bind(2, cmk.provider).bind(3, cmk.key_path);
  if (cmk.enclave_signature.empty()) {
    insert.bind_null(4);
  } else {
    insert.bind(4, ByteView(cmk.enclave_signature));
  }
  Status status = insert.run();
  if (status.code() == ErrorCode::conflict) {
    return Status(ErrorCode::conflict, "a column master key named " + cmk.name + " already exists");
  }
  return status;
}

Status insert_cek(sqlite3* db, const CatalogSnapshot& catalog, const CreateCek& cek) {
  if (catalog.cek(cek.name) != nullptr) {
    return Status(ErrorCode::conflict, "a column encryption key named " + cek.name + " already exists");
  }
  if (cek.values.empty())
    return Status(ErrorCode::invalid_argument, "CREATE COLUMN ENCRYPTION KEY needs a value");
  CLOISTER_ASSIGN_OR_RETURN(auto insert,
                            sqlite::prepare(db, "INSERT INTO cloister_cek(name) VALUES(?)", kWhat));
  insert.bind(1, cek.name);
  CLOISTER_RETURN_IF_ERROR(insert.run());
  const std::int64_t cek_id = sqlite3_last_insert_rowid(db);
  for (const auto& value : cek.values) {
    const CmkRecord* cmk = catalog.cmk(value.cmk_name);
    if (cmk == nullptr) {
      return Status(ErrorCode::not_found, "no column master key named " + value.cmk_name +
                                              ": create it first (CREATE COLUMN MASTER KEY)");
    }
    CLOISTER_ASSIGN_OR_RETURN(auto row,
                              sqlite::prepare(db, "INSERT INTO cloister_cek_value VALUES(?,?,?,?)", kWhat));
    row.bind(1, cek_id).bind(2, cmk->id).bind(3, value.algorithm).bind(4, ByteView(value.encrypted_value));
    CLOISTER_RETURN_IF_ERROR(row.run());
  }
  return Status::ok();
}

Status drop_cmk(sqlite3* db, const CatalogSnapshot& catalog, std::string_view name) {
  const CmkRecord* cmk = catalog.cmk(name);
  if (cmk == nullptr) return Status(ErrorCode::not_found, "no column master key named " + std::string(name));
  for (const auto& cek : catalog.ceks) {
    for (const auto& value : cek.values) {
      if (value.cmk_id == cmk->id) {
        return Status(ErrorCode::conflict, "column master key " + cmk->name +
                                               " still protects column encryption key " + cek.name +
                                               ": drop or rotate that key first");
      }
    }
  }
  CLOISTER_ASSIGN_OR_RETURN(auto drop, sqlite::prepare(db, "DELETE FROM cloister_cmk WHERE id = ?", kWhat));
  drop.bind(1, cmk->id);
  return drop.run();
}

Status drop_cek(sqlite3* db, const CatalogSnapshot& catalog, std::string_view name) {
  const CekRecord* cek = catalog.cek(name);
  if (cek == nullptr)
    return Status(ErrorCode::not_found, "no column encryption key named " + std::string(name));
  for (const auto& column : catalog.columns) {
    if (column.encryption.cek_id == cek->id) {
      return Status(ErrorCode::conflict, "column encryption key " + cek->name + " still encrypts " +
                                             column.table + "." + column.column);
    }
  }
  CLOISTER_RETURN_IF_ERROR(
      sqlite::exec(db,
                   "DELETE FROM cloister_cek_value WHERE cek_id = " + std::to_string(cek->id) + ";" +
                       "DELETE FROM cloister_cek WHERE id = " + std::to_string(cek->id),
                   kWhat));
  return Status::ok();
}

Status insert_columns(sqlite3* db, const std::vector<EncryptedColumnDefinition>& columns) {
  for (const auto& column : columns) {
    CLOISTER_RETURN_IF_ERROR(set_column(db, column.table, column.column, column.encryption));
  }
  return Status::ok();
}

Status set_column(sqlite3* db, std::string_view table, std::string_view column,
                  const std::optional<ColumnEncryption>& encryption) {
  CLOISTER_ASSIGN_OR_RETURN(
      auto forget,
      sqlite::prepare(db, "DELETE FROM cloister_column WHERE table_name = ? AND column_name = ?", kWhat));
  forget.bind(1, table).bind(2, column);
  CLOISTER_RETURN_IF_ERROR(forget.run());
  if (!encryption) return Status::ok();
  CLOISTER_ASSIGN_OR_RETURN(auto insert,
                            sqlite::prepare(db, "INSERT INTO cloister_column VALUES(?,?,?,?,?)", kWhat));
  insert.bind(1, table)
      .bind(2, column)
      .bind(3, static_cast<std::int64_t>(encryption->cek_id))
      .bind(4, to_catalog_string(encryption->encryption))
      .bind(5, to_string(encryption->sql_type));
  return insert.run();
}

Status forget_table(sqlite3* db, std::string_view table) {
  CLOISTER_ASSIGN_OR_RETURN(auto forget,
                            sqlite::prepare(db, "DELETE FROM cloister_column WHERE table_name = ?", kWhat));
  forget.bind(1, table);
  return forget.run();
}

std::string quote_identifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

bool is_catalog_table(std::string_view table) {
  return table.size() >= 9 && strncasecmp(table.data(), "cloister_", 9) == 0;
}

Catalog analysis_catalog(sqlite3* db, std::shared_ptr<const CatalogSnapshot> snapshot) {
  Catalog catalog;
  catalog.table = [db, snapshot](std::string_view table) -> std::optional<std::vector<CatalogColumn>> {
    auto rows = sqlite::prepare(db, "SELECT name FROM pragma_table_info(?)", kWhat);
    if (!rows.is_ok()) return std::nullopt;
    rows->bind(1, table);
    std::vector<CatalogColumn> columns;
    while (true) {
      auto more = rows->step();
      if (!more.is_ok() || !*more) break;
      CatalogColumn column{rows->text(0), std::nullopt};
      column.encryption = snapshot->column(table, column.name);
      columns.push_back(std::move(column));
    }
    if (columns.empty()) return std::nullopt;
    return columns;
  };
  catalog.cek = [snapshot](std::string_view name) -> std::optional<Catalog::Cek> {
    const CekRecord* cek = snapshot->cek(name);
    if (cek == nullptr) return std::nullopt;
    return Catalog::Cek{cek->id, snapshot->enclave_enabled(*cek)};
  };
  return catalog;
}

}  // namespace cloister::sql
