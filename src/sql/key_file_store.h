// A local column master key store: one RSA private key per file, PKCS#8 PEM,
// in a directory only its owner can read (0700, files 0600). The key path
// SQL Server records for such a CMK is the file name, under the provider name
// CLOISTER_KEY_FILE. For development and tests; production CMKs belong in an
// HSM or a key broker (cloister kbs).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cloister/result.h"
#include "crypto/keys.h"

namespace cloister::sql {

inline constexpr std::string_view kKeyFileProviderName = "CLOISTER_KEY_FILE";

class KeyFileStore {
 public:
  // Creates the directory (0700) if `create` and it is missing.
  static Result<KeyFileStore> open(std::string directory, bool create);

  // A new RSA key of 2048 or 3072 bits; conflict if the name is taken.
  Result<crypto::PrivateKey> create_key(std::string_view name, unsigned rsa_bits = 3072) const;
  [[nodiscard]] Result<crypto::PrivateKey> load(std::string_view name) const;
  // Key names, sorted.
  [[nodiscard]] Result<std::vector<std::string>> list() const;

  [[nodiscard]] const std::string& directory() const { return directory_; }

  // Names are file names: letters, digits, '.', '_' and '-', not starting
  // with '.', at most 128 characters, so a key path cannot leave the store.
  static Status check_name(std::string_view name);

 private:
  explicit KeyFileStore(std::string directory) : directory_(std::move(directory)) {}
  [[nodiscard]] std::string path_of(std::string_view name) const;

  std::string directory_;
};

}  // namespace cloister::sql
