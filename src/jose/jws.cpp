// Compact JWS (RFC 7515) carrying a JWT claims set (RFC 7519): signing and
// the bounded decoding every verifier starts from.
#include "common/encoding.h"
#include "crypto/x509.h"
#include "jose/jose.h"
#include "jose/jose_internal.h"

namespace cloister::jose {

using crypto::HashAlgorithm;
using crypto::RsaPadding;
using nlohmann::json;

namespace {

HashAlgorithm hash_of(Algorithm algorithm) {
  return algorithm == Algorithm::ES384 ? HashAlgorithm::sha384 : HashAlgorithm::sha256;
}

Result<Bytes> sign_input(const crypto::PrivateKey& key, Algorithm algorithm, std::string_view input) {
  switch (algorithm) {
    case Algorithm::ES256:
    case Algorithm::ES384:
      // The curve fixes the hash, and check_algorithm_for_key has matched
      // the curve to the algorithm.
      return key.sign_raw(as_bytes(input));
    case Algorithm::RS256:
      return key.rsa_sign(as_bytes(input), RsaPadding::pkcs1_v1_5, HashAlgorithm::sha256);
    case Algorithm::PS256:
      return key.rsa_sign(as_bytes(input), RsaPadding::pss, HashAlgorithm::sha256);
  }
  return error(ErrorCode::invalid_argument, "unknown JWS algorithm");
}

Status check_x5c_leaf(const std::vector<Bytes>& x5c, const crypto::PublicKey& key) {
  CLOISTER_ASSIGN_OR_RETURN(bool holds, internal::x5c_leaf_holds(x5c, key));
  if (!holds) return error(ErrorCode::invalid_argument, "x5c leaf certificate is not for the signing key");
  return Status::ok();
}

Status check_size(std::size_t size, const char* what) {
  if (size > kMaxTokenBytes) {
    return error(ErrorCode::out_of_range, std::string(what) + " of " + std::to_string(size) +
                                              " bytes exceeds the limit of " +
                                              std::to_string(kMaxTokenBytes));
  }
  return Status::ok();
}

}  // namespace

namespace internal {

Result<bool> x5c_leaf_holds(const std::vector<Bytes>& x5c, const crypto::PublicKey& key) {
  if (x5c.empty()) return error(ErrorCode::decode_error, "x5c is empty");
  CLOISTER_ASSIGN_OR_RETURN(crypto::Certificate leaf, crypto::Certificate::from_der(x5c.front()));
  CLOISTER_ASSIGN_OR_RETURN(crypto::PublicKey leaf_key, leaf.public_key());
  CLOISTER_ASSIGN_OR_RETURN(Bytes leaf_der, leaf_key.to_der());
  CLOISTER_ASSIGN_OR_RETURN(Bytes key_der, key.to_der());
  return leaf_der == key_der;
}

Status verify_signature(const crypto::PublicKey& key, Algorithm algorithm, std::string_view signing_input,
                        ByteView signature) {
  CLOISTER_ASSIGN_OR_RETURN(crypto::KeyType type, key.type());
  CLOISTER_RETURN_IF_ERROR(check_algorithm_for_key(algorithm, type));
  Status verified;
  switch (algorithm) {
    case Algorithm::ES256:
    case Algorithm::ES384:
      verified = key.verify_raw(as_bytes(signing_input), signature, hash_of(algorithm));
      break;
    case Algorithm::RS256:
      verified =
          key.rsa_verify(as_bytes(signing_input), signature, RsaPadding::pkcs1_v1_5, HashAlgorithm::sha256);
      break;
    case Algorithm::PS256:
      verified = key.rsa_verify(as_bytes(signing_input), signature, RsaPadding::pss, HashAlgorithm::sha256);
      break;
  }
  if (!verified.is_ok()) return error(ErrorCode::verification_failed, "signature does not verify");
  return Status::ok();
}

}  // namespace internal

Result<JwtSigner> JwtSigner::create(crypto::PrivateKey key, const SignOptions& options) {
  const crypto::PublicKey public_key = key.public_key();
  if (!public_key.valid()) return error(ErrorCode::invalid_argument, "signing key is empty or unusable");
  CLOISTER_ASSIGN_OR_RETURN(crypto::KeyType type, public_key.type());
  JwtSigner signer;
  if (options.algorithm) {
    signer.algorithm_ = *options.algorithm;
  } else {
    CLOISTER_ASSIGN_OR_RETURN(signer.algorithm_, default_algorithm(public_key));
  }
  if (Status fits = internal::check_algorithm_for_key(signer.algorithm_, type); !fits.is_ok()) {
    return error(ErrorCode::invalid_argument, fits.message());
  }

  json header = {{"alg", to_string(signer.algorithm_)}};
  if (!options.typ.empty()) header["typ"] = options.typ;
  // Verifiers here select keys by kid; the thumbprint is the kid public_jwk
  // publishes for a key when none is chosen.
  if (options.kid.empty()) {
    CLOISTER_ASSIGN_OR_RETURN(signer.kid_, thumbprint(public_key));
  } else {
    signer.kid_ = options.kid;
  }
  header["kid"] = signer.kid_;
  if (!options.x5c.empty()) {
    CLOISTER_RETURN_IF_ERROR(check_x5c_leaf(options.x5c, public_key));
    json chain = json::array();
    for (const Bytes& der : options.x5c) chain.push_back(to_base64(der));  // RFC 7515 §4.1.6: not base64url
    header["x5c"] = std::move(chain);
  }
  CLOISTER_ASSIGN_OR_RETURN(std::string header_text, internal::dump_json(header, "JWS header"));
  signer.encoded_header_ = to_base64url(as_bytes(header_text)) + ".";
  signer.key_ = std::move(key);
  return signer;
}

Result<std::string> JwtSigner::sign(const json& claims) const {
  if (!claims.is_object()) return error(ErrorCode::invalid_argument, "JWT claims must be a JSON object");
  CLOISTER_ASSIGN_OR_RETURN(std::string claims_text, internal::dump_json(claims, "JWT claims"));
  std::string token = encoded_header_ + to_base64url(as_bytes(claims_text));
  // Refuse before signing a token no verifier here would read.
  CLOISTER_RETURN_IF_ERROR(check_size(token.size(), "token"));
  CLOISTER_ASSIGN_OR_RETURN(Bytes signature, sign_input(key_, algorithm_, token));
  token += "." + to_base64url(signature);
  CLOISTER_RETURN_IF_ERROR(check_size(token.size(), "token"));
  return token;
}

Result<std::string> sign_jwt(const json& claims, const crypto::PrivateKey& key, const SignOptions& options) {
  if (!claims.is_object()) return error(ErrorCode::invalid_argument, "JWT claims must be a JSON object");
  CLOISTER_ASSIGN_OR_RETURN(JwtSigner signer, JwtSigner::create(key.clone(), options));
  return signer.sign(claims);
}

Result<DecodedJwt> decode_jwt(std::string_view token) {
  CLOISTER_RETURN_IF_ERROR(check_size(token.size(), "token"));
  CLOISTER_ASSIGN_OR_RETURN(std::vector<std::string_view> parts, internal::split_compact(token, 3, "JWS"));
  DecodedJwt decoded;
  CLOISTER_ASSIGN_OR_RETURN(Bytes header_bytes, internal::decode_base64url(parts[0], "JWS header"));
  CLOISTER_ASSIGN_OR_RETURN(decoded.header,
                            internal::parse_object(cloister::to_string(header_bytes), "JWS header"));

  CLOISTER_ASSIGN_OR_RETURN(const std::string* alg,
                            internal::optional_string(decoded.header, "alg", "JWS header"));
  if (alg == nullptr) return error(ErrorCode::decode_error, "JWS header has no \"alg\"");
  CLOISTER_RETURN_IF_ERROR(algorithm_from_string(*alg));
  // RFC 7515 §4.1.11: a recipient must understand every critical extension,
  // and this one understands none.
  if (decoded.header.contains("crit")) {
    return error(ErrorCode::invalid_argument,
                 "JWS header has \"crit\"; no critical extensions are supported");
  }

  CLOISTER_ASSIGN_OR_RETURN(Bytes payload_bytes, internal::decode_base64url(parts[1], "JWT payload"));
  CLOISTER_ASSIGN_OR_RETURN(decoded.payload,
                            internal::parse_object(cloister::to_string(payload_bytes), "JWT payload"));
  CLOISTER_ASSIGN_OR_RETURN(decoded.signature, internal::decode_base64url(parts[2], "JWS signature"));
  if (decoded.signature.empty()) return error(ErrorCode::decode_error, "JWS signature is empty");
  decoded.signing_input = std::string(token.substr(0, parts[0].size() + 1 + parts[1].size()));
  return decoded;
}

Status verify_signature(const DecodedJwt& token, const crypto::PublicKey& key) {
  // A DecodedJwt may have been built by hand rather than by decode_jwt.
  CLOISTER_ASSIGN_OR_RETURN(const std::string* alg,
                            internal::optional_string(token.header, "alg", "JWS header"));
  if (alg == nullptr) return error(ErrorCode::decode_error, "JWS header has no \"alg\"");
  CLOISTER_ASSIGN_OR_RETURN(Algorithm algorithm, algorithm_from_string(*alg));
  return internal::verify_signature(key, algorithm, token.signing_input, token.signature);
}

}  // namespace cloister::jose
