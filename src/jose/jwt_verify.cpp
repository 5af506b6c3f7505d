// JWT verification: the signature by the header's kid, then the registered
// time and issuer claims (RFC 7519 §4.1).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>

#include "jose/jose.h"
#include "jose/jose_internal.h"

namespace cloister::jose {

using nlohmann::json;

namespace {

// RFC 7519 NumericDate: any JSON number, possibly fractional. Doubles are
// exact for every second until the year 285 million.
Result<std::optional<double>> numeric_date(const json& payload, const char* name) {
  const auto claim = payload.find(name);
  if (claim == payload.end()) return std::optional<double>();
  if (!claim->is_number()) {
    return error(ErrorCode::decode_error, std::string("claim \"") + name + "\" is not a number");
  }
  return std::optional<double>(claim->get<double>());
}

std::string format_time(double seconds) {
  char text[64];
  if (std::fabs(seconds) >= 1e15) {
    std::snprintf(text, sizeof(text), "%g", seconds);
  } else if (std::floor(seconds) == seconds) {
    std::snprintf(text, sizeof(text), "%.0f", seconds);
  } else {
    std::snprintf(text, sizeof(text), "%.3f", seconds);
  }
  return text;
}

Status check_times(const json& payload, const ValidationOptions& options, double now) {
  const auto leeway = static_cast<double>(options.leeway_seconds);
  CLOISTER_ASSIGN_OR_RETURN(std::optional<double> exp, numeric_date(payload, "exp"));
  CLOISTER_ASSIGN_OR_RETURN(std::optional<double> nbf, numeric_date(payload, "nbf"));
  CLOISTER_ASSIGN_OR_RETURN(std::optional<double> iat, numeric_date(payload, "iat"));
  if (!exp && options.require_expiry) {
    return error(ErrorCode::verification_failed, "token has no \"exp\" claim and expiry is required");
  }
  // Subtracting from `now` rather than adding to the claim keeps huge
  // attacker-chosen claims from overflowing into the past.
  if (exp && now - leeway >= *exp) {
    return error(ErrorCode::verification_failed,
                 "token expired at " + format_time(*exp) + " (now " + format_time(now) + ")");
  }
  if (nbf && now + leeway < *nbf) {
    return error(ErrorCode::verification_failed,
                 "token is not valid before " + format_time(*nbf) + " (now " + format_time(now) + ")");
  }
  if (iat && now + leeway < *iat) {
    return error(ErrorCode::verification_failed, "token was issued in the future, at " + format_time(*iat) +
                                                     " (now " + format_time(now) + ")");
  }
  return Status::ok();
}

Status check_issuer(const json& payload, const std::string& expected) {
  CLOISTER_ASSIGN_OR_RETURN(const std::string* iss, internal::optional_string(payload, "iss", "JWT payload"));
  if (iss == nullptr) {
    return error(ErrorCode::verification_failed,
                 "token has no \"iss\" claim; expected " + internal::quoted(expected));
  }
  if (*iss != expected) {
    return error(ErrorCode::verification_failed, "token issuer " + internal::quoted(*iss) +
                                                     " is not the expected " + internal::quoted(expected));
  }
  return Status::ok();
}

}  // namespace

Result<json> verify_jwt(std::string_view token, const KeySet& keys, const ValidationOptions& options) {
  if (options.leeway_seconds < 0) return error(ErrorCode::invalid_argument, "leeway must not be negative");
  CLOISTER_ASSIGN_OR_RETURN(DecodedJwt decoded, decode_jwt(token));
  // decode_jwt has checked that alg is present and accepted.
  CLOISTER_ASSIGN_OR_RETURN(Algorithm algorithm,
                            algorithm_from_string(decoded.header["alg"].get_ref<const std::string&>()));
  CLOISTER_ASSIGN_OR_RETURN(const std::string* kid,
                            internal::optional_string(decoded.header, "kid", "JWS header"));
  if (kid == nullptr) return error(ErrorCode::decode_error, "JWS header has no \"kid\"");
  const crypto::PublicKey* key = keys.find(*kid);
  if (key == nullptr)
    return error(ErrorCode::verification_failed, "no key with kid " + internal::quoted(*kid));
  if (Status verified = internal::verify_signature(*key, algorithm, decoded.signing_input, decoded.signature);
      !verified.is_ok()) {
    return verified.with_context("kid " + internal::quoted(*kid));
  }

  const double now = options.now_seconds != 0
                         ? static_cast<double>(options.now_seconds)
                         : static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(
                                                   std::chrono::system_clock::now().time_since_epoch())
                                                   .count());
  CLOISTER_RETURN_IF_ERROR(check_times(decoded.payload, options, now));
  if (options.issuer) CLOISTER_RETURN_IF_ERROR(check_issuer(decoded.payload, *options.issuer));
  return std::move(decoded.payload);
}

}  // namespace cloister::jose
