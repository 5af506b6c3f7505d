// HMAC (RFC 2104) and HKDF (RFC 5869).
#pragma once

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "crypto/sha.h"

namespace cloister::crypto {

Bytes hmac(HashAlgorithm algorithm, ByteView key, ByteView data);
inline Bytes hmac_sha256(ByteView key, ByteView data) {
  return hmac(HashAlgorithm::sha256, key, data);
}

Result<SecretBytes> hkdf(HashAlgorithm algorithm, ByteView ikm, ByteView salt, ByteView info,
                         std::size_t length);

}  // namespace cloister::crypto
