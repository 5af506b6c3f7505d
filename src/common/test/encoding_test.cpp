#include "common/encoding.h"

#include <gtest/gtest.h>

namespace cloister {
namespace {

TEST(Hex, RoundTripsAndRejectsBadDigits) {
  Bytes data = {0x00, 0x7f, 0x80, 0xff};
  EXPECT_EQ(to_hex(data), "007f80ff");
  EXPECT_EQ(*from_hex("007F80ff"), data);
  EXPECT_FALSE(from_hex("abc").is_ok());
  EXPECT_FALSE(from_hex("zz").is_ok());
}

// RFC 4648 section 10 test vectors.
TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (auto [plain, encoded] : vectors) {
    EXPECT_EQ(to_base64(as_bytes(plain)), encoded);
    auto decoded = from_base64(encoded);
    ASSERT_TRUE(decoded.is_ok()) << encoded;
    EXPECT_EQ(to_string(*decoded), plain);
  }
}

TEST(Base64, RejectsMalformedText) {
  EXPECT_FALSE(from_base64("Zg=").is_ok());
  EXPECT_FALSE(from_base64("Z===").is_ok());
  EXPECT_FALSE(from_base64("Zm9v!").is_ok());
  EXPECT_FALSE(from_base64("Zh==").is_ok());  // non-zero trailing bits
}

TEST(Base64, RoundTripsEveryLengthAndNamesABadCharacterAnywhere) {
  Bytes data;
  for (int n = 0; n < 200; ++n) {
    EXPECT_EQ(*from_base64(to_base64(data)), data) << n;
    EXPECT_EQ(*from_base64url(to_base64url(data)), data) << n;
    data.push_back(static_cast<std::uint8_t>(n * 37 + 11));
  }
  std::string text = to_base64(data);
  text[101] = '!';
  EXPECT_EQ(from_base64(text).status().message(), "invalid base64 character at position 101");
  text[101] = '-';  // the URL alphabet's, not this one's
  EXPECT_FALSE(from_base64(text).is_ok());
}

TEST(Base64Url, UsesUrlAlphabetWithoutPadding) {
  Bytes data = {0xfb, 0xff, 0xbf};
  EXPECT_EQ(to_base64url(data), "-_-_");
  EXPECT_EQ(*from_base64url("-_-_"), data);
  EXPECT_EQ(to_base64url(as_bytes("f")), "Zg");
  EXPECT_EQ(to_string(*from_base64url("Zg")), "f");
  EXPECT_EQ(to_string(*from_base64url("Zg==")), "f");
  EXPECT_FALSE(from_base64url("+/+/").is_ok());
}

}  // namespace
}  // namespace cloister
