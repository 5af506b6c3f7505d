// Secure key release: a key leaves the broker only as a JWE wrapped to the
// public key an attested enclave bound into its attestation token, and only
// when the token is signed by an authority the key's policy names, is
// within its validity period, and carries claims that satisfy the policy.
// Every release and every refusal by a trusted authority's valid token is
// audited row by row; refusals before the token's signature is checked
// (anyone can send those) at most kUnauthenticatedRowsPerMinute rows a
// minute, the rest as one row that counts them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "cloister/result.h"
#include "common/refusal_budget.h"
#include "kbs/authority_keys.h"
#include "kbs/key_store.h"

namespace cloister::kbs {

struct ReleaseRequest {
  std::string key_name;
  std::string token;                 // the attestation token ("target" in Key Vault's API)
  std::optional<std::string> nonce;  // when given, the token must carry it
};

struct ReleaseResult {
  std::string value;  // compact JWE of the key as a private JWK
  std::string kid;    // "<name>/<version>"
};

struct ReleaseOptions {
  std::int64_t leeway_seconds = 60;
  std::int64_t now_seconds = 0;  // 0: the system clock (tests set it)
};

class Releaser {
 public:
  Releaser(KeyStore& store, AuthorityKeys& authorities, ReleaseOptions options = {})
      : store_(store), authorities_(authorities), options_(options) {}

  // Errors: not_found (no such key), invalid_argument (malformed request or
  // token), verification_failed (token signature or validity period),
  // permission_denied (issuer, policy, nonce, no enclave key, disabled key),
  // io_error (authority unreachable).
  Result<ReleaseResult> release(const ReleaseRequest& request);

  // Writes the row for unauthenticated refusals counted but not yet written
  // (the service calls it as it stops).
  Status flush_counted_refusals();
  // Refusals counted since the last row that counts them.
  [[nodiscard]] std::int64_t counted_refusals() const { return unauthenticated_.counted(); }

  static constexpr int kUnauthenticatedRowsPerMinute = 60;

 private:
  [[nodiscard]] std::int64_t now() const;
  Status audit_counted(std::int64_t count);

  KeyStore& store_;
  AuthorityKeys& authorities_;
  ReleaseOptions options_;
  RefusalBudget unauthenticated_{kUnauthenticatedRowsPerMinute};
};

// The enclave's wrapping key: the first JWK in the token's x-ms-runtime.keys
// that is an EC or RSA public key usable for encryption.
Result<crypto::PublicKey> enclave_key_from_claims(const nlohmann::json& claims, std::string* kid);

}  // namespace cloister::kbs
