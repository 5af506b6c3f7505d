#include "crypto/sha.h"

#include <gtest/gtest.h>

#include <string>

#include "crypto/constant_time.h"
#include "crypto/rng.h"
#include "crypto/test/test_util.h"

namespace cloister::crypto {
namespace {

using testing::hex;

constexpr std::string_view kAbc = "abc";
constexpr std::string_view k448Bits = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

Bytes as_vector(ByteView digest) {
  return Bytes(digest.begin(), digest.end());
}

// FIPS 180-4 examples (NIST CSRC "SHA256.pdf" / "SHA384.pdf").
TEST(Sha256, Fips180Vectors) {
  EXPECT_EQ(as_vector(sha256(as_bytes(kAbc))),
            hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
  EXPECT_EQ(as_vector(sha256(as_bytes(k448Bits))),
            hex("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
  EXPECT_EQ(as_vector(sha256({})), hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
}

TEST(Sha256, OneMillionAs) {
  const std::string million(1'000'000, 'a');
  EXPECT_EQ(as_vector(sha256(as_bytes(million))),
            hex("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
}

TEST(Sha384, Fips180Vectors) {
  EXPECT_EQ(as_vector(sha384(as_bytes(kAbc))),
            hex("cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
                "8086072ba1e7cc2358baeca134c825a7"));
  EXPECT_EQ(as_vector(sha384(as_bytes(k448Bits))),
            hex("3391fdddfc8dc7393707a65b1b4709397cf8b1d162af05abfe8f450de5f36bc6"
                "b0455a8520bc4e6f5fe95b1fe3c8452b"));
}

TEST(Hasher, IncrementalMatchesOneShot) {
  // One million 'a' fed in uneven pieces.
  Hasher hasher(HashAlgorithm::sha256);
  const std::string piece(999, 'a');
  std::size_t fed = 0;
  while (fed + piece.size() <= 1'000'000) {
    hasher.update(as_bytes(piece));
    fed += piece.size();
  }
  hasher.update(as_bytes(std::string(1'000'000 - fed, 'a')));
  EXPECT_EQ(hasher.finish(), hex("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));

  Hasher hasher384(HashAlgorithm::sha384);
  hasher384.update(as_bytes("a")).update(as_bytes("")).update(as_bytes("bc"));
  EXPECT_EQ(hasher384.finish(), as_vector(sha384(as_bytes(kAbc))));
}

TEST(Hasher, MovedHasherKeepsState) {
  Hasher first(HashAlgorithm::sha256);
  first.update(as_bytes("ab"));
  Hasher second(std::move(first));
  second.update(as_bytes("c"));
  EXPECT_EQ(second.finish(), as_vector(sha256(as_bytes(kAbc))));
  EXPECT_TRUE(second.finish().empty()) << "a finished hasher yields nothing more";
}

TEST(DigestSize, MatchesAlgorithms) {
  EXPECT_EQ(digest_size(HashAlgorithm::sha256), 32u);
  EXPECT_EQ(digest_size(HashAlgorithm::sha384), 48u);
}

TEST(ConstantTimeEqual, ComparesContentsAndSizes) {
  const Bytes a = {1, 2, 3, 4};
  const Bytes same = {1, 2, 3, 4};
  const Bytes last_differs = {1, 2, 3, 5};
  const Bytes first_differs = {0, 2, 3, 4};
  const Bytes shorter = {1, 2, 3};
  EXPECT_TRUE(constant_time_equal(a, same));
  EXPECT_FALSE(constant_time_equal(a, last_differs));
  EXPECT_FALSE(constant_time_equal(a, first_differs));
  EXPECT_FALSE(constant_time_equal(a, shorter));
  EXPECT_TRUE(constant_time_equal({}, {}));
  EXPECT_FALSE(constant_time_equal({}, a));
}

TEST(Random, FillsAndDiffers) {
  auto first = random_bytes(32);
  auto second = random_bytes(32);
  ASSERT_TRUE(first.is_ok());
  ASSERT_TRUE(second.is_ok());
  EXPECT_EQ(first->size(), 32u);
  EXPECT_NE(*first, *second);
  EXPECT_NE(*first, Bytes(32, 0));
  auto empty = random_bytes(0);
  ASSERT_TRUE(empty.is_ok());
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace cloister::crypto
