#include <gtest/gtest.h>

#include <limits>

#include "crypto/x509.h"
#include "jose/jose.h"
#include "jose/test/test_keys.h"

namespace cloister::jose {
namespace {

using crypto::KeyType;
using nlohmann::json;
using testing::test_key;

constexpr std::int64_t kNow = 1700000000;

ValidationOptions at_now() {
  ValidationOptions options;
  options.now_seconds = kNow;
  return options;
}

json claims() {
  return {{"iss", "https://attest.example"}, {"sub", "enclave"}, {"exp", kNow + 600}, {"iat", kNow}};
}

KeySet test_keys() {
  KeySet keys;
  keys.add("p256", test_key(KeyType::ec_p256).public_key());
  keys.add("p384", test_key(KeyType::ec_p384).public_key());
  keys.add("rsa", test_key(KeyType::rsa).public_key());
  return keys;
}

std::string sign(const json& payload, KeyType type, const char* kid,
                 std::optional<Algorithm> algorithm = {}) {
  SignOptions options;
  options.kid = kid;
  options.algorithm = algorithm;
  auto token = sign_jwt(payload, test_key(type), options);
  EXPECT_TRUE(token.is_ok()) << token.status().to_string();
  return token.is_ok() ? *token : std::string();
}

std::string part(const std::string& token, int index) {
  std::size_t start = 0;
  for (int i = 0; i < index; ++i) start = token.find('.', start) + 1;
  return token.substr(start, token.find('.', start) - start);
}

// A token whose header is `header` and whose payload and signature come from `token`.
std::string with_header(const std::string& token, const json& header) {
  return to_base64url(as_bytes(header.dump())) + "." + part(token, 1) + "." + part(token, 2);
}

void expect_refused(std::string_view token, ErrorCode code, const std::string& fragment,
                    const ValidationOptions& options = at_now()) {
  auto payload = verify_jwt(token, test_keys(), options);
  ASSERT_FALSE(payload.is_ok()) << token;
  EXPECT_EQ(payload.status().code(), code) << payload.status().to_string();
  EXPECT_NE(payload.status().message().find(fragment), std::string::npos) << payload.status().to_string();
}

TEST(JwsKnownAnswer, Rfc7515A2Rs256) {
  auto key = crypto::PublicKey::from_rsa_components(testing::b64url(testing::kRfc7515RsaN), Bytes{1, 0, 1});
  ASSERT_TRUE(key.is_ok()) << key.status().to_string();
  auto decoded = decode_jwt(testing::kRfc7515A2Token);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(decoded->header, json({{"alg", "RS256"}}));
  EXPECT_EQ(decoded->payload["iss"], "joe");
  EXPECT_EQ(decoded->payload["exp"], testing::kRfc7515Exp);
  EXPECT_TRUE(verify_signature(*decoded, *key).is_ok());
  decoded->signing_input.back() ^= 1;
  EXPECT_EQ(verify_signature(*decoded, *key).code(), ErrorCode::verification_failed);
}

TEST(JwsKnownAnswer, Rfc7515A3Es256) {
  auto key = key_from_jwk(
      {{"kty", "EC"}, {"crv", "P-256"}, {"x", testing::kRfc7515EcX}, {"y", testing::kRfc7515EcY}});
  ASSERT_TRUE(key.is_ok()) << key.status().to_string();
  auto decoded = decode_jwt(testing::kRfc7515A3Token);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(decoded->payload["http://example.com/is_root"], true);
  EXPECT_TRUE(verify_signature(*decoded, *key).is_ok());
  // The right signature under the wrong key family is refused before any math.
  EXPECT_EQ(verify_signature(*decoded, test_key(KeyType::rsa).public_key()).code(),
            ErrorCode::verification_failed);
  decoded->signature[10] ^= 0x20;
  EXPECT_EQ(verify_signature(*decoded, *key).code(), ErrorCode::verification_failed);
}

TEST(Jwt, RoundTripsEveryAlgorithm) {
  const struct {
    KeyType type;
    const char* kid;
    Algorithm algorithm;
    std::size_t signature_size;
  } cases[] = {{KeyType::ec_p256, "p256", Algorithm::ES256, 64},
               {KeyType::ec_p384, "p384", Algorithm::ES384, 96},
               {KeyType::rsa, "rsa", Algorithm::RS256, 256},
               {KeyType::rsa, "rsa", Algorithm::PS256, 256}};
  for (const auto& c : cases) {
    const std::string token = sign(claims(), c.type, c.kid, c.algorithm);
    auto decoded = decode_jwt(token);
    ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
    EXPECT_EQ(decoded->header, json({{"alg", to_string(c.algorithm)}, {"kid", c.kid}, {"typ", "JWT"}}));
    EXPECT_EQ(decoded->signature.size(), c.signature_size);
    auto payload = verify_jwt(token, test_keys(), at_now());
    ASSERT_TRUE(payload.is_ok()) << to_string(c.algorithm) << ": " << payload.status().to_string();
    EXPECT_EQ(*payload, claims());
  }
}

TEST(Jwt, DefaultsAlgorithmAndKid) {
  EXPECT_EQ(*default_algorithm(test_key(KeyType::ec_p256).public_key()), Algorithm::ES256);
  EXPECT_EQ(*default_algorithm(test_key(KeyType::ec_p384).public_key()), Algorithm::ES384);
  EXPECT_EQ(*default_algorithm(test_key(KeyType::rsa).public_key()), Algorithm::RS256);
  const crypto::PublicKey key = test_key(KeyType::ec_p384).public_key();
  const std::string token = sign(claims(), KeyType::ec_p384, "");
  auto decoded = decode_jwt(token);
  ASSERT_TRUE(decoded.is_ok());
  EXPECT_EQ(decoded->header["alg"], "ES384");
  EXPECT_EQ(decoded->header["kid"], *thumbprint(key));
  auto keys = KeySet::from_jwks({{"keys", {*public_jwk(key)}}});
  ASSERT_TRUE(keys.is_ok());
  EXPECT_TRUE(verify_jwt(token, *keys, at_now()).is_ok()) << "the default kid matches public_jwk's";
}

TEST(Jwt, SigningRefusesMismatchedOptions) {
  SignOptions options;
  options.kid = "k";
  options.algorithm = Algorithm::RS256;
  EXPECT_EQ(sign_jwt(claims(), test_key(KeyType::ec_p256), options).status().code(),
            ErrorCode::invalid_argument);
  options.algorithm = Algorithm::ES384;
  EXPECT_EQ(sign_jwt(claims(), test_key(KeyType::ec_p256), options).status().code(),
            ErrorCode::invalid_argument);
  options.algorithm.reset();
  EXPECT_EQ(sign_jwt(json::array(), test_key(KeyType::ec_p256), options).status().code(),
            ErrorCode::invalid_argument);
  EXPECT_EQ(sign_jwt({{"name", "\xff\xfe"}}, test_key(KeyType::ec_p256), options).status().code(),
            ErrorCode::invalid_argument)
      << "invalid UTF-8 is an error, not an exception";
  EXPECT_EQ(sign_jwt({{"big", std::string(kMaxTokenBytes, 'a')}}, test_key(KeyType::ec_p256), options)
                .status()
                .code(),
            ErrorCode::out_of_range);
  EXPECT_FALSE(sign_jwt(claims(), crypto::PrivateKey(), options).is_ok());
}

TEST(Jwt, X5cHeaderCarriesTheSigningCertificate) {
  const crypto::PrivateKey& key = test_key(KeyType::ec_p256);
  crypto::CertificateRequest request;
  request.subject_common_name = "signer";
  const Bytes leaf = *(*crypto::issue_certificate(request, key.public_key(), key, nullptr)).to_der();
  SignOptions options;
  options.kid = "p256";
  options.x5c = {leaf};
  auto token = sign_jwt(claims(), key, options);
  ASSERT_TRUE(token.is_ok()) << token.status().to_string();
  EXPECT_EQ(decode_jwt(*token)->header["x5c"], json({to_base64(leaf)}));
  EXPECT_TRUE(verify_jwt(*token, test_keys(), at_now()).is_ok());
  EXPECT_EQ(sign_jwt(claims(), test_key(KeyType::ec_p384), options).status().code(),
            ErrorCode::invalid_argument)
      << "the leaf must be the signing key's certificate";
}

TEST(Jwt, TamperingIsDetected) {
  const std::string token = sign(claims(), KeyType::ec_p256, "p256");
  json payload = claims();
  payload["sub"] = "someone else";
  expect_refused(part(token, 0) + "." + to_base64url(as_bytes(payload.dump())) + "." + part(token, 2),
                 ErrorCode::verification_failed, "signature does not verify");
  expect_refused(with_header(token, {{"alg", "ES256"}, {"kid", "p256"}, {"typ", "JWS"}}),
                 ErrorCode::verification_failed, "signature does not verify");
  // Flip one bit of the decoded signature, everywhere.
  const Bytes signature = testing::b64url(part(token, 2));
  for (std::size_t i = 0; i < signature.size(); i += 7) {
    Bytes flipped = signature;
    flipped[i] ^= 0x01;
    expect_refused(part(token, 0) + "." + part(token, 1) + "." + to_base64url(flipped),
                   ErrorCode::verification_failed, "signature does not verify");
  }
  expect_refused(part(token, 0) + "." + part(token, 1) + "." +
                     to_base64url(Bytes(signature.begin(), signature.end() - 1)),
                 ErrorCode::verification_failed, "signature does not verify");
}

TEST(Jwt, AlgorithmConfusionIsRefused) {
  const std::string token = sign(claims(), KeyType::ec_p256, "p256");
  expect_refused(with_header(token, {{"alg", "none"}, {"kid", "p256"}}), ErrorCode::invalid_argument,
                 "alg none is not accepted");
  expect_refused(with_header(token, {{"alg", "NONE"}, {"kid", "p256"}}), ErrorCode::invalid_argument,
                 "alg none is not accepted");
  expect_refused(part(with_header(token, {{"alg", "none"}}), 0) + "." + part(token, 1) + ".",
                 ErrorCode::invalid_argument, "alg none is not accepted");
  expect_refused(with_header(token, {{"alg", "HS256"}, {"kid", "p256"}}), ErrorCode::invalid_argument,
                 "\"HS256\" is not accepted");
  expect_refused(with_header(token, {{"alg", "RS256"}, {"kid", "p256"}}), ErrorCode::verification_failed,
                 "alg RS256 does not match the key type P-256");
  expect_refused(with_header(token, {{"alg", "ES384"}, {"kid", "p256"}}), ErrorCode::verification_failed,
                 "alg ES384 does not match the key type P-256");
  const std::string rsa_token = sign(claims(), KeyType::rsa, "rsa", Algorithm::PS256);
  expect_refused(with_header(rsa_token, {{"alg", "ES256"}, {"kid", "rsa"}}), ErrorCode::verification_failed,
                 "does not match the key type RSA");
  // RS256 and PS256 share the key but not the padding.
  expect_refused(with_header(rsa_token, {{"alg", "RS256"}, {"kid", "rsa"}}), ErrorCode::verification_failed,
                 "signature does not verify");
  expect_refused(with_header(token, {{"kid", "p256"}}), ErrorCode::decode_error, "no \"alg\"");
  expect_refused(with_header(token, {{"alg", 256}, {"kid", "p256"}}), ErrorCode::decode_error,
                 "not a string");
}

TEST(Jwt, KeySelectionByKid) {
  const std::string token = sign(claims(), KeyType::ec_p256, "p256");
  expect_refused(with_header(token, {{"alg", "ES256"}, {"kid", "unknown\n"}}), ErrorCode::verification_failed,
                 "no key with kid \"unknown?\"");
  expect_refused(with_header(token, {{"alg", "ES256"}}), ErrorCode::decode_error, "no \"kid\"");
  expect_refused(with_header(token, {{"alg", "ES256"}, {"kid", json::array()}}), ErrorCode::decode_error,
                 "\"kid\" is not a string");
  // Signed by the P-256 key but naming the P-384 one.
  expect_refused(with_header(token, {{"alg", "ES256"}, {"kid", "p384"}}), ErrorCode::verification_failed,
                 "does not match the key type P-384");
  KeySet empty;
  EXPECT_EQ(verify_jwt(token, empty, at_now()).status().code(), ErrorCode::verification_failed);
}

TEST(Jwt, TimeClaims) {
  auto signed_with = [](const json& changes) {
    json payload = claims();
    for (const auto& [name, value] : changes.items()) {
      if (value.is_null()) {
        payload.erase(name);
      } else {
        payload[name] = value;
      }
    }
    return sign(payload, KeyType::ec_p256, "p256");
  };
  expect_refused(signed_with({{"exp", kNow - 61}}), ErrorCode::verification_failed,
                 "token expired at 1699999939");
  EXPECT_TRUE(verify_jwt(signed_with({{"exp", kNow - 59}}), test_keys(), at_now()).is_ok())
      << "within leeway";
  expect_refused(signed_with({{"exp", kNow - 1.5}}), ErrorCode::verification_failed, "expired", [] {
    ValidationOptions options = at_now();
    options.leeway_seconds = 0;
    return options;
  }());
  expect_refused(signed_with({{"nbf", kNow + 120}}), ErrorCode::verification_failed,
                 "not valid before 1700000120");
  EXPECT_TRUE(verify_jwt(signed_with({{"nbf", kNow + 30}}), test_keys(), at_now()).is_ok());
  expect_refused(signed_with({{"iat", kNow + 3600}}), ErrorCode::verification_failed, "issued in the future");
  expect_refused(signed_with({{"exp", nullptr}}), ErrorCode::verification_failed, "no \"exp\"");
  ValidationOptions no_expiry = at_now();
  no_expiry.require_expiry = false;
  EXPECT_TRUE(verify_jwt(signed_with({{"exp", nullptr}}), test_keys(), no_expiry).is_ok());
  expect_refused(signed_with({{"exp", "1800000000"}}), ErrorCode::decode_error, "\"exp\" is not a number");
  expect_refused(signed_with({{"nbf", true}}), ErrorCode::decode_error, "\"nbf\" is not a number");
  expect_refused(signed_with({{"iat", json::object()}}), ErrorCode::decode_error, "\"iat\" is not a number");
  // A huge exp is far future, not an overflow into the past.
  EXPECT_TRUE(
      verify_jwt(signed_with({{"exp", std::numeric_limits<std::int64_t>::max()}}), test_keys(), at_now())
          .is_ok());
  EXPECT_TRUE(verify_jwt(signed_with({{"exp", 1e300}}), test_keys(), at_now()).is_ok());
  expect_refused(signed_with({{"exp", -1e300}}), ErrorCode::verification_failed, "expired");
  // The system clock is used when now is 0: a 2023 expiry has passed.
  ValidationOptions system_clock;
  expect_refused(signed_with({}), ErrorCode::verification_failed, "expired", system_clock);
  ValidationOptions negative = at_now();
  negative.leeway_seconds = -1;
  expect_refused(signed_with({}), ErrorCode::invalid_argument, "leeway", negative);
}

TEST(Jwt, Issuer) {
  const std::string token = sign(claims(), KeyType::rsa, "rsa");
  ValidationOptions options = at_now();
  options.issuer = "https://attest.example";
  EXPECT_TRUE(verify_jwt(token, test_keys(), options).is_ok());
  options.issuer = "https://other.example";
  expect_refused(token, ErrorCode::verification_failed, "is not the expected \"https://other.example\"",
                 options);
  json no_iss = claims();
  no_iss.erase("iss");
  expect_refused(sign(no_iss, KeyType::rsa, "rsa"), ErrorCode::verification_failed, "no \"iss\"", options);
  no_iss["iss"] = 42;
  expect_refused(sign(no_iss, KeyType::rsa, "rsa"), ErrorCode::decode_error, "\"iss\" is not a string",
                 options);
}

TEST(Jwt, MalformedTokensAreRefused) {
  const std::string token = sign(claims(), KeyType::ec_p256, "p256");
  const std::string header = part(token, 0);
  const std::string payload = part(token, 1);
  const std::string signature = part(token, 2);
  expect_refused("", ErrorCode::decode_error, "1 parts, not 3");
  expect_refused("garbage", ErrorCode::decode_error, "1 parts");
  expect_refused(header + "." + payload, ErrorCode::decode_error, "2 parts");
  expect_refused(token + "." + signature, ErrorCode::decode_error, "4 parts");
  expect_refused(token + ".", ErrorCode::decode_error, "4 parts");
  expect_refused("..", ErrorCode::decode_error, "JWS header is not valid JSON");
  expect_refused(header + ".." + signature, ErrorCode::decode_error, "JWT payload is not valid JSON");
  expect_refused(header + "." + payload + ".", ErrorCode::decode_error, "signature is empty");
  expect_refused(header + "=." + payload + "." + signature, ErrorCode::decode_error, "padded");
  expect_refused(header + "." + payload + "." + signature + "!", ErrorCode::decode_error,
                 "JWS signature is not base64url");
  expect_refused("e30." + payload + "." + signature, ErrorCode::decode_error, "no \"alg\"");  // {}
  auto encoded = [](std::string_view text) { return to_base64url(as_bytes(text)); };
  expect_refused(encoded("[\"ES256\"]") + "." + payload + "." + signature, ErrorCode::decode_error,
                 "JWS header is not a JSON object");
  expect_refused(
      encoded("{\"alg\":\"none\",\"alg\":\"ES256\",\"kid\":\"p256\"}") + "." + payload + "." + signature,
      ErrorCode::decode_error, "repeats a member name");
  expect_refused(encoded("{\"alg\":\"ES256\",\"kid\":\"p256\"} x") + "." + payload + "." + signature,
                 ErrorCode::decode_error, "not valid JSON");
  expect_refused(header + "." + encoded("[1,2]") + "." + signature, ErrorCode::decode_error,
                 "JWT payload is not a JSON object");
  expect_refused(header + "." + encoded(std::string(40, '[') + std::string(40, ']')) + "." + signature,
                 ErrorCode::decode_error, "nests deeper");
  expect_refused(with_header(token, {{"alg", "ES256"}, {"kid", "p256"}, {"crit", {"exp"}}}),
                 ErrorCode::invalid_argument, "crit");
  const std::string oversize = header + "." + std::string(kMaxTokenBytes, 'A') + "." + signature;
  expect_refused(oversize, ErrorCode::out_of_range, "exceeds the limit of 65536");
  EXPECT_EQ(decode_jwt(oversize).status().code(), ErrorCode::out_of_range);
}

}  // namespace
}  // namespace cloister::jose
