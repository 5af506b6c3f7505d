// RSA-OAEP with SHA-1 (label hash and MGF1). Only for SQL Server's Always
// Encrypted, whose "RSA_OAEP" key encryption algorithm is fixed to SHA-1 by
// the format; everything else uses PublicKey::rsa_oaep_encrypt with SHA-2.
// OAEP's security does not rest on SHA-1's collision resistance.
#pragma once

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "crypto/keys.h"

namespace cloister::crypto {

Result<Bytes> rsa_oaep_sha1_encrypt(const PublicKey& key, ByteView plaintext);
Result<SecretBytes> rsa_oaep_sha1_decrypt(const PrivateKey& key, ByteView ciphertext);

}  // namespace cloister::crypto
