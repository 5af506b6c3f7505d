#include "policy/policy_eval.h"

#include <cstdint>
#include <optional>
#include <utility>

namespace cloister::policy {

bool operator==(const Claim& a, const Claim& b) {
  return a.type == b.type && a.value == b.value && a.issuer == b.issuer;
}

namespace {

// Claims the policy itself adds carry this issuer (claim-rule-grammar, "issuer";
// author-sign-policy shows issue(type=..., value=100) yielding issuer "AttestationPolicy").
constexpr const char* kPolicyIssuer = "AttestationPolicy";

class Evaluator {
 public:
  explicit Evaluator(const std::vector<Claim>& incoming) : claims_(incoming) {}

  Result<PolicyOutcome> run(const Policy& policy) {
    PolicyOutcome outcome;
    if (claims_.size() > kMaxIncomingClaims) {
      return error(ErrorCode::out_of_range,
                   "expected at most " + std::to_string(kMaxIncomingClaims) + " claims");
    }
    for (const Rule& rule : policy.configuration_rules) {
      CLOISTER_ASSIGN_OR_RETURN(bool fired, apply(rule, outcome));
      (void)fired;
    }
    bool permitted = false;
    std::size_t permit_line = 0;
    for (const Rule& rule : policy.authorization_rules) {
      CLOISTER_ASSIGN_OR_RETURN(bool fired, apply(rule, outcome));
      if (!fired) continue;
      if (rule.action.kind == ActionKind::deny) {
        outcome.permitted = false;
        outcome.reason = "deny() in the authorization rule at line " + std::to_string(rule.line);
        outcome.issued.clear();
        return outcome;
      }
      if (rule.action.kind == ActionKind::permit && !permitted) {
        permitted = true;
        permit_line = rule.line;
      }
    }
    if (!permitted) {
      outcome.reason = "no authorization rule permitted";
      return outcome;
    }
    outcome.permitted = true;
    outcome.reason = "permit() in the authorization rule at line " + std::to_string(permit_line);
    for (const Rule& rule : policy.issuance_rules) {
      CLOISTER_ASSIGN_OR_RETURN(bool fired, apply(rule, outcome));
      (void)fired;
    }
    return outcome;
  }

 private:
  // Runs the rule's action if its conditions hold; returns whether they did.
  Result<bool> apply(const Rule& rule, PolicyOutcome& outcome) {
    std::vector<std::size_t> binding(rule.conditions.size(), 0);
    CLOISTER_ASSIGN_OR_RETURN(bool matched, bind(rule, 0, binding));
    if (!matched) return false;
    const Action& action = rule.action;
    if (action.kind == ActionKind::permit || action.kind == ActionKind::deny) return true;
    Claim claim;
    if (action.copies_claim) {
      claim = claims_[binding[action.claim_condition]];
    } else {
      const ClaimValue type = resolve(action.type, binding);
      if (!std::holds_alternative<std::string>(type)) {
        return error(ErrorCode::verification_failed,
                     "rule at line " + std::to_string(rule.line) + ": claim type is not a string");
      }
      claim.type = std::get<std::string>(type);
      claim.value = resolve(action.value, binding);
      claim.issuer = kPolicyIssuer;
    }
    if (claims_.size() >= kMaxIncomingClaims) {
      return error(ErrorCode::out_of_range,
                   "expected at most " + std::to_string(kMaxIncomingClaims) + " claims");
    }
    if (action.kind == ActionKind::issue) outcome.issued.push_back(claim);
    if (action.kind == ActionKind::issueproperty) outcome.properties.push_back(claim);
    claims_.push_back(std::move(claim));
    return true;
  }

  // Finds the first binding of conditions[index..] to claims, in incoming order.
  Result<bool> bind(const Rule& rule, std::size_t index, std::vector<std::size_t>& binding) {
    if (index == rule.conditions.size()) return true;
    const Condition& condition = rule.conditions[index];
    // Claims added by this rule's own action cannot appear here: the size is
    // fixed for the duration of the search.
    const std::size_t count = claims_.size();
    for (std::size_t i = 0; i < count; ++i) {
      if (++checks_ > kMaxConditionChecks) {
        return error(ErrorCode::out_of_range,
                     "policy evaluation exceeded " + std::to_string(kMaxConditionChecks) +
                         " condition checks (rule at line " + std::to_string(rule.line) + ")");
      }
      if (!satisfies(claims_[i], condition, binding)) continue;
      binding[index] = i;
      CLOISTER_ASSIGN_OR_RETURN(bool rest, bind(rule, index + 1, binding));
      if (rest) return true;
    }
    return false;
  }

  static ClaimValue field_of(const Claim& claim, Field field) {
    switch (field) {
      case Field::type:
        return claim.type;
      case Field::issuer:
        return claim.issuer;
      case Field::value:
        break;
    }
    return claim.value;
  }

  ClaimValue resolve(const Operand& operand, const std::vector<std::size_t>& binding) const {
    if (!operand.is_reference) return operand.literal;
    return field_of(claims_[binding[operand.condition]], operand.field);
  }

  bool satisfies(const Claim& claim, const Condition& condition,
                 const std::vector<std::size_t>& binding) const {
    for (const PropertyCondition& property : condition.properties) {
      const ClaimValue left = field_of(claim, property.field);
      const ClaimValue right = resolve(property.operand, binding);
      if (!compare(left, property.op, right)) return false;
    }
    return true;
  }

  // Values of different types are never equal (and are "not equal"); ordering
  // is defined on integers only (claim-rule-grammar operator table).
  static bool compare(const ClaimValue& left, Op op, const ClaimValue& right) {
    switch (op) {
      case Op::eq:
        return left == right;
      case Op::ne:
        return left != right;
      default:
        break;
    }
    const auto* a = std::get_if<std::int64_t>(&left);
    const auto* b = std::get_if<std::int64_t>(&right);
    if (a == nullptr || b == nullptr) return false;
    switch (op) {
      case Op::lt:
        return *a < *b;
      case Op::le:
        return *a <= *b;
      case Op::gt:
        return *a > *b;
      case Op::ge:
        return *a >= *b;
      default:
        return false;
    }
  }

  std::vector<Claim> claims_;
  std::size_t checks_ = 0;
};

}  // namespace

Result<PolicyOutcome> evaluate(const Policy& policy, const std::vector<Claim>& incoming) {
  return Evaluator(incoming).run(policy);
}

}  // namespace cloister::policy
