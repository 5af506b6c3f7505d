#include "kbs/key_store.h"

#include <ctime>

#include "common/encoding.h"
#include "crypto/aes_gcm.h"
#include "crypto/rng.h"
#include "kbs/release_policy.h"

namespace cloister::kbs {

namespace {

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(name TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS keys(
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  kty TEXT NOT NULL,
  size INTEGER NOT NULL,
  policy TEXT,
  enabled INTEGER NOT NULL,
  created INTEGER NOT NULL,
  updated INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS key_versions(
  key_id TEXT NOT NULL REFERENCES keys(id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  created INTEGER NOT NULL,
  iv BLOB NOT NULL,
  sealed BLOB NOT NULL,
  public_jwk TEXT,
  PRIMARY KEY(key_id, version));
)sql";

constexpr std::string_view kKekCheckAad = "cloister-kbs kek check v1";

// Binds sealed material to exactly one key version of one store entry.
Bytes material_aad(const std::string& key_id, const std::string& name, std::int64_t version) {
  std::string aad = "cloister-kbs key v1";
  aad += '\0';
  aad += key_id;
  aad += '\0';
  aad += name;
  aad += '\0';
  aad += std::to_string(version);
  return to_bytes(aad);
}

Status check_kek(sqlite::Database& db, const SecretBytes& kek, const std::string& kek_path) {
  CLOISTER_ASSIGN_OR_RETURN(auto select, db.prepare("SELECT value FROM meta WHERE name = 'kek_check'"));
  CLOISTER_ASSIGN_OR_RETURN(bool found, select.step());
  if (found) {
    const Bytes stored = select.blob(0);
    if (stored.size() < crypto::kAesGcmIvSize)
      return {ErrorCode::decode_error, "corrupt KEK check value in the store"};
    auto opened =
        crypto::aes_gcm_decrypt(kek, ByteView(stored).first(crypto::kAesGcmIvSize), as_bytes(kKekCheckAad),
                                ByteView(stored).subspan(crypto::kAesGcmIvSize));
    if (!opened.is_ok()) {
      return {ErrorCode::permission_denied, "the key-encryption key " + kek_path +
                                                " is not the one this store was created with; pass the right "
                                                "--kek-file (keys cannot be decrypted without it)"};
    }
    return Status::ok();
  }
  CLOISTER_ASSIGN_OR_RETURN(Bytes iv, crypto::random_bytes(crypto::kAesGcmIvSize));
  CLOISTER_ASSIGN_OR_RETURN(Bytes sealed, crypto::aes_gcm_encrypt(kek, iv, as_bytes(kKekCheckAad), {}));
  iv.insert(iv.end(), sealed.begin(), sealed.end());
  CLOISTER_ASSIGN_OR_RETURN(auto insert,
                            db.prepare("INSERT OR IGNORE INTO meta(name, value) VALUES('kek_check', ?)"));
  insert.bind(1, ByteView(iv));
  return insert.run();
}

Status not_found(const std::string& name) {
  return {ErrorCode::not_found, "no key named \"" + name + "\"; list keys with: cloister kbs key list"};
}

}  // namespace

nlohmann::json to_json(const KeyInfo& info) {
  nlohmann::json versions = nlohmann::json::array();
  for (const auto& v : info.versions) versions.push_back({{"version", v.version}, {"created", v.created}});
  nlohmann::json out = {{"name", info.name},
                        {"kty", to_string(info.spec.kind)},
                        {"size", info.spec.size},
                        {"enabled", info.enabled},
                        {"created", info.created},
                        {"updated", info.updated},
                        {"current_version", info.current_version()},
                        {"kid", info.name + "/" + std::to_string(info.current_version())},
                        {"versions", versions},
                        {"release_policy", info.policy ? *info.policy : nlohmann::json(nullptr)}};
  if (!info.public_jwk.is_null()) out["public_jwk"] = info.public_jwk;
  return out;
}

Status check_key_name(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 127;
  for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-');
  if (ok) return Status::ok();
  return {ErrorCode::invalid_argument, "key names are 1-127 letters, digits and dashes"};
}

Result<std::unique_ptr<KeyStore>> KeyStore::open(const DataDirPaths& paths, Clock clock) {
  CLOISTER_RETURN_IF_ERROR(prepare_data_dir(paths));
  CLOISTER_ASSIGN_OR_RETURN(SecretBytes kek, load_kek(paths));
  CLOISTER_ASSIGN_OR_RETURN(sqlite::Database db, sqlite::Database::open(paths.database));
  {
    CLOISTER_ASSIGN_OR_RETURN(auto tx, sqlite::Transaction::begin(db));
    CLOISTER_RETURN_IF_ERROR(db.exec(kSchema));
    CLOISTER_RETURN_IF_ERROR(audit::create_schema(db));
    CLOISTER_RETURN_IF_ERROR(check_kek(db, kek, paths.kek));
    CLOISTER_RETURN_IF_ERROR(tx.commit());
  }
  if (!clock) clock = [] { return static_cast<std::int64_t>(std::time(nullptr)); };
  return std::unique_ptr<KeyStore>(new KeyStore(std::move(db), std::move(kek), std::move(clock)));
}

Status KeyStore::add_version_locked(const std::string& key_id, const std::string& name, KeyKind kind,
                                    std::int64_t version, ByteView material) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes iv, crypto::random_bytes(crypto::kAesGcmIvSize));
  CLOISTER_ASSIGN_OR_RETURN(Bytes sealed,
                            crypto::aes_gcm_encrypt(kek_, iv, material_aad(key_id, name, version), material));
  CLOISTER_ASSIGN_OR_RETURN(auto insert,
                            db_.prepare("INSERT INTO key_versions(key_id, version, created, iv, sealed, "
                                        "public_jwk) VALUES(?,?,?,?,?,?)"));
  insert.bind(1, key_id).bind(2, version).bind(3, clock_()).bind(4, ByteView(iv)).bind(5, ByteView(sealed));
  CLOISTER_ASSIGN_OR_RETURN(nlohmann::json public_jwk, public_jwk_of(kind, material));
  if (public_jwk.is_null()) {
    insert.bind_null(6);
  } else {
    insert.bind(6, public_jwk.dump());
  }
  return insert.run();
}

Result<KeyInfo> KeyStore::add_key(const std::string& name, const KeySpec& spec, const SecretBytes& material,
                                  const std::optional<nlohmann::json>& policy, const char* action) {
  CLOISTER_RETURN_IF_ERROR(check_key_name(name));
  if (policy) CLOISTER_RETURN_IF_ERROR(ReleasePolicy::parse(*policy).status());
  CLOISTER_ASSIGN_OR_RETURN(Bytes id_bytes, crypto::random_bytes(16));
  const std::string key_id = to_hex(id_bytes);
  std::lock_guard lock(mutex_);
  CLOISTER_ASSIGN_OR_RETURN(auto tx, sqlite::Transaction::begin(db_));
  CLOISTER_ASSIGN_OR_RETURN(auto insert,
                            db_.prepare("INSERT INTO keys(id, name, kty, size, policy, enabled, created, "
                                        "updated) VALUES(?,?,?,?,?,1,?,?)"));
  const std::int64_t now = clock_();
  insert.bind(1, key_id).bind(2, name).bind(3, std::string_view(to_string(spec.kind)));
  insert.bind(4, static_cast<std::int64_t>(spec.size)).bind(6, now).bind(7, now);
  if (policy) {
    insert.bind(5, policy->dump());
  } else {
    insert.bind_null(5);
  }
  Status inserted = insert.run();
  if (inserted.code() == ErrorCode::conflict) {
    return Status(ErrorCode::conflict, "a key named \"" + name + "\" exists; rotate it or pick another name");
  }
  if (!inserted.is_ok()) return inserted;
  CLOISTER_RETURN_IF_ERROR(add_version_locked(key_id, name, spec.kind, 1, material));
  CLOISTER_RETURN_IF_ERROR(
      audit::append(db_, {.action = action, .key = name, .version = 1, .outcome = "ok"}, now));
  CLOISTER_ASSIGN_OR_RETURN(KeyInfo info, load_locked(name));
  CLOISTER_RETURN_IF_ERROR(tx.commit());
  return info;
}

Result<KeyInfo> KeyStore::create(const std::string& name, const KeySpec& spec,
                                 const std::optional<nlohmann::json>& policy) {
  CLOISTER_ASSIGN_OR_RETURN(SecretBytes material, generate_material(spec));
  return add_key(name, spec, material, policy, "create");
}

Result<KeyInfo> KeyStore::import(const std::string& name, ImportedKey key,
                                 const std::optional<nlohmann::json>& policy) {
  return add_key(name, key.spec, key.material, policy, "import");
}

Result<KeyInfo> KeyStore::rotate(const std::string& name) {
  // Generated outside the lock: RSA generation can take a second.
  CLOISTER_ASSIGN_OR_RETURN(KeyInfo before, get(name));
  CLOISTER_ASSIGN_OR_RETURN(SecretBytes material, generate_material(before.spec));
  std::lock_guard lock(mutex_);
  CLOISTER_ASSIGN_OR_RETURN(auto tx, sqlite::Transaction::begin(db_));
  CLOISTER_ASSIGN_OR_RETURN(auto select,
                            db_.prepare("SELECT k.id, k.kty, k.size, MAX(v.version) FROM keys k JOIN "
                                        "key_versions v ON v.key_id = k.id WHERE k.name = ? GROUP BY k.id"));
  select.bind(1, name);
  CLOISTER_ASSIGN_OR_RETURN(bool found, select.step());
  // The key may have been deleted, or deleted and re-created with another
  // type, between get() and taking the lock.
  if (!found) return not_found(name);
  if (select.text(1) != to_string(before.spec.kind) || select.integer(2) != before.spec.size) {
    return Status(ErrorCode::conflict, "key \"" + name + "\" changed during rotation; retry");
  }
  const std::string key_id = select.text(0);
  const std::int64_t version = select.integer(3) + 1;
  CLOISTER_RETURN_IF_ERROR(add_version_locked(key_id, name, before.spec.kind, version, material));
  CLOISTER_ASSIGN_OR_RETURN(auto touch, db_.prepare("UPDATE keys SET updated = ? WHERE id = ?"));
  touch.bind(1, clock_()).bind(2, key_id);
  CLOISTER_RETURN_IF_ERROR(touch.run());
  CLOISTER_RETURN_IF_ERROR(
      audit::append(db_, {.action = "rotate", .key = name, .version = version, .outcome = "ok"}, clock_()));
  CLOISTER_ASSIGN_OR_RETURN(KeyInfo info, load_locked(name));
  CLOISTER_RETURN_IF_ERROR(tx.commit());
  return info;
}

Status KeyStore::remove(const std::string& name) {
  std::lock_guard lock(mutex_);
  CLOISTER_ASSIGN_OR_RETURN(auto tx, sqlite::Transaction::begin(db_));
  CLOISTER_ASSIGN_OR_RETURN(auto erase, db_.prepare("DELETE FROM keys WHERE name = ?"));
  erase.bind(1, name);
  CLOISTER_RETURN_IF_ERROR(erase.run());
  if (db_.changes() == 0) return not_found(name);
  CLOISTER_RETURN_IF_ERROR(audit::append(db_, {.action = "delete", .key = name, .outcome = "ok"}, clock_()));
  return tx.commit();
}

Result<KeyInfo> KeyStore::set_policy(const std::string& name, const nlohmann::json& policy) {
  CLOISTER_RETURN_IF_ERROR(ReleasePolicy::parse(policy).status());
  std::lock_guard lock(mutex_);
  CLOISTER_ASSIGN_OR_RETURN(auto tx, sqlite::Transaction::begin(db_));
  CLOISTER_ASSIGN_OR_RETURN(auto update,
                            db_.prepare("UPDATE keys SET policy = ?, updated = ? WHERE name = ?"));
  update.bind(1, policy.dump()).bind(2, clock_()).bind(3, name);
  CLOISTER_RETURN_IF_ERROR(update.run());
  if (db_.changes() == 0) return not_found(name);
  CLOISTER_RETURN_IF_ERROR(
      audit::append(db_, {.action = "set-policy", .key = name, .outcome = "ok"}, clock_()));
  CLOISTER_ASSIGN_OR_RETURN(KeyInfo info, load_locked(name));
  CLOISTER_RETURN_IF_ERROR(tx.commit());
  return info;
}

Result<KeyInfo> KeyStore::set_enabled(const std::string& name, bool enabled) {
  std::lock_guard lock(mutex_);
  CLOISTER_ASSIGN_OR_RETURN(auto tx, sqlite::Transaction::begin(db_));
  CLOISTER_ASSIGN_OR_RETURN(auto update,
                            db_.prepare("UPDATE keys SET enabled = ?, updated = ? WHERE name = ?"));
  update.bind(1, std::int64_t{enabled ? 1 : 0}).bind(2, clock_()).bind(3, name);
  CLOISTER_RETURN_IF_ERROR(update.run());
  if (db_.changes() == 0) return not_found(name);
  CLOISTER_RETURN_IF_ERROR(
      audit::append(db_, {.action = enabled ? "enable" : "disable", .key = name, .outcome = "ok"}, clock_()));
  CLOISTER_ASSIGN_OR_RETURN(KeyInfo info, load_locked(name));
  CLOISTER_RETURN_IF_ERROR(tx.commit());
  return info;
}

Result<KeyInfo> KeyStore::load_locked(const std::string& name) {
  CLOISTER_ASSIGN_OR_RETURN(auto select,
                            db_.prepare("SELECT id, kty, size, policy, enabled, created, updated FROM "
                                        "keys WHERE name = ?"));
  select.bind(1, name);
  CLOISTER_ASSIGN_OR_RETURN(bool found, select.step());
  if (!found) return not_found(name);
  KeyInfo info;
  info.name = name;
  CLOISTER_ASSIGN_OR_RETURN(info.spec,
                            make_key_spec(select.text(1), static_cast<unsigned>(select.integer(2))));
  if (!select.is_null(3)) {
    auto policy = nlohmann::json::parse(select.text(3), nullptr, false);
    if (policy.is_discarded())
      return Status(ErrorCode::decode_error, "stored policy of \"" + name + "\" is corrupt");
    info.policy = std::move(policy);
  }
  info.enabled = select.integer(4) != 0;
  info.created = select.integer(5);
  info.updated = select.integer(6);
  CLOISTER_ASSIGN_OR_RETURN(auto versions,
                            db_.prepare("SELECT version, created, public_jwk FROM key_versions WHERE "
                                        "key_id = ? ORDER BY version"));
  versions.bind(1, select.text(0));
  while (true) {
    CLOISTER_ASSIGN_OR_RETURN(bool row, versions.step());
    if (!row) break;
    nlohmann::json public_jwk = versions.is_null(2) ? nlohmann::json(nullptr)
                                                    : nlohmann::json::parse(versions.text(2), nullptr, false);
    info.versions.push_back({versions.integer(0), versions.integer(1), public_jwk});
    info.public_jwk = std::move(public_jwk);
  }
  return info;
}

Result<KeyInfo> KeyStore::get(const std::string& name) {
  std::lock_guard lock(mutex_);
  return load_locked(name);
}

Result<std::vector<KeyInfo>> KeyStore::list() {
  std::lock_guard lock(mutex_);
  CLOISTER_ASSIGN_OR_RETURN(auto tx, sqlite::Transaction::begin(db_));  // one consistent snapshot
  CLOISTER_ASSIGN_OR_RETURN(auto select, db_.prepare("SELECT name FROM keys ORDER BY name"));
  std::vector<KeyInfo> out;
  while (true) {
    CLOISTER_ASSIGN_OR_RETURN(bool row, select.step());
    if (!row) break;
    CLOISTER_ASSIGN_OR_RETURN(KeyInfo info, load_locked(select.text(0)));
    out.push_back(std::move(info));
  }
  return out;
}

Result<KeyMaterial> KeyStore::current_material(const std::string& name) {
  std::lock_guard lock(mutex_);
  return material_locked(name, 0);
}

Result<KeyMaterial> KeyStore::material(const std::string& name, std::int64_t version) {
  if (version <= 0) {
    return Status(ErrorCode::invalid_argument,
                  "key versions are numbered from 1, not " + std::to_string(version));
  }
  std::lock_guard lock(mutex_);
  return material_locked(name, version);
}

Result<KeyMaterial> KeyStore::material_locked(const std::string& name, std::int64_t version) {
  CLOISTER_ASSIGN_OR_RETURN(auto select,
                            db_.prepare("SELECT k.id, k.kty, k.size, v.version, v.iv, v.sealed FROM keys "
                                        "k JOIN key_versions v ON v.key_id = k.id WHERE k.name = ? AND "
                                        "(?2 = 0 OR v.version = ?2) ORDER BY v.version DESC LIMIT 1"));
  select.bind(1, name).bind(2, version);
  CLOISTER_ASSIGN_OR_RETURN(bool found, select.step());
  if (!found) {
    if (version == 0) return not_found(name);
    CLOISTER_ASSIGN_OR_RETURN(KeyInfo info, load_locked(name));
    return Status(ErrorCode::not_found, "key \"" + name + "\" has no version " + std::to_string(version) +
                                            " (its versions are 1.." +
                                            std::to_string(info.current_version()) + ")");
  }
  KeyMaterial out;
  out.name = name;
  out.version = select.integer(3);
  CLOISTER_ASSIGN_OR_RETURN(out.spec,
                            make_key_spec(select.text(1), static_cast<unsigned>(select.integer(2))));
  auto opened = crypto::aes_gcm_decrypt(kek_, select.blob(4), material_aad(select.text(0), name, out.version),
                                        select.blob(5));
  if (!opened.is_ok()) {
    return Status(ErrorCode::crypto_error,
                  "stored material of key \"" + name + "\" version " + std::to_string(out.version) +
                      " does not decrypt: the row was altered or moved from another key");
  }
  out.material = std::move(opened).value();
  return out;
}

Status KeyStore::audit(const AuditEvent& event) {
  std::lock_guard lock(mutex_);
  CLOISTER_ASSIGN_OR_RETURN(auto tx, sqlite::Transaction::begin(db_));
  CLOISTER_RETURN_IF_ERROR(audit::append(db_, event, clock_()));
  return tx.commit();
}

Result<std::vector<AuditRecord>> KeyStore::audit_records(std::size_t limit, const std::string& key) {
  std::lock_guard lock(mutex_);
  return audit::list(db_, limit, key);
}

Result<audit::VerifyResult> KeyStore::verify_audit() {
  std::lock_guard lock(mutex_);
  return audit::verify(db_);
}

}  // namespace cloister::kbs
