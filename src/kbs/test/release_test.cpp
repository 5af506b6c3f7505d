// Release with real ES256 tokens, verified against a JWKS served by a real
// loopback authority, and unwrapped with the enclave's private key.
#include "kbs/release.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <ctime>
#include <thread>

#include "common/encoding.h"
#include "common/test/temp_dir.h"
#include "kbs/kbs_service.h"

namespace cloister::kbs {
namespace {

using cloister::testing::TempDir;

// An attestation authority: signs tokens and serves its JWKS over HTTP.
class Authority {
 public:
  Authority() : key_(crypto::PrivateKey::generate(crypto::KeyType::ec_p256).value()) {
    server_.Get("/.well-known/openid-configuration", [this](const httplib::Request&, httplib::Response& res) {
      ++metadata_requests;
      res.set_content(nlohmann::json{{"issuer", url()}, {"jwks_uri", url() + "/certs"}}.dump(),
                      "application/json");
    });
    server_.Get("/certs", [this](const httplib::Request&, httplib::Response& res) {
      ++jwks_requests;
      res.set_content(nlohmann::json{{"keys", {*jose::public_jwk(key_.public_key(), "sig-1")}}}.dump(),
                      "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Authority() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string sign(const nlohmann::json& claims, const std::string& kid = "sig-1",
                   const crypto::PrivateKey* other_key = nullptr) const {
    jose::SignOptions options;
    options.kid = kid;
    auto token = jose::sign_jwt(claims, other_key != nullptr ? *other_key : key_, options);
    EXPECT_TRUE(token.is_ok()) << token.status().to_string();
    return token.is_ok() ? *token : std::string();
  }
  std::atomic<int> metadata_requests{0};
  std::atomic<int> jwks_requests{0};

 private:
  crypto::PrivateKey key_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

class ReleaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = KeyStore::open(data_dir_paths(tmp_.sub("kbs")));
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    store_ = std::move(store).value();
    enclave_ = crypto::PrivateKey::generate(crypto::KeyType::ec_p256).value();
    policy_ = {{"version", "1.0.0"},
               {"anyOf",
                {{{"authority", authority_.url()},
                  {"allOf",
                   {{{"claim", "x-ms-sgx-mrsigner"}, {"equals", "ab12"}},
                    {{"claim", "x-ms-sgx-is-debuggable"}, {"equals", false}}}}}}}};
    auto created = store_->create("app", KeySpec{}, policy_);
    ASSERT_TRUE(created.is_ok()) << created.status().to_string();
  }

  nlohmann::json claims() const {
    const std::int64_t now = std::time(nullptr);
    return {{"iss", authority_.url()},
            {"iat", now},
            {"nbf", now},
            {"exp", now + 600},
            {"jti", "jti-1"},
            {"x-ms-sgx-mrenclave", "cd34"},
            {"x-ms-sgx-mrsigner", "ab12"},
            {"x-ms-sgx-is-debuggable", false},
            {"x-ms-runtime", {{"keys", {*jose::public_jwk(enclave_.public_key(), "enclave-key")}}}}};
  }

  Result<ReleaseResult> release(const std::string& token, const std::string& key = "app",
                                std::optional<std::string> nonce = std::nullopt) {
    return Releaser(*store_, authorities_).release({key, token, std::move(nonce)});
  }

  // The refusal has the expected code and reason, and an audit row says so.
  void expect_refused(const Result<ReleaseResult>& result, ErrorCode code, const std::string& reason,
                      const std::string& key = "app") {
    ASSERT_FALSE(result.is_ok()) << reason;
    EXPECT_EQ(result.status().code(), code) << result.status().to_string();
    EXPECT_NE(result.status().message().find(reason), std::string::npos)
        << "got: " << result.status().message() << "\nwant: " << reason;
    auto records = store_->audit_records(1);
    ASSERT_TRUE(records.is_ok());
    ASSERT_EQ(records->size(), 1u);
    const AuditEvent& event = records->back().event;
    EXPECT_EQ(event.action, "release");
    EXPECT_EQ(event.key, key);
    EXPECT_NE(event.outcome, "ok");
    EXPECT_EQ(event.reason, result.status().message());
  }

  TempDir tmp_;
  Authority authority_;
  AuthorityKeys authorities_;
  std::unique_ptr<KeyStore> store_;
  crypto::PrivateKey enclave_;
  nlohmann::json policy_;
};

TEST_F(ReleaseTest, ReleasesTheKeyWrappedToTheEnclave) {
  auto released = release(authority_.sign(claims()));
  ASSERT_TRUE(released.is_ok()) << released.status().to_string();
  EXPECT_EQ(released->kid, "app/1");
  auto plain = jose::decrypt_jwe(released->value, enclave_);
  ASSERT_TRUE(plain.is_ok()) << plain.status().to_string();
  auto jwk = nlohmann::json::parse(cloister::to_string(plain->view()));
  EXPECT_EQ(jwk["kty"], "oct");
  EXPECT_EQ(jwk["kid"], "app/1");
  auto material = store_->current_material("app");
  ASSERT_TRUE(material.is_ok());
  EXPECT_EQ(*from_base64url(jwk["k"].get<std::string>()),
            Bytes(material->material.view().begin(), material->material.view().end()));
  // Another private key cannot open it.
  EXPECT_FALSE(
      jose::decrypt_jwe(released->value, crypto::PrivateKey::generate(crypto::KeyType::ec_p256).value())
          .is_ok());

  auto records = store_->audit_records(1);
  ASSERT_EQ(records->size(), 1u);
  const AuditEvent& event = records->back().event;
  EXPECT_EQ(event.outcome, "ok");
  EXPECT_EQ(event.version, 1);
  EXPECT_EQ(event.token_jti, "jti-1");
  EXPECT_EQ(event.token_iss, authority_.url());
  EXPECT_EQ(event.mrenclave, "cd34");
  EXPECT_EQ(event.mrsigner, "ab12");

  // After rotation the new version is released; the JWKS came from the cache.
  ASSERT_TRUE(store_->rotate("app").is_ok());
  auto second = release(authority_.sign(claims()));
  ASSERT_TRUE(second.is_ok());
  EXPECT_EQ(second->kid, "app/2");
  EXPECT_EQ(authority_.jwks_requests.load(), 1);
  EXPECT_EQ(authority_.metadata_requests.load(), 1);
}

TEST_F(ReleaseTest, ReleasesToRsaEnclaveKeysAndReleasesEcKeys) {
  auto rsa = crypto::PrivateKey::generate(crypto::KeyType::rsa, 2048).value();
  auto token_claims = claims();
  token_claims["x-ms-runtime"]["keys"] =
      nlohmann::json::array({*jose::public_jwk(rsa.public_key(), "rsa-enc")});
  ASSERT_TRUE(store_->create("ec-key", KeySpec{KeyKind::ec, 256}, policy_).is_ok());
  auto released = release(authority_.sign(token_claims), "ec-key");
  ASSERT_TRUE(released.is_ok()) << released.status().to_string();
  auto plain = jose::decrypt_jwe(released->value, rsa);
  ASSERT_TRUE(plain.is_ok()) << plain.status().to_string();
  auto jwk = nlohmann::json::parse(cloister::to_string(plain->view()));
  EXPECT_EQ(jwk["kty"], "EC");
  EXPECT_TRUE(jwk.contains("d"));
  EXPECT_EQ(jwk["x"], store_->get("ec-key")->public_jwk["x"]);
}

TEST_F(ReleaseTest, RefusesInvalidTokens) {
  auto expired = claims();
  expired["exp"] = std::int64_t{std::time(nullptr)} - 3600;
  expect_refused(release(authority_.sign(expired)), ErrorCode::verification_failed, "expired");

  auto early = claims();
  early["nbf"] = std::int64_t{std::time(nullptr)} + 3600;
  expect_refused(release(authority_.sign(early)), ErrorCode::verification_failed, "not valid");

  auto forger = crypto::PrivateKey::generate(crypto::KeyType::ec_p256).value();
  expect_refused(release(authority_.sign(claims(), "sig-1", &forger)), ErrorCode::verification_failed,
                 "signature does not verify");
  expect_refused(release(authority_.sign(claims(), "unknown-kid", &forger)), ErrorCode::verification_failed,
                 "the attestation token is not valid");

  const std::string none = to_base64url(as_bytes(R"({"alg":"none","kid":"sig-1"})")) + "." +
                           to_base64url(as_bytes(claims().dump())) + ".";
  auto refused = release(none);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("none"), std::string::npos) << refused.status().message();

  expect_refused(release("not-a-token"), ErrorCode::invalid_argument, "malformed");
  expect_refused(release(""), ErrorCode::invalid_argument, "\"target\"");
}

TEST_F(ReleaseTest, RefusesIssuersTheKeyDoesNotTrust) {
  // An attacker's own attestation service signs perfectly valid tokens.
  Authority attacker;
  auto forged = claims();
  forged["iss"] = attacker.url();
  expect_refused(release(attacker.sign(forged)), ErrorCode::permission_denied, "is not an authority");
  EXPECT_EQ(attacker.jwks_requests.load() + attacker.metadata_requests.load(), 0);  // never contacted

  auto unknown = claims();
  unknown["iss"] = "http://127.0.0.1:1";
  expect_refused(release(authority_.sign(unknown)), ErrorCode::permission_denied, "is not an authority");
  auto no_issuer = claims();
  no_issuer.erase("iss");
  expect_refused(release(authority_.sign(no_issuer)), ErrorCode::invalid_argument, "no \"iss\"");
}

TEST_F(ReleaseTest, RefusesClaimsThePolicyRejects) {
  auto other_signer = claims();
  other_signer["x-ms-sgx-mrsigner"] = "ffff";
  expect_refused(release(authority_.sign(other_signer)), ErrorCode::permission_denied,
                 "claim x-ms-sgx-mrsigner is \"ffff\"");
  EXPECT_EQ(store_->audit_records(1)->back().event.mrsigner, "ffff");

  auto debug = claims();
  debug["x-ms-sgx-is-debuggable"] = true;
  expect_refused(release(authority_.sign(debug)), ErrorCode::permission_denied, "x-ms-sgx-is-debuggable");

  auto no_key = claims();
  no_key.erase("x-ms-runtime");
  expect_refused(release(authority_.sign(no_key)), ErrorCode::permission_denied, "binds no enclave key");
  auto signing_only = claims();
  signing_only["x-ms-runtime"]["keys"][0]["use"] = "sig";
  expect_refused(release(authority_.sign(signing_only)), ErrorCode::permission_denied,
                 "usable for encryption");

  expect_refused(release(authority_.sign(claims()), "app", "nonce-1"), ErrorCode::permission_denied, "nonce");
  // The attest request's nonce, echoed into the token, is not bound by the
  // evidence: a host could replay old evidence with a fresh one.
  auto echoed = claims();
  echoed["nonce"] = "nonce-1";
  expect_refused(release(authority_.sign(echoed), "app", "nonce-1"), ErrorCode::permission_denied,
                 "not bound by the evidence");
  auto bound = claims();
  bound["x-ms-runtime"]["nonce"] = "nonce-1";
  EXPECT_TRUE(release(authority_.sign(bound), "app", "nonce-1").is_ok());
  bound["x-ms-runtime"]["nonce"] = "nonce-2";
  expect_refused(release(authority_.sign(bound), "app", "nonce-1"), ErrorCode::permission_denied,
                 "does not carry the request's nonce");
}

TEST_F(ReleaseTest, RefusesMissingDisabledAndPolicylessKeys) {
  const std::string token = authority_.sign(claims());
  ASSERT_TRUE(store_->set_enabled("app", false).is_ok());
  expect_refused(release(token), ErrorCode::permission_denied, "disabled");
  ASSERT_TRUE(store_->set_enabled("app", true).is_ok());
  EXPECT_TRUE(release(token).is_ok());
  ASSERT_TRUE(store_->remove("app").is_ok());
  expect_refused(release(token), ErrorCode::not_found, "no key named");
  ASSERT_TRUE(store_->create("bare", KeySpec{}, std::nullopt).is_ok());
  expect_refused(release(token, "bare"), ErrorCode::permission_denied, "no release policy", "bare");
  expect_refused(release(token, "../etc"), ErrorCode::invalid_argument, "key names", "../etc");
  EXPECT_TRUE(store_->verify_audit().is_ok());
}

TEST_F(ReleaseTest, UnreachableAuthorityIsAnErrorNotARelease) {
  auto policy = policy_;
  policy["anyOf"][0]["authority"] = "http://127.0.0.1:1";
  ASSERT_TRUE(store_->set_policy("app", policy).is_ok());
  auto token_claims = claims();
  token_claims["iss"] = "http://127.0.0.1:1";
  auto result = release(authority_.sign(token_claims));
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.status().code(), ErrorCode::io_error);
  EXPECT_EQ(store_->audit_records(1)->back().event.outcome, "error");
}

TEST_F(ReleaseTest, RestApi) {
  auto server = http::Server::create({});
  ASSERT_TRUE(server.is_ok());
  Service service(*store_, authorities_, "admin-credential-for-tests");
  service.install((*server)->routes());
  ASSERT_TRUE((*server)->bind().is_ok());
  std::thread thread([&] { (*server)->run(); });
  httplib::Client client((*server)->url());
  const httplib::Headers admin = {{"Authorization", "Bearer admin-credential-for-tests"}};

  EXPECT_EQ(client.Get("/keys")->status, 401);
  EXPECT_EQ(client.Get("/keys", {{"Authorization", "Bearer admin-credential-for-test"}})->status, 401);
  EXPECT_EQ(client.Post("/keys", R"({"name":"x"})", "application/json")->status, 401);
  auto list = client.Get("/keys", admin);
  ASSERT_EQ(list->status, 200);
  EXPECT_EQ(nlohmann::json::parse(list->body)["keys"][0]["name"], "app");
  EXPECT_EQ(list->body.find("\"k\""), std::string::npos);

  auto created = client.Post("/keys", admin, R"({"name":"rsa","kty":"RSA","size":2048})", "application/json");
  ASSERT_EQ(created->status, 201) << created->body;
  EXPECT_EQ(client.Post("/keys", admin, R"({"name":"rsa"})", "application/json")->status, 409);
  auto bad_policy =
      client.Put("/keys/rsa/policy", admin, R"({"version":"1.0.0","anyOf":[{}]})", "application/json");
  EXPECT_EQ(bad_policy->status, 400);
  EXPECT_NE(bad_policy->body.find("anyOf[0]"), std::string::npos);
  auto imported =
      client.Put("/keys/imported", admin,
                 R"({"key":{"kty":"oct","k":")" + to_base64url(Bytes(32, 7)) + R"("}})", "application/json");
  EXPECT_EQ(imported->status, 201) << imported->body;

  auto released = client.Post(
      "/keys/app/release", nlohmann::json{{"target", authority_.sign(claims())}}.dump(), "application/json");
  ASSERT_EQ(released->status, 200) << released->body;
  auto body = nlohmann::json::parse(released->body);
  EXPECT_EQ(body["kid"], "app/1");
  EXPECT_TRUE(jose::decrypt_jwe(body["value"].get<std::string>(), enclave_).is_ok());

  auto refused = client.Post(
      "/keys/rsa/release", nlohmann::json{{"target", authority_.sign(claims())}}.dump(), "application/json");
  EXPECT_EQ(refused->status, 403);
  EXPECT_NE(refused->body.find("no release policy"), std::string::npos);
  EXPECT_EQ(client.Post("/keys/app/release", "{}", "application/json")->status, 400);
  EXPECT_EQ(client
                .Post("/keys/gone/release", nlohmann::json{{"target", authority_.sign(claims())}}.dump(),
                      "application/json")
                ->status,
            404);

  auto audit = client.Get("/audit?key=app", admin);
  ASSERT_EQ(audit->status, 200);
  EXPECT_EQ(nlohmann::json::parse(audit->body)["records"].back()["outcome"], "denied");
  EXPECT_EQ(audit->body.find(authority_.sign(claims()).substr(0, 20)), std::string::npos);
  auto verified = client.Get("/audit/verify", admin);
  ASSERT_EQ(verified->status, 200);
  EXPECT_TRUE(nlohmann::json::parse(verified->body)["intact"].get<bool>());
  EXPECT_EQ(client.Delete("/keys/rsa", admin)->status, 200);
  EXPECT_EQ(client.Delete("/keys/rsa", admin)->status, 404);
  (*server)->stop();
  thread.join();
}

}  // namespace
}  // namespace cloister::kbs

namespace cloister::kbs {
namespace {

TEST_F(ReleaseTest, UnauthenticatedRefusalsAreRationedAndCounted) {
  // Anyone can send these: malformed tokens, unknown keys, issuers no policy names.
  const std::int64_t minute = 1'800'000'000 / 60 * 60;
  ReleaseOptions at_one_minute{.now_seconds = minute + 5};
  Releaser releaser(*store_, authorities_, at_one_minute);
  const int sent = Releaser::kUnauthenticatedRowsPerMinute * 3;
  for (int i = 0; i < sent; ++i) {
    auto refused = releaser.release({"app", "not-a-token-" + std::to_string(i), std::nullopt});
    ASSERT_FALSE(refused.is_ok());
    EXPECT_EQ(refused.status().code(), ErrorCode::invalid_argument);
  }
  auto rows = store_->audit_records(10'000);
  ASSERT_TRUE(rows.is_ok());
  const std::size_t written = rows->size();
  EXPECT_LE(written, static_cast<std::size_t>(Releaser::kUnauthenticatedRowsPerMinute) + 1)
      << "every refusal got a row of its own";
  // The rest are not lost: one row counts them.
  ASSERT_TRUE(releaser.flush_counted_refusals().is_ok());
  rows = store_->audit_records(1);
  ASSERT_TRUE(rows.is_ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->back().event.key, "*");
  EXPECT_NE(rows->back().event.reason.find(std::to_string(sent - Releaser::kUnauthenticatedRowsPerMinute) +
                                           " refusals"),
            std::string::npos)
      << rows->back().event.reason;
  EXPECT_TRUE(store_->verify_audit().is_ok());
}

TEST_F(ReleaseTest, AValidTokensRefusalAlwaysGetsItsOwnRow) {
  ReleaseOptions fixed{.now_seconds = std::time(nullptr)};
  Releaser releaser(*store_, authorities_, fixed);
  for (int i = 0; i < Releaser::kUnauthenticatedRowsPerMinute + 5; ++i)
    ASSERT_FALSE(releaser.release({"app", "garbage", std::nullopt}).is_ok());
  auto wrong_signer = claims();
  wrong_signer["x-ms-sgx-mrsigner"] = "ffff";
  auto refused = releaser.release({"app", authority_.sign(wrong_signer), std::nullopt});
  ASSERT_FALSE(refused.is_ok());
  auto rows = store_->audit_records(1);
  ASSERT_TRUE(rows.is_ok());
  EXPECT_EQ(rows->back().event.reason, refused.status().message())
      << "the authenticated refusal was not audited";
}

TEST_F(ReleaseTest, AKidThatIsNotAStringIsRefusedNotAnError) {
  // The header {"alg":"ES256","kid":7}: refused and audited, never an exception (a 500).
  const std::string token = authority_.sign(claims());
  const std::string header = to_base64url(as_bytes(std::string(R"({"alg":"ES256","kid":7})")));
  const std::string edited = header + token.substr(token.find('.'));
  auto refused = release(edited);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().code(), ErrorCode::internal) << refused.status().to_string();
  auto rows = store_->audit_records(1);
  ASSERT_TRUE(rows.is_ok());
  EXPECT_EQ(rows->back().event.reason, refused.status().message());
}

}  // namespace
}  // namespace cloister::kbs
