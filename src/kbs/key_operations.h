// Key Vault's cryptographic key operations, done inside the broker with RSA
// keys that never leave it: unwrapKey (RSA-OAEP) and sign (RS256 over a
// digest the caller computed). They are what an Always Encrypted column
// master key held in a vault needs: SQL Server's AZURE_KEY_VAULT provider
// asks the vault for exactly these, and so does the driver's CLOISTER_KBS
// provider. A CMK is created without a release policy, so it is never
// released: only these operations use it.
//
// Every operation, done or refused, is audited with the key, the version and
// the operation; never the value sent or the result.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "kbs/key_store.h"

namespace cloister::kbs {

enum class KeyOperation {
  unwrap_key,  // {"alg":"RSA-OAEP","value":base64url(ciphertext)}: RSA-OAEP with SHA-1 and MGF1-SHA-1
  sign,        // {"alg":"RS256","value":base64url(SHA-256 digest)}: RSASSA-PKCS1-v1_5
};

struct KeyOperationResult {
  std::string kid;    // "<name>/<version>"
  SecretBytes value;  // the unwrapped key, or the signature
};

// Runs `operation` with version `version_text` (as in the URL) of key `name`;
// `body` is the request's JSON. Errors: invalid_argument (malformed body,
// alg, base64url, size, version text, a key that is not RSA, a value that
// does not unwrap), permission_denied (disabled key), not_found (no such key
// or version); each is audited before it is returned.
Result<KeyOperationResult> run_key_operation(KeyStore& store, KeyOperation operation, const std::string& name,
                                             const std::string& version_text, std::string_view body);

// GET /keys/{name}/{version}: that version's metadata and public JWK.
Result<nlohmann::json> key_version_json(KeyStore& store, const std::string& name,
                                        const std::string& version_text);

}  // namespace cloister::kbs
