// The Cloister key broker as a KeyStoreProvider (CLOISTER_KBS), shaped like
// SqlClient's AZURE_KEY_VAULT provider: the CMK's private key stays in the
// broker; the encrypted CEK's structure and signature are checked here with
// the CMK's public key, and only then does the broker unwrap it.
#include <map>
#include <mutex>

#include "cloister/sql_client.h"
#include "sql/client/kbs_key_client.h"
#include "sql/cmk_metadata.h"
#include "sql/encrypted_cek.h"

namespace cloister::sql {
namespace {

using client::KbsKeyClient;
using client::KbsKeyRef;

class KbsProvider final : public KeyStoreProvider {
 public:
  explicit KbsProvider(std::unique_ptr<KbsKeyClient> kbs) : kbs_(std::move(kbs)) {}

  [[nodiscard]] std::string name() const override { return std::string(client::kKbsProviderName); }

  Result<SecretBytes> decrypt_column_key(std::string_view key_path, std::string_view algorithm,
                                         ByteView encrypted_value) override {
    CLOISTER_RETURN_IF_ERROR(check_key_encryption_algorithm(algorithm));
    CLOISTER_ASSIGN_OR_RETURN(Cmk cmk, find(key_path));
    return unwrap_cek(
        cmk.public_key, [&](ByteView ciphertext) { return kbs_->unwrap(cmk.key, ciphertext); }, key_path,
        encrypted_value);
  }

  Status verify_cmk_metadata(std::string_view key_path, bool allow_enclave_computations,
                             ByteView signature) override {
    CLOISTER_ASSIGN_OR_RETURN(Cmk cmk, find(key_path));
    return sql::verify_cmk_metadata(cmk.public_key, client::kKbsProviderName, key_path,
                                    allow_enclave_computations, signature);
  }

  Result<Bytes> cmk_public_key_der(std::string_view key_path) override {
    CLOISTER_ASSIGN_OR_RETURN(Cmk cmk, find(key_path));
    return cmk.public_key.to_der();
  }

 private:
  struct Cmk {
    KbsKeyRef key;
    crypto::PublicKey public_key;
  };
  // The broker's key a path names (refused outside the broker's URL), with
  // its public key.
  Result<Cmk> find(std::string_view key_path) {
    CLOISTER_ASSIGN_OR_RETURN(KbsKeyRef key, kbs_->parse_key_path(key_path));
    CLOISTER_ASSIGN_OR_RETURN(crypto::PublicKey cmk, public_key(key_path, key));
    return Cmk{std::move(key), std::move(cmk)};
  }

  // A key version's public key never changes, so it is fetched once per key
  // path; the private operations always go to the broker, which decides
  // (a disabled key is refused there).
  Result<crypto::PublicKey> public_key(std::string_view key_path, const KbsKeyRef& key) {
    {
      std::lock_guard lock(mutex_);
      if (auto found = keys_.find(key_path); found != keys_.end()) return found->second.clone();
    }
    auto fetched = kbs_->public_key(key);
    if (!fetched.is_ok()) return fetched.status().with_context("column master key " + std::string(key_path));
    std::lock_guard lock(mutex_);
    keys_.emplace(std::string(key_path), fetched->clone());
    return fetched;
  }

  std::unique_ptr<KbsKeyClient> kbs_;
  std::mutex mutex_;
  std::map<std::string, crypto::PublicKey, std::less<>> keys_;
};

}  // namespace

Result<std::shared_ptr<KeyStoreProvider>> KeyStoreProvider::cloister_kbs(const KbsKeyStoreOptions& options) {
  auto kbs = KbsKeyClient::create(options);
  if (!kbs.is_ok()) return kbs.status().with_context("the CLOISTER_KBS column master key store");
  return std::shared_ptr<KeyStoreProvider>(std::make_shared<KbsProvider>(std::move(kbs).value()));
}

}  // namespace cloister::sql
