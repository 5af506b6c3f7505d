#include "attestd/claims.h"

#include <cstdint>

#include "common/encoding.h"

namespace cloister::attestd {
namespace {

nlohmann::json to_json(const policy::ClaimValue& value) {
  if (const auto* b = std::get_if<bool>(&value)) return *b;
  if (const auto* i = std::get_if<std::int64_t>(&value)) return *i;
  return std::get<std::string>(value);
}

// Adds one claim to both sets.
void put(ClaimSet& set, const std::string& name, policy::ClaimValue value) {
  set.token[name] = to_json(value);
  set.incoming.push_back(policy::Claim{.type = name, .value = std::move(value)});
}

}  // namespace

ClaimSet build_claims(const Report& report, const PlatformEntry& platform, const AttestRequest& request) {
  ClaimSet set;
  const auto& id = report.identity;
  put(set, "x-ms-attestation-type", std::string(kAttestationType));
  put(set, "x-ms-ver", std::string("1.0"));
  put(set, "x-ms-sgx-mrenclave", to_hex(id.measurement));
  put(set, "x-ms-sgx-mrsigner", to_hex(id.signer));
  put(set, "x-ms-sgx-product-id", static_cast<std::int64_t>(id.product_id));
  put(set, "x-ms-sgx-svn", static_cast<std::int64_t>(id.security_version));
  put(set, "x-ms-sgx-is-debuggable", id.debug);
  put(set, "x-ms-sgx-ehd", to_base64url(request.runtime_data));
  put(set, "x-ms-sgx-report-data", to_hex(report.report_data));
  if (request.data_type == RuntimeDataType::json) {
    // An object claim: in the token only (policy claim values are scalars).
    set.token["x-ms-runtime"] = request.runtime_json;
  }
  put(set, "x-cloister-backend", std::string(to_string(report.backend)));
  put(set, "x-cloister-isolation", std::string(to_string(report.isolation)));
  put(set, "x-cloister-development-platform", report.development_platform);
  put(set, "x-cloister-platform-id", to_hex(report.platform_id));
  put(set, "x-cloister-platform-name", platform.name);
  put(set, "x-cloister-evidence-time", static_cast<std::int64_t>(report.timestamp_ms / 1000));
  for (const auto& [key, value] : platform.claims) put(set, "x-cloister-platform-" + key, value);
  return set;
}

bool is_reserved_claim(const std::string& name) {
  static const char* const kRegistered[] = {"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "nonce", "cnf"};
  for (const char* reserved : kRegistered) {
    if (name == reserved) return true;
  }
  return name.starts_with("x-ms-") || name.starts_with("x-cloister-");
}

std::vector<std::string> add_issued_claims(nlohmann::json& token, const std::vector<policy::Claim>& issued) {
  std::vector<std::string> dropped;
  for (const auto& claim : issued) {
    if (is_reserved_claim(claim.type)) {
      dropped.push_back(claim.type);
      continue;
    }
    token[claim.type] = to_json(claim.value);
  }
  return dropped;
}

std::vector<std::string> supported_claims() {
  return {"iss",
          "iat",
          "nbf",
          "exp",
          "jti",
          "nonce",
          "x-ms-attestation-type",
          "x-ms-policy-hash",
          "x-ms-ver",
          "x-ms-runtime",
          "x-ms-sgx-mrenclave",
          "x-ms-sgx-mrsigner",
          "x-ms-sgx-product-id",
          "x-ms-sgx-svn",
          "x-ms-sgx-is-debuggable",
          "x-ms-sgx-ehd",
          "x-ms-sgx-report-data",
          "x-cloister-backend",
          "x-cloister-isolation",
          "x-cloister-development-platform",
          "x-cloister-platform-id",
          "x-cloister-platform-name",
          "x-cloister-evidence-time"};
}

}  // namespace cloister::attestd
