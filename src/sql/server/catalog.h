// The Always Encrypted catalog, kept in ordinary tables of the database it
// describes (so a copy of the file carries its key metadata, as SQL Server's
// sys.column_master_keys / sys.column_encryption_keys / sys.columns do):
//
//   cloister_cmk(id, name, provider, key_path, enclave_signature)
//   cloister_cek(id, name)
//   cloister_cek_value(cek_id, cmk_id, algorithm, encrypted_value)
//   cloister_column(table_name, column_name, cek_id, encryption_type, sql_type)
//
// The catalog holds only public metadata and wrapped keys: nothing in it
// decrypts a cell without the client's column master key.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "sql/query/statement_analysis.h"

struct sqlite3;

namespace cloister::sql {

struct CmkRecord {
  std::int64_t id = 0;
  std::string name;
  std::string provider;
  std::string key_path;
  Bytes enclave_signature;  // empty: not enclave-enabled
};

struct CekValueRecord {
  std::int64_t cmk_id = 0;
  std::string algorithm;
  Bytes encrypted_value;
};

struct CekRecord {
  std::uint32_t id = 0;
  std::string name;
  std::vector<CekValueRecord> values;
};

struct ColumnRecord {
  std::string table;
  std::string column;
  ColumnEncryption encryption;
};

// One consistent read of the catalog.
struct CatalogSnapshot {
  std::string database_id;
  std::vector<CmkRecord> cmks;
  std::vector<CekRecord> ceks;
  std::vector<ColumnRecord> columns;

  [[nodiscard]] const CmkRecord* cmk(std::string_view name) const;
  [[nodiscard]] const CmkRecord* cmk(std::int64_t id) const;
  [[nodiscard]] const CekRecord* cek(std::string_view name) const;
  [[nodiscard]] const CekRecord* cek(std::uint32_t id) const;
  // Enclave-enabled: some CMK wrapping it carries an enclave signature.
  [[nodiscard]] bool enclave_enabled(const CekRecord& cek) const;
  [[nodiscard]] std::optional<ColumnEncryption> column(std::string_view table, std::string_view column) const;
};

// Creates the catalog tables (and the database id) when missing.
Status create_catalog(sqlite3* db);
Result<std::shared_ptr<const CatalogSnapshot>> load_catalog(sqlite3* db);

// The catalog writes the server makes for Cloister's key DDL.
Status insert_cmk(sqlite3* db, const CreateCmk& cmk);
Status insert_cek(sqlite3* db, const CatalogSnapshot& catalog, const CreateCek& cek);
Status drop_cmk(sqlite3* db, const CatalogSnapshot& catalog, std::string_view name);
Status drop_cek(sqlite3* db, const CatalogSnapshot& catalog, std::string_view name);
Status insert_columns(sqlite3* db, const std::vector<EncryptedColumnDefinition>& columns);
Status forget_table(sqlite3* db, std::string_view table);
Status set_column(sqlite3* db, std::string_view table, std::string_view column,
                  const std::optional<ColumnEncryption>& encryption);

// The analysis's view of the schema: encrypted columns from the snapshot,
// plaintext ones from SQLite's own table_info.
Catalog analysis_catalog(sqlite3* db, std::shared_ptr<const CatalogSnapshot> snapshot);

// `name` as a double-quoted SQL identifier ("a""b" for a"b).
std::string quote_identifier(std::string_view name);

// True for the catalog's own tables, which statements may read but not change.
bool is_catalog_table(std::string_view table);

}  // namespace cloister::sql
