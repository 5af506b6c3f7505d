#include "sql/encrypted_cek.h"

#include <gtest/gtest.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#include <memory>

#include "common/encoding.h"
#include "sql/test/vectors.h"

namespace cloister::sql {
namespace {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using Pkcs12Ptr = std::unique_ptr<PKCS12, Deleter<PKCS12_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using ProviderPtr = std::unique_ptr<OSSL_PROVIDER, Deleter<OSSL_PROVIDER_unload>>;
using CertStackPtr =
    std::unique_ptr<STACK_OF(X509), Deleter<+[](STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); }>>;

// The PUBLIC SqlClient test certificate's key, from its PFX. The PFX encrypts
// its certificate with RC2-40, which OpenSSL 3 keeps in the legacy provider.
crypto::PrivateKey sqlclient_test_key(const nlohmann::json& rsa) {
  ProviderPtr legacy(OSSL_PROVIDER_try_load(nullptr, "legacy", 1));
  auto der = from_base64(rsa["pfx_base64"].get<std::string>());
  if (!der.is_ok()) return {};
  const unsigned char* cursor = der->data();
  Pkcs12Ptr pfx(d2i_PKCS12(nullptr, &cursor, static_cast<long>(der->size())));
  if (pfx == nullptr) return {};
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  STACK_OF(X509)* chain = nullptr;
  const std::string password = rsa["pfx_password"].get<std::string>();
  const int parsed = PKCS12_parse(pfx.get(), password.c_str(), &key, &cert, &chain);
  X509Ptr owned_cert(cert);
  CertStackPtr owned_chain(chain);
  crypto::EvpPkeyPtr owned_key(key);
  if (parsed != 1) return {};
  return crypto::PrivateKey(std::move(owned_key));
}

TEST(EncryptedCek, UnwrapsSqlServerValues) {
  const auto& vectors = test::always_encrypted_vectors();
  if (!vectors) GTEST_SKIP() << "no vectors at " << test::vectors_path();
  crypto::PrivateKey cmk = sqlclient_test_key((*vectors)["rsa_test_key"]);
  ASSERT_TRUE(cmk.valid()) << "could not load the test PFX";
  const auto& values = (*vectors)["wrapped_ceks"];
  ASSERT_FALSE(values.empty());
  for (const auto& vector : values) {
    SCOPED_TRACE(vector["id"].get<std::string>());
    const Bytes value = test::hex(vector["wrapped_hex"]);
    auto parts = parse_encrypted_cek(value);
    ASSERT_TRUE(parts.is_ok()) << parts.status().to_string();
    EXPECT_EQ(parts->key_path, vector["key_path"].get<std::string>());
    auto cek = unwrap_cek(cmk, vector["key_path"].get<std::string>(), value);
    ASSERT_TRUE(cek.is_ok()) << cek.status().to_string();
    EXPECT_EQ(to_hex(*cek), vector["cek_hex"].get<std::string>());
    // SQL Server's key paths are case-insensitive.
    EXPECT_TRUE(unwrap_cek(cmk, "currentuser/my/B3C66FFBE1DB57419792E24AA970455BFAC30757", value).is_ok());
  }
}

class WrapTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cmk_ = new crypto::PrivateKey(crypto::PrivateKey::generate(crypto::KeyType::rsa, 2048).value());
  }
  static void TearDownTestSuite() { delete cmk_; }
  static crypto::PrivateKey* cmk_;
  const Bytes cek_ = Bytes(32, 0x5a);
};
crypto::PrivateKey* WrapTest::cmk_ = nullptr;

TEST_F(WrapTest, RoundTrip) {
  auto value = wrap_cek(*cmk_, "my-cmk", cek_);
  ASSERT_TRUE(value.is_ok()) << value.status().to_string();
  EXPECT_EQ((*value)[0], 0x01);
  EXPECT_EQ(value->size(), 5u + 12 + 256 + 256);
  auto cek = unwrap_cek(*cmk_, "my-cmk", *value);
  ASSERT_TRUE(cek.is_ok()) << cek.status().to_string();
  EXPECT_EQ(Bytes(cek->view().begin(), cek->view().end()), cek_);
}

TEST_F(WrapTest, EveryFlippedByteFails) {
  auto value = wrap_cek(*cmk_, "k", cek_);
  ASSERT_TRUE(value.is_ok());
  for (std::size_t i = 0; i < value->size(); ++i) {
    Bytes tampered = *value;
    tampered[i] ^= 0x04;
    auto result = unwrap_cek(*cmk_, "k", tampered);
    ASSERT_FALSE(result.is_ok()) << "byte " << i;
    // Past the header and key path, only the signature can notice.
    if (i >= 5 + 2) {
      EXPECT_EQ(result.status().code(), ErrorCode::verification_failed)
          << i << ": " << result.status().message();
      EXPECT_NE(result.status().message().find("signature does not verify"), std::string::npos);
    }
  }
}

TEST_F(WrapTest, AnotherCmkFailsTheSignature) {
  auto other = crypto::PrivateKey::generate(crypto::KeyType::rsa, 2048);
  auto value = wrap_cek(*other, "k", cek_);
  auto result = unwrap_cek(*cmk_, "k", *value);
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.status().code(), ErrorCode::verification_failed);
}

TEST_F(WrapTest, WrongKeyPathTruncationAndLengths) {
  auto value = wrap_cek(*cmk_, "first", cek_);
  ASSERT_TRUE(value.is_ok());
  auto wrong_path = unwrap_cek(*cmk_, "second", *value);
  ASSERT_FALSE(wrong_path.is_ok());
  EXPECT_NE(wrong_path.status().message().find("'first'"), std::string::npos);

  for (std::size_t size = 0; size < value->size(); ++size) {
    EXPECT_FALSE(unwrap_cek(*cmk_, "first", ByteView(*value).first(size)).is_ok()) << size;
  }
  for (std::size_t size : {0, 1, 4, 5, 15}) {
    EXPECT_EQ(parse_encrypted_cek(ByteView(*value).first(size)).status().code(), ErrorCode::decode_error);
  }
  Bytes version = *value;
  version[0] = 2;
  EXPECT_EQ(parse_encrypted_cek(version).status().code(), ErrorCode::decode_error);
  Bytes long_path = *value;
  long_path[1] = 0xff;
  long_path[2] = 0xff;
  EXPECT_EQ(parse_encrypted_cek(long_path).status().code(), ErrorCode::decode_error);
  Bytes odd_path = *value;
  odd_path[1] = 9;
  EXPECT_EQ(parse_encrypted_cek(odd_path).status().code(), ErrorCode::decode_error);
  Bytes short_ciphertext = *value;
  short_ciphertext[3] = 0x00;  // a ciphertext length of 0
  short_ciphertext[4] = 0x00;
  EXPECT_EQ(parse_encrypted_cek(short_ciphertext).status().code(), ErrorCode::decode_error);
  Bytes shifted = *value;
  shifted[3] = 0x08;  // 0x0108: the signature loses 8 bytes to the ciphertext
  auto result = unwrap_cek(*cmk_, "first", shifted);
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.status().code(), ErrorCode::decode_error) << result.status().message();
}

// The public-key forms with the private operations done elsewhere (as a key
// broker does them): the same bytes as the private-key forms.
TEST_F(WrapTest, RemoteOperationsRoundTripWithThePrivateKeyForms) {
  const crypto::PublicKey public_key = cmk_->public_key();
  int signs = 0;
  CmkSigner signer = [&](const crypto::Digest256& digest) {
    ++signs;
    return cmk_->rsa_sign_digest(digest, crypto::HashAlgorithm::sha256);
  };
  auto value = wrap_cek(public_key, signer, "http://kbs/keys/cmk/1", cek_);
  ASSERT_TRUE(value.is_ok()) << value.status().to_string();
  EXPECT_EQ(signs, 1);
  auto local = unwrap_cek(*cmk_, "HTTP://KBS/keys/cmk/1", *value);
  ASSERT_TRUE(local.is_ok()) << local.status().to_string();
  EXPECT_EQ(Bytes(local->view().begin(), local->view().end()), cek_);

  auto by_private = wrap_cek(*cmk_, "k", cek_);
  ASSERT_TRUE(by_private.is_ok());
  int unwraps = 0;
  CmkUnwrapper unwrapper = [&](ByteView ciphertext) {
    ++unwraps;
    return local_unwrapper(*cmk_)(ciphertext);
  };
  auto remote = unwrap_cek(public_key, unwrapper, "k", *by_private);
  ASSERT_TRUE(remote.is_ok()) << remote.status().to_string();
  EXPECT_EQ(Bytes(remote->view().begin(), remote->view().end()), cek_);
  EXPECT_EQ(unwraps, 1);
}

TEST_F(WrapTest, TamperedValuesNeverReachTheUnwrapper) {
  auto value = wrap_cek(*cmk_, "k", cek_);
  ASSERT_TRUE(value.is_ok());
  bool called = false;
  CmkUnwrapper unwrapper = [&](ByteView) -> Result<SecretBytes> {
    called = true;
    return SecretBytes(Bytes(32, 0));
  };
  for (std::size_t i : {std::size_t{7}, value->size() / 2, value->size() - 1}) {
    Bytes tampered = *value;
    tampered[i] ^= 0x01;
    auto result = unwrap_cek(cmk_->public_key(), unwrapper, "k", tampered);
    ASSERT_FALSE(result.is_ok()) << i;
    EXPECT_EQ(result.status().code(), ErrorCode::verification_failed) << i;
  }
  auto other = crypto::PrivateKey::generate(crypto::KeyType::rsa, 2048);
  EXPECT_FALSE(unwrap_cek(other->public_key(), unwrapper, "k", *value).is_ok());
  EXPECT_FALSE(called);

  // A failing unwrapper (the broker refused) is an error naming the step.
  CmkUnwrapper refusing = [](ByteView) -> Result<SecretBytes> {
    return Status(ErrorCode::permission_denied, "key disabled");
  };
  auto refused = unwrap_cek(cmk_->public_key(), refusing, "k", *value);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::permission_denied);
  EXPECT_NE(refused.status().message().find("key disabled"), std::string::npos);
}

TEST_F(WrapTest, ASignerUsingAnotherKeyIsCaughtAtWrapTime) {
  auto other = crypto::PrivateKey::generate(crypto::KeyType::rsa, 2048);
  auto value = wrap_cek(cmk_->public_key(), local_signer(*other), "k", cek_);
  ASSERT_FALSE(value.is_ok());
  EXPECT_EQ(value.status().code(), ErrorCode::verification_failed);
  CmkSigner failing = [](const crypto::Digest256&) -> Result<Bytes> {
    return Status(ErrorCode::io_error, "kbs unreachable");
  };
  EXPECT_EQ(wrap_cek(cmk_->public_key(), failing, "k", cek_).status().code(), ErrorCode::io_error);
}

}  // namespace
}  // namespace cloister::sql
