// The key broker (`cloister kbs serve`) as a column master key store sees it:
// the base URL it is configured with, key paths under that URL, and the Key
// Vault-shaped calls (a version's public key, unwrapkey, sign) that the
// CLOISTER_KBS provider and `cloister sql cmk|cek` make.
//
// A key path names a key version as a URL, "<base>/keys/<name>/<version>",
// as Key Vault key identifiers do. Key paths come from the database, which
// the server controls; requests are therefore always built from the
// configured base URL and a parsed name and version, never from the path,
// and a path under any other URL is refused before anything is sent.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "cloister/sql_client.h"
#include "crypto/keys.h"
#include "crypto/sha.h"

namespace httplib {
class Client;
}

namespace cloister::sql::client {

inline constexpr std::string_view kKbsProviderName = "CLOISTER_KBS";

struct KbsKeyRef {
  std::string name;
  std::int64_t version = 0;
};

// "http(s)://host[:port]", scheme and host lowercased, no trailing slash;
// refuses paths, queries, user info, other schemes and plain http to a host
// that is not loopback.
Result<std::string> normalize_kbs_url(std::string_view url);

class KbsKeyClient {
 public:
  static Result<std::unique_ptr<KbsKeyClient>> create(const KbsKeyStoreOptions& options);
  ~KbsKeyClient();
  KbsKeyClient(const KbsKeyClient&) = delete;
  KbsKeyClient& operator=(const KbsKeyClient&) = delete;

  [[nodiscard]] const std::string& base_url() const { return base_url_; }
  [[nodiscard]] std::string key_path(const KbsKeyRef& key) const;
  // permission_denied for a path outside base_url(); invalid_argument for a
  // malformed name or version under it.
  [[nodiscard]] Result<KbsKeyRef> parse_key_path(std::string_view key_path) const;

  // The version's RSA public key; refuses disabled and non-RSA keys.
  Result<crypto::PublicKey> public_key(const KbsKeyRef& key);
  Result<std::int64_t> current_version(const std::string& name);
  // RSA-OAEP (SHA-1) decryption and RS256 digest signing, done by the broker.
  Result<SecretBytes> unwrap(const KbsKeyRef& key, ByteView ciphertext);
  Result<Bytes> sign(const KbsKeyRef& key, const crypto::Digest256& digest);

 private:
  KbsKeyClient(std::string base_url, SecretBytes credential, std::unique_ptr<httplib::Client> client);
  // A 200 answer's JSON object; other answers become errors that say what to
  // do. Thread-safe.
  Result<nlohmann::json> call(const std::string& method, const std::string& path, const std::string& body);
  // POST .../{operation} {"alg", "value"}: the answer's value, decoded, its
  // text wiped (an unwrapped key passes through it).
  Result<Bytes> key_operation(const KbsKeyRef& key, const char* operation, const char* alg, ByteView value);

  std::string base_url_;
  SecretBytes credential_;
  std::mutex mutex_;  // one httplib client: requests must not interleave
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace cloister::sql::client
