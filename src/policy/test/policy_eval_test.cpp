#include "policy/policy_eval.h"

#include <gtest/gtest.h>

#include <string>

#include "policy/test/policy_samples.h"

namespace cloister::policy {
namespace {

const char* kMrsigner = "83d719e77deaca1470f6baf62a4d774303c899db69020f9c70ee1dfc08c7ce9e";

Claim claim(std::string type, ClaimValue value, std::string issuer = "AttestationService") {
  return Claim{std::move(type), std::move(value), std::move(issuer)};
}

std::vector<Claim> sgx_claims(bool debuggable) {
  return {claim("x-ms-sgx-is-debuggable", debuggable),    claim("x-ms-sgx-product-id", std::int64_t{1}),
          claim("x-ms-sgx-svn", std::int64_t{3}),         claim("x-ms-sgx-mrsigner", std::string(kMrsigner)),
          claim("x-ms-sgx-mrenclave", std::string("aa")), claim("x-ms-attestation-type", std::string("sgx"))};
}

PolicyOutcome run(const char* text, const std::vector<Claim>& claims) {
  auto policy = parse_policy(text);
  EXPECT_TRUE(policy.is_ok()) << policy.status().to_string();
  if (!policy.is_ok()) return {};
  auto outcome = evaluate(*policy, claims);
  EXPECT_TRUE(outcome.is_ok()) << outcome.status().to_string();
  if (!outcome.is_ok()) return {};
  return *outcome;
}

TEST(PolicyEval, DebuggableFalseIsPermittedAndIssuesMrsigner) {
  const PolicyOutcome outcome = run(samples::kDebuggable, sgx_claims(false));
  EXPECT_TRUE(outcome.permitted) << outcome.reason;
  ASSERT_EQ(outcome.issued.size(), 1U);
  EXPECT_EQ(outcome.issued[0], claim("mrsigner", std::string(kMrsigner), "AttestationPolicy"));
}

TEST(PolicyEval, DebuggableTrueIsNotPermitted) {
  const PolicyOutcome outcome = run(samples::kDebuggable, sgx_claims(true));
  EXPECT_FALSE(outcome.permitted);
  EXPECT_TRUE(outcome.issued.empty());
  EXPECT_EQ(outcome.reason, "no authorization rule permitted");
}

TEST(PolicyEval, CustomSgxSample) {
  PolicyOutcome outcome = run(samples::kCustomSgx, sgx_claims(false));
  EXPECT_TRUE(outcome.permitted);
  ASSERT_EQ(outcome.issued.size(), 1U);
  EXPECT_EQ(outcome.issued[0].type, "custom-mrsigner");
  EXPECT_EQ(outcome.issued[0].value, ClaimValue(std::string(kMrsigner)));

  auto claims = sgx_claims(false);
  claims[2].value = std::int64_t{-1};  // svn >= 0 fails
  EXPECT_FALSE(run(samples::kCustomSgx, claims).permitted);
  claims = sgx_claims(false);
  claims[3].value = std::string("other");
  EXPECT_FALSE(run(samples::kCustomSgx, claims).permitted);
  claims = sgx_claims(false);
  claims[1].value = std::string("1");  // a string never equals the integer 1
  EXPECT_FALSE(run(samples::kCustomSgx, claims).permitted);
}

TEST(PolicyEval, DefaultSgxSample) {
  const PolicyOutcome outcome = run(samples::kDefaultSgx, sgx_claims(true));
  EXPECT_TRUE(outcome.permitted);
  ASSERT_EQ(outcome.properties.size(), 1U);
  EXPECT_EQ(outcome.properties[0],
            claim("x-ms-sgx-tcbidentifier", std::string("azuredefault"), "AttestationPolicy"));
  ASSERT_EQ(outcome.issued.size(), 6U);
  EXPECT_EQ(outcome.issued[0], claim("is-debuggable", true, "AttestationPolicy"));
  EXPECT_EQ(outcome.issued[4], claim("svn", std::int64_t{3}, "AttestationPolicy"));
  EXPECT_EQ(outcome.issued[5], claim("tee", std::string("sgx"), "AttestationPolicy"));
}

TEST(PolicyEval, AuthorSignSample) {
  PolicyOutcome outcome = run(samples::kAuthorSign, {claim("secureBootEnabled", true)});
  EXPECT_TRUE(outcome.permitted);
  ASSERT_EQ(outcome.issued.size(), 1U);
  EXPECT_EQ(outcome.issued[0], claim("SecurityLevelValue", std::int64_t{100}, "AttestationPolicy"));
  EXPECT_FALSE(run(samples::kAuthorSign, {claim("secureBootEnabled", true, "CustomClaim")}).permitted);
  EXPECT_FALSE(run(samples::kAuthorSign, {}).permitted);
}

TEST(PolicyEval, ClaimVariablesBindConsistently) {
  // The first CustomClaim OSName has no AttestationService twin; the search
  // must backtrack to the second.
  const std::vector<Claim> claims = {claim("OSName", std::string("Linux"), "CustomClaim"),
                                     claim("OSName", std::string("Windows"), "CustomClaim"),
                                     claim("OSName", std::string("Windows"), "AttestationService")};
  const PolicyOutcome outcome = run(samples::kClaimVariables, claims);
  EXPECT_TRUE(outcome.permitted);
  ASSERT_EQ(outcome.properties.size(), 1U);
  EXPECT_EQ(outcome.properties[0].value, ClaimValue(std::int64_t{1440}));
  ASSERT_EQ(outcome.issued.size(), 1U);
  EXPECT_EQ(outcome.issued[0], claims[2]);  // issue(claim=C2) copies the claim

  const PolicyOutcome none = run(samples::kClaimVariables, {claims[0], claims[2]});
  EXPECT_TRUE(none.issued.empty());
  EXPECT_TRUE(none.properties.empty());
}

TEST(PolicyEval, DenyWinsInOrder) {
  const char* text = R"(version=1.0; authorizationrules {
    => permit();
    [type=="x-ms-sgx-is-debuggable", value==true] => deny();
  };
  issuancerules { => issue(type="t", value="v"); };)";
  PolicyOutcome outcome = run(text, sgx_claims(true));
  EXPECT_FALSE(outcome.permitted);
  EXPECT_EQ(outcome.reason, "deny() in the authorization rule at line 3");
  EXPECT_TRUE(outcome.issued.empty());
  outcome = run(text, sgx_claims(false));
  EXPECT_TRUE(outcome.permitted);
  EXPECT_EQ(outcome.issued.size(), 1U);
}

TEST(PolicyEval, NoAuthorizationRulesMeansNotPermitted) {
  EXPECT_FALSE(run("version=1.0; issuancerules { => issue(type=\"t\", value=1); };", {}).permitted);
}

TEST(PolicyEval, AddIsVisibleToLaterRulesButNotIssued) {
  const char* text = R"(version=1.0; authorizationrules {
    c:[type=="x-ms-sgx-svn", value > 2] => add(type="svn-ok", value=true);
    [type=="svn-ok", value==true, issuer=="AttestationPolicy"] => permit();
  };
  issuancerules { c:[type=="svn-ok"] => issue(claim=c); };)";
  PolicyOutcome outcome = run(text, sgx_claims(false));
  EXPECT_TRUE(outcome.permitted);
  ASSERT_EQ(outcome.issued.size(), 1U);
  EXPECT_EQ(outcome.issued[0], claim("svn-ok", true, "AttestationPolicy"));
  auto claims = sgx_claims(false);
  claims[2].value = std::int64_t{2};
  EXPECT_FALSE(run(text, claims).permitted);
}

TEST(PolicyEval, IntegerOperators) {
  const std::vector<Claim> claims = {claim("n", std::int64_t{5})};
  auto check = [&](const std::string& cond) {
    return run(("version=1.0; authorizationrules { [type==\"n\", value" + cond + "] => permit(); };").c_str(),
               claims)
        .permitted;
  };
  EXPECT_TRUE(check("==5"));
  EXPECT_TRUE(check("!=4"));
  EXPECT_TRUE(check("<6"));
  EXPECT_FALSE(check("<5"));
  EXPECT_TRUE(check("<=5"));
  EXPECT_TRUE(check(">4"));
  EXPECT_FALSE(check(">5"));
  EXPECT_TRUE(check(">=5"));
  EXPECT_TRUE(check("!=\"5\""));
  EXPECT_FALSE(check("==\"5\""));
}

TEST(PolicyEval, ConditionCheckBudget) {
  // 32 conditions each matching every claim, the last matching none: a full
  // backtracking search would be 100^32 checks; evaluation must stop at the budget.
  std::string text = "version=1.0; authorizationrules { ";
  for (std::size_t i = 0; i + 1 < kMaxConditionsPerRule; ++i) text += "[type==\"x\"] && ";
  text += "[type==\"y\"] => permit(); };";
  std::vector<Claim> claims(100, claim("x", true));
  auto policy = parse_policy(text);
  ASSERT_TRUE(policy.is_ok()) << policy.status().to_string();
  auto outcome = evaluate(*policy, claims);
  ASSERT_FALSE(outcome.is_ok());
  EXPECT_EQ(outcome.status().code(), ErrorCode::out_of_range);
  EXPECT_NE(outcome.status().message().find("10000 condition checks"), std::string::npos);
}

TEST(PolicyEval, ClaimCountLimit) {
  auto policy = parse_policy("version=1.0; authorizationrules { => permit(); };");
  ASSERT_TRUE(policy.is_ok());
  std::vector<Claim> claims(kMaxIncomingClaims + 1, claim("x", true));
  EXPECT_FALSE(evaluate(*policy, claims).is_ok());
  claims.pop_back();
  EXPECT_TRUE(evaluate(*policy, claims).is_ok());
}

}  // namespace
}  // namespace cloister::policy
