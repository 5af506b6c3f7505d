#include "crypto/aes_cbc.h"

#include <gtest/gtest.h>

#include "crypto/keys.h"
#include "crypto/rsa_oaep_sha1.h"
#include "crypto/test/test_util.h"

namespace cloister::crypto {
namespace {

using testing::hex;

// NIST SP 800-38A F.2.5 (CBC-AES256.Encrypt); PKCS#7 then adds one full block.
TEST(AesCbc, Sp800_38aVector) {
  const Bytes key = hex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
  const Bytes iv = hex("000102030405060708090a0b0c0d0e0f");
  const Bytes plaintext =
      hex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
          "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");
  const Bytes expected =
      hex("f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d"
          "39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b");
  auto ciphertext = aes_256_cbc_encrypt(key, iv, plaintext);
  ASSERT_TRUE(ciphertext.is_ok());
  ASSERT_EQ(ciphertext->size(), plaintext.size() + 16);
  EXPECT_EQ(Bytes(ciphertext->begin(), ciphertext->begin() + 64), expected);
  auto back = aes_256_cbc_decrypt(key, iv, *ciphertext);
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(Bytes(back->view().begin(), back->view().end()), plaintext);
}

TEST(AesCbc, PaddingAndSizes) {
  const Bytes key(32, 1);
  const Bytes iv(16, 2);
  for (std::size_t size : {0, 1, 15, 16, 17, 31, 32}) {
    auto ciphertext = aes_256_cbc_encrypt(key, iv, Bytes(size, 7));
    ASSERT_TRUE(ciphertext.is_ok());
    EXPECT_EQ(ciphertext->size(), (size / 16 + 1) * 16) << size;
    EXPECT_EQ(aes_256_cbc_decrypt(key, iv, *ciphertext)->size(), size);
  }
  EXPECT_EQ(aes_256_cbc_encrypt(Bytes(16), iv, {}).status().code(), ErrorCode::invalid_argument);
  EXPECT_EQ(aes_256_cbc_encrypt(key, Bytes(12), {}).status().code(), ErrorCode::invalid_argument);
  EXPECT_EQ(aes_256_cbc_decrypt(key, iv, Bytes(15)).status().code(), ErrorCode::decode_error);
  EXPECT_EQ(aes_256_cbc_decrypt(key, iv, {}).status().code(), ErrorCode::decode_error);
  // A last block that decrypts to bad padding.
  auto ciphertext = aes_256_cbc_encrypt(key, iv, Bytes(16, 7));
  (*ciphertext)[ciphertext->size() - 1] ^= 1;
  auto bad = aes_256_cbc_decrypt(key, iv, *ciphertext);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::crypto_error);
}

TEST(RsaOaepSha1, RoundTripAndNotSha256) {
  auto key = PrivateKey::generate(KeyType::rsa, 2048);
  ASSERT_TRUE(key.is_ok());
  const Bytes secret(32, 0x42);
  auto ciphertext = rsa_oaep_sha1_encrypt(key->public_key(), secret);
  ASSERT_TRUE(ciphertext.is_ok());
  EXPECT_EQ(ciphertext->size(), 256u);
  auto back = rsa_oaep_sha1_decrypt(*key, *ciphertext);
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(Bytes(back->view().begin(), back->view().end()), secret);
  // The hashes are part of OAEP: SHA-256 OAEP does not open it.
  EXPECT_FALSE(key->rsa_oaep_decrypt(*ciphertext, HashAlgorithm::sha256).is_ok());
  auto sha256 = key->public_key().rsa_oaep_encrypt(secret, HashAlgorithm::sha256);
  EXPECT_FALSE(rsa_oaep_sha1_decrypt(*key, *sha256).is_ok());
  auto ec = PrivateKey::generate(KeyType::ec_p256);
  EXPECT_EQ(rsa_oaep_sha1_encrypt(ec->public_key(), secret).status().code(), ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace cloister::crypto
