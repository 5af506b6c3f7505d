// Internal to src/jose: parsing helpers shared by JWK, JWS and JWE. Every
// input here is untrusted text, so each helper bounds what it accepts and
// returns a Status naming the part that was wrong.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "crypto/keys.h"
#include "jose/jose.h"

namespace cloister::jose::internal {

// Nesting allowed in headers, claims and JWKs: real ones are a few levels
// deep, and a bound keeps recursive copies and dumps of them shallow.
inline constexpr int kMaxJsonDepth = 32;

// Unpadded base64url only (RFC 7515 §2): no '=', no other alphabet, no
// non-zero trailing bits, so every byte string has exactly one encoding.
Result<Bytes> decode_base64url(std::string_view text, std::string_view what);

// Parses `text` as a JSON object; refuses invalid JSON, duplicate member
// names (which parsers resolve differently) and nesting past kMaxJsonDepth.
Result<nlohmann::json> parse_object(std::string_view text, std::string_view what);

// Serializes without letting nlohmann's exception for non-UTF-8 strings escape.
Result<std::string> dump_json(const nlohmann::json& value, std::string_view what);

// Splits a compact serialization into exactly `parts` dot-separated pieces.
Result<std::vector<std::string_view>> split_compact(std::string_view token, std::size_t parts,
                                                    std::string_view what);

// The member `name` when it is present and a string; null when absent; an
// error when present with another type.
Result<const std::string*> optional_string(const nlohmann::json& object, const char* name,
                                           std::string_view what);

// Attacker-chosen text (a kid, an issuer) made safe for an error message:
// quoted, printable ASCII only, truncated.
std::string quoted(std::string_view text);

// The JWK members that define a public key (kty, crv, x, y / kty, n, e):
// what a thumbprint hashes and an epk carries.
Result<nlohmann::json> key_members(const crypto::PublicKey& key);

const char* key_type_name(crypto::KeyType type);  // "P-256", "P-384", "RSA"
// Refuses an algorithm the key cannot produce: the defence against
// algorithm confusion (an RS256 header on an EC key, ...).
Status check_algorithm_for_key(Algorithm algorithm, crypto::KeyType type);

// Whether the first certificate of an x5c chain (DER, leaf first) certifies
// `key`; the caller picks the error a mismatch becomes.
Result<bool> x5c_leaf_holds(const std::vector<Bytes>& x5c, const crypto::PublicKey& key);

// A JWS signature over `signing_input` with `key`, whose type must suit
// `algorithm`; a bad signature is verification_failed "signature does not verify".
Status verify_signature(const crypto::PublicKey& key, Algorithm algorithm, std::string_view signing_input,
                        ByteView signature);

}  // namespace cloister::jose::internal
