// CellKey's decryption for hot paths: the enclave decrypts a cell for every
// comparison the server asks for, so the HMAC key schedule and the cipher are
// prepared once per key, not per cell. Same format and the same checks as
// CellKey::decrypt (size, version, whole tag in constant time before any
// decryption); a tag that does not match is verification_failed here.
#pragma once

#include <memory>

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
  // The key itself, for encryption (rarer: re-encryption of a column).
  [[nodiscard]] const CellKey& key() const { return key_; }

 private:
  struct State;
  CellDecryptor(CellKey key, std::unique_ptr<State> state);

  CellKey key_;
  std::unique_ptr<State> state_;
};

}  // namespace cloister::sql
