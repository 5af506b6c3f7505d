#include "policy/policy_parser.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "policy/test/policy_samples.h"

namespace cloister::policy {
namespace {

std::string error_of(std::string_view text) {
  auto parsed = parse_policy(text);
  if (parsed.is_ok()) return "parsed";
  return parsed.status().message();
}

TEST(PolicyParser, CustomSgxSample) {
  auto policy = parse_policy(samples::kCustomSgx);
  ASSERT_TRUE(policy.is_ok()) << policy.status().to_string();
  EXPECT_EQ(policy->major, 1);
  EXPECT_EQ(policy->minor, 0);
  ASSERT_EQ(policy->authorization_rules.size(), 1U);
  const Rule& rule = policy->authorization_rules[0];
  ASSERT_EQ(rule.conditions.size(), 4U);
  EXPECT_EQ(rule.action.kind, ActionKind::permit);
  EXPECT_EQ(rule.conditions[0].properties[1].operand.literal, ClaimValue(false));
  EXPECT_EQ(rule.conditions[2].properties[1].op, Op::ge);
  EXPECT_EQ(rule.conditions[2].properties[1].operand.literal, ClaimValue(std::int64_t{0}));
  ASSERT_EQ(policy->issuance_rules.size(), 1U);
  const Action& issue = policy->issuance_rules[0].action;
  EXPECT_EQ(issue.kind, ActionKind::issue);
  EXPECT_TRUE(issue.value.is_reference);
  EXPECT_EQ(issue.value.field, Field::value);
}

TEST(PolicyParser, DefaultSgxSampleVersion11) {
  auto policy = parse_policy(samples::kDefaultSgx);
  ASSERT_TRUE(policy.is_ok()) << policy.status().to_string();
  EXPECT_EQ(policy->minor, 1);
  ASSERT_EQ(policy->configuration_rules.size(), 1U);
  EXPECT_EQ(policy->configuration_rules[0].action.kind, ActionKind::issueproperty);
  EXPECT_TRUE(policy->configuration_rules[0].conditions.empty());
  EXPECT_EQ(policy->issuance_rules.size(), 6U);
}

TEST(PolicyParser, AuthorSignAndClaimVariableSamples) {
  for (const char* text : {samples::kDebuggable, samples::kAuthorSign, samples::kClaimVariables}) {
    auto policy = parse_policy(text);
    EXPECT_TRUE(policy.is_ok()) << text << "\n" << policy.status().to_string();
  }
  auto policy = parse_policy(samples::kClaimVariables);
  ASSERT_TRUE(policy.is_ok());
  const Rule& rule = policy->issuance_rules[1];
  EXPECT_EQ(rule.conditions[1].name, "C2");
  EXPECT_TRUE(rule.conditions[1].properties[2].operand.is_reference);
  EXPECT_EQ(rule.conditions[1].properties[2].operand.condition, 0U);
  EXPECT_TRUE(rule.action.copies_claim);
  EXPECT_EQ(rule.action.claim_condition, 1U);
}

TEST(PolicyParser, EmptySectionsCommentsAndCase) {
  auto policy = parse_policy(
      "// leading comment\nVersion = 1.2 ; /* block\n comment */ AuthorizationRules { }; issuancerules{};");
  ASSERT_TRUE(policy.is_ok()) << policy.status().to_string();
  EXPECT_EQ(policy->minor, 2);
  EXPECT_TRUE(policy->authorization_rules.empty());
  EXPECT_TRUE(parse_policy("version=1.0;").is_ok());
  auto deny = parse_policy("version=1.0;\nauthorizationrules\n{\n=>deny();\n};\nissuancerules\n{\n};\n");
  ASSERT_TRUE(deny.is_ok());
  EXPECT_EQ(deny->authorization_rules[0].action.kind, ActionKind::deny);
}

TEST(PolicyParser, LiteralKinds) {
  auto policy = parse_policy(
      "version=1.0; authorizationrules { [value==-42] && [value!=\"a\\\"b\\\\\"] && [value==true] && "
      "[value==9223372036854775807] && [value==-9223372036854775808] => permit(); };");
  ASSERT_TRUE(policy.is_ok()) << policy.status().to_string();
  const auto& c = policy->authorization_rules[0].conditions;
  EXPECT_EQ(c[0].properties[0].operand.literal, ClaimValue(std::int64_t{-42}));
  EXPECT_EQ(c[1].properties[0].operand.literal, ClaimValue(std::string("a\"b\\")));
  EXPECT_EQ(c[2].properties[0].operand.literal, ClaimValue(true));
  EXPECT_EQ(c[4].properties[0].operand.literal, ClaimValue(std::numeric_limits<std::int64_t>::min()));
}

TEST(PolicyParser, MissingSemicolon) {
  EXPECT_EQ(error_of("version=1.0;\nauthorizationrules {\n  => permit()\n};\n"),
            "line 4, column 1: expected ';' after the action");
  EXPECT_EQ(error_of("version=1.0\nauthorizationrules {};"),
            "line 2, column 1: expected ';' after the version");
  EXPECT_EQ(error_of("version=1.0;\nauthorizationrules {}\n"),
            "line 3, column 1: expected ';' after the section's '}'");
}

TEST(PolicyParser, UnknownAction) {
  EXPECT_EQ(error_of("version=1.0;\nauthorizationrules {\n  => allow();\n};"),
            "line 3, column 6: expected an action: permit(), deny(), add(), issue() or issueproperty()");
  EXPECT_EQ(error_of("version=1.0;\nissuancerules {\n  => permit();\n};"),
            "line 3, column 6: expected add(), issue() or issueproperty() in issuancerules");
  EXPECT_EQ(error_of("version=1.0;\nauthorizationrules {\n  => issue(type=\"a\", value=1);\n};"),
            "line 3, column 6: expected permit(), deny() or add() in authorizationrules");
}

TEST(PolicyParser, UnterminatedString) {
  EXPECT_EQ(error_of("version=1.0;\nauthorizationrules {\n  c:[type==\"abc] => permit();\n};"),
            "line 3, column 12: expected '\"' to close this string");
  EXPECT_EQ(error_of("version=1.0; /* never closed"),
            "line 1, column 14: expected '*/' to close this comment");
}

TEST(PolicyParser, BadOperator) {
  EXPECT_EQ(error_of("version=1.0;\nauthorizationrules {\n  c:[type=\"x\"] => permit();\n};"),
            "line 3, column 10: expected a comparison operator ==, !=, <, <=, > or >=");
  EXPECT_EQ(error_of("version=1.0;\nauthorizationrules {\n  c:[value < \"x\"] => permit();\n};"),
            "line 3, column 14: expected an integer after an ordering operator");
  EXPECT_EQ(error_of("version=1.0;\nauthorizationrules {\n  c:[type >= 3] => permit();\n};"),
            "line 3, column 14: expected a string");
  EXPECT_EQ(error_of("version=1.0;\nauthorizationrules {\n  c:[type == \"a\"] & [value==1] => permit();\n};"),
            "line 3, column 19: expected a policy token, found an unexpected character");
}

TEST(PolicyParser, MissingOrBadVersion) {
  EXPECT_EQ(error_of("authorizationrules { => permit(); };"), "line 1, column 1: expected 'version'");
  EXPECT_EQ(error_of(""), "line 1, column 1: expected 'version'");
  EXPECT_EQ(error_of("version=2.0;"), "line 1, column 9: expected version 1.0, 1.1 or 1.2");
  EXPECT_EQ(error_of("version=1.0; configurationrules { };"),
            "line 1, column 14: expected 'authorizationrules' or 'issuancerules' (configurationrules needs "
            "version 1.1)");
}

TEST(PolicyParser, ClaimVariables) {
  EXPECT_EQ(
      error_of("version=1.0;\nissuancerules {\n  c:[type==\"x\"] => issue(type=\"t\", value=d.value);\n};"),
      "line 3, column 42: expected a claim variable named in an earlier condition of this rule");
  EXPECT_EQ(
      error_of("version=1.0;\nissuancerules {\n  c:[type==\"x\"] && c:[type==\"y\"] => add(claim=c);\n};"),
      "line 3, column 20: expected a claim variable not used before");
  EXPECT_EQ(error_of("version=1.0;\nissuancerules {\n  [type==\"x\"] => issue(claim=c);\n};"),
            "line 3, column 30: expected a claim variable named in this rule's conditions");
}

TEST(PolicyParser, IntegerOverflow) {
  EXPECT_EQ(error_of("version=1.0; authorizationrules { [value==9223372036854775808] => permit(); };"),
            "line 1, column 43: expected an integer that fits in 64 bits");
}

TEST(PolicyParser, TruncationNeverCrashes) {
  for (const char* sample : {samples::kCustomSgx, samples::kDefaultSgx, samples::kClaimVariables}) {
    const std::string text(sample);
    for (std::size_t length = 0; length < text.size(); ++length) {
      const std::string prefix = text.substr(0, length);
      auto policy = parse_policy(prefix);
      if (policy.is_ok()) {
        // Only a cut right after a complete statement may parse.
        const auto last = prefix.find_last_not_of(" \t\r\n");
        ASSERT_NE(last, std::string::npos);
        EXPECT_EQ(prefix[last], ';') << "length " << length;
      } else {
        EXPECT_EQ(policy.status().message().rfind("line ", 0), 0U) << policy.status().message();
      }
    }
  }
}

TEST(PolicyParser, SizeLimit) {
  std::string text = "version=1.0;";
  text.append(kMaxPolicyBytes - text.size(), ' ');
  EXPECT_TRUE(parse_policy(text).is_ok());
  text.push_back(' ');
  auto policy = parse_policy(text);
  ASSERT_FALSE(policy.is_ok());
  EXPECT_EQ(policy.status().code(), ErrorCode::out_of_range);
}

TEST(PolicyParser, RuleLimit) {
  std::string text = "version=1.0; authorizationrules {";
  for (std::size_t i = 0; i < kMaxRules; ++i) text += "=>permit();";
  EXPECT_TRUE(parse_policy(text + "};").is_ok());
  auto policy = parse_policy(text + "=>permit();};");
  ASSERT_FALSE(policy.is_ok());
  EXPECT_EQ(policy.status().code(), ErrorCode::out_of_range);
}

TEST(PolicyParser, ConditionAndPropertyLimits) {
  std::string conditions;
  for (std::size_t i = 0; i < kMaxConditionsPerRule; ++i) conditions += "[value==1] && ";
  EXPECT_NE(error_of("version=1.0; authorizationrules {" + conditions + "[value==1] => permit();};")
                .find("expected at most 32 conditions"),
            std::string::npos);
  std::string properties;
  for (std::size_t i = 0; i < kMaxPropertiesPerCondition; ++i) properties += "value==1, ";
  EXPECT_NE(error_of("version=1.0; authorizationrules { [" + properties + "value==1] => permit();};")
                .find("expected at most 16 property conditions"),
            std::string::npos);
}

}  // namespace
}  // namespace cloister::policy
