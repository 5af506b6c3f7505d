// The sample's encrypted file: "CLSKR1" || 12-byte IV || AES-256-GCM
// ciphertext || 16-byte tag, with the magic as additional data.
#pragma once

#include <algorithm>
#include <string_view>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "crypto/aes_gcm.h"
#include "crypto/rng.h"

namespace skr {

inline constexpr std::string_view kMagic = "CLSKR1";
inline constexpr std::size_t kIvSize = 12;

inline cloister::Result<cloister::Bytes> encrypt_file(cloister::ByteView key, cloister::ByteView plaintext) {
  CLOISTER_ASSIGN_OR_RETURN(cloister::Bytes iv, cloister::crypto::random_bytes(kIvSize));
  CLOISTER_ASSIGN_OR_RETURN(cloister::Bytes sealed, cloister::crypto::aes_gcm_encrypt(
                                                        key, iv, cloister::as_bytes(kMagic), plaintext));
  cloister::Bytes out(kMagic.begin(), kMagic.end());
  out.insert(out.end(), iv.begin(), iv.end());
  out.insert(out.end(), sealed.begin(), sealed.end());
  return out;
}

inline cloister::Result<cloister::SecretBytes> decrypt_file(cloister::ByteView key, cloister::ByteView file) {
  if (file.size() < kMagic.size() + kIvSize + 16 || !std::equal(kMagic.begin(), kMagic.end(), file.begin())) {
    return cloister::Status(cloister::ErrorCode::decode_error, "not a secure_key_release sample file");
  }
  const auto iv = file.subspan(kMagic.size(), kIvSize);
  const auto sealed = file.subspan(kMagic.size() + kIvSize);
  return cloister::crypto::aes_gcm_decrypt(key, iv, cloister::as_bytes(kMagic), sealed);
}

}  // namespace skr
