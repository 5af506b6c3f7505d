// The CLOISTER_KBS key store provider against a real key broker: kbs::Service
// with its SQLite store, served by a real httplib server on loopback.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <thread>

#include "cloister/sql_client.h"
#include "common/test/temp_dir.h"
#include "kbs/kbs_service.h"
#include "sql/client/kbs_key_client.h"
#include "sql/cmk_metadata.h"
#include "sql/encrypted_cek.h"

namespace cloister::sql {
namespace {

using client::KbsKeyClient;
using client::KbsKeyRef;
using cloister::testing::TempDir;

constexpr std::string_view kCredential = "kbs-provider-test-credential-0123456789";

SecretBytes secret(std::string_view text) {
  return SecretBytes(as_bytes(text));
}

class KbsProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = kbs::KeyStore::open(kbs::data_dir_paths(tmp_.sub("kbs")));
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    store_ = std::move(store).value();
    ASSERT_TRUE(store_->create("hr-cmk", kbs::KeySpec{kbs::KeyKind::rsa, 2048}, std::nullopt).is_ok());
    ASSERT_TRUE(store_->create("aes", kbs::KeySpec{}, std::nullopt).is_ok());
    auto server = http::Server::create({});
    ASSERT_TRUE(server.is_ok());
    server_ = std::move(server).value();
    service_ = std::make_unique<kbs::Service>(*store_, authorities_, std::string(kCredential));
    service_->install(server_->routes());
    // Counts every request that reaches the broker, before routing.
    server_->routes().set_pre_routing_handler([this](const httplib::Request& request, httplib::Response&) {
      ++requests_;
      if (request.path.ends_with("/unwrapkey")) ++unwraps_;
      if (request.method == "GET") ++gets_;
      return httplib::Server::HandlerResponse::Unhandled;
    });
    ASSERT_TRUE(server_->bind().is_ok());
    thread_ = std::thread([this] { server_->run(); });
    url_ = server_->url();
    key_path_ = url_ + "/keys/hr-cmk/1";

    auto kbs = KbsKeyClient::create(options());
    ASSERT_TRUE(kbs.is_ok()) << kbs.status().to_string();
    kbs_ = std::move(kbs).value();
    auto cmk = kbs_->public_key({"hr-cmk", 1});
    ASSERT_TRUE(cmk.is_ok()) << cmk.status().to_string();
    cmk_ = std::move(cmk).value();
    // As `cloister sql cek create` does it: encrypted here, signed by the broker.
    auto value = wrap_cek(
        cmk_,
        [this](const crypto::Digest256& digest) {
          return kbs_->sign({"hr-cmk", 1}, digest);
        },
        key_path_, cek_);
    ASSERT_TRUE(value.is_ok()) << value.status().to_string();
    value_ = std::move(value).value();
  }
  void TearDown() override {
    server_->stop();
    thread_.join();
  }

  KbsKeyStoreOptions options(std::string_view credential = kCredential) const {
    KbsKeyStoreOptions out;
    out.url = url_;
    out.credential = secret(credential);
    return out;
  }
  std::shared_ptr<KeyStoreProvider> provider(std::string_view credential = kCredential) const {
    auto made = KeyStoreProvider::cloister_kbs(options(credential));
    EXPECT_TRUE(made.is_ok()) << made.status().to_string();
    return made.is_ok() ? std::move(made).value() : nullptr;
  }

  TempDir tmp_;
  std::unique_ptr<kbs::KeyStore> store_;
  kbs::AuthorityKeys authorities_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<kbs::Service> service_;
  std::thread thread_;
  std::atomic<int> requests_{0}, unwraps_{0}, gets_{0};
  std::string url_, key_path_;
  std::unique_ptr<KbsKeyClient> kbs_;
  crypto::PublicKey cmk_;
  const Bytes cek_ = Bytes(32, 0x3c);
  Bytes value_;
};

TEST_F(KbsProviderTest, UnwrapsThroughTheBrokerAndMatchesTheLocalFormat) {
  auto kbs = provider();
  EXPECT_EQ(kbs->name(), "CLOISTER_KBS");
  const int gets_before = gets_;
  auto cek = kbs->decrypt_column_key(key_path_, "RSA_OAEP", value_);
  ASSERT_TRUE(cek.is_ok()) << cek.status().to_string();
  EXPECT_EQ(Bytes(cek->view().begin(), cek->view().end()), cek_);
  // The public key is fetched once per key path and cached.
  ASSERT_TRUE(kbs->decrypt_column_key(key_path_, "RSA_OAEP", value_).is_ok());
  EXPECT_EQ(gets_ - gets_before, 1);
  EXPECT_EQ(unwraps_, 2);
  // The value is SQL Server's format: it parses and names the key path.
  EXPECT_EQ(parse_encrypted_cek(value_)->key_path, key_path_);
  EXPECT_EQ(kbs->decrypt_column_key(key_path_, "RSA1_5", value_).status().code(),
            ErrorCode::invalid_argument);

  auto der = kbs->cmk_public_key_der(key_path_);
  ASSERT_TRUE(der.is_ok());
  EXPECT_EQ(*der, cmk_.to_der().value());
}

TEST_F(KbsProviderTest, VerifiesMetadataSignedByTheBroker) {
  auto signature = sign_cmk_metadata(
      cmk_,
      [this](const crypto::Digest256& digest) {
        return kbs_->sign({"hr-cmk", 1}, digest);
      },
      client::kKbsProviderName, key_path_, true);
  ASSERT_TRUE(signature.is_ok()) << signature.status().to_string();
  auto kbs = provider();
  EXPECT_TRUE(kbs->verify_cmk_metadata(key_path_, true, *signature).is_ok());
  EXPECT_EQ(kbs->verify_cmk_metadata(key_path_, false, *signature).code(), ErrorCode::verification_failed);
  Bytes tampered = *signature;
  tampered[10] ^= 1;
  EXPECT_EQ(kbs->verify_cmk_metadata(key_path_, true, tampered).code(), ErrorCode::verification_failed);
}

TEST_F(KbsProviderTest, TamperedValuesNeverReachTheBroker) {
  auto kbs = provider();
  Bytes tampered = value_;
  tampered[tampered.size() - 3] ^= 1;
  auto refused = kbs->decrypt_column_key(key_path_, "RSA_OAEP", tampered);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::verification_failed);
  EXPECT_EQ(unwraps_, 0);
}

// The key path comes from the database, i.e. from the server: a path under
// any other URL must not make the client send its credential there.
TEST_F(KbsProviderTest, RefusesKeyPathsOutsideItsBrokerWithoutARequest) {
  auto kbs = provider();
  const int before = requests_;
  const std::string port = url_.substr(url_.rfind(':') + 1);
  for (const std::string& path :
       {std::string("http://127.0.0.1:1/keys/hr-cmk/1"), std::string("https://evil.example/keys/hr-cmk/1"),
        url_ + "0/keys/hr-cmk/1", url_ + ".evil.example/keys/hr-cmk/1",
        "http://user@127.0.0.1:" + port + "/keys/hr-cmk/1", "https://127.0.0.1:" + port + "/keys/hr-cmk/1",
        url_ + "/other/hr-cmk/1", std::string("hr-cmk"), std::string("")}) {
    auto refused = kbs->decrypt_column_key(path, "RSA_OAEP", value_);
    ASSERT_FALSE(refused.is_ok()) << path;
    EXPECT_EQ(refused.status().code(), ErrorCode::permission_denied)
        << path << ": " << refused.status().message();
    EXPECT_NE(refused.status().message().find("not a key of the key broker this client trusts"),
              std::string::npos);
    EXPECT_EQ(kbs->verify_cmk_metadata(path, true, Bytes(256, 1)).code(), ErrorCode::permission_denied)
        << path;
    EXPECT_FALSE(kbs->cmk_public_key_der(path).is_ok()) << path;
  }
  // Under the base URL but not a key version: refused as malformed, also unsent.
  for (const std::string& path :
       {url_ + "/keys/hr-cmk", url_ + "/keys/hr-cmk/1/sign", url_ + "/keys/../audit/1",
        url_ + "/keys/hr-cmk/01", url_ + "/keys/hr-cmk/1?x=1", url_ + "/keys/hr_cmk/1"}) {
    auto refused = kbs->decrypt_column_key(path, "RSA_OAEP", value_);
    ASSERT_FALSE(refused.is_ok()) << path;
    EXPECT_EQ(refused.status().code(), ErrorCode::invalid_argument)
        << path << ": " << refused.status().message();
  }
  EXPECT_EQ(requests_, before);
  // Scheme and host compare without case, as SQL Server's key paths do.
  std::string upper = key_path_;
  for (std::size_t i = 0; i < url_.size(); ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
  EXPECT_TRUE(kbs->cmk_public_key_der(upper).is_ok());
}

TEST_F(KbsProviderTest, AWrongCredentialIsRefusedWithAHint) {
  auto kbs = provider("not-the-admin-credential-of-this-kbs");
  auto refused = kbs->decrypt_column_key(key_path_, "RSA_OAEP", value_);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::unauthenticated);
  EXPECT_NE(refused.status().message().find("pass the admin.credential file"), std::string::npos)
      << refused.status().message();
  EXPECT_FALSE(KeyStoreProvider::cloister_kbs(options("short")).is_ok());
}

TEST_F(KbsProviderTest, ADisabledKeyIsRefused) {
  auto kbs = provider();
  ASSERT_TRUE(kbs->cmk_public_key_der(key_path_).is_ok());  // cached while enabled
  ASSERT_TRUE(store_->set_enabled("hr-cmk", false).is_ok());
  auto refused = kbs->decrypt_column_key(key_path_, "RSA_OAEP", value_);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::permission_denied);
  EXPECT_NE(refused.status().message().find("disabled"), std::string::npos) << refused.status().message();
  auto fresh = provider()->cmk_public_key_der(key_path_);
  ASSERT_FALSE(fresh.is_ok());
  EXPECT_NE(fresh.status().message().find("cloister kbs key enable hr-cmk"), std::string::npos)
      << fresh.status().message();
  ASSERT_TRUE(store_->set_enabled("hr-cmk", true).is_ok());
  EXPECT_TRUE(kbs->decrypt_column_key(key_path_, "RSA_OAEP", value_).is_ok());
}

TEST_F(KbsProviderTest, RefusesOtherKeysAndVersions) {
  auto kbs = provider();
  auto oct = kbs->cmk_public_key_der(url_ + "/keys/aes/1");
  ASSERT_FALSE(oct.is_ok());
  EXPECT_NE(oct.status().message().find("not an RSA key"), std::string::npos) << oct.status().message();
  EXPECT_EQ(kbs->cmk_public_key_der(url_ + "/keys/hr-cmk/2").status().code(), ErrorCode::not_found);
  EXPECT_EQ(kbs->cmk_public_key_der(url_ + "/keys/gone/1").status().code(), ErrorCode::not_found);
}

TEST(KbsUrl, OnlyLoopbackMayUsePlainHttp) {
  EXPECT_EQ(*client::normalize_kbs_url("HTTP://127.0.0.1:8600/"), "http://127.0.0.1:8600");
  EXPECT_EQ(*client::normalize_kbs_url("http://localhost:8600"), "http://localhost:8600");
  EXPECT_EQ(*client::normalize_kbs_url("http://[::1]:8600"), "http://[::1]:8600");
  EXPECT_EQ(*client::normalize_kbs_url("https://KBS.example"), "https://kbs.example");
  for (const char* url : {"http://kbs.example:8600", "http://127.0.0.1.example.com", "ftp://127.0.0.1",
                          "https://kbs.example/keys", "https://u@kbs.example", "https://kbs.example?x", ""}) {
    EXPECT_FALSE(client::normalize_kbs_url(url).is_ok()) << url;
  }
}

}  // namespace
}  // namespace cloister::sql
