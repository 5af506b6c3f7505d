// The driver against a fake server (fake_server.h): parameters leave
// encrypted, results come back decrypted, keys go only to an attested enclave
// whose CMK is enclave-enabled, and restarts are recovered.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "cloister/sql_client.h"
#include "sql/client/test/fake_server.h"
#include "sql/key_file_store.h"

namespace cloister::sql::client::testing {
namespace {

class ConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/cloister-sql-conn-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    root_ = pattern;
    auto store = KeyFileStore::open(root_ + "/cmks", true);
    ASSERT_TRUE(store.is_ok());
    cmk_ = store->create_key("cmk1", 2048).value().clone();
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(root_);
  }

  void start(bool enclave_enabled = true) {
    server_ = std::make_unique<FakeServer>(cmk_, enclave_enabled);
    std::ofstream(root_ + "/server.pem") << server_->cert_pem();
    std::ofstream(root_ + "/ca.pem") << *server_->platform().ca.to_pem();
  }

  ConnectionOptions options() const {
    ConnectionOptions options;
    options.port = static_cast<std::uint16_t>(server_->port());
    options.server_cert_file = root_ + "/server.pem";
    options.key_stores.push_back(KeyStoreProvider::key_file_store(root_ + "/cmks").value());
    options.attestation.platform_ca_files = {root_ + "/ca.pem"};
    options.attestation.signer = server_->platform().good_report().identity.signer;
    return options;
  }

  Result<ResultSet> range(Connection& connection, std::int64_t lo, std::int64_t hi) {
    return connection.execute("SELECT name, salary FROM employees WHERE salary BETWEEN @lo AND @hi",
                              std::vector<NamedParam>{{"@lo", lo}, {"@hi", hi}});
  }

  // The enclave restarts; the next range query is answered through the new
  // instance, attested once more.
  void expect_works_after_a_restart(Connection& connection) {
    const std::string first = connection.enclave_instance();
    server_->restart_enclave();
    auto rows = range(connection, 0, 100000);
    ASSERT_TRUE(rows.is_ok()) << rows.status().to_string();
    EXPECT_EQ(rows->rows.size(), 4u);
    EXPECT_EQ(server_->evidence_calls, 2);
    EXPECT_NE(connection.enclave_instance(), first);
  }

  std::string root_;
  crypto::PrivateKey cmk_;
  std::unique_ptr<FakeServer> server_;
};

TEST_F(ConnectionTest, EncryptsParametersAndDecryptsResults) {
  start();
  auto connection = Connection::open(options());
  ASSERT_TRUE(connection.is_ok()) << connection.status().to_string();
  auto rows = range(*connection, 60000, 80000);
  ASSERT_TRUE(rows.is_ok()) << rows.status().to_string();
  ASSERT_EQ(rows->rows.size(), 2u);
  EXPECT_EQ(std::get<std::string>(rows->rows[0][0]), "Bob");
  EXPECT_EQ(std::get<std::int64_t>(rows->rows[0][1]), 61000);
  EXPECT_EQ(std::get<std::int64_t>(rows->rows[1][1]), 75000);
  EXPECT_TRUE(rows->columns[1].encrypted);
  EXPECT_EQ(server_->seen_param_kinds, (std::vector<std::string>{"cell", "cell"}));
  EXPECT_EQ(server_->evidence_calls, 1);
  EXPECT_EQ(server_->key_calls, 1);
  EXPECT_FALSE(connection->enclave_instance().empty());

  // Described once, attested once.
  ASSERT_TRUE(range(*connection, 0, 100000).is_ok());
  EXPECT_EQ(server_->describe_calls, 1);
  EXPECT_EQ(server_->evidence_calls, 1);
  EXPECT_EQ(server_->key_calls, 1);

  EXPECT_NE(connection
                ->execute("SELECT name, salary FROM employees WHERE salary BETWEEN @lo AND @hi",
                          std::vector<NamedParam>{{"@lo", std::int64_t{1}}})
                .status()
                .message()
                .find("no value for parameter @hi"),
            std::string::npos);
  EXPECT_EQ(range(*connection, std::int64_t{1} << 40, 0).status().code(), ErrorCode::invalid_argument);
}

TEST_F(ConnectionTest, ForcedEncryptionRefusesAServerThatAsksForPlaintext) {
  start();
  const ExecuteOptions forced{.force_encryption = {"@lo", "?2"}};
  const std::string sql = "SELECT name, salary FROM employees WHERE salary BETWEEN @lo AND @hi";
  const std::vector<NamedParam> bounds{{"@lo", std::int64_t{60000}}, {"@hi", std::int64_t{80000}}};
  auto honest = Connection::open(options());
  auto rows = honest->execute(sql, bounds, forced);
  ASSERT_TRUE(rows.is_ok()) << rows.status().to_string();
  EXPECT_EQ(rows->rows.size(), 2u);
  auto unknown = honest->execute(sql, bounds, ExecuteOptions{.force_encryption = {"@mid"}});
  EXPECT_NE(unknown.status().message().find("no such parameter"), std::string::npos)
      << unknown.status().message();

  server_->describe_parameters_as_plaintext();
  server_->seen_param_kinds.clear();
  auto lied_to = Connection::open(options());
  auto refused = lied_to->execute(sql, bounds, forced);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::invalid_argument);
  EXPECT_NE(refused.status().message().find(
                "@lo is forced to be encrypted, but the server expects it in plaintext"),
            std::string::npos)
      << refused.status().message();
  EXPECT_TRUE(server_->seen_param_kinds.empty()) << "a value was sent";
  // Not forced, the driver believes the server: what the option is for.
  (void)lied_to->execute(sql, bounds);
  EXPECT_EQ(server_->seen_param_kinds, (std::vector<std::string>{"int"}));

  // Forcing needs column encryption on.
  ConnectionOptions off = options();
  off.column_encryption = false;
  auto plain = Connection::open(std::move(off));
  EXPECT_NE(plain->execute(sql, bounds, forced).status().message().find("column encryption is off"),
            std::string::npos);
}

TEST_F(ConnectionTest, AConnectionNeverSendsInTheClearWhatItSawEncrypted) {
  // Without --force-encryption: the connection remembers which parameters
  // met encrypted columns, and a server that later says otherwise is refused.
  start();
  const std::string sql = "SELECT name, salary FROM employees WHERE salary BETWEEN @lo AND @hi";
  const std::vector<NamedParam> bounds{{"@lo", std::int64_t{60000}}, {"@hi", std::int64_t{80000}}};
  auto connection = Connection::open(options());
  ASSERT_TRUE(connection.is_ok());
  ASSERT_TRUE(connection->execute(sql, bounds).is_ok());
  server_->describe_parameters_as_plaintext();
  server_->refuse_next_execute_as_stale();
  EXPECT_FALSE(connection->execute(sql, bounds).is_ok());  // the stale answer: the description is dropped
  server_->seen_param_kinds.clear();
  auto refused = connection->execute(sql, bounds);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::verification_failed);
  EXPECT_NE(refused.status().message().find("has seen it meet an encrypted column"), std::string::npos)
      << refused.status().message();
  EXPECT_TRUE(server_->seen_param_kinds.empty()) << "a value was sent in the clear";
}

TEST_F(ConnectionTest, BatchesTakeNamedParametersInAnyOrder) {
  start();
  auto connection = Connection::open(options());
  const std::string sql = "INSERT INTO employees (name, salary) VALUES (@name, @salary)";
  const std::vector<std::vector<NamedParam>> rows{
      {{"@name", std::string("Dana")}, {"@salary", std::int64_t{50000}}},
      {{"salary", std::int64_t{52000}}, {"@name", std::string("Eve")}},
  };
  auto inserted = connection->execute_batch(sql, rows, ExecuteOptions{.force_encryption = {"@salary"}});
  ASSERT_TRUE(inserted.is_ok()) << inserted.status().to_string();
  EXPECT_EQ(inserted->changes, 2);
  EXPECT_EQ(server_->seen_param_kinds, (std::vector<std::string>{"text", "cell", "text", "cell"}));

  server_->seen_param_kinds.clear();
  auto missing =
      connection->execute_batch(sql, std::vector<std::vector<NamedParam>>{{{"@name", std::string("Fay")}}});
  EXPECT_NE(missing.status().message().find("no value for parameter @salary"), std::string::npos)
      << missing.status().message();
  EXPECT_TRUE(server_->seen_param_kinds.empty());
}

TEST_F(ConnectionTest, ReattestsARestartedEnclave) {
  start();
  auto connection = Connection::open(options());
  ASSERT_TRUE(range(*connection, 0, 100000).is_ok());
  expect_works_after_a_restart(*connection);
  EXPECT_EQ(server_->key_calls, 2);
}

TEST_F(ConnectionTest, RecoversWhenTheEnclaveRestartsBetweenAttestationAndRelease) {
  // The console attests at sign-in and releases keys on the first search;
  // an enclave restarted in between used to leave it stuck on a release
  // sealed to the dead instance ("JWE does not decrypt") until restarted.
  start();
  auto connection = Connection::open(options());
  ASSERT_TRUE(connection->verify_enclave().is_ok());
  expect_works_after_a_restart(*connection);
  // And again, for every restart.
  server_->restart_enclave();
  EXPECT_TRUE(range(*connection, 0, 100000).is_ok());
}

TEST_F(ConnectionTest, RecoversFromAServerRestart) {
  start();
  auto connection = Connection::open(options());
  ASSERT_TRUE(range(*connection, 0, 100000).is_ok());
  server_->restart_process();
  auto rows = range(*connection, 0, 60000);
  ASSERT_TRUE(rows.is_ok()) << rows.status().to_string();
  EXPECT_EQ(rows->rows.size(), 1u);
  EXPECT_EQ(server_->session_calls, 2);
  EXPECT_EQ(server_->evidence_calls, 2);
}

TEST_F(ConnectionTest, RefusesADebugEnclave) {
  start();
  server_->set_debug(true);
  auto connection = Connection::open(options());
  auto rows = range(*connection, 0, 100000);
  EXPECT_EQ(rows.status().code(), ErrorCode::verification_failed);
  EXPECT_NE(rows.status().message().find("refusing to release column keys"), std::string::npos);
  EXPECT_EQ(server_->key_calls, 0);
}

TEST_F(ConnectionTest, RefusesAnotherSigner) {
  start();
  auto opts = options();
  opts.attestation.signer->fill(0x01);
  auto connection = Connection::open(std::move(opts));
  EXPECT_EQ(range(*connection, 0, 100000).status().code(), ErrorCode::verification_failed);
  EXPECT_EQ(server_->key_calls, 0);
}

TEST_F(ConnectionTest, RefusesKeysOfACmkThatIsNotEnclaveEnabled) {
  start(false);
  auto connection = Connection::open(options());
  auto rows = range(*connection, 0, 100000);
  EXPECT_EQ(rows.status().code(), ErrorCode::permission_denied);
  EXPECT_NE(rows.status().message().find("not enabled for enclave computations"), std::string::npos);
  EXPECT_EQ(server_->key_calls, 0);
}

TEST_F(ConnectionTest, NeedsAPolicyOnlyWhenTheEnclaveIsNeeded) {
  start();
  auto opts = options();
  opts.attestation.signer.reset();
  auto connection = Connection::open(std::move(opts));
  ASSERT_TRUE(connection.is_ok());
  EXPECT_TRUE(connection->execute("SELECT name, salary FROM employees").is_ok());
  auto rows = range(*connection, 0, 100000);
  EXPECT_EQ(rows.status().code(), ErrorCode::invalid_argument);
  EXPECT_NE(rows.status().message().find("--enclave-signer"), std::string::npos);
}

TEST_F(ConnectionTest, NamesTheRowAndColumnOfATamperedCell) {
  start();
  server_->tamper_row(1);
  auto connection = Connection::open(options());
  auto rows = range(*connection, 0, 100000);
  EXPECT_EQ(rows.status().code(), ErrorCode::verification_failed);
  EXPECT_NE(rows.status().message().find("row 2, column salary"), std::string::npos)
      << rows.status().message();
}

TEST_F(ConnectionTest, PinsTheServerCertificate) {
  start();
  FakeServer other(cmk_, true);
  std::ofstream(root_ + "/other.pem") << other.cert_pem();
  auto opts = options();
  opts.server_cert_file = root_ + "/other.pem";
  auto connection = Connection::open(std::move(opts));
  EXPECT_EQ(connection.status().code(), ErrorCode::verification_failed);
  EXPECT_NE(connection.status().message().find("pinned"), std::string::npos);
}

TEST_F(ConnectionTest, OpensANewSessionWhenTheOldOneIsGone) {
  start();
  auto connection = Connection::open(options());
  ASSERT_TRUE(connection->execute("SELECT name, salary FROM employees").is_ok());
  server_->drop_sessions();
  EXPECT_TRUE(connection->execute("SELECT name, salary FROM employees").is_ok());
  EXPECT_EQ(server_->session_calls, 2);

  // Inside a transaction the work is lost: no silent retry, and the driver says so.
  ASSERT_TRUE(connection->execute("BEGIN").is_ok());
  EXPECT_TRUE(connection->in_transaction());
  server_->drop_sessions();
  auto lost = connection->execute("SELECT name, salary FROM employees");
  EXPECT_FALSE(lost.is_ok());
  EXPECT_NE(lost.status().message().find("transaction"), std::string::npos);
  EXPECT_TRUE(connection->execute("SELECT name, salary FROM employees").is_ok());
}

}  // namespace
}  // namespace cloister::sql::client::testing

namespace cloister::sql::client::testing {
namespace {

TEST_F(ConnectionTest, AttestsThroughAttestd) {
  start();
  FakeAttestd attestd;
  std::ofstream(root_ + "/attestd.pem") << attestd.cert_pem();
  auto opts = options();
  opts.attestation.mode = AttestationMode::attestd;
  opts.attestation.platform_ca_files.clear();
  opts.attestation.attestd_url = attestd.url();
  opts.attestation.attestd_cert_file = root_ + "/attestd.pem";
  opts.attestation.attestd_issuer = "fake";
  auto connection = Connection::open(opts);
  auto rows = range(*connection, 0, 100000);
  ASSERT_TRUE(rows.is_ok()) << rows.status().to_string();
  EXPECT_EQ(attestd.calls, 1);
  EXPECT_EQ(server_->key_calls, 1);

  // A token signed by another key, and a debug enclave: refused.
  FakeAttestd impostor;
  opts.attestation.attestd_url = impostor.url();
  auto other = Connection::open(opts);
  auto refused = range(*other, 0, 100000);
  EXPECT_EQ(refused.status().code(), ErrorCode::verification_failed);
  EXPECT_NE(refused.status().message().find("--attestd-cert"), std::string::npos)
      << refused.status().message();
  opts.attestation.attestd_url = attestd.url();
  server_->set_debug(true);
  auto debug = Connection::open(opts);
  EXPECT_NE(range(*debug, 0, 100000).status().message().find("debug"), std::string::npos);
  EXPECT_EQ(server_->key_calls, 1);
}

}  // namespace
}  // namespace cloister::sql::client::testing
