// The document a client driver releases column encryption keys in, sealed
// to the server enclave's instance key as a compact JWE (ECDH-ES + A256GCM).
// Its plaintext is JSON:
//
//   {"database":"<database id, hex>",
//    "keys":[{"cek_id":1,"cek_name":"cek1","key":"<base64url(32 bytes)>",
//             "cmk":{"provider":"CLOISTER_KEY_FILE","key_path":"cmk1",
//                    "public_key":"<base64url(SubjectPublicKeyInfo DER)>",
//                    "enclave_signature":"<base64url(CMK metadata signature)>"},
//             "allow_decryption_to_host":true}]}
//
// "allow_decryption_to_host" is optional (absent: false). Only a key released
// with it true may have its cells decrypted to plaintext for the host
// (TransformCell with to_cek_id 0: ALTER COLUMN ... to plaintext); without
// it the enclave compares, matches and re-encrypts, but never hands the host
// a plaintext. A client sets it only for the statement that needs it.
//
// The enclave installs a key only if the signature verifies (cmk_metadata.h)
// with allow_enclave_computations = true: a CMK that is not enclave-enabled
// never has its column keys used inside the enclave, even if a client sends
// them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "crypto/keys.h"

namespace cloister::sql {

struct ReleasedKey {
  std::uint32_t cek_id = 0;
  std::string cek_name;
  SecretBytes key;  // 32 bytes
  std::string cmk_provider;
  std::string cmk_key_path;
  Bytes cmk_public_key_der;  // SubjectPublicKeyInfo
  Bytes cmk_enclave_signature;
  bool allow_decryption_to_host = false;  // "allow_decryption_to_host"; written only when true
};

struct KeyRelease {
  std::string database_id;
  std::vector<ReleasedKey> keys;
};

// Bounds on a release: enough for any real database, small enough that a
// hostile document cannot exhaust the enclave.
inline constexpr std::size_t kMaxReleasedKeys = 256;
inline constexpr std::size_t kMaxDatabaseIdSize = 128;      // hex digits
inline constexpr std::size_t kMaxKeyReleaseNameSize = 512;  // cek_name, provider, key_path (bytes)
inline constexpr std::size_t kMaxCmkPublicKeySize = 4096;   // DER
inline constexpr std::size_t kMaxCmkSignatureSize = 2048;   // RSA-16384

// The document's JSON text (what seal_key_release encrypts), after checking
// the bounds and types parse_key_release_document enforces. Holds the keys.
Result<SecretBytes> key_release_document(const KeyRelease& release);
// The document's JSON, strictly: an object with exactly the members above
// (no others, none repeated, only allow_decryption_to_host optional), every field typed and bounded, cek_ids
// non-zero and distinct, each key 32 bytes. decode_error or out_of_range otherwise. Signatures are not
// checked here (verify_key_release does).
Result<KeyRelease> parse_key_release_document(std::string_view json);
// Each key's CMK signature, with allow_enclave_computations = true:
// permission_denied naming the CEK and CMK whose key is not enclave-enabled
// (or whose signature is not the CMK's).
Status verify_key_release(const KeyRelease& release);

// Client side: the JWE for `enclave_key` (from the verified runtime data).
Result<std::string> seal_key_release(const KeyRelease& release, const crypto::PublicKey& enclave_key);

// Enclave side: decrypts and parses, strictly (bounded sizes, every field
// typed), then verifies each key's CMK signature; a key whose CMK is not
// enclave-enabled fails the whole release with permission_denied naming it.
Result<KeyRelease> open_key_release(std::string_view jwe, const crypto::PrivateKey& enclave_key);

}  // namespace cloister::sql
