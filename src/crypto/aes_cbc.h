// AES-256-CBC with PKCS#7 padding: unauthenticated on its own, so only for
// formats that authenticate the ciphertext first (Always Encrypted's cells
// are encrypt-then-MAC with HMAC-SHA256).
#pragma once

#include "cloister/bytes.h"
#include "cloister/result.h"

namespace cloister::crypto {

inline constexpr std::size_t kAesCbcKeySize = 32;
inline constexpr std::size_t kAesBlockSize = 16;

Result<Bytes> aes_256_cbc_encrypt(ByteView key, ByteView iv, ByteView plaintext);
// The caller must have authenticated `ciphertext`: a padding error is reported
// as such, which would be a padding oracle on unauthenticated input.
Result<SecretBytes> aes_256_cbc_decrypt(ByteView key, ByteView iv, ByteView ciphertext);

}  // namespace cloister::crypto
