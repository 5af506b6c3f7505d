#include "attestd/registry.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "attestd/files.h"
#include "crypto/x509.h"
#include "platform/private_files.h"

namespace cloister::attestd {
namespace {

constexpr std::size_t kMaxRegistryBytes = 4 << 20;

bool valid_chars(const std::string& text, std::size_t max, bool allow_upper_and_dot) {
  if (text.empty() || text.size() > max) return false;
  return std::all_of(text.begin(), text.end(), [&](char c) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') return true;
    return allow_upper_and_dot && ((c >= 'A' && c <= 'Z') || c == '.' || c == '_');
  });
}

Result<PlatformEntry> make_entry(const std::string& name, const std::string& ca_pem,
                                 const std::map<std::string, std::string>& claims) {
  if (!valid_chars(name, 64, true)) {
    return Status(ErrorCode::invalid_argument,
                  "platform name '" + name + "' must be 1 to 64 letters, digits, '.', '_' or '-'");
  }
  if (claims.size() > kMaxClaimsPerPlatform) {
    return Status(ErrorCode::invalid_argument,
                  "at most " + std::to_string(kMaxClaimsPerPlatform) + " claims per platform");
  }
  for (const auto& [key, value] : claims) {
    // The key becomes part of a claim name (x-cloister-platform-<key>).
    if (!valid_chars(key, 64, false)) {
      return Status(ErrorCode::invalid_argument,
                    "claim key '" + key + "' must be 1 to 64 lowercase letters, digits or '-'");
    }
    if (value.size() > 256)
      return Status(ErrorCode::invalid_argument, "claim '" + key + "' is over 256 characters");
  }
  auto certs = crypto::Certificate::all_from_pem(ca_pem);
  if (!certs || certs->size() != 1) {
    return Status(ErrorCode::invalid_argument,
                  "the CA file must hold exactly one PEM certificate (get it with `cloister platform ca`)");
  }
  PlatformEntry entry;
  entry.name = name;
  CLOISTER_ASSIGN_OR_RETURN(entry.ca_der, (*certs)[0].to_der());
  CLOISTER_ASSIGN_OR_RETURN(entry.ca_pem, (*certs)[0].to_pem());
  entry.ca_subject = (*certs)[0].subject();
  entry.claims = claims;
  return entry;
}

}  // namespace

Result<Registry> Registry::load(const std::string& path) {
  Registry registry;
  if (!platform::path_exists(path)) return registry;
  CLOISTER_ASSIGN_OR_RETURN(Bytes raw, platform::read_file(path, kMaxRegistryBytes));
  auto json = nlohmann::json::parse(raw.begin(), raw.end(), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object() || !json.contains("platforms") ||
      !json["platforms"].is_array()) {
    return Status(ErrorCode::decode_error,
                  path + " is not a platform registry (expected {\"platforms\":[...]})");
  }
  for (const auto& item : json["platforms"]) {
    if (!item.is_object() || !item.contains("name") || !item["name"].is_string() || !item.contains("ca") ||
        !item["ca"].is_string()) {
      return Status(ErrorCode::decode_error, path + ": a platform entry lacks a name or ca");
    }
    std::map<std::string, std::string> claims;
    if (item.contains("claims")) {
      if (!item["claims"].is_object())
        return Status(ErrorCode::decode_error, path + ": claims must be an object");
      for (const auto& [key, value] : item["claims"].items()) {
        if (!value.is_string())
          return Status(ErrorCode::decode_error, path + ": claim values must be strings");
        claims[key] = value.get<std::string>();
      }
    }
    auto entry = make_entry(item["name"].get<std::string>(), item["ca"].get<std::string>(), claims);
    if (!entry) return entry.status().with_context(path);
    registry.entries_.push_back(std::move(entry).value());
  }
  return registry;
}

Status Registry::save(const std::string& path) const {
  nlohmann::json platforms = nlohmann::json::array();
  for (const auto& entry : entries_) {
    platforms.push_back({{"name", entry.name}, {"ca", entry.ca_pem}, {"claims", entry.claims}});
  }
  const std::string text = nlohmann::json{{"platforms", platforms}}.dump(2) + "\n";
  return atomic_write_file(path, as_bytes(text), 0600);
}

Status Registry::add(const std::string& name, const std::string& ca_pem,
                     const std::map<std::string, std::string>& claims) {
  CLOISTER_ASSIGN_OR_RETURN(PlatformEntry entry, make_entry(name, ca_pem, claims));
  for (const auto& existing : entries_) {
    if (existing.name == entry.name) {
      return Status(ErrorCode::conflict, "a platform named '" + name + "' is registered; remove it first");
    }
    if (existing.ca_der == entry.ca_der) {
      return Status(ErrorCode::conflict, "this CA is registered already, as '" + existing.name + "'");
    }
  }
  if (entries_.size() >= kMaxPlatforms) {
    return Status(ErrorCode::out_of_range, "at most " + std::to_string(kMaxPlatforms) + " platforms");
  }
  entries_.push_back(std::move(entry));
  return Status::ok();
}

Status Registry::remove(const std::string& name) {
  auto it = std::find_if(entries_.begin(), entries_.end(), [&](const auto& e) { return e.name == name; });
  if (it == entries_.end()) {
    return Status(ErrorCode::not_found,
                  "no platform named '" + name + "' (see `cloister attestd platform list`)");
  }
  entries_.erase(it);
  return Status::ok();
}

std::vector<const PlatformEntry*> Registry::by_subject(const std::string& issuer) const {
  std::vector<const PlatformEntry*> out;
  for (const auto& entry : entries_) {
    if (entry.ca_subject == issuer) out.push_back(&entry);
  }
  return out;
}

Status edit_registry(const std::string& path, const std::function<Status(Registry&)>& edit) {
  CLOISTER_ASSIGN_OR_RETURN(FileLock lock, FileLock::acquire(path + ".lock"));
  CLOISTER_ASSIGN_OR_RETURN(Registry registry, Registry::load(path));
  CLOISTER_RETURN_IF_ERROR(edit(registry));
  return registry.save(path);
}

std::shared_ptr<const Registry> RegistryWatcher::cached(const std::string& fingerprint) {
  std::lock_guard lock(mutex_);
  return registry_ && fingerprint == fingerprint_ ? registry_ : nullptr;
}

// Every request asks, so the file is looked at outside any lock and the
// lock covers only the comparison; one thread at a time reloads.
Result<std::shared_ptr<const Registry>> RegistryWatcher::current() {
  std::string fingerprint = file_fingerprint(path_);
  if (auto registry = cached(fingerprint)) return registry;
  std::lock_guard reloading(reload_mutex_);
  if (auto registry = cached(fingerprint)) return registry;
  // Loaded after the fingerprint was taken: a change in between is picked
  // up again at the next request, never missed.
  CLOISTER_ASSIGN_OR_RETURN(Registry loaded, Registry::load(path_));
  auto registry = std::make_shared<const Registry>(std::move(loaded));
  std::lock_guard lock(mutex_);
  registry_ = registry;
  fingerprint_ = std::move(fingerprint);
  return registry;
}

}  // namespace cloister::attestd
