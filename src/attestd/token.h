// Attestation tokens: JWS (ES256 or RS256) with kid (the key's RFC 7638
// thumbprint) and x5c, and the documents relying parties use to check them:
// the JWKS served at /certs and the OpenID configuration.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "crypto/keys.h"
#include "jose/jose.h"

namespace cloister::attestd {

class TokenSigner {
 public:
  static Result<TokenSigner> create(crypto::PrivateKey key, std::vector<Bytes> x5c);

  // Adds iss, iat, nbf, exp, jti (and nonce when given) to `claims` and signs.
  [[nodiscard]] Result<std::string> sign(nlohmann::json claims, const std::string& issuer,
                                         std::int64_t now_seconds, std::int64_t lifetime_seconds,
                                         const std::optional<std::string>& nonce) const;

  [[nodiscard]] const nlohmann::json& jwks() const { return jwks_; }
  [[nodiscard]] const std::string& kid() const { return kid_; }
  [[nodiscard]] jose::Algorithm algorithm() const { return algorithm_; }

 private:
  TokenSigner() = default;
  jose::JwtSigner signer_;
  std::string kid_;
  jose::Algorithm algorithm_ = jose::Algorithm::ES256;
  nlohmann::json jwks_;
};

nlohmann::json openid_configuration(const std::string& issuer, jose::Algorithm algorithm);

}  // namespace cloister::attestd
