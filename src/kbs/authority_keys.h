// Signing keys of attestation authorities, fetched from their JWKS and
// cached. Only authorities that a key's policy names are ever fetched (the
// caller checks that first), so a token cannot make the broker call out to a
// URL of the attacker's choosing.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "cloister/result.h"
#include "jose/jose.h"

namespace cloister::kbs {

struct AuthorityOptions {
  std::chrono::seconds ttl{300};         // how long a fetched JWKS is trusted
  std::chrono::seconds min_refresh{10};  // unknown kid: refetch at most this often
  std::size_t max_authorities = 64;      // cache entries
  std::size_t max_document_bytes = 256 * 1024;
  int timeout_seconds = 5;  // connect, read and write, per request
  std::string ca_file;      // for https authorities; empty: system CAs
  // Offline use: issuer -> JWKS file, used instead of fetching.
  std::map<std::string, std::string> jwks_files;
};

class AuthorityKeys {
 public:
  explicit AuthorityKeys(AuthorityOptions options = {}) : options_(std::move(options)) {}

  // The authority's keys: from the cache, an offline file, or fetched from
  // <issuer>/.well-known/openid-configuration -> jwks_uri (falling back to
  // <issuer>/certs). `refresh` asks for a refetch when a token's kid is
  // unknown (key rotation at the authority); it is rate-limited.
  Result<std::shared_ptr<const jose::KeySet>> keys(const std::string& issuer, bool refresh = false);

 private:
  struct Entry {
    std::shared_ptr<const jose::KeySet> keys;
    std::chrono::steady_clock::time_point fetched;
  };
  Result<std::shared_ptr<const jose::KeySet>> load(const std::string& issuer);

  AuthorityOptions options_;
  std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> cache_;
};

// GET an http(s) URL with timeouts and a size bound; the body on 200.
Result<std::string> fetch_url(const std::string& url, const AuthorityOptions& options);

}  // namespace cloister::kbs
