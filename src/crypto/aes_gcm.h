// AES-256-GCM authenticated encryption, 12-byte IV, 16-byte tag.
#pragma once

#include "cloister/bytes.h"
#include "cloister/result.h"

namespace cloister::crypto {

inline constexpr std::size_t kAesGcmKeySize = 32;
inline constexpr std::size_t kAesGcmIvSize = 12;
inline constexpr std::size_t kAesGcmTagSize = 16;

// Returns ciphertext || tag.
Result<Bytes> aes_gcm_encrypt(ByteView key, ByteView iv, ByteView aad, ByteView plaintext);
// Takes ciphertext || tag; a tag mismatch is ErrorCode::crypto_error "authentication tag mismatch".
Result<SecretBytes> aes_gcm_decrypt(ByteView key, ByteView iv, ByteView aad, ByteView ciphertext_and_tag);

}  // namespace cloister::crypto
