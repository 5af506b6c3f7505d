// Internal to the statement analysis: the Cloister catalog statements
// (column master and encryption keys, ALTER COLUMN encryption) and the
// ENCRYPTED WITH column clause that CREATE TABLE / ADD COLUMN rewrite.
#pragma once

#include <cstddef>

#include "sql/query/statement_walker.h"

namespace cloister::sql::query {

// Each takes the walker (tokens, parens, catalog) and the index of the first
// token after the statement's leading words (after "CREATE COLUMN MASTER
// KEY", "DROP COLUMN ENCRYPTION KEY", "ALTER TABLE"...).
Result<CreateCmk> parse_create_cmk(const StatementWalker& w, std::size_t i);
Result<CreateCek> parse_create_cek(const StatementWalker& w, std::size_t i);
Result<std::string> parse_dropped_name(const StatementWalker& w, std::size_t i);

// ENCRYPTED WITH (COLUMN_ENCRYPTION_KEY = k, ENCRYPTION_TYPE = ..., ALGORITHM = '...')
// starting at token i (ENCRYPTED); `next` is set past its ')'.
Result<ColumnEncryption> parse_encrypted_with(const StatementWalker& w, std::size_t i, SqlType type,
                                              std::size_t& next);

// CREATE [TEMP] TABLE ...; i is the TABLE token. Rewrites encrypted column
// definitions into `w` and lists them in `out`.
Status rewrite_create_table(StatementWalker& w, std::size_t i, Analysis& out);
// ALTER TABLE t ...; i is the token after TABLE. ADD COLUMN is rewritten
// like CREATE TABLE; ALTER COLUMN fills out.alter.
Status analyze_alter_table(StatementWalker& w, std::size_t i, Analysis& out);

// One column definition [begin, end) of table `table`: rewritten if it has
// ENCRYPTED WITH; the encryption, if any, is returned.
Result<std::optional<EncryptedColumnDefinition>> rewrite_column_definition(StatementWalker& w,
                                                                           std::size_t begin, std::size_t end,
                                                                           const std::string& table);

}  // namespace cloister::sql::query
