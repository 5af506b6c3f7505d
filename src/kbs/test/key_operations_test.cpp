// Key Vault-shaped key operations (GET a version, unwrapkey, sign) through the
// broker's REST API on a real loopback server, with their refusals and audit rows.
#include "kbs/key_operations.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "common/encoding.h"
#include "common/test/temp_dir.h"
#include "crypto/rsa_oaep_sha1.h"
#include "jose/jose.h"
#include "kbs/kbs_service.h"

namespace cloister::kbs {
namespace {

using cloister::testing::TempDir;
using nlohmann::json;

constexpr const char* kCredential = "admin-credential-for-key-operation-tests";

class KeyOperationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = KeyStore::open(data_dir_paths(tmp_.sub("kbs")));
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    store_ = std::move(store).value();
    ASSERT_TRUE(store_->create("cmk", KeySpec{KeyKind::rsa, 2048}, std::nullopt).is_ok());
    ASSERT_TRUE(store_->rotate("cmk").is_ok());
    ASSERT_TRUE(store_->create("aes", KeySpec{}, std::nullopt).is_ok());
    auto server = http::Server::create({});
    ASSERT_TRUE(server.is_ok());
    server_ = std::move(server).value();
    service_ = std::make_unique<Service>(*store_, authorities_, kCredential);
    service_->install(server_->routes());
    ASSERT_TRUE(server_->bind().is_ok());
    thread_ = std::thread([this] { server_->run(); });
    client_ = std::make_unique<httplib::Client>(server_->url());
  }
  void TearDown() override {
    server_->stop();
    thread_.join();
  }

  crypto::PublicKey public_key(const std::string& version) {
    auto got = client_->Get("/keys/cmk/" + version, admin_);
    EXPECT_EQ(got->status, 200) << got->body;
    auto key = jose::key_from_jwk(json::parse(got->body)["public_jwk"]);
    EXPECT_TRUE(key.is_ok()) << key.status().to_string();
    return key.is_ok() ? std::move(key).value() : crypto::PublicKey();
  }

  httplib::Result post(const std::string& path, const std::string& alg, ByteView value,
                       const httplib::Headers& headers) {
    return client_->Post(path, headers, json{{"alg", alg}, {"value", to_base64url(value)}}.dump(),
                         "application/json");
  }
  httplib::Result post(const std::string& path, const std::string& alg, ByteView value) {
    return post(path, alg, value, admin_);
  }

  // The last audit row is a refusal of `action` on cmk whose reason holds `reason`.
  void expect_refusal_audited(const std::string& action, const std::string& reason) {
    auto records = store_->audit_records(1);
    ASSERT_TRUE(records.is_ok());
    const AuditEvent& event = records->back().event;
    EXPECT_EQ(event.action, action);
    EXPECT_NE(event.outcome, "ok");
    EXPECT_NE(event.reason.find(reason), std::string::npos) << event.reason;
  }

  TempDir tmp_;
  std::unique_ptr<KeyStore> store_;
  AuthorityKeys authorities_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<Service> service_;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
  const httplib::Headers admin_ = {{"Authorization", std::string("Bearer ") + kCredential}};
  const Bytes cek_ = Bytes(32, 0x42);
};

TEST_F(KeyOperationsTest, GetsEachVersionWithItsPublicKey) {
  auto first = client_->Get("/keys/cmk/1", admin_);
  ASSERT_EQ(first->status, 200) << first->body;
  const json body = json::parse(first->body);
  EXPECT_EQ(body["kid"], "cmk/1");
  EXPECT_EQ(body["kty"], "RSA");
  EXPECT_FALSE(body["current"].get<bool>());
  EXPECT_FALSE(body["public_jwk"].contains("d"));
  EXPECT_NE(public_key("1").to_der().value(), public_key("2").to_der().value());

  EXPECT_EQ(client_->Get("/keys/cmk/1")->status, 401);
  auto missing = client_->Get("/keys/cmk/3", admin_);
  EXPECT_EQ(missing->status, 404);
  EXPECT_NE(missing->body.find("versions are 1..2"), std::string::npos) << missing->body;
  for (const char* version : {"0", "01", "-1", "abc", "1x"}) {
    EXPECT_EQ(client_->Get(std::string("/keys/cmk/") + version, admin_)->status, 400) << version;
  }
  EXPECT_EQ(client_->Get("/keys/nope/1", admin_)->status, 404);
}

TEST_F(KeyOperationsTest, UnwrapsWithTheNamedVersionOnly) {
  auto ciphertext = crypto::rsa_oaep_sha1_encrypt(public_key("1"), cek_);
  ASSERT_TRUE(ciphertext.is_ok());
  auto unwrapped = post("/keys/cmk/1/unwrapkey", "RSA-OAEP", *ciphertext);
  ASSERT_EQ(unwrapped->status, 200) << unwrapped->body;
  const json body = json::parse(unwrapped->body);
  EXPECT_EQ(body["kid"], "cmk/1");
  EXPECT_EQ(from_base64url(body["value"].get<std::string>()).value(), cek_);

  auto other = post("/keys/cmk/2/unwrapkey", "RSA-OAEP", *ciphertext);
  EXPECT_EQ(other->status, 400);
  EXPECT_NE(other->body.find("does not unwrap"), std::string::npos) << other->body;
  expect_refusal_audited("unwrapkey", "does not unwrap");

  // The audit names key, version and operation, never the value or result.
  auto records = store_->audit_records(10, "cmk");
  ASSERT_TRUE(records.is_ok());
  bool found_ok = false;
  for (const auto& record : *records) {
    const std::string text = to_json(record).dump();
    EXPECT_EQ(text.find(to_base64url(cek_)), std::string::npos);
    EXPECT_EQ(text.find(to_base64url(*ciphertext).substr(0, 16)), std::string::npos);
    if (record.event.action == "unwrapkey" && record.event.outcome == "ok") {
      found_ok = true;
      EXPECT_EQ(record.event.version, 1);
    }
  }
  EXPECT_TRUE(found_ok);
}

TEST_F(KeyOperationsTest, SignsADigestAsRs256) {
  const Bytes message = to_bytes("cmk metadata");
  const crypto::Digest256 digest = crypto::sha256(message);
  auto signed_ = post("/keys/cmk/2/sign", "RS256", digest);
  ASSERT_EQ(signed_->status, 200) << signed_->body;
  const Bytes signature = from_base64url(json::parse(signed_->body)["value"].get<std::string>()).value();
  EXPECT_TRUE(
      public_key("2")
          .rsa_verify(message, signature, crypto::RsaPadding::pkcs1_v1_5, crypto::HashAlgorithm::sha256)
          .is_ok());
  EXPECT_FALSE(
      public_key("1")
          .rsa_verify(message, signature, crypto::RsaPadding::pkcs1_v1_5, crypto::HashAlgorithm::sha256)
          .is_ok());
}

TEST_F(KeyOperationsTest, RefusesMalformedRequestsAndUnusableKeys) {
  const crypto::Digest256 digest = crypto::sha256(to_bytes("x"));
  auto expect = [&](httplib::Result result, int status, const std::string& text, const std::string& action) {
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, status) << result->body;
    EXPECT_NE(result->body.find(text), std::string::npos) << result->body;
    if (status != 401) expect_refusal_audited(action, text);
  };
  expect(post("/keys/cmk/1/sign", "RS256", digest, {}), 401, "Authorization", "");
  expect(post("/keys/cmk/1/sign", "RS256", digest, {{"Authorization", "Bearer wrong"}}), 401,
         "credential is wrong", "");
  expect(post("/keys/cmk/1/sign", "PS256", digest), 400, "RS256", "sign");
  expect(post("/keys/cmk/1/unwrapkey", "RSA1_5", Bytes(256, 1)), 400, "RSA-OAEP", "unwrapkey");
  expect(post("/keys/cmk/1/sign", "RS256", ByteView(digest).first(20)), 400, "32-byte", "sign");
  expect(post("/keys/cmk/1/unwrapkey", "RSA-OAEP", Bytes(255, 1)), 400, "256 bytes", "unwrapkey");
  expect(client_->Post("/keys/cmk/1/sign", admin_, R"({"alg":"RS256","value":"not base64url!"})",
                       "application/json"),
         400, "base64url", "sign");
  expect(client_->Post("/keys/cmk/1/sign", admin_, "not json", "application/json"), 400, "JSON", "sign");
  expect(post("/keys/cmk/9/sign", "RS256", digest), 404, "no version 9", "sign");
  expect(post("/keys/cmk/x/sign", "RS256", digest), 400, "not a key version", "sign");
  expect(post("/keys/aes/1/sign", "RS256", digest), 400, "need an RSA key", "sign");
  expect(post("/keys/gone/1/sign", "RS256", digest), 404, "no key named", "sign");
  ASSERT_TRUE(store_->set_enabled("cmk", false).is_ok());
  expect(post("/keys/cmk/1/sign", "RS256", digest), 403, "disabled", "sign");
}

TEST_F(KeyOperationsTest, TheOtherKeyRoutesStillAnswer) {
  auto rotated = client_->Post("/keys/cmk/rotate", admin_, "", "application/json");
  ASSERT_EQ(rotated->status, 200) << rotated->body;
  EXPECT_EQ(json::parse(rotated->body)["current_version"], 3);
  // A CMK has no release policy: it is never released, only used in place.
  auto released = client_->Post("/keys/cmk/release", R"({"target":"x.y.z"})", "application/json");
  EXPECT_NE(released->status, 200);
  EXPECT_EQ(client_->Get("/keys/cmk", admin_)->status, 200);
  EXPECT_EQ(client_->Get("/keys/cmk/3", admin_)->status, 200);
}

}  // namespace
}  // namespace cloister::kbs
