// Always Encrypted's cell format, AEAD_AES_256_CBC_HMAC_SHA256, byte for byte
// as SQL Server and its drivers write it, so cells this code makes can be
// stored by SQL Server and cells SQL Server made can be read here:
//
//   cell = 0x01 (version) || tag[32] || iv[16] || AES-256-CBC(enc_key, iv, PKCS#7(plaintext))
//   tag  = HMAC-SHA256(mac_key, 0x01 || iv || ciphertext || 0x01)
//
// The tag's last byte is the version byte's length (1), not the version.
// enc_key, mac_key and iv_key are HMAC-SHA256(CEK, UTF-16LE(label)).
#pragma once

#include "cloister/bytes.h"
#include "cloister/result.h"

namespace cloister::sql {

// Deterministic cells of equal plaintexts are equal (equality lookups work on
// ciphertext, and leak equality); randomized cells never repeat.
enum class EncryptionType { deterministic, randomized };

inline constexpr std::uint8_t kCellVersion = 0x01;
inline constexpr std::size_t kColumnKeySize = 32;
inline constexpr std::size_t kCellTagSize = 32;
inline constexpr std::size_t kCellIvSize = 16;
// Version, tag, IV and one block: PKCS#7 pads even an empty plaintext.
inline constexpr std::size_t kCellMinSize = 1 + kCellTagSize + kCellIvSize + 16;

// A cell split into its parts, after the checks that need no key: size,
// version byte, whole AES blocks. The views point into the cell.
struct CellParts {
  ByteView tag;
  ByteView iv;
  ByteView ciphertext;
};
Result<CellParts> split_cell(ByteView cell);

// The three keys derived from one column encryption key (CEK), wiped when
// this is destroyed.
class CellKey {
 public:
  static Result<CellKey> create(ByteView column_encryption_key);

  [[nodiscard]] Result<Bytes> encrypt(ByteView plaintext, EncryptionType type) const;
  // A cell with a caller-chosen IV: for known-answer tests and for
  // re-creating a randomized cell; never reuse an IV to encrypt new data.
  [[nodiscard]] Result<Bytes> encrypt_with_iv(ByteView plaintext, ByteView iv) const;
  // Checks size, version and the whole tag (in constant time) before any
  // decryption, so padding errors are only reachable with a valid tag.
  [[nodiscard]] Result<SecretBytes> decrypt(ByteView cell) const;

  // HMAC-SHA256(iv_key, plaintext)[0:16].
  [[nodiscard]] Bytes deterministic_iv(ByteView plaintext) const;

 private:
  friend class CellDecryptor;  // prepares OpenSSL state from the derived keys (cell_decryptor.h)

  CellKey(SecretBytes enc_key, SecretBytes mac_key, SecretBytes iv_key)
      : enc_key_(std::move(enc_key)), mac_key_(std::move(mac_key)), iv_key_(std::move(iv_key)) {}

  [[nodiscard]] Bytes tag(ByteView iv, ByteView ciphertext) const;

  SecretBytes enc_key_;
  SecretBytes mac_key_;
  SecretBytes iv_key_;
};

}  // namespace cloister::sql
