// wire::ByteStrings: the same bytes on the wire as std::vector<Bytes>, so
// either side may use either, and the same refusals of bad input.
#include <gtest/gtest.h>

#include "cloister/wire.h"

namespace cloister::wire {
namespace {

const std::vector<Bytes> kStrings = {{1, 2, 3}, {}, {0xff}, Bytes(300, 7)};

TEST(ByteStrings, HoldsEachStringInOrder) {
  ByteStrings strings(kStrings);
  ASSERT_EQ(strings.size(), kStrings.size());
  for (std::size_t i = 0; i < kStrings.size(); ++i) {
    EXPECT_EQ(Bytes(strings[i].begin(), strings[i].end()), kStrings[i]) << i;
  }
  EXPECT_EQ(strings.largest(), 300u);
  EXPECT_EQ(strings.total_bytes(), 304u);
  ByteStrings other;
  other.swap(strings);
  EXPECT_TRUE(strings.empty());
  EXPECT_EQ(other.size(), 4u);
  other.clear();
  EXPECT_TRUE(other.empty());
  EXPECT_EQ(other.largest(), 0u);
}

TEST(ByteStrings, EncodesExactlyAsAVectorOfByteStrings) {
  const Bytes encoded = encode(ByteStrings(kStrings));
  EXPECT_EQ(encoded, encode(kStrings));
  auto as_vector = decode<std::vector<Bytes>>(encoded);
  ASSERT_TRUE(as_vector.is_ok());
  EXPECT_EQ(*as_vector, kStrings);
  auto back = decode<ByteStrings>(encode(kStrings));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(*back, ByteStrings(kStrings));
  auto empty = decode<ByteStrings>(encode(std::vector<Bytes>{}));
  ASSERT_TRUE(empty.is_ok());
  EXPECT_TRUE(empty->empty());
}

TEST(ByteStrings, RefusesWhatAVectorOfByteStringsRefuses) {
  const Bytes encoded = encode(kStrings);
  for (std::size_t size = 0; size < encoded.size(); ++size) {
    const ByteView truncated(encoded.data(), size);
    EXPECT_FALSE(decode<ByteStrings>(truncated).is_ok()) << size;
    EXPECT_FALSE(decode<std::vector<Bytes>>(truncated).is_ok()) << size;
  }
  // A count or a length beyond the bytes left, or over the limits.
  EXPECT_FALSE(decode<ByteStrings>(Bytes{0xff, 0xff, 0xff, 0xff}).is_ok());
  EXPECT_FALSE(decode<ByteStrings>(Bytes{1, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 1}).is_ok());
  Limits limits;
  limits.max_elements = 3;
  auto too_many = decode<ByteStrings>(encoded, limits);
  ASSERT_FALSE(too_many.is_ok());
  EXPECT_NE(too_many.status().message().find("exceeds the limit 3"), std::string::npos)
      << too_many.status().message();
  limits = Limits{};
  limits.max_field_bytes = 299;
  EXPECT_FALSE(decode<ByteStrings>(encoded, limits).is_ok());
  Bytes trailing = encoded;
  trailing.push_back(0);
  EXPECT_FALSE(decode<ByteStrings>(trailing).is_ok());
}

}  // namespace
}  // namespace cloister::wire
