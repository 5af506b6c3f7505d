// The four JWS algorithms and which key may produce each.
#include <cctype>

#include "jose/jose.h"
#include "jose/jose_internal.h"

namespace cloister::jose {

using crypto::KeyType;

const char* to_string(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::ES256:
      return "ES256";
    case Algorithm::ES384:
      return "ES384";
    case Algorithm::RS256:
      return "RS256";
    case Algorithm::PS256:
      return "PS256";
  }
  return "unknown";
}

Result<Algorithm> algorithm_from_string(std::string_view name) {
  for (Algorithm algorithm : {Algorithm::ES256, Algorithm::ES384, Algorithm::RS256, Algorithm::PS256}) {
    if (name == to_string(algorithm)) return algorithm;
  }
  // Any spelling of "none": some verifiers once compared case-insensitively.
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "none") return error(ErrorCode::invalid_argument, "alg none is not accepted");
  return error(ErrorCode::invalid_argument,
               "alg " + internal::quoted(name) + " is not accepted (ES256, ES384, RS256 or PS256)");
}

Result<Algorithm> default_algorithm(const crypto::PublicKey& key) {
  CLOISTER_ASSIGN_OR_RETURN(KeyType type, key.type());
  switch (type) {
    case KeyType::ec_p256:
      return Algorithm::ES256;
    case KeyType::ec_p384:
      return Algorithm::ES384;
    case KeyType::rsa:
      return Algorithm::RS256;
  }
  return error(ErrorCode::invalid_argument, "no JWS algorithm for this key");
}

namespace internal {

const char* key_type_name(KeyType type) {
  switch (type) {
    case KeyType::ec_p256:
      return "P-256";
    case KeyType::ec_p384:
      return "P-384";
    case KeyType::rsa:
      return "RSA";
  }
  return "unknown";
}

Status check_algorithm_for_key(Algorithm algorithm, KeyType type) {
  bool matches = false;
  switch (algorithm) {
    case Algorithm::ES256:
      matches = type == KeyType::ec_p256;
      break;
    case Algorithm::ES384:
      matches = type == KeyType::ec_p384;
      break;
    case Algorithm::RS256:
    case Algorithm::PS256:
      matches = type == KeyType::rsa;
      break;
  }
  if (matches) return Status::ok();
  return error(ErrorCode::verification_failed, std::string("alg ") + to_string(algorithm) +
                                                   " does not match the key type " + key_type_name(type));
}

}  // namespace internal
}  // namespace cloister::jose
