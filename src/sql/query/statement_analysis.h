// What the server must know about a statement before SQLite runs it: which
// parameters meet encrypted columns (so the driver encrypts them, as SQL
// Server's sp_describe_parameter_encryption tells it), which column keys the
// enclave must hold, and whether the statement does something encrypted
// columns cannot support (a literal compared to an encrypted column, an
// arithmetic operator, a range on a deterministic column...). The analysis
// works on SQLite's tokens, not a full grammar: it understands the shapes
// below and refuses an encrypted column anywhere else, so nothing it does not
// understand reaches SQLite with an encrypted column in it.
//
// Supported on an encrypted column `c` (p: a parameter ?, ?NNN, :name, @name,
// $name; d: another column encrypted with the same key, type and encryption):
//   deterministic:            c = p, c <> p, c != p, c IN (p, ...), c = d (joins, also
//                             USING/NATURAL), c IN (SELECT d ...), c IS [NOT] NULL,
//                             GROUP BY c, DISTINCT c, COUNT(c), COUNT(DISTINCT c),
//                             CREATE INDEX on c, c in a result list or RETURNING
//   randomized, enclave key:  all of the above, and < <= > >= BETWEEN p AND p,
//                             [NOT] LIKE p, ORDER BY c [ASC|DESC], MIN(c), MAX(c)
//   randomized, no enclave:   only IS [NULL], in a result list, and INSERT/UPDATE
//                             values
//   INSERT INTO t (cols) VALUES (p, ...), (...); UPDATE t SET c = p (or = d); NULL anywhere
//   a value goes; INSERT INTO t (cols) SELECT d, ... with each d encrypted like its c.
// An encrypted column may not leave a subquery in FROM, a CTE or a view
// (only the statement's own result list and `c IN (SELECT d ...)`), so a
// table the catalog does not know is plaintext.
// Rewritten: `c [NOT] LIKE p` on a randomized column becomes
// `[NOT] cloister_like(c, p)` (accepted as input too); the comparisons need no
// rewriting because the column's collation (collation_name) sends them to
// the enclave.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cloister/result.h"
#include "sql/cell_cipher.h"
#include "sql/sql_value.h"

namespace cloister::sql {

struct ColumnEncryption {
  std::uint32_t cek_id = 0;
  std::string cek_name;
  EncryptionType encryption = EncryptionType::randomized;
  SqlType sql_type = SqlType::int32;
  bool enclave_enabled = false;  // the CEK's CMK allows enclave computations
};

// A column of a table as the catalog knows it; encryption unset: plaintext.
struct CatalogColumn {
  std::string name;
  std::optional<ColumnEncryption> encryption;
};

// The server's view of the schema, asked by the analysis. Names compare
// case-insensitively, as in SQLite.
struct Catalog {
  // The columns of a table in declaration order, or nullopt if no such table.
  std::function<std::optional<std::vector<CatalogColumn>>(std::string_view table)> table;
  // A column encryption key by name: its id and whether its CMK is
  // enclave-enabled, or nullopt.
  struct Cek {
    std::uint32_t id = 0;
    bool enclave_enabled = false;
  };
  std::function<std::optional<Cek>(std::string_view name)> cek;
};

// The collation SQLite uses to order a randomized, enclave-enabled column:
// "cloister_enc_<cek_id>_<sql type name>", e.g. cloister_enc_1_int.
std::string collation_name(std::uint32_t cek_id, SqlType type);

// A reference to an encrypted column the statement makes.
struct EncryptedColumnUse {
  std::string table;
  std::string column;
  ColumnEncryption encryption;
  bool needs_enclave = false;  // evaluated inside the enclave (needs its key there)
  // A randomized column the statement sorts or groups (ORDER BY, GROUP BY,
  // DISTINCT, MIN/MAX, CREATE INDEX) over every row of its table: one SELECT
  // reading only that table, with no WHERE (an index without one). The server
  // may then have the enclave rank the whole column at once (scan_memo.h),
  // which shows it no more order than the sort itself would.
  bool sorted = false;
};

struct ParameterUse {
  int index = 0;     // SQLite's 1-based parameter index
  std::string name;  // "@lo", ":x", "?3", or "" for a plain '?'
  // Set when the parameter's value is compared to, or stored in, an
  // encrypted column: the driver encrypts it under that column's key.
  std::optional<EncryptedColumnUse> column;
  // With a column, how the parameter meets it (both, for a named parameter
  // used twice): as the pattern of a LIKE, or otherwise (compared or stored).
  bool like_pattern = false;
  bool compared = false;
};

enum class StatementKind {
  query,       // SELECT / WITH / VALUES
  dml,         // INSERT / UPDATE / DELETE / REPLACE
  ddl,         // CREATE / DROP of tables, indexes, views (plain SQLite DDL after rewriting)
  create_cmk,  // CREATE COLUMN MASTER KEY (Cloister catalog statement; see ddl)
  create_cek,  // CREATE COLUMN ENCRYPTION KEY
  drop_cmk,
  drop_cek,
  alter_column_encryption,  // ALTER TABLE t ALTER COLUMN c ... [ENCRYPTED WITH (...)]
  transaction,              // BEGIN / COMMIT / END / ROLLBACK / SAVEPOINT / RELEASE
  other,                    // PRAGMA, EXPLAIN, ... passed through when no encrypted column is named
};

// CREATE COLUMN MASTER KEY name WITH (KEY_STORE_PROVIDER_NAME = N'..',
//   KEY_PATH = N'..' [, ENCLAVE_COMPUTATIONS (SIGNATURE = 0x..)])
struct CreateCmk {
  std::string name;
  std::string provider;
  std::string key_path;
  Bytes enclave_signature;  // empty: not enclave-enabled
};
// CREATE COLUMN ENCRYPTION KEY name WITH VALUES (COLUMN_MASTER_KEY = cmk,
//   ALGORITHM = 'RSA_OAEP', ENCRYPTED_VALUE = 0x..) [, (...)]
struct CreateCek {
  struct Value {
    std::string cmk_name;
    std::string algorithm;
    Bytes encrypted_value;
  };
  std::string name;
  std::vector<Value> values;
};
// A column definition with ENCRYPTED WITH (COLUMN_ENCRYPTION_KEY = k,
// ENCRYPTION_TYPE = DETERMINISTIC|RANDOMIZED, ALGORITHM = 'AEAD_AES_256_CBC_HMAC_SHA_256')
// in CREATE TABLE (or ALTER TABLE ... ADD COLUMN).
struct EncryptedColumnDefinition {
  std::string table;
  std::string column;
  ColumnEncryption encryption;
};
// ALTER TABLE t ALTER COLUMN c <type> [ENCRYPTED WITH (...)]: the column is
// (re)encrypted to `to`, or decrypted when `to` is unset.
struct AlterColumnEncryption {
  std::string table;
  std::string column;
  SqlType sql_type = SqlType::int32;
  std::optional<ColumnEncryption> to;
};

struct Analysis {
  StatementKind kind = StatementKind::other;
  // The SQL to give SQLite: ENCRYPTED WITH clauses replaced by
  // "TEXT [COLLATE <collation_name>]", LIKE rewritten. Empty for the
  // Cloister catalog statements (create_cmk ... alter_column_encryption).
  std::string sqlite_sql;
  std::vector<ParameterUse> parameters;  // every parameter, by index
  // Every encrypted column referenced (once per table.column; needs_enclave if
  // any use needs it), including those a `*` selects.
  std::vector<EncryptedColumnUse> columns;
  // DDL results: set for the matching kind.
  std::optional<CreateCmk> create_cmk;
  std::optional<CreateCek> create_cek;
  std::string dropped_name;                                      // drop_cmk / drop_cek
  std::vector<EncryptedColumnDefinition> new_encrypted_columns;  // CREATE TABLE / ADD COLUMN
  std::optional<AlterColumnEncryption> alter;
  std::string dropped_table;  // DROP TABLE t: the catalog forgets its columns
};

// One statement (a trailing ';' is allowed; a second statement is refused).
// Refusals are invalid_argument with a message naming the column and the
// construct, e.g.
//   "employees.salary is encrypted (RANDOMIZED): compare it with a parameter, not a literal"
//   "employees.ssn is encrypted (DETERMINISTIC): only equality is supported, not '<'"
//   "employees.salary is encrypted: '+' is not supported on encrypted columns"
//   "employees.salary is encrypted with cek2, whose column master key is not enclave-enabled: '<' needs the
//   enclave"
// Input is untrusted (any bytes): bounded by kMaxStatementBytes, never crashes.
inline constexpr std::size_t kMaxStatementBytes = 1 << 20;
Result<Analysis> analyze_statement(std::string_view sql, const Catalog& catalog);

}  // namespace cloister::sql
