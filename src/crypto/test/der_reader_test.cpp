#include "crypto/der_reader.h"

#include <gtest/gtest.h>

#include "crypto/test/test_util.h"

namespace cloister::crypto::der {
namespace {

using testing::hex;

TEST(DerReader, ReadsNestedSequence) {
  // SEQUENCE { OID 1.2.840.113741.1.13.1, SEQUENCE { INTEGER 5, BOOLEAN TRUE } }
  Bytes input =
      hex("3014060a2a864886f84d010d0101"
          "3006020105"
          "0101ff");
  Reader outer(input);
  auto sequence = outer.expect(kSequence, "outer");
  ASSERT_TRUE(sequence.is_ok()) << sequence.status().to_string();
  EXPECT_TRUE(outer.finish("outer").is_ok());
  auto inner = outer.enter(*sequence);
  ASSERT_TRUE(inner.is_ok());
  auto oid = inner->expect(kOid, "oid");
  ASSERT_TRUE(oid.is_ok());
  EXPECT_EQ(oid_to_string(oid->content).value(), "1.2.840.113741.1.13.1.1");
  auto pair = inner->expect(kSequence, "pair");
  ASSERT_TRUE(pair.is_ok());
  auto pair_reader = inner->enter(*pair);
  ASSERT_TRUE(pair_reader.is_ok());
  auto integer = pair_reader->expect(kInteger, "integer");
  ASSERT_TRUE(integer.is_ok());
  EXPECT_EQ(integer_to_u64(integer->content, 255).value(), 5u);
  EXPECT_EQ(integer->offset, 16u);
  auto boolean = pair_reader->expect(kBoolean, "boolean");
  ASSERT_TRUE(boolean.is_ok());
  EXPECT_TRUE(boolean_value(boolean->content).value());
  EXPECT_TRUE(pair_reader->finish("pair").is_ok());
  EXPECT_TRUE(inner->finish("inner").is_ok());
}

TEST(DerReader, RefusesLengthsPastTheEnd) {
  Bytes input = hex("300a0201");
  Reader reader(input);
  auto tlv = reader.next();
  ASSERT_FALSE(tlv.is_ok());
  EXPECT_NE(tlv.status().message().find("runs past the end"), std::string::npos);
}

TEST(DerReader, RefusesNonMinimalAndIndefiniteLengths) {
  EXPECT_FALSE(Reader(hex("04810100")).next().is_ok());  // 0x81 for a length under 128
  EXPECT_FALSE(Reader(hex("0480")).next().is_ok());      // indefinite
  EXPECT_FALSE(Reader(hex("0485010000000000")).next().is_ok());
  EXPECT_FALSE(Reader(hex("04")).next().is_ok());
  Bytes long_form = hex("048180");
  long_form.resize(long_form.size() + 0x80, 0xaa);
  EXPECT_TRUE(Reader(long_form).next().is_ok());
}

TEST(DerReader, ReportsTrailingBytesAndWrongTags) {
  Bytes input =
      hex("0500"
          "0500");
  Reader reader(input);
  ASSERT_TRUE(reader.expect(kNull, "null").is_ok());
  EXPECT_FALSE(reader.finish("null").is_ok());
  EXPECT_FALSE(reader.expect(kInteger, "integer").is_ok());
}

TEST(DerReader, LimitsNesting) {
  // Build nested empty sequences from the inside out.
  Bytes nested = hex("3000");
  for (int i = 0; i < Reader::kMaxDepth + 1; ++i) {
    Bytes outer = {0x30, static_cast<std::uint8_t>(nested.size())};
    outer.insert(outer.end(), nested.begin(), nested.end());
    nested = outer;
  }
  Reader reader(nested);
  Status status = Status::ok();
  for (int depth = 0; depth <= Reader::kMaxDepth + 1; ++depth) {
    auto tlv = reader.next();
    ASSERT_TRUE(tlv.is_ok());
    auto inner = reader.enter(*tlv);
    if (!inner.is_ok()) {
      status = inner.status();
      break;
    }
    reader = std::move(inner).value();
  }
  EXPECT_NE(status.message().find("nested too deeply"), std::string::npos);
}

TEST(DerReader, DecodesIntegersWithRangeChecks) {
  EXPECT_EQ(integer_to_u64(hex("00"), 0).value(), 0u);
  EXPECT_EQ(integer_to_u64(hex("00ff"), 255).value(), 255u);
  EXPECT_FALSE(integer_to_u64(hex("0100"), 255).is_ok());  // 256 > 255
  EXPECT_FALSE(integer_to_u64(hex("ff"), 255).is_ok());    // negative
  EXPECT_FALSE(integer_to_u64(hex("007f"), 255).is_ok());  // not minimal
  EXPECT_FALSE(integer_to_u64(hex(""), 255).is_ok());
  EXPECT_EQ(integer_to_u64(hex("00ffffffffffffffff"), UINT64_MAX).value(), UINT64_MAX);
  EXPECT_FALSE(integer_to_u64(hex("010000000000000000"), UINT64_MAX).is_ok());
}

TEST(DerReader, DecodesOids) {
  EXPECT_EQ(oid_to_string(hex("2a864886f84d010d01020c")).value(), "1.2.840.113741.1.13.1.2.12");
  EXPECT_EQ(oid_to_string(hex("551d0f")).value(), "2.5.29.15");
  EXPECT_FALSE(oid_to_string(hex("2a86")).is_ok());    // ends mid-arc
  EXPECT_FALSE(oid_to_string(hex("2a8001")).is_ok());  // arc not minimal
  EXPECT_FALSE(oid_to_string(hex("")).is_ok());
  EXPECT_FALSE(oid_to_string(hex("2affffffffffffffffff7f")).is_ok());
}

TEST(DerReader, DecodesBooleans) {
  EXPECT_FALSE(boolean_value(hex("00")).value());
  EXPECT_TRUE(boolean_value(hex("ff")).value());
  EXPECT_FALSE(boolean_value(hex("01")).is_ok());
  EXPECT_FALSE(boolean_value(hex("ff00")).is_ok());
}

}  // namespace
}  // namespace cloister::crypto::der
