#include "sql/enclave/column_sort.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "sql/sort_key.h"

namespace cloister::sql {
namespace {

Bytes plaintext_of(SqlType type, const SqlValue& value) {
  Result<SecretBytes> serialized = serialize_plaintext(type, value);
  EXPECT_TRUE(serialized.is_ok()) << serialized.status().to_string();
  const ByteView view = serialized->view();
  return {view.begin(), view.end()};
}

SortBatch batch_of(SqlType type, std::uint32_t first_row, const std::vector<Bytes>& plaintexts) {
  std::size_t capacity = 0;
  for (const Bytes& p : plaintexts) capacity += sort_key_capacity(type, p.size());
  SortBatch batch(type, capacity);
  for (std::size_t i = 0; i < plaintexts.size(); ++i)
    EXPECT_TRUE(batch.add(first_row + static_cast<std::uint32_t>(i), plaintexts[i]).is_ok());
  return batch;
}

// Ranks agree with compare_plaintext on every pair: equal values share a
// rank, and ranks are dense (0, 1, 2, ... with no gaps).
void expect_ranks_follow_values(SqlType type, const std::vector<Bytes>& plaintexts,
                                const std::vector<std::uint32_t>& ranks) {
  ASSERT_EQ(ranks.size(), plaintexts.size());
  for (std::size_t i = 0; i < plaintexts.size(); ++i) {
    for (std::size_t j = 0; j < plaintexts.size(); ++j) {
      const int expected = *compare_plaintext(type, plaintexts[i], plaintexts[j]);
      const int got = ranks[i] < ranks[j] ? -1 : (ranks[i] > ranks[j] ? 1 : 0);
      ASSERT_EQ(got, expected) << "rows " << i << " and " << j;
    }
  }
  std::vector<std::uint32_t> distinct(ranks);
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  EXPECT_EQ(distinct.back() + 1, distinct.size());
}

TEST(ColumnSort, RanksIntegersFromBatchesInAnyOrderWithTiesSharingARank) {
  std::mt19937 random(3);
  std::vector<Bytes> plaintexts;
  for (int i = 0; i < 300; ++i)
    plaintexts.push_back(plaintext_of(SqlType::int32, std::int64_t{static_cast<int>(random() % 50) - 25}));
  ColumnSort sort(1, SqlType::int32);
  // The second batch arrives first, as two batches in flight may.
  ASSERT_TRUE(sort.add(batch_of(SqlType::int32, 150, {plaintexts.begin() + 150, plaintexts.end()})).is_ok());
  ASSERT_TRUE(sort.add(batch_of(SqlType::int32, 0, {plaintexts.begin(), plaintexts.begin() + 150})).is_ok());
  bool last = true;
  auto first = sort.ranks(0, 100, last);
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  EXPECT_FALSE(last);
  auto rest = sort.ranks(100, 200, last);
  ASSERT_TRUE(rest.is_ok());
  EXPECT_TRUE(last);
  std::vector<std::uint32_t> ranks(*first);
  ranks.insert(ranks.end(), rest->begin(), rest->end());
  expect_ranks_follow_values(SqlType::int32, plaintexts, ranks);
}

TEST(ColumnSort, RanksStringsLongerThanTheKeyPrefix) {
  const std::vector<std::string> texts{"123-45-6789", "123-45-6788",  "123-45-678", "",  "123-45-6789",
                                       "abcdefgh",    "abcdefgh\x01", "abcdefghi",  "Z", "\xc3\xa9t\xc3\xa9"};
  for (SqlType type : {SqlType::varchar, SqlType::nvarchar}) {
    std::vector<Bytes> plaintexts;
    for (const auto& text : texts) plaintexts.push_back(plaintext_of(type, text));
    ColumnSort sort(1, type);
    ASSERT_TRUE(sort.add(batch_of(type, 0, plaintexts)).is_ok());
    bool last = false;
    auto ranks = sort.ranks(0, static_cast<std::uint32_t>(texts.size()), last);
    ASSERT_TRUE(ranks.is_ok());
    expect_ranks_follow_values(type, plaintexts, *ranks);
  }
}

// Keys of one length of at most 8 bytes (numbers, codes of equal length) are
// radix-sorted on their prefix: full-range BIGINTs, floats with both zeros,
// and three-letter strings, each against compare_plaintext.
TEST(ColumnSort, RanksKeysThatFitTheirPrefixByRadix) {
  std::mt19937_64 random(11);
  std::vector<std::pair<SqlType, std::vector<Bytes>>> cases(3);
  cases[0].first = SqlType::int64;
  for (std::int64_t extreme :
       {std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(), std::int64_t{0},
        std::int64_t{-1}, std::int64_t{1}})
    cases[0].second.push_back(plaintext_of(SqlType::int64, extreme));
  for (int i = 0; i < 300; ++i) {
    const auto value = static_cast<std::int64_t>(random());
    cases[0].second.push_back(plaintext_of(SqlType::int64, i % 3 == 0 ? value >> 40 : value));
  }
  cases[1].first = SqlType::float64;
  for (double value : {0.0, -0.0, -1.5, 1e300, -1e300, 3.25, 3.25})
    cases[1].second.push_back(plaintext_of(SqlType::float64, value));
  for (int i = 0; i < 200; ++i)
    cases[1].second.push_back(plaintext_of(
        SqlType::float64, static_cast<double>(static_cast<std::int64_t>(random() % 2001) - 1000) / 8));
  cases[2].first = SqlType::varchar;
  for (int i = 0; i < 200; ++i) {
    std::string code(3, 'A');
    for (char& c : code) c = static_cast<char>('A' + random() % 4);
    cases[2].second.push_back(plaintext_of(SqlType::varchar, code));
  }
  for (const auto& [type, plaintexts] : cases) {
    ColumnSort sort(1, type);
    ASSERT_TRUE(sort.add(batch_of(type, 0, plaintexts)).is_ok());
    bool last = false;
    auto ranks = sort.ranks(0, static_cast<std::uint32_t>(plaintexts.size()), last);
    ASSERT_TRUE(ranks.is_ok());
    expect_ranks_follow_values(type, plaintexts, *ranks);
  }
}

TEST(ColumnSort, RowsWithoutAKeyAreUnrankedAndBadRangesAreRefused) {
  ColumnSort sort(1, SqlType::int64);
  SortBatch batch(SqlType::int64, 64);
  ASSERT_TRUE(batch.add(0, plaintext_of(SqlType::int64, std::int64_t{5})).is_ok());
  EXPECT_EQ(batch.add(1, Bytes{1, 2, 3}).code(), ErrorCode::decode_error);  // not a BIGINT: row 1 unranked
  ASSERT_TRUE(batch.add(2, plaintext_of(SqlType::int64, std::int64_t{-5})).is_ok());
  ASSERT_TRUE(sort.add(std::move(batch)).is_ok());
  bool last = false;
  EXPECT_EQ(sort.ranks(2, 5, last).status().code(), ErrorCode::invalid_argument);
  auto ranks = sort.ranks(0, 3, last);
  ASSERT_TRUE(ranks.is_ok());
  EXPECT_EQ(*ranks, (std::vector<std::uint32_t>{1, kUnranked, 0}));
  // Ranked: no more rows.
  EXPECT_EQ(sort.add(batch_of(SqlType::int64, 3, {plaintext_of(SqlType::int64, std::int64_t{1})})).code(),
            ErrorCode::failed_precondition);
  SortBatch beyond(SqlType::int64, 8);
  ASSERT_TRUE(beyond.add(ColumnSort::kMaxRows, plaintext_of(SqlType::int64, std::int64_t{1})).is_ok());
  ColumnSort other(1, SqlType::int64);
  EXPECT_EQ(other.add(std::move(beyond)).code(), ErrorCode::invalid_argument);
}

TEST(ColumnSorts, KeepsTheNewestSortsAndForgetsFinishedOnes) {
  ColumnSorts sorts;
  std::vector<std::uint64_t> ids;
  for (std::size_t i = 0; i <= ColumnSorts::kMaxSorts; ++i) ids.push_back(*sorts.start(1, SqlType::int32));
  EXPECT_EQ(sorts.find(ids.front()).status().code(), ErrorCode::not_found);  // evicted
  ASSERT_TRUE(sorts.find(ids.back()).is_ok());
  sorts.forget(ids.back());
  EXPECT_EQ(sorts.find(ids.back()).status().code(), ErrorCode::not_found);
}

}  // namespace
}  // namespace cloister::sql
