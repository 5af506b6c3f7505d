// CellKey's decryption for hot paths: the enclave decrypts a cell for every
// comparison the server asks for, so the HMAC key schedule and the cipher are
// prepared once per key, not per cell. Same format and the same checks as
// CellKey::decrypt (size, version, whole tag in constant time before any
// decryption); a tag that does not match is verification_failed here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "sql/cell_cipher.h"

namespace cloister::sql {

class CellDecryptor {
 public:
  static Result<CellDecryptor> create(ByteView column_encryption_key);

  CellDecryptor(CellDecryptor&&) noexcept;
  CellDecryptor& operator=(CellDecryptor&&) noexcept;
  ~CellDecryptor();

  // Safe to call from several threads at once.
  [[nodiscard]] Result<SecretBytes> decrypt(ByteView cell) const;
  // The same, into a buffer the caller reuses (a batch decrypts thousands of
  // cells without allocating): `out` must hold decrypt_buffer_size(cell.size())
  // bytes. Returns the plaintext's size; the plaintext is out[0, size), and
  // nothing else of it is left in `out`. The caller wipes it when done.
  [[nodiscard]] Result<std::size_t> decrypt_into(ByteView cell, std::span<std::uint8_t> out) const;
  static constexpr std::size_t decrypt_buffer_size(std::size_t cell_size) { return cell_size + 16; }
  // The key itself, for encryption (rarer: re-encryption of a column).
  [[nodiscard]] const CellKey& key() const { return key_; }

 private:
  struct State;
  CellDecryptor(CellKey key, std::unique_ptr<State> state);

  CellKey key_;
  std::unique_ptr<State> state_;
};

}  // namespace cloister::sql
