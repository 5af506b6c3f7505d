#include "sql/client/column_keys.h"

namespace cloister::sql::client {

void ColumnKeys::learn(const std::vector<CekInfo>& ceks) {
  for (const auto& cek : ceks) {
    auto found = keys_.find(cek.id);
    if (found != keys_.end()) {
      const auto& known = found->second.info.values;
      const bool same =
          known.size() == cek.values.size() &&
          std::equal(known.begin(), known.end(), cek.values.begin(), [](const auto& a, const auto& b) {
            return a.encrypted_value == b.encrypted_value && a.key_path == b.key_path &&
                   a.provider == b.provider && a.enclave_signature == b.enclave_signature;
          });
      if (same && found->second.info.name == cek.name) continue;
      keys_.erase(found);
    }
    keys_.emplace(cek.id, Entry{cek, std::nullopt, {}, std::nullopt});
  }
}

KeyStoreProvider* ColumnKeys::provider(std::string_view name) const {
  for (const auto& provider : providers_) {
    if (provider && provider->name() == name) return provider.get();
  }
  return nullptr;
}

Result<ColumnKeys::Entry*> ColumnKeys::unwrapped(std::uint32_t id) {
  auto found = keys_.find(id);
  if (found == keys_.end()) {
    return Status(ErrorCode::not_found,
                  "the server described no column encryption key with id " + std::to_string(id));
  }
  Entry& entry = found->second;
  if (entry.cell_key) return &entry;
  std::string tried;
  Status last_error(ErrorCode::not_found, "");
  for (std::size_t i = 0; i < entry.info.values.size(); ++i) {
    const CekValue& value = entry.info.values[i];
    KeyStoreProvider* store = provider(value.provider);
    tried += (tried.empty() ? "" : ", ") + value.provider + ":" + value.key_path;
    if (store == nullptr) continue;
    auto key = store->decrypt_column_key(value.key_path, value.algorithm, value.encrypted_value);
    if (!key.is_ok()) {
      last_error = key.status();
      continue;
    }
    auto cell_key = CellKey::create(*key);
    if (!cell_key.is_ok()) return cell_key.status().with_context("column encryption key " + entry.info.name);
    entry.key = std::move(key).value();
    entry.cell_key.emplace(std::move(cell_key).value());
    entry.value_index = i;
    return &entry;
  }
  if (!last_error.message().empty()) {
    return Status(ErrorCode::permission_denied,
                  "cannot decrypt column encryption key " + entry.info.name + ": " + last_error.message() +
                      "; check that the key store holds the column master key it was created with");
  }
  return Status(ErrorCode::not_found, "column encryption key " + entry.info.name +
                                          " is wrapped by column master key(s) " + tried +
                                          ", none of which is in a configured key store; "
                                          "add the key store that holds one (--cmk-store, or --kbs for "
                                          "CLOISTER_KBS)");
}

Result<const CellKey*> ColumnKeys::cell_key(std::uint32_t id) {
  CLOISTER_ASSIGN_OR_RETURN(Entry * entry, unwrapped(id));
  return &*entry->cell_key;
}

Result<ReleasedKey> ColumnKeys::release_entry(std::uint32_t id) {
  CLOISTER_ASSIGN_OR_RETURN(Entry * entry, unwrapped(id));
  const CekValue& value = entry->info.values[*entry->value_index];
  KeyStoreProvider* store = provider(value.provider);
  const std::string cmk =
      "column master key " + value.cmk + " (" + value.provider + ":" + value.key_path + ")";
  if (value.enclave_signature.empty()) {
    return Status(ErrorCode::permission_denied,
                  "refusing to send column encryption key " + entry->info.name + " to the enclave: " + cmk +
                      " is not enabled for enclave computations; recreate it with ENCLAVE_COMPUTATIONS "
                      "(cloister sql cmk create --enclave-computations) or use a deterministic column");
  }
  if (Status verified = store->verify_cmk_metadata(value.key_path, true, value.enclave_signature);
      !verified.is_ok()) {
    return Status(ErrorCode::permission_denied,
                  "refusing to send column encryption key " + entry->info.name + " to the enclave: the " +
                      "enclave-computations signature of " + cmk +
                      " does not verify with the key in the key store (" + verified.message() +
                      "); the catalog may have been tampered with: re-sign the CMK metadata with its holder");
  }
  CLOISTER_ASSIGN_OR_RETURN(Bytes public_key, store->cmk_public_key_der(value.key_path));
  ReleasedKey released;
  released.cek_id = id;
  released.cek_name = entry->info.name;
  released.key = SecretBytes(ByteView(entry->key));
  released.cmk_provider = value.provider;
  released.cmk_key_path = value.key_path;
  released.cmk_public_key_der = std::move(public_key);
  released.cmk_enclave_signature = value.enclave_signature;
  return released;
}

}  // namespace cloister::sql::client
