// Microsoft Azure Attestation (MAA) policy text: a bounds-checked lexer and
// recursive-descent parser. The grammar follows the public MAA docs:
//   learn.microsoft.com/azure/attestation/claim-rule-grammar   (rules, operators, actions)
//   learn.microsoft.com/azure/attestation/author-sign-policy    (version and sections)
//   learn.microsoft.com/azure/attestation/policy-version-1-1    (configurationrules)
//   learn.microsoft.com/azure/attestation/policy-examples       (sample policies)
//
//   policy     := "version" "=" INT "." INT ";" section*
//   section    := ("configurationrules" | "authorizationrules" | "issuancerules") "{" rule* "}" ";"
//   rule       := [condition ("&&" condition)*] "=>" action ";"
//   condition  := [IDENT ":"] "[" property ("," property)* "]"
//   property   := ("type" | "value" | "issuer") op operand
//   op         := "==" | "!=" | "<" | "<=" | ">" | ">="       (ordering on integers only)
//   operand    := STRING | INT | "true" | "false" | IDENT "." ("type" | "value" | "issuer")
//   action     := "permit" "(" ")" | "deny" "(" ")"
//               | ("add" | "issue" | "issueproperty") "(" ("claim" "=" IDENT | "type" "=" operand "," "value"
//               "=" operand) ")"
//
// Keywords are matched case-insensitively (the docs' own samples write both
// "version" and "Version"). Every error is a Status "line L, column C: expected ...".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cloister/result.h"

namespace cloister::policy {

// MAA claim values are Boolean, Integer or String (claim-rule-grammar, "valueType").
using ClaimValue = std::variant<bool, std::int64_t, std::string>;

inline constexpr std::size_t kMaxPolicyBytes = 64 * 1024;
inline constexpr std::size_t kMaxRules = 1024;  // over all sections
inline constexpr std::size_t kMaxConditionsPerRule = 32;
inline constexpr std::size_t kMaxPropertiesPerCondition = 16;

enum class Field { type, value, issuer };
enum class Op { eq, ne, lt, le, gt, ge };

// A literal, or a property of the claim bound to an earlier named condition.
struct Operand {
  bool is_reference = false;
  ClaimValue literal;
  std::size_t condition = 0;  // index of the referenced condition in the rule
  Field field = Field::value;
};

struct PropertyCondition {
  Field field = Field::type;
  Op op = Op::eq;
  Operand operand;
};

struct Condition {
  std::string name;  // empty when the condition has no identifier
  std::vector<PropertyCondition> properties;
};

enum class ActionKind { permit, deny, add, issue, issueproperty };

struct Action {
  ActionKind kind = ActionKind::permit;
  bool copies_claim = false;  // add/issue(claim=c)
  std::size_t claim_condition = 0;
  Operand type;   // when !copies_claim
  Operand value;  // when !copies_claim
};

struct Rule {
  std::vector<Condition> conditions;  // empty: the action always runs
  Action action;
  std::size_t line = 0;
};

struct Policy {
  int major = 1;
  int minor = 0;
  std::vector<Rule> configuration_rules;  // version 1.1 and later
  std::vector<Rule> authorization_rules;
  std::vector<Rule> issuance_rules;
};

// Parses MAA policy text (not the JWS envelope). Never throws.
Result<Policy> parse_policy(std::string_view text);

}  // namespace cloister::policy
