// The key store: named keys with versions (rotation adds one; the newest is
// current), a type, a release policy and an enabled flag, in SQLite. Key
// material is sealed with AES-256-GCM under the KEK, with the key's identity
// (store-unique id, name and version) as associated data, so a row copied
// onto another key or version fails to decrypt. Every change commits in one
// transaction together with its audit row. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "kbs/audit_log.h"
#include "kbs/data_dir.h"
#include "kbs/key_material.h"
#include "sqlite/database.h"

namespace cloister::kbs {

struct KeyVersion {
  std::int64_t version = 0;
  std::int64_t created = 0;
  nlohmann::json public_jwk;  // of this version; null for oct
};

struct KeyInfo {
  std::string name;
  KeySpec spec;
  std::optional<nlohmann::json> policy;  // absent: the key is never released
  bool enabled = true;
  std::int64_t created = 0;
  std::int64_t updated = 0;
  std::vector<KeyVersion> versions;  // oldest first; the last is current
  nlohmann::json public_jwk;         // of the current version; null for oct
  [[nodiscard]] std::int64_t current_version() const {
    return versions.empty() ? 0 : versions.back().version;
  }
};
nlohmann::json to_json(const KeyInfo& info);

struct KeyMaterial {
  std::string name;
  std::int64_t version = 0;
  KeySpec spec;
  SecretBytes material;
};

// Key names as in Key Vault: 1-127 letters, digits and dashes (they appear
// in URLs and in kids "name/version").
Status check_key_name(std::string_view name);

class KeyStore {
 public:
  using Clock = std::function<std::int64_t()>;  // unix seconds; tests replace it
  static Result<std::unique_ptr<KeyStore>> open(const DataDirPaths& paths, Clock clock = {});

  Result<KeyInfo> create(const std::string& name, const KeySpec& spec,
                         const std::optional<nlohmann::json>& policy);
  Result<KeyInfo> import(const std::string& name, ImportedKey key,
                         const std::optional<nlohmann::json>& policy);
  Result<KeyInfo> rotate(const std::string& name);
  Status remove(const std::string& name);
  Result<KeyInfo> set_policy(const std::string& name, const nlohmann::json& policy);
  Result<KeyInfo> set_enabled(const std::string& name, bool enabled);

  Result<KeyInfo> get(const std::string& name);
  Result<std::vector<KeyInfo>> list();
  // The current version's material, decrypted.
  Result<KeyMaterial> current_material(const std::string& name);
  // One version's material, decrypted; not_found names the versions that exist.
  Result<KeyMaterial> material(const std::string& name, std::int64_t version);

  Status audit(const AuditEvent& event);
  Result<std::vector<AuditRecord>> audit_records(std::size_t limit, const std::string& key = "");
  Result<audit::VerifyResult> verify_audit();

  [[nodiscard]] std::int64_t now() const { return clock_(); }

 private:
  KeyStore(sqlite::Database db, SecretBytes kek, Clock clock)
      : db_(std::move(db)), kek_(std::move(kek)), clock_(std::move(clock)) {}
  Result<KeyInfo> add_key(const std::string& name, const KeySpec& spec, const SecretBytes& material,
                          const std::optional<nlohmann::json>& policy, const char* action);
  Result<KeyInfo> load_locked(const std::string& name);
  // version 0: the current one.
  Result<KeyMaterial> material_locked(const std::string& name, std::int64_t version);
  Status add_version_locked(const std::string& key_id, const std::string& name, KeyKind kind,
                            std::int64_t version, ByteView material);

  std::mutex mutex_;  // one connection: statements and transactions must not interleave
  sqlite::Database db_;
  SecretBytes kek_;
  Clock clock_;
};

}  // namespace cloister::kbs
