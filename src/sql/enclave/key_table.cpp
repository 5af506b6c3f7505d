#include "sql/enclave/key_table.h"

#include <mutex>

namespace cloister::sql {

std::vector<std::uint32_t> KeyTable::install(const std::string& database_id, std::vector<KeyToInstall> keys) {
  // Built outside the lock; the old keys are freed (and wiped) outside it too.
  std::map<std::uint32_t, HeldKey> added;
  for (KeyToInstall& key : keys) {
    HeldKey& held = added[key.cek_id];
    held.key = std::make_shared<const CellDecryptor>(std::move(key.key));
    held.allow_decryption_to_host = key.allow_decryption_to_host;
  }
  std::map<std::uint32_t, HeldKey> old;
  std::vector<std::uint32_t> held;
  {
    std::unique_lock lock(mutex_);
    if (database_id != database_id_) {
      old.swap(keys_);
      database_id_ = database_id;
    }
    for (auto& [id, key] : added) {
      key.generation = next_generation_++;
      std::swap(keys_[id], key);
    }
    for (const auto& entry : keys_) held.push_back(entry.first);
  }
  return held;
}

HeldKey KeyTable::find(std::uint32_t cek_id) const {
  std::shared_lock lock(mutex_);
  auto found = keys_.find(cek_id);
  return found == keys_.end() ? HeldKey{} : found->second;
}

std::vector<std::uint32_t> KeyTable::ids() const {
  std::shared_lock lock(mutex_);
  std::vector<std::uint32_t> held;
  held.reserve(keys_.size());
  for (const auto& entry : keys_) held.push_back(entry.first);
  return held;
}

}  // namespace cloister::sql
