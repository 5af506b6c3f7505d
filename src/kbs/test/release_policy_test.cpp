#include "kbs/release_policy.h"

#include <gtest/gtest.h>

#include "kbs/test/release_claims_fixture.h"

namespace cloister::kbs {
namespace {

constexpr const char* kAuthority = "https://attestd.example";

const nlohmann::json& claims() {
  return testing::release_claims();
}

ReleasePolicy parse(const std::string& text) {
  auto policy = ReleasePolicy::parse_text(text);
  EXPECT_TRUE(policy.is_ok()) << text << "\n" << policy.status().to_string();
  return policy.is_ok() ? std::move(policy).value() : ReleasePolicy();
}

std::string with_conditions(const std::string& group, const std::string& conditions) {
  return R"({"version":"1.0.0","anyOf":[{"authority":"https://attestd.example",")" + group + R"(":[)" +
         conditions + "]}]}";
}

bool releases(const std::string& conditions, const std::string& group = "allOf") {
  return parse(with_conditions(group, conditions)).evaluate(kAuthority, claims()).is_ok();
}

TEST(ReleasePolicyGrammar, AcceptsTheDocumentedForms) {
  parse(with_conditions("allOf", R"({"claim":"x-ms-sgx-mrsigner","equals":"ab12"})"));
  parse(with_conditions("anyOf", R"({"claim":"x-ms-sgx-is-debuggable","equals":false})"));
  parse(with_conditions("allof", R"({"claim":"x","equals":1},{"anyOf":[{"claim":"y","exists":true}]})"));
  parse(with_conditions(
      "allOf", R"({"claim":"x","notEquals":"a"},{"claim":"y","greaterOrEquals":2},)"
               R"({"claim":"z","less":1.5},{"claim":"w","lessOrEquals":0},{"claim":"v","greater":-1})"));
  parse(
      R"({"version":"1.0.0","anyOf":[{"authority":"https://a.example/","allOf":[{"claim":"c","equals":"v"}]},
            {"authority":"http://127.0.0.1:8700","anyOf":[{"claim":"c","equals":true}]}]})");
  parse(
      R"({"version":"1.0.0","allOf":[{"authority":"https://a.example","allOf":[{"claim":"c","equals":"v"}]}]})");
}

TEST(ReleasePolicyGrammar, RejectsWithTheLocationOfTheMistake) {
  struct Case {
    std::string policy;
    std::string message;
  };
  const Case cases[] = {
      {"[]", "must be a JSON object"},
      {"{not json", "not valid JSON"},
      {R"({"anyOf":[]})", "missing \"version\""},
      {R"({"version":"2.0","anyOf":[]})", "only version \"1.0.0\""},
      {R"({"version":"1.0.0"})", "missing \"anyOf\""},
      {R"({"version":"1.0.0","anyOf":[]})", "non-empty array of authorities"},
      {R"({"version":"1.0.0","anyOf":[],"allOf":[]})", "not both"},
      {R"({"version":"1.0.0","anyOf":[{"allOf":[{"claim":"c","equals":1}]}]})", "missing \"authority\""},
      {R"({"version":"1.0.0","anyOf":[{"authority":"attestd","allOf":[{"claim":"c","equals":1}]}]})",
       "must be an http(s) URL"},
      {R"({"version":"1.0.0","anyOf":[{"authority":"https://a"}]})", "missing \"allOf\" or \"anyOf\""},
      {R"({"version":"1.0.0","extra":1,"anyOf":[{"authority":"https://a","allOf":[]}]})",
       "unknown member \"extra\""},
      {with_conditions("allOf", ""), "anyOf[0].allOf: must be a non-empty array"},
      {with_conditions("allOf", R"({"claim":"c"})"), "has no operator"},
      {with_conditions("allOf", R"({"claim":"c","equal":1})"), "anyOf[0].allOf[0]: unknown member \"equal\""},
      {with_conditions("allOf", R"({"claim":"c","equals":1,"notEquals":2})"), "exactly one operator"},
      {with_conditions("allOf", R"({"claim":"c","equals":[1]})"), "takes a string, number or boolean"},
      {with_conditions("allOf", R"({"claim":"c","greater":"5"})"), "takes a number"},
      {with_conditions("allOf", R"({"claim":"c","exists":"yes"})"), "takes true or false"},
      {with_conditions("allOf", R"({"claim":"","equals":1})"), "non-empty string"},
      {with_conditions("allOf", R"({"equals":1})"), "a condition is"},
      {with_conditions("allOf", R"(1)"), "must be a JSON object"},
      {with_conditions("allOf", R"({"claim":"a","equals":1},{"anyOf":[{"claim":"b"}]})"),
       "anyOf[0].allOf[1].anyOf[0]"},
  };
  for (const auto& c : cases) {
    auto policy = ReleasePolicy::parse_text(c.policy);
    ASSERT_FALSE(policy.is_ok()) << c.policy;
    EXPECT_EQ(policy.status().code(), ErrorCode::invalid_argument);
    EXPECT_NE(policy.status().message().find(c.message), std::string::npos)
        << c.policy << "\n got: " << policy.status().message() << "\n want: " << c.message;
  }
}

TEST(ReleasePolicyGrammar, BoundsNestingAndSize) {
  std::string deep = R"({"claim":"c","equals":1})";
  for (int i = 0; i < 20; ++i) deep = std::string(R"({"allOf":[)").append(deep).append("]}");
  auto nested = ReleasePolicy::parse_text(with_conditions("allOf", deep));
  ASSERT_FALSE(nested.is_ok());
  EXPECT_NE(nested.status().message().find("nested deeper"), std::string::npos);
  std::string many;
  for (int i = 0; i < 300; ++i) many += std::string(i ? "," : "") + R"({"claim":"c","equals":1})";
  auto wide = ReleasePolicy::parse_text(with_conditions("allOf", many));
  ASSERT_FALSE(wide.is_ok());
  EXPECT_NE(wide.status().message().find("more than 256 conditions"), std::string::npos);
}

TEST(ReleasePolicyEvaluation, TruthTable) {
  // equals: strings, booleans, numbers; types never mix.
  EXPECT_TRUE(releases(R"({"claim":"x-ms-sgx-mrsigner","equals":"ab12"})"));
  EXPECT_FALSE(releases(R"({"claim":"x-ms-sgx-mrsigner","equals":"AB12"})"));
  EXPECT_TRUE(releases(R"({"claim":"x-ms-sgx-is-debuggable","equals":false})"));
  EXPECT_FALSE(releases(R"({"claim":"x-ms-sgx-is-debuggable","equals":true})"));
  EXPECT_FALSE(releases(R"({"claim":"x-ms-sgx-is-debuggable","equals":"false"})"));
  EXPECT_TRUE(releases(R"({"claim":"x-ms-sgx-product-id","equals":7})"));
  EXPECT_TRUE(releases(R"({"claim":"x-ms-sgx-product-id","equals":7.0})"));
  EXPECT_FALSE(releases(R"({"claim":"x-ms-sgx-product-id","equals":"7"})"));
  // Absent claims fail every condition except exists:false.
  EXPECT_FALSE(releases(R"({"claim":"missing","equals":"x"})"));
  EXPECT_FALSE(releases(R"({"claim":"missing","notEquals":"x"})"));
  EXPECT_FALSE(releases(R"({"claim":"missing","greater":0})"));
  EXPECT_TRUE(releases(R"({"claim":"missing","exists":false})"));
  EXPECT_FALSE(releases(R"({"claim":"missing","exists":true})"));
  EXPECT_TRUE(releases(R"({"claim":"x-ms-sgx-svn","exists":true})"));
  // Ordering operators.
  EXPECT_TRUE(releases(R"({"claim":"x-ms-sgx-svn","greaterOrEquals":3})"));
  EXPECT_FALSE(releases(R"({"claim":"x-ms-sgx-svn","greater":3})"));
  EXPECT_TRUE(releases(R"({"claim":"x-ms-sgx-svn","less":3.5})"));
  EXPECT_FALSE(releases(R"({"claim":"x-ms-sgx-svn","lessOrEquals":2})"));
  EXPECT_FALSE(releases(R"({"claim":"x-ms-sgx-mrsigner","greater":1})"));
  EXPECT_TRUE(releases(R"({"claim":"x-ms-sgx-mrsigner","notEquals":"ffff"})"));
  // Dotted paths into nested claims, with array indices.
  EXPECT_TRUE(releases(R"({"claim":"x-ms-runtime.client.ver","equals":2})"));
  EXPECT_TRUE(releases(R"({"claim":"x-ms-runtime.keys.0.kid","equals":"enc-1"})"));
  EXPECT_FALSE(releases(R"({"claim":"x-ms-runtime.keys.1.kid","exists":true})"));
  // allOf needs every condition, anyOf one; they nest.
  const std::string good = R"({"claim":"x-ms-sgx-mrsigner","equals":"ab12"})";
  const std::string bad = R"({"claim":"x-ms-sgx-mrsigner","equals":"ffff"})";
  EXPECT_TRUE(releases(good + "," + good, "allOf"));
  EXPECT_FALSE(releases(good + "," + bad, "allOf"));
  EXPECT_TRUE(releases(bad + "," + good, "anyOf"));
  EXPECT_FALSE(releases(bad + "," + bad, "anyOf"));
  EXPECT_TRUE(releases(good + R"(,{"anyOf":[)" + bad + "," + good + "]}", "allOf"));
  EXPECT_FALSE(releases(good + R"(,{"allOf":[)" + bad + "," + good + "]}", "allOf"));
}

TEST(ReleasePolicyEvaluation, AuthoritiesMatchExactly) {
  auto policy = parse(with_conditions("allOf", R"({"claim":"x-ms-sgx-mrsigner","equals":"ab12"})"));
  EXPECT_TRUE(policy.evaluate("https://attestd.example/", claims()).is_ok());  // trailing slash only
  for (const char* other : {"https://attestd.example.evil", "http://attestd.example",
                            "https://ATTESTD.example", "https://attestd.example/x", ""}) {
    auto status = policy.evaluate(other, claims());
    ASSERT_FALSE(status.is_ok()) << other;
    EXPECT_NE(status.message().find("is not an authority"), std::string::npos) << status.message();
  }
  // One rule per authority: the other authority's conditions do not apply.
  auto two = parse(R"({"version":"1.0.0","anyOf":[
      {"authority":"https://other.example","allOf":[{"claim":"x-ms-sgx-mrsigner","equals":"ab12"}]},
      {"authority":"https://attestd.example","allOf":[{"claim":"x-ms-sgx-mrsigner","equals":"ffff"}]}]})");
  auto refused = two.evaluate(kAuthority, claims());
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.message().find("claim x-ms-sgx-mrsigner is \"ab12\", policy requires equals \"ffff\""),
            std::string::npos)
      << refused.message();
}

}  // namespace
}  // namespace cloister::kbs
