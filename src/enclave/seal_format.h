// The sealed-blob format. A blob is
//
//   header (57 bytes, wire-encoded SealHeader below) || AES-256-GCM ciphertext || 16-byte tag
//
// with the key from the platform for (policy, svn, key_id) and GCM additional
// data = encoded header || caller's aad. The header is authenticated, so a
// blob cannot be relabelled to another policy or version. The caller's aad is
// not stored. key_id and iv are fresh random values for every blob, so every
// blob has its own key and a (key, iv) pair never repeats.
#pragma once

#include <array>
#include <cstdint>
#include <functional>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "cloister/seal.h"
#include "cloister/wire.h"

namespace cloister::enclave {

inline constexpr std::array<std::uint8_t, 8> kSealMagic = {'C', 'L', 'S', 'E', 'A', 'L', '0', '1'};
inline constexpr std::uint16_t kSealFormatVersion = 1;

struct SealHeader {
  std::array<std::uint8_t, 8> magic = kSealMagic;
  std::uint16_t version = kSealFormatVersion;
  SealPolicy policy = SealPolicy::unique;
  std::uint16_t svn = 0;                  // the sealing enclave's security version
  std::array<std::uint8_t, 32> key_id{};  // random; input to key derivation
  std::array<std::uint8_t, 12> iv{};      // random GCM nonce
  CLOISTER_FIELDS(magic, version, policy, svn, key_id, iv)
};

inline constexpr std::size_t kSealHeaderSize = 8 + 2 + 1 + 2 + 32 + 12;

// Returns the 32-byte AES key for the calling enclave; in an enclave this asks
// the platform (PlatformIdentity::derive_seal_key), which refuses an svn newer
// than the enclave's own.
using SealKeyProvider =
    std::function<Result<SecretBytes>(SealPolicy policy, std::uint16_t svn, ByteView key_id)>;

Result<Bytes> seal_blob(const SealKeyProvider& keys, SealPolicy policy, std::uint16_t svn, ByteView aad,
                        ByteView plaintext);
Result<SecretBytes> unseal_blob(const SealKeyProvider& keys, ByteView blob, ByteView aad);

}  // namespace cloister::enclave
