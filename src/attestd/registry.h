// The platform registry: which operator CAs attestd trusts, and per platform
// a name and operator-chosen claims (region=eu-west, ...) that go into every
// token for evidence that chains to that CA. Stored as JSON in
// <data dir>/platforms.json; edited under a file lock so the service and the
// CLI can change it at the same time without losing an update.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cloister/bytes.h"
#include "cloister/result.h"

namespace cloister::attestd {

struct PlatformEntry {
  std::string name;                           // [A-Za-z0-9._-], 1..64 characters
  std::string ca_pem;                         // the operator CA certificate
  Bytes ca_der;                               // derived from ca_pem
  std::string ca_subject;                     // derived from ca_pem
  std::map<std::string, std::string> claims;  // key [a-z0-9-], 1..64; value up to 256 characters
};

inline constexpr std::size_t kMaxPlatforms = 256;
inline constexpr std::size_t kMaxClaimsPerPlatform = 32;

// A snapshot of the registry; immutable once loaded.
class Registry {
 public:
  static Result<Registry> load(const std::string& path);  // a missing file is an empty registry
  Status save(const std::string& path) const;

  // Refuses a duplicate name or CA, an invalid name or claim, or a PEM that
  // is not one CA certificate.
  Status add(const std::string& name, const std::string& ca_pem,
             const std::map<std::string, std::string>& claims);
  Status remove(const std::string& name);

  [[nodiscard]] const std::vector<PlatformEntry>& entries() const { return entries_; }
  // Entries whose CA subject is `issuer`: the candidates a chain may end at.
  [[nodiscard]] std::vector<const PlatformEntry*> by_subject(const std::string& issuer) const;

 private:
  std::vector<PlatformEntry> entries_;
};

// Loads, edits and saves the registry file under its lock in one step.
Status edit_registry(const std::string& path, const std::function<Status(Registry&)>& edit);

// Reloads the registry when the file changes (by the CLI, say); cheap when it
// did not. Thread-safe.
class RegistryWatcher {
 public:
  explicit RegistryWatcher(std::string path) : path_(std::move(path)) {}
  // The current registry, or the error loading it.
  Result<std::shared_ptr<const Registry>> current();

 private:
  std::shared_ptr<const Registry> cached(const std::string& fingerprint);

  std::string path_;
  std::mutex reload_mutex_;
  std::mutex mutex_;  // guards fingerprint_ and registry_
  std::string fingerprint_;
  std::shared_ptr<const Registry> registry_;
};

}  // namespace cloister::attestd
