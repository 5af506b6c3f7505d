// The attestation service without HTTP: evidence in, token or refusal out.
// Thread-safe: requests run concurrently; only policy updates serialise.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "attestd/data_dir.h"
#include "attestd/policy_store.h"
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
};

// Why a request got no token: an HTTP status, a stable code, a message.
struct Refusal {
  int http_status = 400;
  std::string code;
  std::string message;
};

struct AttestOutcome {
  std::string token;               // when permitted
  std::optional<Refusal> refusal;  // otherwise
};

class AttestationService {
 public:
  static Result<std::unique_ptr<AttestationService>> create(DataDir dir, ServiceOptions options);

  [[nodiscard]] AttestOutcome attest(const AttestRequest& request);
  // For the HTTP layer: parse the body, then attest.
  [[nodiscard]] AttestOutcome attest_json(const std::string& body);

  [[nodiscard]] PolicyStore& policies() { return *policies_; }
  [[nodiscard]] const TokenSigner& signer() const { return signer_; }
  [[nodiscard]] const ServiceOptions& options() const { return options_; }
  void set_issuer(std::string issuer) { options_.issuer = std::move(issuer); }
  // Constant-time comparison with the administrator credential.
  [[nodiscard]] bool is_admin(const std::string& bearer) const;

 private:
  AttestationService(DataDir dir, ServiceOptions options, TokenSigner signer,
                     std::unique_ptr<PolicyStore> policies);
  [[nodiscard]] std::int64_t now_ms() const;

  DataDir dir_;
  ServiceOptions options_;
  TokenSigner signer_;
  std::unique_ptr<PolicyStore> policies_;
  RegistryWatcher registry_;
  ReplayCache replay_;
};

}  // namespace cloister::attestd
