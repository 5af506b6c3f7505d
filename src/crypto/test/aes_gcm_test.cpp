#include "crypto/aes_gcm.h"

#include <gtest/gtest.h>

#include "crypto/test/test_util.h"

namespace cloister::crypto {
namespace {

using testing::hex;

struct GcmVector {
  const char* name;
  const char* key;
  const char* iv;
  const char* plaintext;
  const char* aad;
  const char* ciphertext;
  const char* tag;
};

constexpr const char* kKey15 = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
constexpr const char* kIv15 = "cafebabefacedbaddecaf888";

// McGrew and Viega, "The Galois/Counter Mode of Operation", test cases 13-16
// (256-bit keys, 96-bit IVs), as in NIST's gcmEncryptExtIV256 set.
const GcmVector kVectors[] = {
    {"case 13", "0000000000000000000000000000000000000000000000000000000000000000",
     "000000000000000000000000", "", "", "", "530f8afbc74536b9a963b4f1c4cb738b"},
    {"case 14", "0000000000000000000000000000000000000000000000000000000000000000",
     "000000000000000000000000", "00000000000000000000000000000000", "", "cea7403d4d606b6e074ec5d3baf39d18",
     "d0d1c8a799996bf0265b98b5d48ab919"},
    {"case 15", kKey15, kIv15,
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf"
     "5aa0de65"
     "7ba637b391aafd255",
     "",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6"
     "393ba7a0"
     "abcc9f662898015ad",
     "b094dac5d93471bdec1a502270e3cc6c"},
    {"case 16", kKey15, kIv15,
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf"
     "5aa0de65"
     "7ba637b39",
     "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6"
     "393ba7a0"
     "abcc9f662",
     "76fc6ece0f4e1768cddf8853bb2d551b"},
};

Bytes concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(AesGcm, McGrewViegaVectorsEncrypt) {
  for (const GcmVector& v : kVectors) {
    auto sealed = aes_gcm_encrypt(hex(v.key), hex(v.iv), hex(v.aad), hex(v.plaintext));
    ASSERT_TRUE(sealed.is_ok()) << v.name << ": " << sealed.status().to_string();
    EXPECT_EQ(*sealed, concat(hex(v.ciphertext), hex(v.tag))) << v.name;
  }
}

TEST(AesGcm, McGrewViegaVectorsDecrypt) {
  for (const GcmVector& v : kVectors) {
    auto opened = aes_gcm_decrypt(hex(v.key), hex(v.iv), hex(v.aad), concat(hex(v.ciphertext), hex(v.tag)));
    ASSERT_TRUE(opened.is_ok()) << v.name << ": " << opened.status().to_string();
    EXPECT_EQ(Bytes(opened->view().begin(), opened->view().end()), hex(v.plaintext)) << v.name;
  }
}

class AesGcmTamper : public ::testing::Test {
 protected:
  const GcmVector& v = kVectors[3];  // has plaintext and AAD
  Bytes key = hex(v.key);
  Bytes iv = hex(v.iv);
  Bytes aad = hex(v.aad);
  Bytes sealed = concat(hex(v.ciphertext), hex(v.tag));

  void expect_rejected(ByteView tampered_aad, ByteView tampered_sealed, const char* what) {
    auto opened = aes_gcm_decrypt(key, iv, tampered_aad, tampered_sealed);
    ASSERT_FALSE(opened.is_ok()) << what;
    EXPECT_EQ(opened.status().code(), ErrorCode::crypto_error) << what;
    EXPECT_EQ(opened.status().message(), "authentication tag mismatch") << what;
  }
};

TEST_F(AesGcmTamper, FlippedTagBitFails) {
  sealed.back() ^= 0x01;
  expect_rejected(aad, sealed, "tag");
}

TEST_F(AesGcmTamper, FlippedCiphertextBitFails) {
  sealed.front() ^= 0x80;
  expect_rejected(aad, sealed, "ciphertext");
}

TEST_F(AesGcmTamper, ChangedAadFails) {
  aad[5] ^= 0x10;
  expect_rejected(aad, sealed, "aad");
  expect_rejected({}, sealed, "missing aad");
}

TEST_F(AesGcmTamper, WrongIvFails) {
  iv[0] ^= 0x01;
  expect_rejected(aad, sealed, "iv");
}

TEST(AesGcm, RejectsBadSizes) {
  const Bytes key(32, 1);
  const Bytes iv(12, 2);
  EXPECT_EQ(aes_gcm_encrypt(Bytes(16, 1), iv, {}, {}).status().code(), ErrorCode::invalid_argument);
  EXPECT_EQ(aes_gcm_encrypt(key, Bytes(16, 2), {}, {}).status().code(), ErrorCode::invalid_argument);
  EXPECT_EQ(aes_gcm_decrypt(key, iv, {}, Bytes(15, 0)).status().code(), ErrorCode::crypto_error);
  EXPECT_EQ(aes_gcm_decrypt(key, iv, {}, {}).status().code(), ErrorCode::crypto_error);
}

TEST(AesGcm, RoundTripsLargerMessage) {
  const Bytes key(32, 7);
  const Bytes iv(12, 9);
  Bytes message(100'000);
  for (std::size_t i = 0; i < message.size(); ++i) message[i] = static_cast<std::uint8_t>(i * 31);
  auto sealed = aes_gcm_encrypt(key, iv, as_bytes("header"), message);
  ASSERT_TRUE(sealed.is_ok());
  ASSERT_EQ(sealed->size(), message.size() + kAesGcmTagSize);
  auto opened = aes_gcm_decrypt(key, iv, as_bytes("header"), *sealed);
  ASSERT_TRUE(opened.is_ok());
  EXPECT_EQ(Bytes(opened->view().begin(), opened->view().end()), message);
}

}  // namespace
}  // namespace cloister::crypto
