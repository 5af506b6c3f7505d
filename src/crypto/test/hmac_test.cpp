#include "crypto/hmac.h"

#include <gtest/gtest.h>

#include "crypto/test/test_util.h"

namespace cloister::crypto {
namespace {

using testing::hex;
using testing::repeated;

struct HmacVector {
  const char* name;
  Bytes key;
  Bytes data;
  const char* sha256;
};

// RFC 4231 section 4; test case 5 (truncated output) does not apply.
TEST(Hmac, Rfc4231Sha256) {
  const HmacVector vectors[] = {
      {"case 1", repeated(0x0b, 20), to_bytes("Hi There"),
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"case 2", to_bytes("Jefe"), to_bytes("what do ya want for nothing?"),
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {"case 3", repeated(0xaa, 20), repeated(0xdd, 50),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {"case 4", hex("0102030405060708090a0b0c0d0e0f10111213141516171819"), repeated(0xcd, 50),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      {"case 6", repeated(0xaa, 131), to_bytes("Test Using Larger Than Block-Size Key - Hash Key First"),
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {"case 7", repeated(0xaa, 131),
       to_bytes(
           "This is a test using a larger than block-size key and a larger than block-size data. The key "
           "needs to be hashed before being used by the HMAC algorithm."),
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
  for (const HmacVector& vector : vectors) {
    EXPECT_EQ(hmac_sha256(vector.key, vector.data), hex(vector.sha256)) << vector.name;
  }
}

TEST(Hmac, Rfc4231Case2Sha384) {
  EXPECT_EQ(hmac(HashAlgorithm::sha384, to_bytes("Jefe"), to_bytes("what do ya want for nothing?")),
            hex("af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
                "8e2240ca5e69e2c78b3239ecfab21649"));
}

TEST(Hmac, EmptyKeyAndMessage) {
  // HMAC-SHA256 with an empty key over an empty message, a widely published value.
  EXPECT_EQ(hmac_sha256({}, {}), hex("b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"));
}

struct HkdfVector {
  const char* name;
  Bytes ikm;
  Bytes salt;
  Bytes info;
  std::size_t length;
  const char* okm;
};

Bytes counting(std::uint8_t from, std::size_t count) {
  Bytes out(count);
  for (std::size_t i = 0; i < count; ++i) out[i] = static_cast<std::uint8_t>(from + i);
  return out;
}

// RFC 5869 appendix A.1 to A.3 (SHA-256).
TEST(Hkdf, Rfc5869Sha256) {
  const HkdfVector vectors[] = {
      {"case 1", repeated(0x0b, 22), counting(0x00, 13), counting(0xf0, 10), 42,
       "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"},
      {"case 2", counting(0x00, 80), counting(0x60, 80), counting(0xb0, 80), 82,
       "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
       "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
       "cc30c58179ec3e87c14c01d5c1f3434f1d87"},
      {"case 3",
       repeated(0x0b, 22),
       {},
       {},
       42,
       "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"},
  };
  for (const HkdfVector& vector : vectors) {
    auto okm = hkdf(HashAlgorithm::sha256, vector.ikm, vector.salt, vector.info, vector.length);
    ASSERT_TRUE(okm.is_ok()) << vector.name << ": " << okm.status().to_string();
    EXPECT_EQ(Bytes(okm->view().begin(), okm->view().end()), hex(vector.okm)) << vector.name;
  }
}

TEST(Hkdf, RejectsImpossibleLengths) {
  const Bytes ikm = repeated(0x0b, 22);
  auto zero = hkdf(HashAlgorithm::sha256, ikm, {}, {}, 0);
  EXPECT_EQ(zero.status().code(), ErrorCode::invalid_argument);
  auto too_long = hkdf(HashAlgorithm::sha256, ikm, {}, {}, 255 * 32 + 1);
  EXPECT_EQ(too_long.status().code(), ErrorCode::invalid_argument);
  auto longest = hkdf(HashAlgorithm::sha384, ikm, {}, {}, 255 * 48);
  ASSERT_TRUE(longest.is_ok()) << longest.status().to_string();
  EXPECT_EQ(longest->size(), 255u * 48);
}

}  // namespace
}  // namespace cloister::crypto
