#include "sql/sql_value.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace cloister::sql {
namespace {

Bytes bytes_of(SqlType type, const SqlValue& value) {
  Result<SecretBytes> serialized = serialize_plaintext(type, value);
  EXPECT_TRUE(serialized.is_ok()) << serialized.status().to_string();
  if (!serialized.is_ok()) return {};
  const ByteView view = serialized->view();
  return {view.begin(), view.end()};
}

int compare(SqlType type, const SqlValue& a, const SqlValue& b) {
  Result<int> result = compare_plaintext(type, bytes_of(type, a), bytes_of(type, b));
  EXPECT_TRUE(result.is_ok()) << result.status().to_string();
  return result.is_ok() ? *result : 99;
}

bool like(SqlType type, const std::string& value, const std::string& pattern) {
  Result<bool> result = like_plaintext(type, bytes_of(type, value), bytes_of(type, pattern));
  EXPECT_TRUE(result.is_ok()) << result.status().to_string();
  return result.is_ok() && *result;
}

TEST(SqlType, ParsesDeclaredTypesAndNames) {
  EXPECT_EQ(*parse_sql_type("INT"), SqlType::int32);
  EXPECT_EQ(*parse_sql_type(" integer "), SqlType::int32);
  EXPECT_EQ(*parse_sql_type("BigInt"), SqlType::int64);
  EXPECT_EQ(*parse_sql_type("float"), SqlType::float64);
  EXPECT_EQ(*parse_sql_type("DOUBLE"), SqlType::float64);
  EXPECT_EQ(*parse_sql_type("REAL"), SqlType::float64);
  EXPECT_EQ(*parse_sql_type("VARCHAR(11)"), SqlType::varchar);
  EXPECT_EQ(*parse_sql_type("char (11)"), SqlType::varchar);
  EXPECT_EQ(*parse_sql_type("TEXT"), SqlType::varchar);
  EXPECT_EQ(*parse_sql_type("NVARCHAR(max)"), SqlType::nvarchar);
  EXPECT_EQ(*parse_sql_type("nchar(2)"), SqlType::nvarchar);
  EXPECT_EQ(*parse_sql_type("VARBINARY(16)"), SqlType::varbinary);
  EXPECT_EQ(*parse_sql_type("binary"), SqlType::varbinary);
  EXPECT_EQ(*parse_sql_type("BLOB"), SqlType::varbinary);
  for (const char* bad : {"", "DATE", "VARCHAR(", "VARCHAR(x)", "INT(3", "VARCHAR(11) NOT NULL", "(4)"}) {
    Result<SqlType> refused = parse_sql_type(bad);
    ASSERT_FALSE(refused.is_ok()) << bad;
    EXPECT_EQ(refused.status().code(), ErrorCode::invalid_argument);
    EXPECT_NE(refused.status().message().find("NVARCHAR"), std::string::npos) << "names the supported types";
  }
  for (SqlType type : {SqlType::int32, SqlType::int64, SqlType::float64, SqlType::varchar, SqlType::nvarchar,
                       SqlType::varbinary}) {
    EXPECT_EQ(*sql_type_from_name(to_string(type)), type);
  }
  EXPECT_EQ(to_string(SqlType::int32), "int");
  EXPECT_EQ(to_string(SqlType::nvarchar), "nvarchar");
  EXPECT_FALSE(sql_type_from_name("INTEGER").is_ok());
}

TEST(SqlValue, SerializesExactlyAsSqlServer) {
  EXPECT_EQ(bytes_of(SqlType::int32, std::int64_t{1}), (Bytes{1, 0, 0, 0}));
  EXPECT_EQ(bytes_of(SqlType::int32, std::int64_t{-2}), (Bytes{0xfe, 0xff, 0xff, 0xff}));
  EXPECT_EQ(bytes_of(SqlType::int32, std::int64_t{50000}), (Bytes{0x50, 0xc3, 0, 0}));
  EXPECT_EQ(bytes_of(SqlType::int64, std::int64_t{0x0102030405060708}), (Bytes{8, 7, 6, 5, 4, 3, 2, 1}));
  EXPECT_EQ(bytes_of(SqlType::int64, std::int64_t{-1}), Bytes(8, 0xff));
  EXPECT_EQ(bytes_of(SqlType::float64, 1.0), (Bytes{0, 0, 0, 0, 0, 0, 0xf0, 0x3f}));
  EXPECT_EQ(bytes_of(SqlType::float64, -2.5), (Bytes{0, 0, 0, 0, 0, 0, 0x04, 0xc0}));
  EXPECT_EQ(bytes_of(SqlType::float64, std::int64_t{1}), (Bytes{0, 0, 0, 0, 0, 0, 0xf0, 0x3f}));
  EXPECT_EQ(bytes_of(SqlType::varchar, std::string("abc")), (Bytes{'a', 'b', 'c'}));
  EXPECT_EQ(bytes_of(SqlType::varchar, std::string("")), Bytes{});
  EXPECT_EQ(bytes_of(SqlType::nvarchar, std::string("a\xc3\xa9")), (Bytes{'a', 0, 0xe9, 0}));
  EXPECT_EQ(bytes_of(SqlType::nvarchar, std::string("\xf0\x9f\x98\x80")), (Bytes{0x3d, 0xd8, 0x00, 0xde}));
  EXPECT_EQ(bytes_of(SqlType::varbinary, Bytes{0, 1, 0xff}), (Bytes{0, 1, 0xff}));
}

TEST(SqlValue, RoundTrips) {
  const std::vector<std::pair<SqlType, SqlValue>> values = {
      {SqlType::int32, std::int64_t{0}},
      {SqlType::int32, std::int64_t{std::numeric_limits<std::int32_t>::min()}},
      {SqlType::int32, std::int64_t{std::numeric_limits<std::int32_t>::max()}},
      {SqlType::int64, std::numeric_limits<std::int64_t>::min()},
      {SqlType::int64, std::numeric_limits<std::int64_t>::max()},
      {SqlType::float64, 3.141592653589793},
      {SqlType::float64, -1e300},
      {SqlType::varchar, std::string("123-45-6789")},
      {SqlType::varchar, std::string("\xff\xfe not UTF-8 is kept")},
      {SqlType::nvarchar, std::string("Ren\xc3\xa9\xf0\x9f\x98\x80")},
      {SqlType::nvarchar, std::string("")},
      {SqlType::varbinary, Bytes{}},
      {SqlType::varbinary, Bytes{1, 2, 3, 0}},
  };
  for (const auto& [type, value] : values) {
    const Bytes plaintext = bytes_of(type, value);
    Result<SqlValue> back = deserialize_plaintext(type, plaintext);
    ASSERT_TRUE(back.is_ok()) << to_string(type) << ": " << back.status().to_string();
    EXPECT_EQ(*back, value) << to_string(type);
  }
}

TEST(SqlValue, RefusesValuesThatDoNotFitTheColumn) {
  struct Case {
    SqlType type;
    SqlValue value;
  };
  const std::vector<Case> cases = {
      {SqlType::int32, SqlNull{}},
      {SqlType::int32, std::int64_t{std::numeric_limits<std::int32_t>::max()} + 1},
      {SqlType::int32, std::int64_t{std::numeric_limits<std::int32_t>::min()} - 1},
      {SqlType::int32, std::string("5")},
      {SqlType::int32, 5.0},
      {SqlType::int64, std::string("5")},
      {SqlType::float64, std::string("1.5")},
      {SqlType::float64, std::numeric_limits<double>::quiet_NaN()},
      {SqlType::float64, std::numeric_limits<double>::infinity()},
      {SqlType::float64, std::int64_t{(std::int64_t{1} << 53) + 1}},
      {SqlType::varchar, std::int64_t{5}},
      {SqlType::varchar, Bytes{1}},
      {SqlType::nvarchar, std::string("\xc3")},
      {SqlType::nvarchar, std::string("\xed\xa0\x80")},  // a surrogate in UTF-8
      {SqlType::varbinary, std::string("text")},
      {static_cast<SqlType>(99), std::int64_t{1}},
  };
  for (const Case& c : cases) {
    Result<SecretBytes> refused = serialize_plaintext(c.type, c.value);
    ASSERT_FALSE(refused.is_ok()) << to_string(c.type) << " index " << c.value.index();
    EXPECT_EQ(refused.status().code(), ErrorCode::invalid_argument);
  }
  EXPECT_NE(serialize_plaintext(SqlType::int32, SqlNull{}).status().message().find("NULL"),
            std::string::npos);
}

TEST(SqlValue, RefusesMalformedPlaintexts) {
  const Bytes three(3, 0);
  const Bytes nine(9, 0);
  EXPECT_EQ(deserialize_plaintext(SqlType::int32, three).status().code(), ErrorCode::decode_error);
  EXPECT_EQ(deserialize_plaintext(SqlType::int32, Bytes(8, 0)).status().code(), ErrorCode::decode_error);
  EXPECT_EQ(deserialize_plaintext(SqlType::int64, nine).status().code(), ErrorCode::decode_error);
  EXPECT_EQ(deserialize_plaintext(SqlType::float64, three).status().code(), ErrorCode::decode_error);
  const Bytes nan = {0, 0, 0, 0, 0, 0, 0xf8, 0x7f};
  EXPECT_EQ(deserialize_plaintext(SqlType::float64, nan).status().code(), ErrorCode::decode_error);
  EXPECT_EQ(deserialize_plaintext(SqlType::nvarchar, Bytes{'a'}).status().code(), ErrorCode::decode_error);
  EXPECT_EQ(deserialize_plaintext(SqlType::nvarchar, Bytes{0x3d, 0xd8}).status().code(),
            ErrorCode::decode_error);
  EXPECT_EQ(deserialize_plaintext(SqlType::nvarchar, Bytes{0x00, 0xde, 'a', 0}).status().code(),
            ErrorCode::decode_error);

  EXPECT_FALSE(compare_plaintext(SqlType::int32, three, Bytes(4, 0)).is_ok());
  EXPECT_FALSE(compare_plaintext(SqlType::int64, Bytes(8, 0), nine).is_ok());
  EXPECT_FALSE(compare_plaintext(SqlType::float64, nan, nan).is_ok());
  EXPECT_FALSE(compare_plaintext(SqlType::nvarchar, Bytes{'a', 0}, Bytes{'a', 0, 0x3d, 0xd8}).is_ok());
  EXPECT_FALSE(compare_plaintext(SqlType::nvarchar, Bytes{'a'}, Bytes{'a', 0}).is_ok());
  EXPECT_FALSE(compare_plaintext(static_cast<SqlType>(0), Bytes{}, Bytes{}).is_ok());
  EXPECT_FALSE(like_plaintext(SqlType::nvarchar, Bytes{'a'}, Bytes{'%', 0}).is_ok());
}

TEST(SqlValue, NumbersCompareNumerically) {
  const std::vector<std::int64_t> ints = {
      std::numeric_limits<std::int32_t>::min(), -70000, -256, -1, 0, 1, 255, 256, 65536,
      std::numeric_limits<std::int32_t>::max()};
  for (std::size_t i = 0; i < ints.size(); ++i) {
    for (std::size_t j = 0; j < ints.size(); ++j) {
      const int expected = i < j ? -1 : (i > j ? 1 : 0);
      EXPECT_EQ(compare(SqlType::int32, ints[i], ints[j]), expected) << ints[i] << " vs " << ints[j];
      EXPECT_EQ(compare(SqlType::int64, ints[i], ints[j]), expected) << ints[i] << " vs " << ints[j];
    }
  }
  EXPECT_EQ(compare(SqlType::int64, std::numeric_limits<std::int64_t>::min(), std::int64_t{0}), -1);
  EXPECT_EQ(compare(SqlType::int64, std::int64_t{1} << 40, std::int64_t{1} << 39), 1);
  const std::vector<double> floats = {-1e300, -2.5, -1.0, -1e-300, 0.0, 1e-300, 0.5, 1.0, 2.0, 1e300};
  for (std::size_t i = 0; i < floats.size(); ++i) {
    for (std::size_t j = 0; j < floats.size(); ++j) {
      const int expected = i < j ? -1 : (i > j ? 1 : 0);
      EXPECT_EQ(compare(SqlType::float64, floats[i], floats[j]), expected)
          << floats[i] << " vs " << floats[j];
    }
  }
  EXPECT_EQ(compare(SqlType::float64, -0.0, 0.0), 0);
}

// SQLite's BINARY collation: memcmp over the common length, then the shorter first.
int sqlite_binary(const std::string& a, const std::string& b) {
  const int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  if (c != 0) return c < 0 ? -1 : 1;
  return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
}

TEST(SqlValue, StringsCompareInCodePointOrderAsSqliteBinary) {
  const std::vector<std::string> strings = {"",
                                            "A",
                                            "Z",
                                            "a",
                                            "ab",
                                            "abc",
                                            "b",
                                            "\x7f",
                                            "\xc3\xa9" /* é */,
                                            "\xef\xbf\xbd" /* U+FFFD */,
                                            "\xee\x80\x80" /* U+E000 */,
                                            "\xf0\x9f\x98\x80" /* U+1F600 */,
                                            "a\xf0\x9f\x98\x80",
                                            "a\xef\xbf\xbd"};
  for (const std::string& a : strings) {
    for (const std::string& b : strings) {
      const int expected = sqlite_binary(a, b);
      EXPECT_EQ(compare(SqlType::varchar, a, b), expected) << a << " vs " << b;
      // UTF-16 code units would put U+1F600 (D83D DE00) before U+E000 and
      // U+FFFD; code point order does not.
      EXPECT_EQ(compare(SqlType::nvarchar, a, b), expected) << a << " vs " << b << " as nvarchar";
    }
  }
  EXPECT_EQ(compare(SqlType::varbinary, Bytes{1, 2}, Bytes{1, 2, 0}), -1);
  EXPECT_EQ(compare(SqlType::varbinary, Bytes{0xff}, Bytes{1, 2, 0}), 1);
  EXPECT_EQ(compare(SqlType::varbinary, Bytes{}, Bytes{}), 0);
}

TEST(SqlValue, LikeMatchesPercentAndUnderscore) {
  struct Case {
    const char* value;
    const char* pattern;
    bool matches;
  };
  const std::vector<Case> cases = {
      {"", "", true},
      {"", "%", true},
      {"", "_", false},
      {"a", "", false},
      {"abc", "abc", true},
      {"abc", "ABC", false},  // case-sensitive
      {"abc", "a%", true},
      {"abc", "%c", true},
      {"abc", "%b%", true},
      {"abc", "%%%", true},
      {"abc", "a_c", true},
      {"abc", "a__c", false},
      {"abc", "___", true},
      {"abc", "____", false},
      {"abc", "%d%", false},
      {"123-45-6789", "%-45-%", true},
      {"123-45-6789", "___-__-6789", true},
      {"123-45-6789", "___-__-678", false},
      {"aaab", "%ab", true},
      {"abab", "%ab%ab", true},
      {"mississippi", "%iss%ppi", true},
      {"mississippi", "m%iss%ss%z", false},
      {"ab", "a%%b", true},
      {"a%b", "a%b", true},  // no escape: '%' in the pattern is always a wildcard
  };
  for (const Case& c : cases) {
    EXPECT_EQ(like(SqlType::varchar, c.value, c.pattern), c.matches) << c.value << " LIKE " << c.pattern;
    EXPECT_EQ(like(SqlType::nvarchar, c.value, c.pattern), c.matches)
        << c.value << " LIKE " << c.pattern << " (nvarchar)";
  }
}

TEST(SqlValue, LikeCountsCodePointsNotBytes) {
  const std::string smile = "\xf0\x9f\x98\x80";  // 4 UTF-8 bytes, 2 UTF-16 units, 1 character
  const std::string e_acute = "\xc3\xa9";
  for (SqlType type : {SqlType::varchar, SqlType::nvarchar}) {
    EXPECT_TRUE(like(type, smile, "_")) << to_string(type);
    EXPECT_FALSE(like(type, smile, "__")) << to_string(type);
    EXPECT_TRUE(like(type, "Ren" + e_acute, "Ren_")) << to_string(type);
    EXPECT_TRUE(like(type, "Ren" + e_acute, "%" + e_acute)) << to_string(type);
    EXPECT_FALSE(like(type, "Rene", "%" + e_acute)) << to_string(type);
    EXPECT_TRUE(like(type, "a" + smile + "b", "a_b")) << to_string(type);
    EXPECT_TRUE(like(type, smile + smile, "%" + smile)) << to_string(type);
  }
  // VARCHAR bytes that are not UTF-8 are one character each.
  const Bytes latin1 = {'R', 'e', 'n', 0xe9};
  const Bytes pattern = {'R', 'e', 'n', '_'};
  EXPECT_TRUE(*like_plaintext(SqlType::varchar, latin1, pattern));
  EXPECT_FALSE(*like_plaintext(SqlType::varchar, latin1, Bytes{'_', '_', '_'}));
}

TEST(SqlValue, LikeIsNotExponential) {
  // A backtracking matcher takes exponential time on this; the two-pointer
  // algorithm is O(n * m).
  const std::string value(20000, 'a');
  std::string pattern;
  for (int i = 0; i < 30; ++i) pattern += "%a";
  pattern += "%b";
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(like(SqlType::varchar, value, pattern));
  EXPECT_TRUE(like(SqlType::varchar, value + "b", pattern));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(2));
}

TEST(SqlValue, LikeIsForStringsOnly) {
  for (SqlType type : {SqlType::int32, SqlType::int64, SqlType::float64, SqlType::varbinary}) {
    Result<bool> refused = like_plaintext(type, Bytes(8, 0), Bytes(8, 0));
    ASSERT_FALSE(refused.is_ok());
    EXPECT_EQ(refused.status().code(), ErrorCode::invalid_argument);
  }
}

}  // namespace
}  // namespace cloister::sql
