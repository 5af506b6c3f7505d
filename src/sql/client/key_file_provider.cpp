// The local key file store (sql/key_file_store.h) as a KeyStoreProvider.
#include <map>
#include <mutex>

#include "cloister/sql_client.h"
#include "sql/cmk_metadata.h"
#include "sql/encrypted_cek.h"
#include "sql/key_file_store.h"

namespace cloister::sql {
namespace {

class KeyFileProvider final : public KeyStoreProvider {
 public:
  explicit KeyFileProvider(KeyFileStore store) : store_(std::move(store)) {}

  [[nodiscard]] std::string name() const override { return std::string(kKeyFileProviderName); }

  Result<SecretBytes> decrypt_column_key(std::string_view key_path, std::string_view algorithm,
                                         ByteView encrypted_value) override {
    CLOISTER_RETURN_IF_ERROR(check_key_encryption_algorithm(algorithm));
    CLOISTER_ASSIGN_OR_RETURN(const crypto::PrivateKey* cmk, load(key_path));
    return unwrap_cek(*cmk, key_path, encrypted_value);
  }

  Status verify_cmk_metadata(std::string_view key_path, bool allow_enclave_computations,
                             ByteView signature) override {
    CLOISTER_ASSIGN_OR_RETURN(const crypto::PrivateKey* cmk, load(key_path));
    return sql::verify_cmk_metadata(cmk->public_key(), kKeyFileProviderName, key_path,
                                    allow_enclave_computations, signature);
  }

  Result<Bytes> cmk_public_key_der(std::string_view key_path) override {
    CLOISTER_ASSIGN_OR_RETURN(const crypto::PrivateKey* cmk, load(key_path));
    return cmk->public_key().to_der();
  }

 private:
  // Keys are loaded once per connection's provider and kept (RSA parsing is
  // slow); OpenSSL frees them with the provider.
  Result<const crypto::PrivateKey*> load(std::string_view key_path) {
    std::lock_guard lock(mutex_);
    if (auto found = keys_.find(key_path); found != keys_.end()) return &found->second;
    auto key = store_.load(key_path);
    if (!key.is_ok()) {
      return key.status().with_context("column master key " + std::string(key_path) + " in key store " +
                                       store_.directory());
    }
    auto [it, inserted] = keys_.emplace(std::string(key_path), std::move(key).value());
    return &it->second;
  }

  KeyFileStore store_;
  std::mutex mutex_;
  std::map<std::string, crypto::PrivateKey, std::less<>> keys_;
};

}  // namespace

Result<std::shared_ptr<KeyStoreProvider>> KeyStoreProvider::key_file_store(const std::string& directory) {
  auto store = KeyFileStore::open(directory, false);
  if (!store.is_ok()) return store.status().with_context("opening the CMK key store " + directory);
  return std::shared_ptr<KeyStoreProvider>(std::make_shared<KeyFileProvider>(std::move(store).value()));
}

}  // namespace cloister::sql
