// The server's statement pipeline against the real SQL enclave (process
// backend): every operator on randomized columns gives the same rows, in the
// same order, as the same query on a plaintext copy of the data.
#include "sql/server/session.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <random>

#include "common/encoding.h"
#include "common/test/temp_dir.h"
#include "crypto/keys.h"
#include "crypto/rng.h"
#include "jose/jose.h"
#include "sql/cmk_metadata.h"
#include "sql/encrypted_cek.h"
#include "sql/key_release.h"

namespace cloister::sql {
namespace {

using nlohmann::json;

constexpr char kAlgorithm[] = "ALGORITHM = 'AEAD_AES_256_CBC_HMAC_SHA_256'";

class SessionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto launched = EnclaveHost::launch(CLOISTER_SQL_ENCLAVE_IMAGE, EnclaveOptions{});
    ASSERT_TRUE(launched.is_ok()) << launched.status().to_string();
    enclave_ = std::move(*launched).release();
  }
  static void TearDownTestSuite() {
    delete enclave_;
    enclave_ = nullptr;
  }

  void SetUp() override {
    db_path_ = dir_.sub("hr.db");
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(db_path_.c_str(), &db), SQLITE_OK);
    ASSERT_TRUE(create_catalog(db).is_ok());
    sqlite3_close(db);
    auto session = Session::open(db_path_, enclave_);
    ASSERT_TRUE(session.is_ok()) << session.status().to_string();
    session_ = std::move(*session);

    auto cmk = crypto::PrivateKey::generate(crypto::KeyType::rsa, 2048);
    ASSERT_TRUE(cmk.is_ok());
    cmk_ = std::make_unique<crypto::PrivateKey>(std::move(*cmk));
    auto cek = crypto::random_bytes(32);
    ASSERT_TRUE(cek.is_ok());
    cek_ = SecretBytes(std::move(*cek));
    auto key = CellKey::create(cek_);
    ASSERT_TRUE(key.is_ok());
    cell_key_ = std::make_unique<CellKey>(std::move(*key));
    auto signature = sign_cmk_metadata(*cmk_, "CLOISTER_KEY_FILE", "cmk1", true);
    auto wrapped = wrap_cek(*cmk_, "cmk1", cek_);
    ASSERT_TRUE(signature.is_ok() && wrapped.is_ok());
    signature_ = *signature;
    run("CREATE COLUMN MASTER KEY cmk1 WITH (KEY_STORE_PROVIDER_NAME = N'CLOISTER_KEY_FILE', KEY_PATH = "
        "N'cmk1', "
        "ENCLAVE_COMPUTATIONS (SIGNATURE = 0x" +
        to_hex(*signature) + "))");
    run("CREATE COLUMN ENCRYPTION KEY cek1 WITH VALUES (COLUMN_MASTER_KEY = cmk1, ALGORITHM = 'RSA_OAEP', "
        "ENCRYPTED_VALUE = 0x" +
        to_hex(*wrapped) + ")");
    run(std::string("CREATE TABLE employees (id INTEGER PRIMARY KEY, name TEXT, ") +
        "ssn VARCHAR(11) ENCRYPTED WITH (COLUMN_ENCRYPTION_KEY = cek1, ENCRYPTION_TYPE = RANDOMIZED, " +
        kAlgorithm +
        "), salary INT ENCRYPTED WITH (COLUMN_ENCRYPTION_KEY = cek1, ENCRYPTION_TYPE = RANDOMIZED, " +
        kAlgorithm + "), dept VARCHAR(20) ENCRYPTED WITH (COLUMN_ENCRYPTION_KEY = cek1, " +
        "ENCRYPTION_TYPE = DETERMINISTIC, " + kAlgorithm + "))");

    ASSERT_EQ(sqlite3_open(":memory:", &plain_), SQLITE_OK);
    exec_plain("PRAGMA case_sensitive_like = ON");
    exec_plain("CREATE TABLE employees (id INTEGER PRIMARY KEY, name TEXT, ssn TEXT, salary INT, dept TEXT)");
    insert_rows(300);
  }

  void TearDown() override { sqlite3_close(plain_); }

  json run(const std::string& sql, const json& params = json::array(), const json* batch = nullptr) {
    auto answer = session_->execute(sql, params, batch);
    EXPECT_TRUE(answer.is_ok()) << sql << ": " << answer.status().to_string();
    return answer.is_ok() ? *answer : json();
  }

  void exec_plain(const std::string& sql) {
    ASSERT_EQ(sqlite3_exec(plain_, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sql;
  }

  json cell(const SqlValue& value, SqlType type, EncryptionType encryption = EncryptionType::randomized) {
    auto plaintext = serialize_plaintext(type, value);
    EXPECT_TRUE(plaintext.is_ok());
    auto encrypted = cell_key_->encrypt(plaintext->view(), encryption);
    EXPECT_TRUE(encrypted.is_ok());
    return {{"cell", to_base64(*encrypted)}};
  }

  void insert_rows(int count, int first_id = 1) {
    std::mt19937 random(7 + static_cast<unsigned>(first_id));
    const char* departments[] = {"sales", "engineering", "legal", "Support"};
    json batch = json::array();
    for (int id = first_id; id < first_id + count; ++id) {
      const int salary = 30000 + static_cast<int>(random() % 90) * 1000;  // many repeats
      char ssn[16];
      std::snprintf(ssn, sizeof ssn, "%03u-%02u-%04u", static_cast<unsigned>(random() % 1000),
                    static_cast<unsigned>(random() % 100), static_cast<unsigned>(random() % 10000));
      const std::string dept = departments[random() % 4];
      const std::string name = "person" + std::to_string(id);
      batch.push_back(json::array({{{"int", id}},
                                   {{"text", name}},
                                   cell(std::string(ssn), SqlType::varchar),
                                   cell(std::int64_t{salary}, SqlType::int32),
                                   cell(dept, SqlType::varchar, EncryptionType::deterministic)}));
      exec_plain("INSERT INTO employees VALUES(" + std::to_string(id) + ",'" + name + "','" + ssn + "'," +
                 std::to_string(salary) + ",'" + dept + "')");
    }
    run("INSERT INTO employees (id, name, ssn, salary, dept) VALUES (?, ?, ?, ?, ?)", json::array(), &batch);
  }

  void release_keys() {
    auto evidence = enclave_->evidence(Bytes{1, 2, 3});
    ASSERT_TRUE(evidence.is_ok()) << evidence.status().to_string();
    const auto document = json::parse(evidence->runtime_data.begin(), evidence->runtime_data.end());
    auto enclave_key = jose::key_from_jwk(document["keys"][0]);
    ASSERT_TRUE(enclave_key.is_ok());
    auto public_der = cmk_->public_key().to_der();
    ASSERT_TRUE(public_der.is_ok());
    KeyRelease release;
    release.database_id = session_->database_id();
    // Decryption allowed: AlterColumnEncryptsAndDecryptsInPlaceThroughTheEnclave decrypts a column.
    release.keys.push_back({1, "cek1", cek_, "CLOISTER_KEY_FILE", "cmk1", *public_der, signature_, true});
    auto jwe = seal_key_release(release, *enclave_key);
    ASSERT_TRUE(jwe.is_ok()) << jwe.status().to_string();
    auto installed = enclave_->install_keys(*jwe);
    ASSERT_TRUE(installed.is_ok()) << installed.status().to_string();
  }

  // Decrypts an answer's rows into text, one string per row.
  std::vector<std::string> decrypt_rows(const json& answer) {
    std::vector<std::string> rows;
    for (const auto& row : answer["rows"]) {
      std::string line;
      for (std::size_t i = 0; i < row.size(); ++i) {
        const json& value = row[i];
        const json& encryption = answer["columns"][i]["encryption"];
        if (value.is_null()) {
          line += "NULL|";
        } else if (value.contains("cell")) {
          EXPECT_FALSE(encryption.is_null()) << "a cell in a column without encryption metadata";
          auto bytes = from_base64(value["cell"].get<std::string>());
          auto plaintext = cell_key_->decrypt(*bytes);
          EXPECT_TRUE(plaintext.is_ok());
          auto type = sql_type_from_name(encryption["sql_type"].get<std::string>());
          auto decoded = deserialize_plaintext(*type, plaintext->view());
          EXPECT_TRUE(decoded.is_ok());
          if (auto* number = std::get_if<std::int64_t>(&*decoded)) line += std::to_string(*number) + "|";
          if (auto* text = std::get_if<std::string>(&*decoded)) line += *text + "|";
        } else if (value.contains("int")) {
          line += std::to_string(value["int"].get<std::int64_t>()) + "|";
        } else if (value.contains("text")) {
          line += value["text"].get<std::string>() + "|";
        } else {
          line += value.begin()->dump() + "|";
        }
      }
      rows.push_back(line);
    }
    return rows;
  }

  std::vector<std::string> plain_rows(const std::string& sql) {
    std::vector<std::string> rows;
    sqlite3_stmt* statement = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(plain_, sql.c_str(), -1, &statement, nullptr), SQLITE_OK) << sql;
    while (sqlite3_step(statement) == SQLITE_ROW) {
      std::string line;
      for (int i = 0; i < sqlite3_column_count(statement); ++i) {
        const unsigned char* text = sqlite3_column_text(statement, i);
        line += (text != nullptr ? std::string(reinterpret_cast<const char*>(text)) : "NULL") + "|";
      }
      rows.push_back(line);
    }
    sqlite3_finalize(statement);
    return rows;
  }

  cloister::testing::TempDir dir_;
  std::string db_path_;
  std::unique_ptr<Session> session_;
  std::unique_ptr<crypto::PrivateKey> cmk_;
  SecretBytes cek_;
  Bytes signature_;
  std::unique_ptr<CellKey> cell_key_;
  sqlite3* plain_ = nullptr;
  static EnclaveHost* enclave_;
};

EnclaveHost* SessionTest::enclave_ = nullptr;

TEST_F(SessionTest, EveryOperatorMatchesThePlaintextCopy) {
  release_keys();
  struct Case {
    std::string encrypted;
    json params;
    std::string plain;
  };
  const auto salary = [&](int value) { return cell(std::int64_t{value}, SqlType::int32); };
  const auto ssn = [&](const std::string& value) { return cell(value, SqlType::varchar); };
  const std::vector<Case> cases = {
      {"SELECT id, salary FROM employees WHERE salary BETWEEN @lo AND @hi ORDER BY salary, id",
       json::array({salary(50000), salary(60000)}),
       "SELECT id, salary FROM employees WHERE salary BETWEEN 50000 AND 60000 ORDER BY salary, id"},
      {"SELECT id FROM employees WHERE salary < ? ORDER BY id", json::array({salary(45000)}),
       "SELECT id FROM employees WHERE salary < 45000 ORDER BY id"},
      {"SELECT id FROM employees WHERE salary <= ? ORDER BY id", json::array({salary(45000)}),
       "SELECT id FROM employees WHERE salary <= 45000 ORDER BY id"},
      {"SELECT id FROM employees WHERE ? < salary ORDER BY id", json::array({salary(110000)}),
       "SELECT id FROM employees WHERE 110000 < salary ORDER BY id"},
      {"SELECT id FROM employees WHERE salary >= ? ORDER BY id", json::array({salary(110000)}),
       "SELECT id FROM employees WHERE salary >= 110000 ORDER BY id"},
      {"SELECT id FROM employees WHERE salary = ? ORDER BY id", json::array({salary(77000)}),
       "SELECT id FROM employees WHERE salary = 77000 ORDER BY id"},
      {"SELECT id FROM employees WHERE salary <> ? AND id < 20 ORDER BY id", json::array({salary(77000)}),
       "SELECT id FROM employees WHERE salary <> 77000 AND id < 20 ORDER BY id"},
      {"SELECT id FROM employees WHERE salary IN (?, ?, ?) ORDER BY id",
       json::array({salary(31000), salary(64000), salary(99000)}),
       "SELECT id FROM employees WHERE salary IN (31000, 64000, 99000) ORDER BY id"},
      {"SELECT id, ssn FROM employees WHERE ssn LIKE ? ORDER BY id", json::array({ssn("1%")}),
       "SELECT id, ssn FROM employees WHERE ssn LIKE '1%' ORDER BY id"},
      {"SELECT id FROM employees WHERE ssn NOT LIKE ? ORDER BY id", json::array({ssn("%5_-%")}),
       "SELECT id FROM employees WHERE ssn NOT LIKE '%5_-%' ORDER BY id"},
      {"SELECT name, salary FROM employees ORDER BY salary DESC, id LIMIT 25", json::array(),
       "SELECT name, salary FROM employees ORDER BY salary DESC, id LIMIT 25"},
      {"SELECT MIN(salary), MAX(salary) FROM employees", json::array(),
       "SELECT MIN(salary), MAX(salary) FROM employees"},
      {"SELECT salary, COUNT(*) FROM employees GROUP BY salary ORDER BY salary", json::array(),
       "SELECT salary, COUNT(*) FROM employees GROUP BY salary ORDER BY salary"},
      {"SELECT DISTINCT salary FROM employees ORDER BY salary", json::array(),
       "SELECT DISTINCT salary FROM employees ORDER BY salary"},
      {"SELECT a.id, b.id FROM employees a JOIN employees b ON a.salary = b.salary WHERE a.id < b.id AND "
       "a.id < 40 "
       "ORDER BY a.id, b.id",
       json::array(),
       "SELECT a.id, b.id FROM employees a JOIN employees b ON a.salary = b.salary WHERE a.id < b.id AND "
       "a.id < 40 "
       "ORDER BY a.id, b.id"},
      {"SELECT id FROM employees WHERE dept = ? ORDER BY id",
       json::array({cell(std::string("legal"), SqlType::varchar, EncryptionType::deterministic)}),
       "SELECT id FROM employees WHERE dept = 'legal' ORDER BY id"},
  };
  for (const auto& c : cases) {
    const auto expected = plain_rows(c.plain);
    EXPECT_FALSE(expected.empty()) << c.plain;
    EXPECT_EQ(decrypt_rows(run(c.encrypted, c.params)), expected) << c.encrypted;
  }
  // The same range through an index sorted in plaintext order.
  run("CREATE INDEX employees_salary ON employees(salary)");
  EXPECT_EQ(
      decrypt_rows(run("SELECT id, salary FROM employees WHERE salary BETWEEN ? AND ? ORDER BY salary, id",
                       json::array({salary(50000), salary(60000)}))),
      plain_rows(
          "SELECT id, salary FROM employees WHERE salary BETWEEN 50000 AND 60000 ORDER BY salary, id"));
}

// Enough rows for a full scan to go to the enclave in several batches, two at a
// time (scan_memo.cpp), and a scan in another order than the prefetch read.
TEST_F(SessionTest, ALargeFullScanMatchesThePlaintextCopy) {
  release_keys();
  insert_rows(20000, 301);
  const auto salary = [&](int value) { return cell(std::int64_t{value}, SqlType::int32); };
  const std::vector<std::pair<std::string, std::string>> queries = {
      {"SELECT id, salary FROM employees WHERE salary BETWEEN ? AND ? ORDER BY id",
       "SELECT id, salary FROM employees WHERE salary BETWEEN 50000 AND 52000 ORDER BY id"},
      {"SELECT id FROM employees WHERE salary BETWEEN ? AND ? ORDER BY id DESC",
       "SELECT id FROM employees WHERE salary BETWEEN 50000 AND 52000 ORDER BY id DESC"},
  };
  for (const auto& [encrypted, plain] : queries) {
    const auto expected = plain_rows(plain);
    EXPECT_GT(expected.size(), 100u) << plain;
    EXPECT_EQ(decrypt_rows(run(encrypted, json::array({salary(50000), salary(52000)}))), expected)
        << encrypted;
  }
  const auto expected = plain_rows("SELECT id, ssn FROM employees WHERE ssn LIKE '12%' ORDER BY id");
  EXPECT_GT(expected.size(), 100u);
  const std::uint64_t calls_before = session_->per_row_enclave_calls();
  EXPECT_EQ(decrypt_rows(run("SELECT id, ssn FROM employees WHERE ssn LIKE ? ORDER BY id",
                             json::array({cell(std::string("12%"), SqlType::varchar)}))),
            expected);
  EXPECT_EQ(session_->per_row_enclave_calls(), calls_before) << "the LIKE scan was not batched";
}

TEST_F(SessionTest, SortsOverAWholeTableAreRankedInTheEnclaveOnce) {
  release_keys();
  insert_rows(20000, 301);
  const std::vector<std::pair<std::string, std::string>> queries = {
      {"SELECT id, salary FROM employees ORDER BY salary, id LIMIT 100", ""},
      {"SELECT id FROM employees ORDER BY ssn DESC, id LIMIT 50", ""},
      {"SELECT salary, COUNT(*) FROM employees GROUP BY salary ORDER BY salary", ""},
      {"SELECT DISTINCT salary FROM employees ORDER BY 1", ""},
      {"SELECT MIN(salary), MAX(ssn) FROM employees", ""},
      {"SELECT COUNT(DISTINCT ssn) FROM employees", ""},
  };
  const std::uint64_t calls_before = session_->per_row_enclave_calls();
  for (const auto& [sql, unused] : queries) {
    const auto expected = plain_rows(sql);
    ASSERT_FALSE(expected.empty()) << sql;
    EXPECT_EQ(decrypt_rows(run(sql)), expected) << sql;
  }
  EXPECT_EQ(session_->per_row_enclave_calls(), calls_before) << "a whole-table sort was not ranked";

  // With a WHERE clause only the rows it keeps are compared, one pair at a time.
  const std::string filtered = "SELECT id, salary FROM employees WHERE id < ? ORDER BY salary, id";
  EXPECT_EQ(decrypt_rows(run(filtered, json::array({{{"int", 400}}}))),
            plain_rows("SELECT id, salary FROM employees WHERE id < 400 ORDER BY salary, id"));
  EXPECT_GT(session_->per_row_enclave_calls(), calls_before);

  // An index is built from the ranks too, and then serves the ordered scan.
  const std::uint64_t calls_before_index = session_->per_row_enclave_calls();
  run("CREATE INDEX by_salary ON employees(salary)");
  EXPECT_EQ(session_->per_row_enclave_calls(), calls_before_index) << "CREATE INDEX was not ranked";
  EXPECT_EQ(decrypt_rows(run("SELECT id, salary FROM employees ORDER BY salary, id LIMIT 100")),
            plain_rows("SELECT id, salary FROM employees ORDER BY salary, id LIMIT 100"));
  const auto salary = [&](int value) { return cell(std::int64_t{value}, SqlType::int32); };
  EXPECT_EQ(decrypt_rows(run("SELECT id FROM employees WHERE salary BETWEEN ? AND ? ORDER BY id",
                             json::array({salary(50000), salary(52000)}))),
            plain_rows("SELECT id FROM employees WHERE salary BETWEEN 50000 AND 52000 ORDER BY id"));
}

TEST_F(SessionTest, WithoutKeysTheEnclaveStatementIsRefusedNamingTheColumn) {
  // A freshly launched enclave holds no keys.
  auto fresh = EnclaveHost::launch(CLOISTER_SQL_ENCLAVE_IMAGE, EnclaveOptions{});
  ASSERT_TRUE(fresh.is_ok()) << fresh.status().to_string();
  auto session = Session::open(db_path_, fresh->get());
  ASSERT_TRUE(session.is_ok());
  auto answer = (*session)->execute("SELECT id FROM employees WHERE salary > ?",
                                    json::array({cell(std::int64_t{1}, SqlType::int32)}), nullptr);
  ASSERT_FALSE(answer.is_ok());
  EXPECT_EQ((*session)->error_code(), kEnclaveKeyMissing);
  EXPECT_NE(answer.status().message().find("employees.salary"), std::string::npos)
      << answer.status().message();
  // Deterministic equality needs no enclave.
  auto equality = (*session)->execute(
      "SELECT COUNT(*) FROM employees WHERE dept = ?",
      json::array({cell(std::string("legal"), SqlType::varchar, EncryptionType::deterministic)}), nullptr);
  ASSERT_TRUE(equality.is_ok()) << equality.status().to_string();
}

TEST_F(SessionTest, RefusesLiteralsAndPlaintextParameters) {
  release_keys();
  auto literal = session_->execute("SELECT id FROM employees WHERE salary > 5", json::array(), nullptr);
  ASSERT_FALSE(literal.is_ok());
  EXPECT_NE(literal.status().message().find("salary"), std::string::npos) << literal.status().message();
  auto plaintext =
      session_->execute("SELECT id FROM employees WHERE salary > ?", json::array({{{"int", 5}}}), nullptr);
  ASSERT_FALSE(plaintext.is_ok());
  EXPECT_NE(plaintext.status().message().find("plaintext"), std::string::npos)
      << plaintext.status().message();
  auto catalog = session_->execute("DELETE FROM cloister_cek", json::array(), nullptr);
  EXPECT_FALSE(catalog.is_ok());
}

TEST_F(SessionTest, NoClientReachesPastTheDatabaseOrAroundTheCatalog) {
  // What the red team did through an unauthenticated session, and kin.
  const std::string attached = db_path_ + ".attached";
  for (const std::string& sql :
       {"ATTACH DATABASE '" + attached + "' AS evil", std::string("PRAGMA writable_schema = 1"),
        std::string("PRAGMA writable_schema"), std::string("PRAGMA journal_mode = DELETE"),
        std::string("PRAGMA temp_store_directory = '/tmp'"), "VACUUM INTO '" + attached + "'",
        std::string("SELECT load_extension('/tmp/evil.so')"),
        std::string("ALTER TABLE cloister_column RENAME TO shadowed"),
        std::string("CREATE TEMP VIEW cloister_column AS SELECT 1 AS table_name WHERE 0"),
        std::string("CREATE VIEW cloister_columns AS SELECT 1"), std::string("CREATE TABLE cloister_x (a)"),
        std::string("CREATE TRIGGER t AFTER INSERT ON cloister_cek BEGIN SELECT 1; END"),
        std::string("CREATE TEMP TRIGGER t AFTER INSERT ON employees BEGIN DELETE FROM cloister_column; END"),
        std::string("CREATE INDEX i ON cloister_column(table_name)"),
        std::string("DROP TABLE cloister_column"), std::string("UPDATE cloister_column SET cek_id = 0")}) {
    auto refused = session_->execute(sql, json::array(), nullptr);
    EXPECT_FALSE(refused.is_ok()) << "the server ran: " << sql;
  }
  EXPECT_FALSE(std::filesystem::exists(attached)) << "a statement wrote a file of its choosing";
  // Reading the schema stays open, and the encrypted column is still known as encrypted.
  run("PRAGMA table_info(employees)");
  auto plaintext =
      session_->execute("INSERT INTO employees (id, name, ssn, salary, dept) VALUES (9999, 'x', ?, ?, ?)",
                        json::array({{{"text", "111-22-3333"}}, {{"int", 5}}, {{"text", "sales"}}}), nullptr);
  EXPECT_FALSE(plaintext.is_ok()) << "a plaintext value went into an encrypted column";
}

TEST_F(SessionTest, ATamperedCellIsReportedWithItsRowAndTheSessionGoesOn) {
  release_keys();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path_.c_str(), &db), SQLITE_OK);
  // Flip one base64 character of row 17's salary, behind the server's back.
  ASSERT_EQ(sqlite3_exec(db,
                         "UPDATE employees SET salary = substr(salary, 1, 10) || "
                         "(CASE substr(salary, 11, 1) WHEN 'A' THEN 'B' ELSE 'A' END) || substr(salary, 12) "
                         "WHERE id = 17",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto answer = session_->execute("SELECT id FROM employees WHERE salary > ?",
                                  json::array({cell(std::int64_t{1}, SqlType::int32)}), nullptr);
  ASSERT_FALSE(answer.is_ok());
  EXPECT_NE(answer.status().message().find("rowid 17"), std::string::npos) << answer.status().message();
  // The session still answers.
  EXPECT_EQ(run("SELECT COUNT(*) FROM employees")["rows"][0][0]["int"], 300);
}

TEST_F(SessionTest, AlterColumnEncryptsAndDecryptsInPlaceThroughTheEnclave) {
  release_keys();
  run("CREATE TABLE bonuses (id INTEGER PRIMARY KEY, amount INT)");
  run("INSERT INTO bonuses VALUES (1, 500), (2, 1500), (3, NULL)");
  run(std::string(
          "ALTER TABLE bonuses ALTER COLUMN amount INT ENCRYPTED WITH (COLUMN_ENCRYPTION_KEY = cek1, ") +
      "ENCRYPTION_TYPE = RANDOMIZED, " + kAlgorithm + ")");
  const json encrypted = run("SELECT id, amount FROM bonuses ORDER BY id");
  ASSERT_EQ(encrypted["rows"].size(), 3u);
  EXPECT_TRUE(encrypted["rows"][0][1].contains("cell"));
  EXPECT_EQ(decrypt_rows(encrypted), (std::vector<std::string>{"1|500|", "2|1500|", "3|NULL|"}));
  EXPECT_EQ(decrypt_rows(run("SELECT id FROM bonuses WHERE amount > ?",
                             json::array({cell(std::int64_t{1000}, SqlType::int32)}))),
            (std::vector<std::string>{"2|"}));
  run("ALTER TABLE bonuses ALTER COLUMN amount INT");
  EXPECT_EQ(decrypt_rows(run("SELECT id, amount FROM bonuses ORDER BY id")),
            (std::vector<std::string>{"1|500|", "2|1500|", "3|NULL|"}));
}

}  // namespace
}  // namespace cloister::sql
