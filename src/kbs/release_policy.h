// Release policies in the Azure Key Vault / Managed HSM secure key release
// format (policy grammar 1.0.0):
//
//   {"version":"1.0.0",
//    "anyOf":[{"authority":"https://attestd.example",
//              "allOf":[{"claim":"x-ms-sgx-mrsigner","equals":"ab12..."},
//                       {"claim":"x-ms-sgx-is-debuggable","equals":false}]}]}
//
// A policy is an anyOf (or allOf) of authorities; an authority holds one
// allOf or anyOf of conditions; a condition is a claim condition or a nested
// allOf/anyOf. Claim conditions use one of the grammar's operators: equals,
// notEquals, less, lessOrEquals, greater, greaterOrEquals, exists. Policies
// are validated when set, so a typo is an error then, not a refusal later.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cloister/result.h"

namespace cloister::kbs {

enum class ClaimOperator { equals, not_equals, less, less_or_equals, greater, greater_or_equals, exists };

struct Condition {
  enum class Kind { claim, all_of, any_of };
  Kind kind = Kind::claim;
  std::string claim;  // kind == claim
  ClaimOperator op = ClaimOperator::equals;
  nlohmann::json value;
  std::vector<Condition> children;  // all_of / any_of
};

struct AuthorityRule {
  std::string authority;
  Condition condition;  // all_of or any_of
};

inline constexpr std::size_t kMaxPolicyDepth = 16;
inline constexpr std::size_t kMaxPolicyConditions = 256;

class ReleasePolicy {
 public:
  // Errors name where the policy is wrong: "anyOf[0].allOf[1]: unknown operator ...".
  static Result<ReleasePolicy> parse(const nlohmann::json& policy);
  static Result<ReleasePolicy> parse_text(std::string_view text);

  [[nodiscard]] const nlohmann::json& json() const { return json_; }
  [[nodiscard]] const std::vector<AuthorityRule>& rules() const { return rules_; }
  // Whether `issuer` is one of the authorities (a trailing '/' is ignored on both sides).
  [[nodiscard]] bool names_authority(std::string_view issuer) const;

  // OK when claims issued by `issuer` satisfy the policy; otherwise
  // verification_failed naming the first condition that did not hold.
  [[nodiscard]] Status evaluate(std::string_view issuer, const nlohmann::json& claims) const;

 private:
  bool all_of_ = false;  // top level: allOf instead of anyOf
  std::vector<AuthorityRule> rules_;
  nlohmann::json json_;
};

// Same authority: exact string match except for one trailing '/'.
bool same_authority(std::string_view a, std::string_view b);

// A claim by name: the top-level member if present, else a dotted path
// ("x-ms-runtime.keys.0.kty", numeric segments index arrays). Null if absent.
const nlohmann::json* find_claim(const nlohmann::json& claims, std::string_view name);

}  // namespace cloister::kbs
