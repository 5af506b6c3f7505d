#include "sql/sort_key.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace cloister::sql {
namespace {

Bytes plaintext_of(SqlType type, const SqlValue& value) {
  Result<SecretBytes> serialized = serialize_plaintext(type, value);
  EXPECT_TRUE(serialized.is_ok()) << serialized.status().to_string();
  if (!serialized.is_ok()) return {};
  const ByteView view = serialized->view();
  return {view.begin(), view.end()};
}

Bytes key_of(SqlType type, ByteView plaintext) {
  Bytes key(sort_key_capacity(type, plaintext.size()));
  Result<std::size_t> size = write_sort_key(type, plaintext, key);
  EXPECT_TRUE(size.is_ok()) << size.status().to_string();
  key.resize(size.is_ok() ? *size : 0);
  return key;
}

int compare_keys(const Bytes& a, const Bytes& b) {
  const bool less = std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
  const bool greater = std::lexicographical_compare(b.begin(), b.end(), a.begin(), a.end());
  return less ? -1 : (greater ? 1 : 0);
}

// Every pair of `values` compares by key exactly as compare_plaintext compares them.
void expect_order_kept(SqlType type, const std::vector<SqlValue>& values) {
  std::vector<Bytes> plaintexts;
  std::vector<Bytes> keys;
  for (const SqlValue& value : values) {
    plaintexts.push_back(plaintext_of(type, value));
    keys.push_back(key_of(type, plaintexts.back()));
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    for (std::size_t j = 0; j < values.size(); ++j) {
      Result<int> expected = compare_plaintext(type, plaintexts[i], plaintexts[j]);
      ASSERT_TRUE(expected.is_ok());
      ASSERT_EQ(compare_keys(keys[i], keys[j]), *expected)
          << to_string(type) << " values " << i << " and " << j;
    }
  }
}

TEST(SortKey, IntegersKeepTheirOrderAcrossTheSign) {
  std::vector<SqlValue> values{std::int64_t{0},
                               std::int64_t{1},
                               std::int64_t{-1},
                               std::int64_t{255},
                               std::int64_t{256},
                               std::int64_t{-256},
                               std::int64_t{std::numeric_limits<std::int32_t>::min()},
                               std::int64_t{std::numeric_limits<std::int32_t>::max()}};
  std::mt19937_64 random(7);
  for (int i = 0; i < 60; ++i)
    values.emplace_back(static_cast<std::int64_t>(static_cast<std::int32_t>(random())));
  expect_order_kept(SqlType::int32, values);
  values.emplace_back(std::numeric_limits<std::int64_t>::min());
  values.emplace_back(std::numeric_limits<std::int64_t>::max());
  for (int i = 0; i < 60; ++i) values.emplace_back(static_cast<std::int64_t>(random()));
  expect_order_kept(SqlType::int64, values);
}

TEST(SortKey, FloatsKeepIeeeOrderAndNegativeZeroEqualsZero) {
  std::vector<SqlValue> values{0.0,
                               -0.0,
                               1.0,
                               -1.0,
                               0.5,
                               -0.5,
                               1e-300,
                               -1e-300,
                               std::numeric_limits<double>::denorm_min(),
                               -std::numeric_limits<double>::denorm_min(),
                               std::numeric_limits<double>::max(),
                               std::numeric_limits<double>::lowest()};
  std::mt19937_64 random(11);
  std::uniform_real_distribution<double> spread(-1e6, 1e6);
  for (int i = 0; i < 60; ++i) values.emplace_back(spread(random));
  expect_order_kept(SqlType::float64, values);
  EXPECT_EQ(key_of(SqlType::float64, plaintext_of(SqlType::float64, -0.0)),
            key_of(SqlType::float64, plaintext_of(SqlType::float64, 0.0)));
}

TEST(SortKey, StringsKeepCodePointOrderIncludingPrefixesAndSurrogates) {
  // U+FF5E sorts below U+1F600 by code point, though its UTF-16 unit is larger
  // than the surrogate 0xD83D: a key in UTF-16 units would get this wrong.
  const std::vector<SqlValue> values{std::string(""),
                                     std::string("a"),
                                     std::string("a\x01"),
                                     std::string("ab"),
                                     std::string("b"),
                                     std::string("\xef\xbd\x9e"),
                                     std::string("\xf0\x9f\x98\x80"),
                                     std::string("\xc3\xa9t\xc3\xa9"),
                                     std::string("Z"),
                                     std::string("123-45-6789")};
  expect_order_kept(SqlType::varchar, values);
  expect_order_kept(SqlType::nvarchar, values);
  std::vector<SqlValue> blobs;
  for (const SqlValue& value : values) {
    const auto& text = std::get<std::string>(value);
    blobs.emplace_back(Bytes(text.begin(), text.end()));
  }
  blobs.emplace_back(Bytes{0x00});
  blobs.emplace_back(Bytes{0x00, 0x00});
  expect_order_kept(SqlType::varbinary, blobs);
}

TEST(SortKey, RefusesWhatIsNotAValueOfTheType) {
  Bytes out(64);
  EXPECT_EQ(write_sort_key(SqlType::int32, Bytes{1, 2, 3}, out).status().code(), ErrorCode::decode_error);
  EXPECT_EQ(write_sort_key(SqlType::int64, Bytes{1, 2, 3, 4}, out).status().code(), ErrorCode::decode_error);
  const Bytes nan = plaintext_of(SqlType::int64, std::int64_t{0x7ff8000000000000});
  EXPECT_EQ(write_sort_key(SqlType::float64, nan, out).status().code(), ErrorCode::decode_error);
  EXPECT_EQ(write_sort_key(SqlType::nvarchar, Bytes{0x3d, 0xd8}, out).status().code(),
            ErrorCode::decode_error);  // an unpaired high surrogate
  EXPECT_EQ(write_sort_key(SqlType::nvarchar, Bytes{0x41}, out).status().code(), ErrorCode::decode_error);
  Bytes small(2);
  EXPECT_FALSE(write_sort_key(SqlType::int32, Bytes{1, 2, 3, 4}, small).is_ok());
}

}  // namespace
}  // namespace cloister::sql
