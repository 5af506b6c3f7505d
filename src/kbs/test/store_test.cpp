#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <thread>

#include "common/encoding.h"
#include "common/test/temp_dir.h"
#include "kbs/key_store.h"
#include "platform/private_files.h"

namespace cloister::kbs {
namespace {

using cloister::testing::TempDir;

const nlohmann::json kPolicy =
    nlohmann::json::parse(R"({"version":"1.0.0","anyOf":[{"authority":"http://127.0.0.1:1",
  "allOf":[{"claim":"x-ms-sgx-is-debuggable","equals":false}]}]})");

std::unique_ptr<KeyStore> open_store(const std::string& dir) {
  auto store = KeyStore::open(data_dir_paths(dir));
  EXPECT_TRUE(store.is_ok()) << store.status().to_string();
  return store.is_ok() ? std::move(store).value() : nullptr;
}

unsigned mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

// Runs SQL against the store file directly, as an attacker with file access would.
void raw_sql(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  const std::string text = message != nullptr ? message : "";
  sqlite3_free(message);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << text;
}

TEST(KeyStore, CreatesPrivateDataDirAndRoundTripsKeys) {
  TempDir tmp;
  const std::string dir = tmp.sub("kbs");
  auto store = open_store(dir);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(mode_of(dir), 0700u);
  EXPECT_EQ(mode_of(dir + "/kek.bin"), 0600u);
  EXPECT_EQ(mode_of(dir + "/admin.credential"), 0600u);

  auto created = store->create("app-key", KeySpec{}, kPolicy);
  ASSERT_TRUE(created.is_ok()) << created.status().to_string();
  EXPECT_EQ(created->current_version(), 1);
  EXPECT_EQ(created->spec.kind, KeyKind::oct);
  auto material = store->current_material("app-key");
  ASSERT_TRUE(material.is_ok()) << material.status().to_string();
  EXPECT_EQ(material->material.size(), 32u);
  const Bytes first(material->material.view().begin(), material->material.view().end());

  // Reopened from disk, the same material comes back.
  store.reset();
  store = open_store(dir);
  auto again = store->current_material("app-key");
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(Bytes(again->material.view().begin(), again->material.view().end()), first);
  auto info = store->get("app-key");
  ASSERT_TRUE(info.is_ok());
  EXPECT_EQ(*info->policy, kPolicy);

  // The material is not in the database file in the clear.
  auto db_bytes = platform::read_file(dir + "/kbs.sqlite3", 64 << 20);
  ASSERT_TRUE(db_bytes.is_ok());
  EXPECT_EQ(std::search(db_bytes->begin(), db_bytes->end(), first.begin(), first.end()), db_bytes->end());
}

TEST(KeyStore, RefusesBadNamesDuplicatesAndBadPolicies) {
  TempDir tmp;
  auto store = open_store(tmp.sub("kbs"));
  EXPECT_EQ(store->create("bad/name", KeySpec{}, std::nullopt).status().code(), ErrorCode::invalid_argument);
  EXPECT_EQ(store->create("", KeySpec{}, std::nullopt).status().code(), ErrorCode::invalid_argument);
  ASSERT_TRUE(store->create("k", KeySpec{}, std::nullopt).is_ok());
  auto duplicate = store->create("k", KeySpec{}, std::nullopt);
  EXPECT_EQ(duplicate.status().code(), ErrorCode::conflict);
  auto bad_policy = store->create("k2", KeySpec{}, nlohmann::json{{"version", "1.0.0"}});
  EXPECT_EQ(bad_policy.status().code(), ErrorCode::invalid_argument);
  EXPECT_EQ(store->get("k2").status().code(), ErrorCode::not_found);
  EXPECT_EQ(store->set_policy("k", nlohmann::json::object()).status().code(), ErrorCode::invalid_argument);
  EXPECT_EQ(store->remove("nope").code(), ErrorCode::not_found);
}

TEST(KeyStore, WrongKekIsAClearError) {
  TempDir tmp;
  const std::string dir = tmp.sub("kbs");
  { ASSERT_NE(open_store(dir), nullptr); }
  SecretBytes other(32);
  other.data()[0] = 1;
  const std::string other_kek = tmp.sub("other.kek");
  ASSERT_TRUE(platform::write_file(other_kek, other.view(), 0600, false).is_ok());
  auto store = KeyStore::open(data_dir_paths(dir, other_kek));
  ASSERT_FALSE(store.is_ok());
  EXPECT_EQ(store.status().code(), ErrorCode::permission_denied);
  EXPECT_NE(store.status().message().find("not the one this store was created with"), std::string::npos);

  // A missing KEK beside an existing store is never silently replaced.
  ASSERT_EQ(::unlink((dir + "/kek.bin").c_str()), 0);
  auto missing = KeyStore::open(data_dir_paths(dir));
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.status().message().find("is missing"), std::string::npos);
}

TEST(KeyStore, SwappedRowsDoNotDecrypt) {
  TempDir tmp;
  const std::string dir = tmp.sub("kbs");
  auto store = open_store(dir);
  ASSERT_TRUE(store->create("alice", KeySpec{}, std::nullopt).is_ok());
  ASSERT_TRUE(store->create("mallory", KeySpec{}, std::nullopt).is_ok());
  store.reset();
  // Mallory's row gets Alice's sealed material: same KEK, different AAD.
  raw_sql(
      dir + "/kbs.sqlite3",
      "UPDATE key_versions SET iv = (SELECT v.iv FROM key_versions v JOIN keys k ON k.id = v.key_id WHERE "
      "k.name = 'alice'), sealed = (SELECT v.sealed FROM key_versions v JOIN keys k ON k.id = v.key_id WHERE "
      "k.name = 'alice') WHERE key_id = (SELECT id FROM keys WHERE name = 'mallory')");
  store = open_store(dir);
  auto swapped = store->current_material("mallory");
  ASSERT_FALSE(swapped.is_ok());
  EXPECT_EQ(swapped.status().code(), ErrorCode::crypto_error);
  EXPECT_NE(swapped.status().message().find("altered or moved"), std::string::npos);
  EXPECT_TRUE(store->current_material("alice").is_ok());
}

TEST(KeyStore, RotationAddsVersionsAndKeepsOldOnes) {
  TempDir tmp;
  auto store = open_store(tmp.sub("kbs"));
  ASSERT_TRUE(store->create("k", KeySpec{}, std::nullopt).is_ok());
  auto v1 = store->current_material("k");
  auto rotated = store->rotate("k");
  ASSERT_TRUE(rotated.is_ok()) << rotated.status().to_string();
  EXPECT_EQ(rotated->current_version(), 2);
  ASSERT_EQ(rotated->versions.size(), 2u);
  auto v2 = store->current_material("k");
  ASSERT_TRUE(v2.is_ok());
  EXPECT_EQ(v2->version, 2);
  EXPECT_NE(Bytes(v1->material.view().begin(), v1->material.view().end()),
            Bytes(v2->material.view().begin(), v2->material.view().end()));
  EXPECT_EQ(store->rotate("missing").status().code(), ErrorCode::not_found);
  ASSERT_TRUE(store->remove("k").is_ok());
  EXPECT_EQ(store->current_material("k").status().code(), ErrorCode::not_found);
}

TEST(KeyStore, EcAndRsaKeysHavePublicJwksAndPrivateJwkText) {
  TempDir tmp;
  auto store = open_store(tmp.sub("kbs"));
  auto ec = store->create("ec", KeySpec{KeyKind::ec, 256}, std::nullopt);
  ASSERT_TRUE(ec.is_ok()) << ec.status().to_string();
  EXPECT_EQ(ec->public_jwk.value("kty", ""), "EC");
  auto rsa = store->create("rsa", KeySpec{KeyKind::rsa, 2048}, std::nullopt);
  ASSERT_TRUE(rsa.is_ok()) << rsa.status().to_string();
  EXPECT_EQ(rsa->public_jwk.value("kty", ""), "RSA");
  auto material = store->current_material("ec");
  ASSERT_TRUE(material.is_ok());
  auto text = private_jwk_text(KeyKind::ec, material->material, "ec/1");
  ASSERT_TRUE(text.is_ok());
  auto jwk = nlohmann::json::parse(cloister::to_string(text->view()));
  EXPECT_EQ(jwk["crv"], "P-256");
  EXPECT_EQ(jwk["x"], ec->public_jwk["x"]);
  EXPECT_EQ(from_base64url(jwk["d"].get<std::string>())->size(), 32u);
  EXPECT_EQ(jwk["kid"], "ec/1");
}

TEST(KeyStore, ConcurrentWritersNeverCorruptTheStore) {
  TempDir tmp;
  const std::string dir = tmp.sub("kbs");
  auto first = open_store(dir);
  auto second = open_store(dir);  // a second connection, as a second process would have
  ASSERT_TRUE(first->create("shared", KeySpec{}, std::nullopt).is_ok());
  constexpr int kThreads = 4;
  constexpr int kRounds = 10;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      KeyStore& store = t % 2 == 0 ? *first : *second;
      for (int i = 0; i < kRounds; ++i) {
        if (!store.create("k" + std::to_string(t) + "-" + std::to_string(i), KeySpec{}, std::nullopt).is_ok())
          ++failures;
        if (!store.rotate("shared").is_ok()) ++failures;
        if (!store.current_material("shared").is_ok()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  auto info = first->get("shared");
  ASSERT_TRUE(info.is_ok());
  EXPECT_EQ(info->current_version(), 1 + kThreads * kRounds);
  EXPECT_EQ(first->list()->size(), 1u + kThreads * kRounds);
  auto verified = second->verify_audit();
  ASSERT_TRUE(verified.is_ok()) << verified.status().to_string();
  EXPECT_EQ(verified->rows, 1 + 2 * kThreads * kRounds);
}

TEST(AuditLog, ChainsRowsAndDetectsTampering) {
  TempDir tmp;
  const std::string dir = tmp.sub("kbs");
  auto store = open_store(dir);
  ASSERT_TRUE(store->create("k", KeySpec{}, std::nullopt).is_ok());
  ASSERT_TRUE(store
                  ->audit({.action = "release",
                           .key = "k",
                           .outcome = "denied",
                           .reason = "expired",
                           .token_iss = "http://a",
                           .token_jti = "j1",
                           .mrenclave = "aa",
                           .mrsigner = "bb"})
                  .is_ok());
  ASSERT_TRUE(store->rotate("k").is_ok());
  auto records = store->audit_records(10, "k");
  ASSERT_TRUE(records.is_ok());
  ASSERT_EQ(records->size(), 3u);
  EXPECT_EQ((*records)[1].event.reason, "expired");
  EXPECT_EQ((*records)[1].event.mrenclave, "aa");
  auto verified = store->verify_audit();
  ASSERT_TRUE(verified.is_ok());
  EXPECT_EQ(verified->rows, 3);

  // The triggers refuse edits through SQLite.
  store.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir + "/kbs.sqlite3").c_str(), &db), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db, "UPDATE audit SET outcome = 'ok' WHERE seq = 2", nullptr, nullptr, nullptr),
            SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db, "DELETE FROM audit WHERE seq = 2", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);

  // Someone who drops the triggers can edit rows, but the chain shows it.
  raw_sql(dir + "/kbs.sqlite3",
          "DROP TRIGGER audit_no_update; UPDATE audit SET outcome = 'ok', reason = 'released' WHERE seq = 2");
  store = open_store(dir);
  auto edited = store->verify_audit();
  ASSERT_FALSE(edited.is_ok());
  EXPECT_NE(edited.status().message().find("row 2 was altered"), std::string::npos);
  store.reset();
  raw_sql(dir + "/kbs.sqlite3", "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = 2");
  store = open_store(dir);
  auto deleted = store->verify_audit();
  ASSERT_FALSE(deleted.is_ok());
  EXPECT_NE(deleted.status().message().find("row 2 is missing"), std::string::npos);
}

}  // namespace
}  // namespace cloister::kbs
