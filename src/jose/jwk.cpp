// JSON Web Keys (RFC 7517/7518 §6) and their thumbprints (RFC 7638).
#include <array>

#include "common/encoding.h"
#include "crypto/sha.h"
#include "jose/jose.h"
#include "jose/jose_internal.h"

namespace cloister::jose {

using crypto::KeyType;
using crypto::PublicKey;
using nlohmann::json;

namespace {

// Members that carry private or symmetric key material (RFC 7518 §6.2.2,
// §6.3.2, §6.4): a public JWK must have none of them.
constexpr std::array<const char*, 8> kPrivateMembers = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"};

std::size_t coordinate_size(KeyType curve) {
  return curve == KeyType::ec_p384 ? 48 : 32;
}

Result<Bytes> required_base64url(const json& jwk, const char* name) {
  CLOISTER_ASSIGN_OR_RETURN(const std::string* text, internal::optional_string(jwk, name, "JWK"));
  if (text == nullptr) return error(ErrorCode::decode_error, std::string("JWK has no \"") + name + "\"");
  return internal::decode_base64url(*text, std::string("JWK \"") + name + "\"");
}

Result<PublicKey> ec_key_from_jwk(const json& jwk) {
  CLOISTER_ASSIGN_OR_RETURN(const std::string* crv, internal::optional_string(jwk, "crv", "JWK"));
  if (crv == nullptr) return error(ErrorCode::decode_error, "EC JWK has no \"crv\"");
  KeyType curve;
  if (*crv == "P-256") {
    curve = KeyType::ec_p256;
  } else if (*crv == "P-384") {
    curve = KeyType::ec_p384;
  } else {
    return error(ErrorCode::invalid_argument,
                 "EC JWK curve " + internal::quoted(*crv) + " is not P-256 or P-384");
  }
  CLOISTER_ASSIGN_OR_RETURN(Bytes x, required_base64url(jwk, "x"));
  CLOISTER_ASSIGN_OR_RETURN(Bytes y, required_base64url(jwk, "y"));
  // RFC 7518 §6.2.1.2: coordinates are always full length, so a short one is
  // a malformed key, not a small number.
  const std::size_t width = coordinate_size(curve);
  if (x.size() != width || y.size() != width) {
    return error(ErrorCode::decode_error,
                 "EC JWK coordinates must be " + std::to_string(width) + " bytes for " + *crv);
  }
  Bytes point;
  point.reserve(1 + 2 * width);
  point.push_back(0x04);
  point.insert(point.end(), x.begin(), x.end());
  point.insert(point.end(), y.begin(), y.end());
  return PublicKey::from_ec_point(curve, point);
}

Result<PublicKey> rsa_key_from_jwk(const json& jwk) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes n, required_base64url(jwk, "n"));
  CLOISTER_ASSIGN_OR_RETURN(Bytes e, required_base64url(jwk, "e"));
  // RFC 7518 §6.3.1: minimal encodings, so a key has one JWK and one thumbprint.
  if (n.empty() || n[0] == 0 || e.empty() || e[0] == 0) {
    return error(ErrorCode::decode_error, "RSA JWK \"n\" or \"e\" is empty or has a leading zero byte");
  }
  return PublicKey::from_rsa_components(n, e);
}

}  // namespace

namespace internal {

Result<json> key_members(const PublicKey& key) {
  CLOISTER_ASSIGN_OR_RETURN(KeyType type, key.type());
  if (type == KeyType::rsa) {
    CLOISTER_ASSIGN_OR_RETURN(crypto::RsaPublicComponents rsa, key.rsa_components());
    return json{{"kty", "RSA"}, {"n", to_base64url(rsa.modulus)}, {"e", to_base64url(rsa.exponent)}};
  }
  CLOISTER_ASSIGN_OR_RETURN(Bytes point, key.ec_point());
  const std::size_t width = coordinate_size(type);
  const ByteView coordinates = ByteView(point).subspan(1);
  return json{{"kty", "EC"},
              {"crv", key_type_name(type)},
              {"x", to_base64url(coordinates.first(width))},
              {"y", to_base64url(coordinates.subspan(width))}};
}

}  // namespace internal

Result<std::string> thumbprint(const PublicKey& key) {
  CLOISTER_ASSIGN_OR_RETURN(json members, internal::key_members(key));
  // nlohmann keeps members sorted and dump() adds no whitespace: exactly the
  // RFC 7638 §3.2 canonical form for these all-ASCII members.
  CLOISTER_ASSIGN_OR_RETURN(std::string canonical, internal::dump_json(members, "JWK"));
  return to_base64url(crypto::sha256(as_bytes(canonical)));
}

Result<json> public_jwk(const PublicKey& key, std::string kid, const json& extra) {
  if (!extra.is_object())
    return error(ErrorCode::invalid_argument, "extra JWK members must be a JSON object");
  CLOISTER_ASSIGN_OR_RETURN(json jwk, internal::key_members(key));
  for (const auto& [name, value] : extra.items()) {
    bool is_private = false;
    for (const char* member : kPrivateMembers) is_private = is_private || name == member;
    if (is_private || name == "kid" || jwk.contains(name)) {
      return error(ErrorCode::invalid_argument, "extra JWK member " + internal::quoted(name) +
                                                    " would replace a key member or add private material");
    }
    jwk[name] = value;
  }
  if (kid.empty()) {
    CLOISTER_ASSIGN_OR_RETURN(kid, thumbprint(key));
  }
  jwk["kid"] = std::move(kid);
  return jwk;
}

Result<PublicKey> key_from_jwk(const json& jwk) {
  if (!jwk.is_object()) return error(ErrorCode::invalid_argument, "JWK is not a JSON object");
  for (const char* member : kPrivateMembers) {
    if (jwk.contains(member)) {
      return error(ErrorCode::invalid_argument, std::string("JWK carries the private member \"") + member +
                                                    "\"; only public keys are accepted");
    }
  }
  for (const char* member : {"kid", "use", "alg"}) {
    CLOISTER_RETURN_IF_ERROR(internal::optional_string(jwk, member, "JWK"));
  }
  CLOISTER_ASSIGN_OR_RETURN(const std::string* kty, internal::optional_string(jwk, "kty", "JWK"));
  if (kty == nullptr) return error(ErrorCode::decode_error, "JWK has no \"kty\"");
  if (*kty == "EC") return ec_key_from_jwk(jwk);
  if (*kty == "RSA") return rsa_key_from_jwk(jwk);
  return error(ErrorCode::invalid_argument, "JWK kty " + internal::quoted(*kty) + " is not EC or RSA");
}

}  // namespace cloister::jose
