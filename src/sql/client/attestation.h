// Verifying the server enclave before any column key is sent to it: its
// evidence (directly against the operator CA, or through attestd's token),
// the policy the user configured (signer and/or measurement, not debug, not
// a development platform unless allowed), the nonce the driver chose, and
// the binding of the runtime data (which carries the enclave's instance key)
// into the evidence's report data.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cloister/bytes.h"
#include "cloister/evidence.h"
#include "cloister/result.h"
#include "cloister/sql_client.h"
#include "crypto/keys.h"
#include "jose/jose.h"

namespace cloister::sql::client {

struct AttestedEnclave {
  crypto::PublicKey instance_key;  // what column keys are sealed to
  std::string summary;             // "signer ab12.., measurement cd34.." for messages
  std::string signer;              // hex, as verified
  std::string measurement;         // hex, as verified
  std::string verified_by;         // "evidence, against the platform CA" or "attestd token from URL"
};

class EnclaveVerifier {
 public:
  // Reads the CA or attestd certificate files; invalid_argument when the
  // policy would accept any enclave (no signer and no measurement).
  static Result<EnclaveVerifier> create(const AttestationOptions& options);

  // `evidence` and `runtime_data` as the server returned them, `nonce` what
  // the driver sent. Every refusal is verification_failed or
  // permission_denied with a message saying what to do.
  Result<AttestedEnclave> verify(ByteView evidence, ByteView runtime_data, ByteView nonce) const;

  // The expectations evidence mode checks (public for tests).
  [[nodiscard]] Expectations expectations(ByteView runtime_data) const;

 private:
  explicit EnclaveVerifier(AttestationOptions options) : options_(std::move(options)) {}

  Result<AttestedEnclave> verify_direct(ByteView evidence, ByteView runtime_data, ByteView nonce) const;
  Result<AttestedEnclave> verify_with_attestd(ByteView evidence, ByteView runtime_data, ByteView nonce) const;

  AttestationOptions options_;
  std::vector<Bytes> roots_der_;
  jose::KeySet attestd_keys_;
};

// The enclave instance key from a runtime data document
// ({"keys":[JWK],"nonce":"<base64url>"}), after checking its nonce.
Result<crypto::PublicKey> instance_key_from_runtime(const nlohmann::json& runtime, ByteView nonce);

// Checks the claims of a verified attestd token against the policy and nonce.
Status check_token_claims(const nlohmann::json& claims, const AttestationOptions& options,
                          std::string_view nonce_hex);

}  // namespace cloister::sql::client
