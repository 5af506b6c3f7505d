// The column encryption keys the SQL enclave holds, by CEK id. The host calls
// from several threads at once: lookups share a lock and take a reference to
// the key, so an install never waits for a decryption nor frees a key in use.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include "sql/cell_decryptor.h"

namespace cloister::sql {

// A held key and the generation it was installed in: unique per install, so
// what was cached under one key is never found under another given the same id.
struct HeldKey {
  std::shared_ptr<const CellDecryptor> key;  // null: no key with that id
  std::uint64_t generation = 0;
  // The client released it with "allow_decryption_to_host" (key_release.h):
  // TransformCell may return its cells' plaintext to the host.
  bool allow_decryption_to_host = false;
};

// A released key, prepared for the table.
struct KeyToInstall {
  std::uint32_t cek_id = 0;
  CellDecryptor key;
  bool allow_decryption_to_host = false;
};

class KeyTable {
 public:
  // Keys released for `database_id`. A release for the database already held
  // adds its keys (replacing any with the same id); a release for another
  // database replaces the whole table. Returns the ids held afterwards.
  std::vector<std::uint32_t> install(const std::string& database_id, std::vector<KeyToInstall> keys);
  [[nodiscard]] HeldKey find(std::uint32_t cek_id) const;
  [[nodiscard]] std::vector<std::uint32_t> ids() const;

 private:
  mutable std::shared_mutex mutex_;
  std::string database_id_;
  std::uint64_t next_generation_ = 1;
  std::map<std::uint32_t, HeldKey> keys_;
};

}  // namespace cloister::sql
