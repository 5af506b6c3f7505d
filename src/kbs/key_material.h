// The keys the broker holds: what kinds exist, how they are made or
// imported, and how their material is expressed as a private JWK for release.
// Material is always SecretBytes: raw bytes for oct, PKCS#8 DER for EC/RSA.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "cloister/bytes.h"
#include "cloister/result.h"

namespace cloister::kbs {

enum class KeyKind { oct, ec, rsa };

struct KeySpec {
  KeyKind kind = KeyKind::oct;
  unsigned size = 256;  // bits: oct 256, EC 256 (P-256), RSA 2048 or 3072
};

const char* to_string(KeyKind kind);  // the JWK kty: "oct", "EC", "RSA"
Result<KeyKind> key_kind_from_string(std::string_view kty);
// Fills in the default size for the kind when `size` is 0 and checks it.
Result<KeySpec> make_key_spec(std::string_view kty, unsigned size);

Result<SecretBytes> generate_material(const KeySpec& spec);

// Import: {"kty":"oct","k":"<base64url of 32 bytes>"} or
// {"pem":"-----BEGIN PRIVATE KEY-----..."} (PKCS#8 EC P-256 or RSA 2048/3072).
struct ImportedKey {
  KeySpec spec;
  SecretBytes material;
};
Result<ImportedKey> import_material(const nlohmann::json& request);

// The private JWK as JSON text, in a buffer that wipes itself:
// {"kty":"oct","k"} / {"kty":"EC","crv","x","y","d"} / {"kty":"RSA","n","e","d","p","q","dp","dq","qi"}.
Result<SecretBytes> private_jwk_text(KeyKind kind, ByteView material, std::string_view kid);

// The public half as a JWK for metadata; null for oct keys.
Result<nlohmann::json> public_jwk_of(KeyKind kind, ByteView material);

}  // namespace cloister::kbs
