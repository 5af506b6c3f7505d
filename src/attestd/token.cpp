#include "attestd/token.h"

#include "attestd/claims.h"
#include "common/encoding.h"
#include "crypto/rng.h"

namespace cloister::attestd {

Result<TokenSigner> TokenSigner::create(crypto::PrivateKey key, std::vector<Bytes> x5c) {
  TokenSigner signer;
  const crypto::PublicKey public_key = key.public_key();
  CLOISTER_ASSIGN_OR_RETURN(signer.algorithm_, jose::default_algorithm(public_key));
  if (signer.algorithm_ != jose::Algorithm::ES256 && signer.algorithm_ != jose::Algorithm::RS256) {
    return Status(ErrorCode::invalid_argument, "the token signing key must be P-256 (ES256) or RSA (RS256)");
  }
  CLOISTER_ASSIGN_OR_RETURN(signer.kid_, jose::thumbprint(public_key));
  // JWK x5c is standard base64 (RFC 7517 section 4.7), not base64url.
  nlohmann::json chain = nlohmann::json::array();
  for (const auto& der : x5c) chain.push_back(to_base64(der));
  nlohmann::json extra = {{"use", "sig"}, {"alg", jose::to_string(signer.algorithm_)}, {"x5c", chain}};
  CLOISTER_ASSIGN_OR_RETURN(nlohmann::json jwk, jose::public_jwk(public_key, signer.kid_, extra));
  signer.jwks_ = {{"keys", nlohmann::json::array({jwk})}};
  jose::SignOptions options;
  options.kid = signer.kid_;
  options.x5c = std::move(x5c);
  options.algorithm = signer.algorithm_;
  CLOISTER_ASSIGN_OR_RETURN(signer.signer_, jose::JwtSigner::create(std::move(key), options));
  return signer;
}

Result<std::string> TokenSigner::sign(nlohmann::json claims, const std::string& issuer,
                                      std::int64_t now_seconds, std::int64_t lifetime_seconds,
                                      const std::optional<std::string>& nonce) const {
  CLOISTER_ASSIGN_OR_RETURN(Bytes jti, crypto::random_bytes(32));
  claims["iss"] = issuer;
  claims["iat"] = now_seconds;
  claims["nbf"] = now_seconds;
  claims["exp"] = now_seconds + lifetime_seconds;
  claims["jti"] = to_hex(jti);
  if (nonce) claims["nonce"] = *nonce;
  return signer_.sign(claims);
}

nlohmann::json openid_configuration(const std::string& issuer, jose::Algorithm algorithm) {
  return {{"issuer", issuer},
          {"jwks_uri", issuer + "/certs"},
          {"id_token_signing_alg_values_supported", nlohmann::json::array({jose::to_string(algorithm)})},
          {"response_types_supported", nlohmann::json::array({"token", "none"})},
          {"claims_supported", supported_claims()}};
}

}  // namespace cloister::attestd
