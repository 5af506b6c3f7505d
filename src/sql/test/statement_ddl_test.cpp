// The Cloister catalog statements, CREATE/ALTER TABLE rewriting, type names and the tokenizer.
#include <gtest/gtest.h>

#include "sql/query/statement_analysis.h"
#include "sql/query/tokenizer.h"
#include "sql/test/statement_test_catalog.h"

namespace cloister::sql {
namespace {

using test_support::ok;
using test_support::refused;
using test_support::test_catalog;

TEST(SqlTypeNames, ParsesDeclaredTypes) {
  EXPECT_EQ(*parse_sql_type("INT"), SqlType::int32);
  EXPECT_EQ(*parse_sql_type("integer"), SqlType::int32);
  EXPECT_EQ(*parse_sql_type("BIGINT"), SqlType::int64);
  EXPECT_EQ(*parse_sql_type("real"), SqlType::float64);
  EXPECT_EQ(*parse_sql_type("VARCHAR(11)"), SqlType::varchar);
  EXPECT_EQ(*parse_sql_type("char ( 3 )"), SqlType::varchar);
  EXPECT_EQ(*parse_sql_type("NVARCHAR(max)"), SqlType::nvarchar);
  EXPECT_EQ(*parse_sql_type("VARBINARY(16)"), SqlType::varbinary);
  EXPECT_FALSE(parse_sql_type("DATE").is_ok());
  EXPECT_FALSE(parse_sql_type("INT(3)").is_ok());
  EXPECT_FALSE(parse_sql_type("VARCHAR(x)").is_ok());
  for (SqlType t : {SqlType::int32, SqlType::int64, SqlType::float64, SqlType::varchar, SqlType::nvarchar,
                    SqlType::varbinary})
    EXPECT_EQ(*sql_type_from_name(to_string(t)), t);
  EXPECT_FALSE(sql_type_from_name("INT").is_ok());
  EXPECT_EQ(collation_name(1, SqlType::int32), "cloister_enc_1_int");
}

TEST(Tokenizer, LexicalGrammar) {
  auto t = query::tokenize(
      "SELECT \"a\"\"b\", [c d], `e`, 'it''s', N'x', X'0aFF', 0x12ab, 1.5e3, ?, ?12, :n, @m, $p::q(r) -- c\n"
      "/* block */ <> != || ->> ;");
  ASSERT_TRUE(t.is_ok()) << t.status().to_string();
  const auto& v = *t;
  EXPECT_EQ(v[1].value, "a\"b");
  EXPECT_TRUE(v[1].quoted);
  EXPECT_EQ(v[3].value, "c d");
  EXPECT_EQ(v[5].value, "e");
  EXPECT_EQ(v[7].kind, query::TokenKind::string);
  EXPECT_EQ(v[7].value, "it's");
  EXPECT_TRUE(v[9].national);
  EXPECT_EQ(v[11].kind, query::TokenKind::blob);
  EXPECT_EQ(v[13].kind, query::TokenKind::hex);
  EXPECT_EQ(v[13].value, "12ab");
  EXPECT_EQ(v[15].kind, query::TokenKind::number);
  EXPECT_EQ(v[17].text, "?");
  EXPECT_EQ(v[19].text, "?12");
  EXPECT_EQ(v[21].text, ":n");
  EXPECT_EQ(v[23].text, "@m");
  EXPECT_EQ(v[25].text, "$p::q(r)");
  EXPECT_EQ(v[26].text, "<>");
  EXPECT_EQ(v[27].text, "!=");
  EXPECT_EQ(v[28].text, "||");
  EXPECT_EQ(v[29].text, "->>");
  EXPECT_EQ(v[30].text, ";");
  EXPECT_EQ(v.back().kind, query::TokenKind::end);
  EXPECT_FALSE(query::tokenize("SELECT 'open").is_ok());
  EXPECT_FALSE(query::tokenize("SELECT [open").is_ok());
  EXPECT_FALSE(query::tokenize("SELECT X'abc'").is_ok());
  EXPECT_FALSE(query::tokenize("SELECT 12abc").is_ok());
  EXPECT_FALSE(query::tokenize("SELECT :").is_ok());
  EXPECT_FALSE(query::tokenize("SELECT #").is_ok());
}

TEST(StatementAnalysisDdl, ColumnMasterKey) {
  Analysis a =
      ok("CREATE COLUMN MASTER KEY [CMK1] WITH (KEY_STORE_PROVIDER_NAME = N'CLOISTER_KEY_STORE', "
         "KEY_PATH = N'cmk1', ENCLAVE_COMPUTATIONS (SIGNATURE = 0x0102ff))");
  EXPECT_EQ(a.kind, StatementKind::create_cmk);
  ASSERT_TRUE(a.create_cmk.has_value());
  EXPECT_EQ(a.create_cmk->name, "CMK1");
  EXPECT_EQ(a.create_cmk->provider, "CLOISTER_KEY_STORE");
  EXPECT_EQ(a.create_cmk->key_path, "cmk1");
  EXPECT_EQ(a.create_cmk->enclave_signature, (Bytes{1, 2, 0xff}));
  EXPECT_TRUE(a.sqlite_sql.empty());
  a = ok("create column master key k2 with (key_path = 'p', key_store_provider_name = 'x');");
  EXPECT_TRUE(a.create_cmk->enclave_signature.empty());
  refused("CREATE COLUMN MASTER KEY k WITH (KEY_PATH = N'p')");
  refused(
      "CREATE COLUMN MASTER KEY k WITH (KEY_STORE_PROVIDER_NAME = N'x', KEY_PATH = N'p', KEY_PATH = N'q')");
  refused("CREATE COLUMN MASTER KEY k WITH (KEY_STORE_PROVIDER_NAME = N'x', KEY_PATH = N'p', FOO = 1)");
  refused(
      "CREATE COLUMN MASTER KEY k WITH (KEY_STORE_PROVIDER_NAME = N'x', KEY_PATH = N'p', "
      "ENCLAVE_COMPUTATIONS (SIGNATURE = 0x123))");
  a = ok("DROP COLUMN MASTER KEY k2");
  EXPECT_EQ(a.kind, StatementKind::drop_cmk);
  EXPECT_EQ(a.dropped_name, "k2");
}

TEST(StatementAnalysisDdl, ColumnEncryptionKey) {
  Analysis a =
      ok("CREATE COLUMN ENCRYPTION KEY cek3 WITH VALUES (COLUMN_MASTER_KEY = [CMK1], ALGORITHM = 'RSA_OAEP', "
         "ENCRYPTED_VALUE = 0x01AB), (COLUMN_MASTER_KEY = cmk2, ALGORITHM = 'RSA_OAEP', ENCRYPTED_VALUE = "
         "0xcd)");
  EXPECT_EQ(a.kind, StatementKind::create_cek);
  ASSERT_TRUE(a.create_cek.has_value());
  EXPECT_EQ(a.create_cek->name, "cek3");
  ASSERT_EQ(a.create_cek->values.size(), 2u);
  EXPECT_EQ(a.create_cek->values[0].cmk_name, "CMK1");
  EXPECT_EQ(a.create_cek->values[0].algorithm, "RSA_OAEP");
  EXPECT_EQ(a.create_cek->values[0].encrypted_value, (Bytes{0x01, 0xab}));
  EXPECT_EQ(a.create_cek->values[1].encrypted_value, (Bytes{0xcd}));
  refused("CREATE COLUMN ENCRYPTION KEY c WITH VALUES (COLUMN_MASTER_KEY = k, ALGORITHM = 'RSA_OAEP')");
  refused(
      "CREATE COLUMN ENCRYPTION KEY c WITH VALUES (COLUMN_MASTER_KEY = k, ALGORITHM = 'RSA_OAEP', "
      "ENCRYPTED_VALUE = 'ab')");
  a = ok("DROP COLUMN ENCRYPTION KEY cek3");
  EXPECT_EQ(a.kind, StatementKind::drop_cek);
  EXPECT_EQ(a.dropped_name, "cek3");
}

TEST(StatementAnalysisDdl, CreateTableRewritesEncryptedColumns) {
  const std::string sql =
      "CREATE TABLE people (\n"
      "  id INTEGER PRIMARY KEY,\n"
      "  ssn CHAR(11) COLLATE Latin1_General_BIN2 ENCRYPTED WITH (COLUMN_ENCRYPTION_KEY = cek1,\n"
      "      ENCRYPTION_TYPE = DETERMINISTIC, ALGORITHM = 'AEAD_AES_256_CBC_HMAC_SHA_256') NOT NULL,\n"
      "  salary INT ENCRYPTED WITH (COLUMN_ENCRYPTION_KEY = cek1, ENCRYPTION_TYPE = RANDOMIZED,\n"
      "      ALGORITHM = 'AEAD_AES_256_CBC_HMAC_SHA_256'),\n"
      "  bonus BIGINT ENCRYPTED WITH (ENCRYPTION_TYPE = Randomized, ALGORITHM = "
      "'AEAD_AES_256_CBC_HMAC_SHA_256', "
      "COLUMN_ENCRYPTION_KEY = cek2),\n"
      "  name TEXT DEFAULT 'x' CHECK (length(name) < 50), -- plaintext stays as it is\n"
      "  UNIQUE (ssn)\n"
      ") STRICT";
  Analysis a = ok(sql);
  EXPECT_EQ(a.kind, StatementKind::ddl);
  EXPECT_EQ(a.sqlite_sql,
            "CREATE TABLE people (\n"
            "  id INTEGER PRIMARY KEY,\n"
            "  ssn TEXT   NOT NULL,\n"
            "  salary TEXT COLLATE cloister_enc_1_int ,\n"
            "  bonus TEXT ,\n"
            "  name TEXT DEFAULT 'x' CHECK (length(name) < 50), -- plaintext stays as it is\n"
            "  UNIQUE (ssn)\n"
            ") STRICT");
  ASSERT_EQ(a.new_encrypted_columns.size(), 3u);
  EXPECT_EQ(a.new_encrypted_columns[0].table, "people");
  EXPECT_EQ(a.new_encrypted_columns[0].column, "ssn");
  EXPECT_EQ(a.new_encrypted_columns[0].encryption.encryption, EncryptionType::deterministic);
  EXPECT_EQ(a.new_encrypted_columns[0].encryption.sql_type, SqlType::varchar);
  EXPECT_EQ(a.new_encrypted_columns[1].encryption.cek_id, 1u);
  EXPECT_TRUE(a.new_encrypted_columns[1].encryption.enclave_enabled);
  EXPECT_EQ(a.new_encrypted_columns[2].encryption.sql_type, SqlType::int64);
  EXPECT_FALSE(a.new_encrypted_columns[2].encryption.enclave_enabled);
}

TEST(StatementAnalysisDdl, CreateTableRefusals) {
  const std::string with =
      " ENCRYPTED WITH (COLUMN_ENCRYPTION_KEY = cek1, ENCRYPTION_TYPE = RANDOMIZED, "
      "ALGORITHM = 'AEAD_AES_256_CBC_HMAC_SHA_256')";
  refused("CREATE TABLE t (a DATE" + with + ")");
  refused("CREATE TABLE t (a" + with + ")");
  refused("CREATE TABLE t (a INT" + with + " DEFAULT 5)");
  refused("CREATE TABLE t (a INT" + with + " CHECK (a > 0))");
  refused("CREATE TABLE t (a INT" + with + ", CHECK (a > 0))");
  refused("CREATE TABLE t (a INT COLLATE nocase" + with + ")");
  refused(
      "CREATE TABLE t (a INT ENCRYPTED WITH (COLUMN_ENCRYPTION_KEY = nokey, ENCRYPTION_TYPE = RANDOMIZED, "
      "ALGORITHM = 'AEAD_AES_256_CBC_HMAC_SHA_256'))");
  refused(
      "CREATE TABLE t (a INT ENCRYPTED WITH (COLUMN_ENCRYPTION_KEY = cek1, ENCRYPTION_TYPE = RANDOMIZED, "
      "ALGORITHM = 'AES'))");
  refused(
      "CREATE TABLE t (a INT PRIMARY KEY ENCRYPTED WITH (COLUMN_ENCRYPTION_KEY = cek2, "
      "ENCRYPTION_TYPE = RANDOMIZED, ALGORITHM = 'AEAD_AES_256_CBC_HMAC_SHA_256'))");
}

TEST(StatementAnalysisDdl, AlterTable) {
  Analysis a =
      ok("ALTER TABLE employees ALTER COLUMN name VARCHAR(50) ENCRYPTED WITH (COLUMN_ENCRYPTION_KEY = cek1, "
         "ENCRYPTION_TYPE = RANDOMIZED, ALGORITHM = 'AEAD_AES_256_CBC_HMAC_SHA_256') NOT NULL");
  EXPECT_EQ(a.kind, StatementKind::alter_column_encryption);
  ASSERT_TRUE(a.alter.has_value());
  EXPECT_EQ(a.alter->table, "employees");
  EXPECT_EQ(a.alter->column, "name");
  EXPECT_EQ(a.alter->sql_type, SqlType::varchar);
  ASSERT_TRUE(a.alter->to.has_value());
  EXPECT_EQ(a.alter->to->encryption, EncryptionType::randomized);
  EXPECT_TRUE(a.sqlite_sql.empty());
  a = ok("ALTER TABLE employees ALTER COLUMN ssn VARCHAR(11)");
  EXPECT_FALSE(a.alter->to.has_value());
  refused("ALTER TABLE employees ALTER COLUMN nosuch INT");
  refused("ALTER TABLE nosuch ALTER COLUMN a INT");
  a =
      ok("ALTER TABLE employees ADD COLUMN extra FLOAT ENCRYPTED WITH (COLUMN_ENCRYPTION_KEY = cek1, "
         "ENCRYPTION_TYPE = DETERMINISTIC, ALGORITHM = 'AEAD_AES_256_CBC_HMAC_SHA_256')");
  EXPECT_EQ(a.kind, StatementKind::ddl);
  EXPECT_EQ(a.sqlite_sql, "ALTER TABLE employees ADD COLUMN extra TEXT ");
  ASSERT_EQ(a.new_encrypted_columns.size(), 1u);
  EXPECT_EQ(a.new_encrypted_columns[0].encryption.sql_type, SqlType::float64);
  refused("ALTER TABLE employees DROP COLUMN salary");
  refused("ALTER TABLE employees RENAME COLUMN ssn TO x");
  ok("ALTER TABLE employees RENAME COLUMN name TO full_name");
}

}  // namespace
}  // namespace cloister::sql
