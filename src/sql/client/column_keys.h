// The column encryption keys a connection has learnt of (from /describe) and
// unwrapped (with a key store provider), by CEK id. Keys stay in memory as
// SecretBytes and are wiped when the cache is cleared or destroyed.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "cloister/sql_client.h"
#include "sql/cell_cipher.h"
#include "sql/client/protocol.h"
#include "sql/key_release.h"

namespace cloister::sql::client {

class ColumnKeys {
 public:
  explicit ColumnKeys(std::vector<std::shared_ptr<KeyStoreProvider>> providers)
      : providers_(std::move(providers)) {}

  // Records the metadata of these keys; a key whose encrypted value changed
  // (the CEK was rotated) is unwrapped again on next use.
  void learn(const std::vector<CekInfo>& ceks);
  void clear() { keys_.clear(); }

  // The cell key of CEK `id`, unwrapping it on first use.
  Result<const CellKey*> cell_key(std::uint32_t id);

  // The key as the enclave receives it, after checking that its CMK is
  // enclave-enabled: the CMK metadata signature must verify with the CMK the
  // provider holds. Otherwise permission_denied saying what to do.
  Result<ReleasedKey> release_entry(std::uint32_t id);

 private:
  struct Entry {
    CekInfo info;
    std::optional<std::size_t> value_index;  // which value was unwrapped
    SecretBytes key;
    std::optional<CellKey> cell_key;
  };

  KeyStoreProvider* provider(std::string_view name) const;
  Result<Entry*> unwrapped(std::uint32_t id);

  std::vector<std::shared_ptr<KeyStoreProvider>> providers_;
  std::map<std::uint32_t, Entry> keys_;
};

}  // namespace cloister::sql::client
