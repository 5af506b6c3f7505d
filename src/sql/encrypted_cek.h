// A column encryption key (CEK) encrypted by a column master key (CMK), in the
// form SQL Server stores it (sys.column_encryption_key_values.encrypted_value)
// for the RSA_OAEP key encryption algorithm:
//
//   0x01 (version) || u16le key_path_size || u16le ciphertext_size
//   || key_path (UTF-16LE) || RSA-OAEP-SHA1(CMK, CEK) || signature
//
// signature = RSASSA-PKCS1-v1_5 with SHA-256, by the CMK, over every byte
// before it. Whoever holds only the public CMK can wrap but not sign, so a
// value SQL Server hands a client proves it came from the CMK's holder.
#pragma once

#include <string>
#include <string_view>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "crypto/keys.h"
#include "sql/cmk_operations.h"

namespace cloister::sql {

inline constexpr std::uint8_t kEncryptedCekVersion = 0x01;

// The parts of an encrypted CEK value, unchecked beyond its structure.
struct EncryptedCekParts {
  std::string key_path;  // UTF-8
  Bytes ciphertext;
  Bytes signature;
  std::size_t signed_size = 0;  // bytes of the value the signature covers
};

// The key encryption algorithm a CEK value names: RSA_OAEP, the one this
// format is (SQL Server's only one).
Status check_key_encryption_algorithm(std::string_view algorithm);

// Structure only: version, the two lengths, the key path's UTF-16LE and a
// non-empty signature. Nothing is verified.
Result<EncryptedCekParts> parse_encrypted_cek(ByteView value);

// Encrypts `cek` to the CMK's public key and has `sign` sign the value. The
// signature is verified with the public key before the value is returned, so
// a signer that used another key fails here rather than at every unwrap.
Result<Bytes> wrap_cek(const crypto::PublicKey& cmk, const CmkSigner& sign, std::string_view key_path,
                       ByteView cek);
Result<Bytes> wrap_cek(const crypto::PrivateKey& cmk, std::string_view key_path, ByteView cek);

// Checks the structure, that the value names `key_path` (ASCII case-insensitive,
// as SQL Server's key paths are), the sizes against the CMK's modulus and the
// signature with the CMK's public key, and only then hands the ciphertext to
// `unwrap`: a value the CMK's holder did not sign never reaches the key.
Result<SecretBytes> unwrap_cek(const crypto::PublicKey& cmk, const CmkUnwrapper& unwrap,
                               std::string_view key_path, ByteView value);
Result<SecretBytes> unwrap_cek(const crypto::PrivateKey& cmk, std::string_view key_path, ByteView value);

}  // namespace cloister::sql
