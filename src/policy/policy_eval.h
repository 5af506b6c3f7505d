// Evaluates a parsed MAA policy against incoming claims, following the
// semantics in learn.microsoft.com/azure/attestation/claim-rule-grammar:
//  - a rule's conditions are joined by &&; a condition holds if at least one
//    claim satisfies all of its property conditions, and named conditions
//    (c1:[...]) bind that claim for later conditions and for the action;
//  - permit()/deny() decide whether issuancerules run; add() puts a claim in
//    the incoming set (visible to later rules); issue() in the incoming and
//    outgoing sets; issueproperty() in the incoming and property sets.
// Rules run in the order they are written, section by section:
// configurationrules, authorizationrules, then (only if permitted) issuancerules.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "cloister/result.h"
#include "policy/policy_parser.h"

namespace cloister::policy {

struct Claim {
  std::string type;
  ClaimValue value;
  std::string issuer = "AttestationService";
};

bool operator==(const Claim& a, const Claim& b);

struct PolicyOutcome {
  bool permitted = false;
  std::vector<Claim> issued;      // the outgoing claim set (issue())
  std::vector<Claim> properties;  // the property claim set (issueproperty())
  std::string reason;             // why permitted or not, e.g. "deny() in authorization rule at line 4"
};

// Claim-against-condition checks allowed in one evaluation; past it, an error.
inline constexpr std::size_t kMaxConditionChecks = 10'000;
// Claims in the incoming set, including those the policy adds.
inline constexpr std::size_t kMaxIncomingClaims = 4'096;

Result<PolicyOutcome> evaluate(const Policy& policy, const std::vector<Claim>& incoming);

}  // namespace cloister::policy
