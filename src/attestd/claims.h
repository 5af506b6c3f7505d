// The claims attestd derives from verified evidence: the same facts twice,
// as the token's JSON claims and as the incoming claim set the policy sees.
// Every claim is documented in docs/attestation-claims.md.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "attestd/registry.h"
#include "attestd/request.h"
#include "cloister/evidence.h"
#include "policy/policy_eval.h"

namespace cloister::attestd {

inline constexpr char kAttestationType[] = "cloister";

struct ClaimSet {
  nlohmann::json token = nlohmann::json::object();  // claim name -> JSON value
  std::vector<policy::Claim> incoming;              // scalar claims for the policy
};

ClaimSet build_claims(const Report& report, const PlatformEntry& platform, const AttestRequest& request);

// Whether a claim name belongs to the service (JWT registered claims,
// x-ms-*, x-cloister-*): a policy's issue() may not overwrite those.
bool is_reserved_claim(const std::string& name);

// Adds the policy's issued claims to the token claims; returns the names of
// those dropped because they are reserved.
std::vector<std::string> add_issued_claims(nlohmann::json& token, const std::vector<policy::Claim>& issued);

// Every claim name the service itself may put in a token (for the OpenID
// configuration's claims_supported); platform claims are x-cloister-platform-<key>.
std::vector<std::string> supported_claims();

}  // namespace cloister::attestd
