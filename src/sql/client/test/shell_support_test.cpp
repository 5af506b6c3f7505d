#include "sql/client/shell_support.h"

#include <gtest/gtest.h>

namespace cloister::sql::client {
namespace {

TEST(ShellSupport, HostPort) {
  auto plain = parse_host_port("127.0.0.1:8443");
  ASSERT_TRUE(plain.is_ok());
  EXPECT_EQ(plain->first, "127.0.0.1");
  EXPECT_EQ(plain->second, 8443);
  auto v6 = parse_host_port("[::1]:9");
  ASSERT_TRUE(v6.is_ok());
  EXPECT_EQ(v6->first, "::1");
  EXPECT_EQ(v6->second, 9);
  for (const char* bad : {"localhost", ":80", "h:0", "h:65536", "h:8x", "[::1]80", "h:"}) {
    EXPECT_EQ(parse_host_port(bad).status().code(), ErrorCode::invalid_argument) << bad;
  }
}

TEST(ShellSupport, Params) {
  auto lo = parse_param("@lo=int:-50000");
  ASSERT_TRUE(lo.is_ok());
  EXPECT_EQ(lo->first, "@lo");
  EXPECT_EQ(std::get<std::int64_t>(lo->second), -50000);
  auto named = parse_param("pattern=text:%-12-%");  // '@' added; ':' inside the value kept
  ASSERT_TRUE(named.is_ok());
  EXPECT_EQ(named->first, "@pattern");
  EXPECT_EQ(std::get<std::string>(named->second), "%-12-%");
  auto colon = parse_param(":t=varchar:a:b");
  ASSERT_TRUE(colon.is_ok());
  EXPECT_EQ(colon->first, ":t");
  EXPECT_EQ(std::get<std::string>(colon->second), "a:b");
  auto real = parse_param("@r=real:1.5");
  ASSERT_TRUE(real.is_ok());
  EXPECT_DOUBLE_EQ(std::get<double>(real->second), 1.5);
  auto blob = parse_param("@b=blob:0x00ff");
  ASSERT_TRUE(blob.is_ok());
  EXPECT_EQ(std::get<Bytes>(blob->second), (Bytes{0x00, 0xff}));
  auto null = parse_param("@n=null");
  ASSERT_TRUE(null.is_ok());
  EXPECT_TRUE(std::holds_alternative<SqlNull>(null->second));
  auto empty_text = parse_param("@e=text:");
  ASSERT_TRUE(empty_text.is_ok());
  EXPECT_EQ(std::get<std::string>(empty_text->second), "");
  for (const char* bad : {"@x", "=int:1", "@x=int:", "@x=int:12a", "@x=int:99999999999999999999",
                          "@x=real:nan", "@x=real:", "@x=blob:zz", "@x=date:2020", "@x=null:1", "@x=int"}) {
    EXPECT_EQ(parse_param(bad).status().code(), ErrorCode::invalid_argument) << bad;
  }
}

TEST(ShellSupport, IdHex) {
  auto id = parse_id_hex(std::string(64, 'a'), "--enclave-signer");
  ASSERT_TRUE(id.is_ok());
  EXPECT_EQ((*id)[31], 0xaa);
  auto bad = parse_id_hex("abcd", "--enclave-signer");
  EXPECT_NE(bad.status().message().find("--enclave-signer"), std::string::npos);
}

TEST(ShellSupport, SplitsStatements) {
  StatementSplitter splitter;
  splitter.feed("SELECT 'a;b' AS \"x;y\"; -- a comment; still\nSELECT 2 /* ; */");
  auto first = splitter.next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(*first, "SELECT 'a;b' AS \"x;y\"");
  EXPECT_FALSE(splitter.next().has_value());  // the second has no ';' yet
  splitter.feed(";\n;;  SELECT 'it''s';");
  auto second = splitter.next();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(*second, "-- a comment; still\nSELECT 2 /* ; */");
  auto third = splitter.next();
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(*third, "SELECT 'it''s'");
  EXPECT_FALSE(splitter.next().has_value());
  splitter.feed("SELECT 3");
  EXPECT_EQ(splitter.rest(), "SELECT 3");
}

TEST(ShellSupport, FormatsTables) {
  ResultSet result;
  result.columns = {{"name", "employees", "name", false}, {"salary", "employees", "salary", true}};
  result.rows = {{std::string("Ann"), std::int64_t{120000}},
                 {std::string("Bartholomew"), SqlValue(SqlNull{})}};
  EXPECT_EQ(format_result(result),
            "name        | salary\n"
            "------------+-------\n"
            "Ann         | 120000\n"
            "Bartholomew | NULL\n"
            "(2 rows)\n");
  ResultSet changed;
  changed.changes = 1;
  EXPECT_EQ(format_result(changed), "1 row changed\n");
  EXPECT_EQ(format_value(Bytes{0xde, 0xad}), "0xdead");
  EXPECT_EQ(format_value(2.5), "2.5");
}

}  // namespace
}  // namespace cloister::sql::client

namespace cloister::sql::client {
namespace {

TEST(ShellSupport, ParamsUsedByAStatement) {
  const std::vector<NamedParam> params = {
      {"@lo", std::int64_t{1}}, {"@lower", std::int64_t{2}}, {"@hi", std::int64_t{3}}};
  auto used = params_used_by("SELECT * FROM t WHERE a BETWEEN @lo AND @hi", params);
  ASSERT_EQ(used.size(), 2u);
  EXPECT_EQ(used[0].first, "@lo");
  EXPECT_EQ(used[1].first, "@hi");
  EXPECT_EQ(params_used_by("SELECT @lower", params).size(), 1u);
  EXPECT_TRUE(params_used_by("SELECT 1", params).empty());
}

}  // namespace
}  // namespace cloister::sql::client
