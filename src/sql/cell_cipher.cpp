#include "sql/cell_cipher.h"

#include <string_view>

#include "crypto/aes_cbc.h"
#include "crypto/constant_time.h"
#include "crypto/hmac.h"
#include "crypto/rng.h"
#include "sql/utf16.h"

namespace cloister::sql {
namespace {

// SQL Server's derivation labels; the key length in them is the CEK's, in bits.
constexpr std::string_view kEncryptionKeyLabel =
    "Microsoft SQL Server cell encryption key with encryption algorithm:AEAD_AES_256_CBC_HMAC_SHA256 and key "
    "length:256";
constexpr std::string_view kMacKeyLabel =
    "Microsoft SQL Server cell MAC key with encryption algorithm:AEAD_AES_256_CBC_HMAC_SHA256 and key "
    "length:256";
constexpr std::string_view kIvKeyLabel =
    "Microsoft SQL Server cell IV key with encryption algorithm:AEAD_AES_256_CBC_HMAC_SHA256 and key "
    "length:256";

// The labels are ASCII, so their UTF-16LE form cannot fail.
SecretBytes derive(ByteView cek, std::string_view label) {
  Result<Bytes> utf16 = utf16le_from_utf8(label);
  return SecretBytes(crypto::hmac_sha256(cek, *utf16));
}

}  // namespace

Result<CellKey> CellKey::create(ByteView column_encryption_key) {
  if (column_encryption_key.size() != kColumnKeySize) {
    return error(ErrorCode::invalid_argument,
                 "a column encryption key for AEAD_AES_256_CBC_HMAC_SHA256 is 32 bytes, got " +
                     std::to_string(column_encryption_key.size()));
  }
  return CellKey(derive(column_encryption_key, kEncryptionKeyLabel),
                 derive(column_encryption_key, kMacKeyLabel), derive(column_encryption_key, kIvKeyLabel));
}

Bytes CellKey::deterministic_iv(ByteView plaintext) const {
  Bytes iv = crypto::hmac_sha256(iv_key_, plaintext);
  iv.resize(kCellIvSize);
  return iv;
}

Bytes CellKey::tag(ByteView iv, ByteView ciphertext) const {
  Bytes authenticated;
  authenticated.reserve(1 + iv.size() + ciphertext.size() + 1);
  authenticated.push_back(kCellVersion);
  authenticated.insert(authenticated.end(), iv.begin(), iv.end());
  authenticated.insert(authenticated.end(), ciphertext.begin(), ciphertext.end());
  authenticated.push_back(1);  // sizeof(version byte)
  return crypto::hmac_sha256(mac_key_, authenticated);
}

Result<Bytes> CellKey::encrypt(ByteView plaintext, EncryptionType type) const {
  if (type == EncryptionType::deterministic) return encrypt_with_iv(plaintext, deterministic_iv(plaintext));
  CLOISTER_ASSIGN_OR_RETURN(Bytes iv, crypto::random_bytes(kCellIvSize));
  return encrypt_with_iv(plaintext, iv);
}

Result<Bytes> CellKey::encrypt_with_iv(ByteView plaintext, ByteView iv) const {
  if (iv.size() != kCellIvSize) {
    return error(ErrorCode::invalid_argument, "a cell IV is 16 bytes, got " + std::to_string(iv.size()));
  }
  CLOISTER_ASSIGN_OR_RETURN(Bytes ciphertext, crypto::aes_256_cbc_encrypt(enc_key_, iv, plaintext));
  Bytes cell;
  cell.reserve(1 + kCellTagSize + kCellIvSize + ciphertext.size());
  cell.push_back(kCellVersion);
  const Bytes mac = tag(iv, ciphertext);
  cell.insert(cell.end(), mac.begin(), mac.end());
  cell.insert(cell.end(), iv.begin(), iv.end());
  cell.insert(cell.end(), ciphertext.begin(), ciphertext.end());
  return cell;
}

Result<CellParts> split_cell(ByteView cell) {
  if (cell.size() < kCellMinSize) {
    return error(ErrorCode::decode_error, "an encrypted cell is at least " + std::to_string(kCellMinSize) +
                                              " bytes (version, tag, IV, one block), got " +
                                              std::to_string(cell.size()));
  }
  if (cell[0] != kCellVersion) {
    return error(ErrorCode::decode_error, "the cell's version byte is " + std::to_string(cell[0]) +
                                              ", AEAD_AES_256_CBC_HMAC_SHA256 cells have version 1");
  }
  CellParts parts{cell.subspan(1, kCellTagSize), cell.subspan(1 + kCellTagSize, kCellIvSize),
                  cell.subspan(1 + kCellTagSize + kCellIvSize)};
  if (parts.ciphertext.size() % 16 != 0) {
    return error(ErrorCode::decode_error, "the cell's ciphertext of " +
                                              std::to_string(parts.ciphertext.size()) +
                                              " bytes is not a whole number of AES blocks: truncated?");
  }
  return parts;
}

Result<SecretBytes> CellKey::decrypt(ByteView cell) const {
  CLOISTER_ASSIGN_OR_RETURN(const CellParts parts, split_cell(cell));
  const ByteView stored_tag = parts.tag;
  const ByteView iv = parts.iv;
  const ByteView ciphertext = parts.ciphertext;
  if (!crypto::constant_time_equal(tag(iv, ciphertext), stored_tag)) {
    return error(ErrorCode::crypto_error,
                 "the cell's authentication tag does not match: tampered, or another key");
  }
  Result<SecretBytes> plaintext = crypto::aes_256_cbc_decrypt(enc_key_, iv, ciphertext);
  if (!plaintext.is_ok()) {
    // Only the key's holder can make a valid tag over bad padding.
    return plaintext.status().with_context(
        "the cell's tag is valid but its padding is not (a faulty encryptor)");
  }
  return plaintext;
}

}  // namespace cloister::sql
