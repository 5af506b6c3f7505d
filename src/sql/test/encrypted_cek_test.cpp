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

}  // namespace
}  // namespace cloister::sql
