// JOSE: JSON Web Keys (RFC 7517/7518/7638), JSON Web Signatures and Tokens
// (RFC 7515/7519) and JSON Web Encryption (RFC 7516) over the crypto module.
// Everything here parses untrusted text: sizes are bounded, algorithms are
// taken from the key, never trusted from the header alone, and "none" is
// refused.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "crypto/keys.h"

namespace cloister::jose {

inline constexpr std::size_t kMaxTokenBytes = 64 * 1024;

enum class Algorithm { ES256, ES384, RS256, PS256 };
const char* to_string(Algorithm algorithm);
Result<Algorithm> algorithm_from_string(std::string_view name);  // "none" and unknown names are errors
// The algorithm a key signs with: P-256 -> ES256, P-384 -> ES384, RSA -> RS256.
Result<Algorithm> default_algorithm(const crypto::PublicKey& key);

// --- JWK ---------------------------------------------------------------
// RFC 7638 thumbprint (SHA-256, base64url): a stable kid for a key.
Result<std::string> thumbprint(const crypto::PublicKey& key);
// Public JWK: {"kty":"EC","crv":"P-256","x","y"} or {"kty":"RSA","n","e"}, plus
// "kid" (the thumbprint when empty) and any extra members given.
Result<nlohmann::json> public_jwk(const crypto::PublicKey& key, std::string kid = "",
                                  const nlohmann::json& extra = nlohmann::json::object());
// Public key from a JWK; private members ("d", ...) are refused.
Result<crypto::PublicKey> key_from_jwk(const nlohmann::json& jwk);

// A set of verification keys by kid, e.g. from an authority's JWKS.
class KeySet {
 public:
  static Result<KeySet> from_jwks(
      const nlohmann::json& jwks);                   // {"keys":[...]}; keys with x5c keep their chain
  void add(std::string kid, crypto::PublicKey key);  // replaces a key with the same kid
  [[nodiscard]] const crypto::PublicKey* find(std::string_view kid) const;
  [[nodiscard]] std::size_t size() const { return keys_.size(); }
  // The x5c chain a JWKS key came with (DER, leaf first, the leaf's key
  // checked to be the JWK's), or null. Not verified against any root here.
  [[nodiscard]] const std::vector<Bytes>* certificates(std::string_view kid) const;

 private:
  std::map<std::string, crypto::PublicKey, std::less<>> keys_;
  std::map<std::string, std::vector<Bytes>, std::less<>> certificates_;
};

// --- JWS / JWT ---------------------------------------------------------
struct SignOptions {
  std::string kid;                     // required by verifiers here
  std::vector<Bytes> x5c;              // DER certificates, leaf first; empty: no x5c header
  std::optional<Algorithm> algorithm;  // default: default_algorithm(key)
  std::string typ = "JWT";
};
// Compact JWS over the JSON payload.
Result<std::string> sign_jwt(const nlohmann::json& claims, const crypto::PrivateKey& key,
                             const SignOptions& options);

// The same, for a service that signs many tokens with one key: the key, the
// algorithm and the x5c chain are checked and the header encoded once, so
// each token costs one JSON dump and one signature.
class JwtSigner {
 public:
  static Result<JwtSigner> create(crypto::PrivateKey key, const SignOptions& options);
  [[nodiscard]] Result<std::string> sign(const nlohmann::json& claims) const;
  [[nodiscard]] Algorithm algorithm() const { return algorithm_; }
  [[nodiscard]] const std::string& kid() const { return kid_; }

 private:
  crypto::PrivateKey key_;
  Algorithm algorithm_ = Algorithm::ES256;
  std::string kid_;
  std::string encoded_header_;  // base64url(header) "."
};

// A token split and decoded but NOT verified: for display and for routing
// (which kid, which issuer) before verification.
struct DecodedJwt {
  nlohmann::json header;
  nlohmann::json payload;
  std::string signing_input;  // base64url(header) "." base64url(payload)
  Bytes signature;
};
Result<DecodedJwt> decode_jwt(std::string_view token);
// Checks only the signature of a decoded token against `key`, whose type must
// suit the header alg: no kid lookup and no claims. For tokens whose key comes
// from elsewhere (a certificate the caller has verified; RFC examples).
Status verify_signature(const DecodedJwt& token, const crypto::PublicKey& key);

struct ValidationOptions {
  std::optional<std::string> issuer;  // required "iss" when set
  std::int64_t now_seconds = 0;       // 0: system clock (tests set it)
  std::int64_t leeway_seconds = 60;   // clock skew allowed on exp/nbf/iat
  bool require_expiry = true;
};
// Verifies signature (key by header kid; the header alg must be the key's
// algorithm family), exp/nbf/iat and iss. Returns the payload. Error messages
// name the failed check: "token expired at ...", "no key with kid ...",
// "signature does not verify", "alg none is not accepted", ...
Result<nlohmann::json> verify_jwt(std::string_view token, const KeySet& keys,
                                  const ValidationOptions& options);

// A JSON object from untrusted text: invalid JSON, a repeated member name
// (which parsers resolve differently) or deep nesting is a decode_error
// naming `what`.
Result<nlohmann::json> parse_strict_object(std::string_view text, std::string_view what);

// --- JWE ---------------------------------------------------------------
// Compact JWE with enc "A256GCM": alg "RSA-OAEP-256" for RSA recipients,
// "ECDH-ES" (direct key agreement, Concat KDF) for P-256/P-384 recipients.
Result<std::string> encrypt_jwe(ByteView plaintext, const crypto::PublicKey& recipient, std::string kid = "");
Result<SecretBytes> decrypt_jwe(std::string_view jwe, const crypto::PrivateKey& recipient);

}  // namespace cloister::jose
