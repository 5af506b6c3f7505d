// The attestation service without HTTP: evidence in, token or refusal out.
// Thread-safe: requests run concurrently; only policy updates serialise.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "attestd/data_dir.h"
#include "attestd/hardware_attest.h"
#include "attestd/policy_store.h"
#include "attestd/refusal.h"
#include "attestd/registry.h"
#include "attestd/replay_cache.h"
#include "attestd/request.h"
#include "attestd/token.h"

namespace cloister::attestd {

// The attestation type this service implements (the {type} in the paths).
inline constexpr char kCloisterType[] = "Cloister";

struct ServiceOptions {
  std::string issuer;                               // "iss"; set before serving
  std::int64_t token_lifetime_seconds = 8 * 3600;   // MAA's default
  std::int64_t max_evidence_age_seconds = 10 * 60;  // older evidence is refused
  std::size_t replay_cache_capacity = 1'000'000;    // outstanding nonces
  std::int64_t now_ms = 0;                          // 0: the system clock (tests set it)
  // Hardware evidence: the clock collateral expiry is checked against (0:
  // now; set it only to replay archived evidence), and whether Intel
  // evidence without collateral for its FMSPC is refused.
  std::int64_t collateral_time_s = 0;
  bool require_collateral = true;
};

struct AttestOutcome {
  std::string token;               // when permitted
  std::optional<Refusal> refusal;  // otherwise
};

class AttestationService {
 public:
  static Result<std::unique_ptr<AttestationService>> create(DataDir dir, ServiceOptions options);

  [[nodiscard]] AttestOutcome attest(const AttestRequest& request);
  // Hardware evidence: `type` is SgxEnclave, OpenEnclave, TdxVm or SevSnpVm.
  [[nodiscard]] AttestOutcome attest_hardware(const HardwareType& type, const AttestRequest& request);
  // For the HTTP layer: parse the body for `type`, then attest.
  [[nodiscard]] AttestOutcome attest_json(const std::string& body) {
    return attest_json(kCloisterType, body);
  }
  [[nodiscard]] AttestOutcome attest_json(const std::string& type, const std::string& body);

  // Cloister's policy store, and any type's (null for a type attestd does not serve).
  [[nodiscard]] PolicyStore& policies() { return *policies_.at(kCloisterType); }
  [[nodiscard]] PolicyStore* find_policies(const std::string& type);
  [[nodiscard]] dcap::CollateralDirectory& collateral() { return collateral_; }
  [[nodiscard]] const TokenSigner& signer() const { return signer_; }
  [[nodiscard]] const ServiceOptions& options() const { return options_; }
  void set_issuer(std::string issuer) { options_.issuer = std::move(issuer); }
  // Constant-time comparison with the administrator credential.
  [[nodiscard]] bool is_admin(const std::string& bearer) const;

 private:
  AttestationService(DataDir dir, ServiceOptions options, TokenSigner signer,
                     std::map<std::string, std::unique_ptr<PolicyStore>> policies);
  [[nodiscard]] std::int64_t now_ms() const;
  // Nonce, policy, token: the steps every type shares once claims exist.
  [[nodiscard]] AttestOutcome finish(const std::string& type, const AttestRequest& request, ClaimSet claims,
                                     std::int64_t now, const std::string& subject);

  DataDir dir_;
  ServiceOptions options_;
  TokenSigner signer_;
  std::map<std::string, std::unique_ptr<PolicyStore>> policies_;
  dcap::CollateralDirectory collateral_;
  RegistryWatcher registry_;
  ReplayCache replay_;
};

}  // namespace cloister::attestd
