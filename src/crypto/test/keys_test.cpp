#include "crypto/keys.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "crypto/test/test_util.h"

namespace cloister::crypto {
namespace {

using testing::hex;

// Key generation is the slow part; generate once per suite.
class Keys : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    p256_ = new PrivateKey(std::move(PrivateKey::generate(KeyType::ec_p256)).value());
    p384_ = new PrivateKey(std::move(PrivateKey::generate(KeyType::ec_p384)).value());
    rsa_ = new PrivateKey(std::move(PrivateKey::generate(KeyType::rsa, 2048)).value());
  }
  static void TearDownTestSuite() {
    delete p256_;
    delete p384_;
    delete rsa_;
  }
  static PrivateKey* p256_;
  static PrivateKey* p384_;
  static PrivateKey* rsa_;
};
PrivateKey* Keys::p256_ = nullptr;
PrivateKey* Keys::p384_ = nullptr;
PrivateKey* Keys::rsa_ = nullptr;

void expect_does_not_verify(const Status& status) {
  EXPECT_EQ(status.code(), ErrorCode::crypto_error);
  EXPECT_EQ(status.message(), "signature does not verify");
}

TEST_F(Keys, GeneratedKeysHaveTheirTypes) {
  EXPECT_EQ(*p256_->public_key().type(), KeyType::ec_p256);
  EXPECT_EQ(*p384_->public_key().type(), KeyType::ec_p384);
  EXPECT_EQ(*rsa_->public_key().type(), KeyType::rsa);
  EXPECT_EQ(PrivateKey::generate(KeyType::rsa, 1024).status().code(), ErrorCode::invalid_argument);
}

TEST_F(Keys, EcdsaSignVerifyRoundTrip) {
  for (PrivateKey* key : {p256_, p384_}) {
    const Bytes message = to_bytes("attestation evidence");
    auto signature = key->sign(message);
    ASSERT_TRUE(signature.is_ok()) << signature.status().to_string();
    EXPECT_EQ((*signature)[0], 0x30) << "DER SEQUENCE";
    EXPECT_TRUE(key->public_key().verify(message, *signature).is_ok());
    expect_does_not_verify(key->public_key().verify(to_bytes("other evidence"), *signature));
  }
}

TEST_F(Keys, FlippedSignatureBitsFail) {
  const Bytes message = to_bytes("message");
  Bytes signature = *p256_->sign(message);
  const PublicKey public_key = p256_->public_key();
  for (std::size_t i = 0; i < signature.size(); ++i) {
    Bytes flipped = signature;
    flipped[i] ^= 0x01;
    expect_does_not_verify(public_key.verify(message, flipped));
  }
}

TEST_F(Keys, MalformedSignaturesFailCleanly) {
  const Bytes message = to_bytes("message");
  Bytes good = *p256_->sign(message);
  const PublicKey public_key = p256_->public_key();
  expect_does_not_verify(public_key.verify(message, {}));
  expect_does_not_verify(public_key.verify(message, Bytes(good.begin(), good.end() - 1)));
  Bytes trailing = good;
  trailing.push_back(0);
  expect_does_not_verify(public_key.verify(message, trailing));
  expect_does_not_verify(public_key.verify(message, Bytes(72, 0xff)));
  expect_does_not_verify(public_key.verify_raw(message, Bytes(63, 1), HashAlgorithm::sha256));
  expect_does_not_verify(public_key.verify_raw(message, Bytes(64, 0), HashAlgorithm::sha256));
}

TEST_F(Keys, SignatureFromOtherKeyFails) {
  const Bytes message = to_bytes("message");
  auto other = PrivateKey::generate(KeyType::ec_p256);
  ASSERT_TRUE(other.is_ok());
  expect_does_not_verify(p256_->public_key().verify(message, *other->sign(message)));
  // A P-256 signature presented to a P-384 key.
  expect_does_not_verify(p384_->public_key().verify(message, *p256_->sign(message)));
}

// RFC 6979 appendix A.2.5: P-256, SHA-256, message "sample".
TEST(KnownSignature, Rfc6979P256Sha256) {
  const Bytes point =
      hex("04"
          "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
          "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299");
  const Bytes r_and_s =
      hex("efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"
          "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8");
  auto key = PublicKey::from_ec_point(KeyType::ec_p256, point);
  ASSERT_TRUE(key.is_ok()) << key.status().to_string();
  EXPECT_TRUE(key->verify_raw(as_bytes("sample"), r_and_s, HashAlgorithm::sha256).is_ok());
  expect_does_not_verify(key->verify_raw(as_bytes("sample!"), r_and_s, HashAlgorithm::sha256));
  expect_does_not_verify(key->verify_raw(as_bytes("sample"), r_and_s, HashAlgorithm::sha384));
  Bytes flipped = r_and_s;
  flipped[40] ^= 0x04;
  expect_does_not_verify(key->verify_raw(as_bytes("sample"), flipped, HashAlgorithm::sha256));
  EXPECT_EQ(*key->ec_point(), point);
}

TEST(EcPoint, RejectsPointsOffTheCurve) {
  Bytes point =
      hex("04"
          "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
          "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299");
  point.back() ^= 0x01;
  EXPECT_EQ(PublicKey::from_ec_point(KeyType::ec_p256, point).status().code(), ErrorCode::decode_error);
  EXPECT_FALSE(PublicKey::from_ec_point(KeyType::ec_p384, Bytes(65, 4)).is_ok());
  EXPECT_FALSE(PublicKey::from_ec_point(KeyType::ec_p256, Bytes(65, 0)).is_ok());
  EXPECT_FALSE(PublicKey::from_ec_point(KeyType::rsa, point).is_ok());
}

TEST_F(Keys, EcPointRoundTrip) {
  for (PrivateKey* key : {p256_, p384_}) {
    const PublicKey public_key = key->public_key();
    auto point = public_key.ec_point();
    ASSERT_TRUE(point.is_ok());
    auto type = *public_key.type();
    auto rebuilt = PublicKey::from_ec_point(type, *point);
    ASSERT_TRUE(rebuilt.is_ok()) << rebuilt.status().to_string();
    EXPECT_EQ(*rebuilt->to_der(), *public_key.to_der());
  }
  EXPECT_FALSE(rsa_->public_key().ec_point().is_ok());
}

TEST_F(Keys, EcdhAgreementMatches) {
  for (KeyType curve : {KeyType::ec_p256, KeyType::ec_p384}) {
    auto alice = PrivateKey::generate(curve);
    auto bob = PrivateKey::generate(curve);
    ASSERT_TRUE(alice.is_ok() && bob.is_ok());
    auto alice_secret = alice->ecdh(bob->public_key());
    auto bob_secret = bob->ecdh(alice->public_key());
    ASSERT_TRUE(alice_secret.is_ok()) << alice_secret.status().to_string();
    ASSERT_TRUE(bob_secret.is_ok());
    EXPECT_EQ(alice_secret->size(), curve == KeyType::ec_p256 ? 32u : 48u);
    EXPECT_EQ(alice_secret->view().size(), bob_secret->view().size());
    EXPECT_TRUE(
        std::equal(alice_secret->view().begin(), alice_secret->view().end(), bob_secret->view().begin()));
  }
  EXPECT_EQ(p256_->ecdh(p384_->public_key()).status().code(), ErrorCode::invalid_argument);
  EXPECT_FALSE(p256_->ecdh(rsa_->public_key()).is_ok());
  EXPECT_FALSE(p256_->ecdh(PublicKey()).is_ok());
}

TEST_F(Keys, RsaOaepRoundTripAndWrongKey) {
  const Bytes secret = to_bytes("a 32-byte wrapped symmetric key!");
  for (HashAlgorithm hash : {HashAlgorithm::sha256, HashAlgorithm::sha384}) {
    auto ciphertext = rsa_->public_key().rsa_oaep_encrypt(secret, hash);
    ASSERT_TRUE(ciphertext.is_ok()) << ciphertext.status().to_string();
    EXPECT_EQ(ciphertext->size(), 256u);
    auto plaintext = rsa_->rsa_oaep_decrypt(*ciphertext, hash);
    ASSERT_TRUE(plaintext.is_ok()) << plaintext.status().to_string();
    EXPECT_EQ(Bytes(plaintext->view().begin(), plaintext->view().end()), secret);
  }
  auto ciphertext = *rsa_->public_key().rsa_oaep_encrypt(secret, HashAlgorithm::sha256);
  EXPECT_EQ(rsa_->rsa_oaep_decrypt(ciphertext, HashAlgorithm::sha384).status().code(),
            ErrorCode::crypto_error);
  auto other = PrivateKey::generate(KeyType::rsa, 2048);
  ASSERT_TRUE(other.is_ok());
  EXPECT_EQ(other->rsa_oaep_decrypt(ciphertext, HashAlgorithm::sha256).status().code(),
            ErrorCode::crypto_error);
  ciphertext[10] ^= 0x01;
  EXPECT_FALSE(rsa_->rsa_oaep_decrypt(ciphertext, HashAlgorithm::sha256).is_ok());
  EXPECT_FALSE(rsa_->rsa_oaep_decrypt({}, HashAlgorithm::sha256).is_ok());
  EXPECT_FALSE(rsa_->public_key().rsa_oaep_encrypt(Bytes(300, 1), HashAlgorithm::sha256).is_ok());
  EXPECT_EQ(p256_->public_key().rsa_oaep_encrypt(secret, HashAlgorithm::sha256).status().code(),
            ErrorCode::invalid_argument);
  EXPECT_EQ(rsa_->sign(secret).status().code(), ErrorCode::invalid_argument);
}

TEST_F(Keys, EcdsaRawSignaturesVerify) {
  const Bytes message = to_bytes("jws signing input");
  for (PrivateKey* key : {p256_, p384_}) {
    const KeyType type = *key->public_key().type();
    const HashAlgorithm hash = type == KeyType::ec_p384 ? HashAlgorithm::sha384 : HashAlgorithm::sha256;
    auto raw = key->sign_raw(message);
    ASSERT_TRUE(raw.is_ok()) << raw.status().to_string();
    EXPECT_EQ(raw->size(), type == KeyType::ec_p384 ? 96u : 64u);
    EXPECT_TRUE(key->public_key().verify_raw(message, *raw, hash).is_ok());
    expect_does_not_verify(key->public_key().verify_raw(to_bytes("other input"), *raw, hash));
  }
  EXPECT_EQ(rsa_->sign_raw(message).status().code(), ErrorCode::invalid_argument);
}

TEST_F(Keys, RsaSignaturesRoundTripAndRefuseOthers) {
  const Bytes message = to_bytes("jws signing input");
  const PublicKey public_key = rsa_->public_key();
  for (RsaPadding padding : {RsaPadding::pkcs1_v1_5, RsaPadding::pss}) {
    for (HashAlgorithm hash : {HashAlgorithm::sha256, HashAlgorithm::sha384}) {
      auto signature = rsa_->rsa_sign(message, padding, hash);
      ASSERT_TRUE(signature.is_ok()) << signature.status().to_string();
      EXPECT_EQ(signature->size(), 256u);
      EXPECT_TRUE(public_key.rsa_verify(message, *signature, padding, hash).is_ok());
      expect_does_not_verify(public_key.rsa_verify(to_bytes("other input"), *signature, padding, hash));
      const RsaPadding other_padding = padding == RsaPadding::pss ? RsaPadding::pkcs1_v1_5 : RsaPadding::pss;
      expect_does_not_verify(public_key.rsa_verify(message, *signature, other_padding, hash));
      Bytes flipped = *signature;
      flipped[100] ^= 0x10;
      expect_does_not_verify(public_key.rsa_verify(message, flipped, padding, hash));
      expect_does_not_verify(public_key.rsa_verify(message, ByteView(*signature).first(255), padding, hash));
    }
  }
  // PKCS#1 v1.5 is deterministic; PSS is salted.
  EXPECT_EQ(*rsa_->rsa_sign(message, RsaPadding::pkcs1_v1_5, HashAlgorithm::sha256),
            *rsa_->rsa_sign(message, RsaPadding::pkcs1_v1_5, HashAlgorithm::sha256));
  EXPECT_NE(*rsa_->rsa_sign(message, RsaPadding::pss, HashAlgorithm::sha256),
            *rsa_->rsa_sign(message, RsaPadding::pss, HashAlgorithm::sha256));
  EXPECT_EQ(p256_->rsa_sign(message, RsaPadding::pss, HashAlgorithm::sha256).status().code(),
            ErrorCode::invalid_argument);
  EXPECT_EQ(
      p256_->public_key().rsa_verify(message, Bytes(64, 1), RsaPadding::pss, HashAlgorithm::sha256).code(),
      ErrorCode::invalid_argument);
}

TEST_F(Keys, RsaDigestSignatureEqualsTheMessageSignature) {
  const Bytes message = to_bytes("cmk metadata");
  const Digest256 digest = sha256(message);
  auto signature = rsa_->rsa_sign_digest(digest, HashAlgorithm::sha256);
  ASSERT_TRUE(signature.is_ok()) << signature.status().to_string();
  EXPECT_EQ(*signature, *rsa_->rsa_sign(message, RsaPadding::pkcs1_v1_5, HashAlgorithm::sha256));
  EXPECT_TRUE(rsa_->public_key()
                  .rsa_verify(message, *signature, RsaPadding::pkcs1_v1_5, HashAlgorithm::sha256)
                  .is_ok());
  EXPECT_EQ(rsa_->rsa_sign_digest(ByteView(digest).first(31), HashAlgorithm::sha256).status().code(),
            ErrorCode::invalid_argument);
  EXPECT_EQ(p256_->rsa_sign_digest(digest, HashAlgorithm::sha256).status().code(),
            ErrorCode::invalid_argument);
}

TEST(RsaKeys, UnderSizedKeysAreRefused) {
  PrivateKey small(EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{1024})));
  ASSERT_TRUE(small.valid());
  const Bytes message = to_bytes("m");
  EXPECT_EQ(small.rsa_sign(message, RsaPadding::pkcs1_v1_5, HashAlgorithm::sha256).status().code(),
            ErrorCode::invalid_argument);
  EXPECT_EQ(small.public_key()
                .rsa_verify(message, Bytes(128, 1), RsaPadding::pkcs1_v1_5, HashAlgorithm::sha256)
                .code(),
            ErrorCode::invalid_argument);
  auto components = small.public_key().rsa_components();
  ASSERT_TRUE(components.is_ok());
  EXPECT_EQ(PublicKey::from_rsa_components(components->modulus, components->exponent).status().code(),
            ErrorCode::decode_error);
}

TEST_F(Keys, RsaComponentsRoundTrip) {
  const PublicKey public_key = rsa_->public_key();
  auto components = public_key.rsa_components();
  ASSERT_TRUE(components.is_ok()) << components.status().to_string();
  EXPECT_EQ(components->modulus.size(), 256u);
  EXPECT_NE(components->modulus[0], 0);
  EXPECT_EQ(components->exponent, (Bytes{0x01, 0x00, 0x01}));
  auto rebuilt = PublicKey::from_rsa_components(components->modulus, components->exponent);
  ASSERT_TRUE(rebuilt.is_ok()) << rebuilt.status().to_string();
  EXPECT_EQ(*rebuilt->to_der(), *public_key.to_der());

  EXPECT_EQ(PublicKey::from_rsa_components(components->modulus, Bytes{0x01, 0x00, 0x00}).status().code(),
            ErrorCode::decode_error);
  EXPECT_EQ(PublicKey::from_rsa_components(components->modulus, Bytes{0x01}).status().code(),
            ErrorCode::decode_error);
  EXPECT_EQ(PublicKey::from_rsa_components(components->modulus, {}).status().code(), ErrorCode::decode_error);
  EXPECT_EQ(PublicKey::from_rsa_components({}, components->exponent).status().code(),
            ErrorCode::decode_error);
  EXPECT_EQ(PublicKey::from_rsa_components(Bytes(3000, 0xff), components->exponent).status().code(),
            ErrorCode::decode_error);
  EXPECT_EQ(p256_->public_key().rsa_components().status().code(), ErrorCode::invalid_argument);
}

TEST_F(Keys, PublicKeyDerAndPemRoundTrip) {
  for (PrivateKey* key : {p256_, p384_, rsa_}) {
    const PublicKey public_key = key->public_key();
    auto der = public_key.to_der();
    auto pem = public_key.to_pem();
    ASSERT_TRUE(der.is_ok() && pem.is_ok());
    EXPECT_NE(pem->find("-----BEGIN PUBLIC KEY-----"), std::string::npos);
    auto from_der = PublicKey::from_der(*der);
    auto from_pem = PublicKey::from_pem(*pem);
    ASSERT_TRUE(from_der.is_ok() && from_pem.is_ok());
    EXPECT_EQ(*from_der->to_der(), *der);
    EXPECT_EQ(*from_pem->to_der(), *der);
    EXPECT_EQ(*public_key.clone().to_der(), *der);
  }
}

TEST_F(Keys, PrivateKeyDerAndPemRoundTrip) {
  for (PrivateKey* key : {p256_, p384_, rsa_}) {
    auto der = key->to_der();
    auto pem = key->to_pem();
    ASSERT_TRUE(der.is_ok() && pem.is_ok());
    EXPECT_NE(pem->find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
    auto from_der = PrivateKey::from_der(*der);
    auto from_pem = PrivateKey::from_pem(*pem);
    ASSERT_TRUE(from_der.is_ok()) << from_der.status().to_string();
    ASSERT_TRUE(from_pem.is_ok()) << from_pem.status().to_string();
    EXPECT_EQ(*from_der->public_key().to_der(), *key->public_key().to_der());
    EXPECT_EQ(*from_pem->public_key().to_der(), *key->public_key().to_der());
  }
  // A reloaded key still signs for the original public key.
  auto reloaded = PrivateKey::from_der(*p256_->to_der());
  const Bytes message = to_bytes("m");
  EXPECT_TRUE(p256_->public_key().verify(message, *reloaded->sign(message)).is_ok());
}

TEST_F(Keys, MalformedEncodingsRejected) {
  Bytes der = *p256_->public_key().to_der();
  EXPECT_EQ(PublicKey::from_der({}).status().code(), ErrorCode::decode_error);
  EXPECT_EQ(PublicKey::from_der(Bytes(der.begin(), der.end() - 1)).status().code(), ErrorCode::decode_error);
  Bytes trailing = der;
  trailing.push_back(0);
  EXPECT_EQ(PublicKey::from_der(trailing).status().code(), ErrorCode::decode_error);
  EXPECT_EQ(PublicKey::from_pem("-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n")
                .status()
                .code(),
            ErrorCode::decode_error);
  EXPECT_FALSE(PublicKey::from_pem("").is_ok());

  SecretBytes private_der = *p256_->to_der();
  EXPECT_EQ(PrivateKey::from_der(private_der.view().first(private_der.size() - 3)).status().code(),
            ErrorCode::decode_error);
  EXPECT_EQ(PrivateKey::from_der(der).status().code(), ErrorCode::decode_error) << "SPKI is not PKCS#8";
  EXPECT_FALSE(PrivateKey::from_pem("garbage").is_ok());
  auto status = PrivateKey::from_pem(*p256_->public_key().to_pem()).status();
  EXPECT_EQ(status.code(), ErrorCode::decode_error);
  EXPECT_FALSE(status.message().empty());
}

TEST_F(Keys, EncryptedPrivateKeyPemFailsWithoutPrompting) {
  BIO* bio = BIO_new(BIO_s_mem());
  ASSERT_NE(bio, nullptr);
  char passphrase[] = "passphrase";
  ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(bio, p256_->get(), EVP_aes_256_cbc(), passphrase,
                                          sizeof(passphrase) - 1, nullptr, nullptr),
            1);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  EXPECT_EQ(PrivateKey::from_pem(pem).status().code(), ErrorCode::decode_error);
}

TEST(EmptyKeys, ReportErrors) {
  PublicKey empty_public;
  PrivateKey empty_private;
  EXPECT_FALSE(empty_public.to_der().is_ok());
  EXPECT_FALSE(empty_public.to_pem().is_ok());
  EXPECT_FALSE(empty_public.type().is_ok());
  EXPECT_FALSE(empty_public.verify({}, {}).is_ok());
  EXPECT_FALSE(empty_public.clone().valid());
  EXPECT_FALSE(empty_private.to_der().is_ok());
  EXPECT_FALSE(empty_private.sign({}).is_ok());
  EXPECT_FALSE(empty_private.public_key().valid());
}

}  // namespace
}  // namespace cloister::crypto
