#include "kbs/authority_keys.h"

#include <httplib.h>

#include "platform/private_files.h"

namespace cloister::kbs {

namespace {

struct SplitUrl {
  std::string origin;  // scheme://host[:port]
  std::string path;    // starts with '/'
};

Result<SplitUrl> split_url(const std::string& url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos ||
      (url.compare(0, scheme_end, "http") != 0 && url.compare(0, scheme_end, "https") != 0)) {
    return Status(ErrorCode::invalid_argument, "not an http(s) URL: " + url);
  }
  const std::size_t path_start = url.find('/', scheme_end + 3);
  if (path_start == scheme_end + 3) return Status(ErrorCode::invalid_argument, "URL without a host: " + url);
  SplitUrl out;
  out.origin = url.substr(0, path_start);
  out.path = path_start == std::string::npos ? "/" : url.substr(path_start);
  return out;
}

std::string without_trailing_slash(std::string text) {
  while (!text.empty() && text.back() == '/') text.pop_back();
  return text;
}

Result<std::shared_ptr<const jose::KeySet>> parse_jwks(const std::string& text, const std::string& source) {
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return Status(ErrorCode::decode_error, "the JWKS from " + source + " is not a JSON object");
  }
  auto keys = jose::KeySet::from_jwks(json);
  if (!keys.is_ok()) return keys.status().with_context("the JWKS from " + source);
  if (keys->size() == 0)
    return Status(ErrorCode::decode_error, "the JWKS from " + source + " has no usable keys");
  return std::make_shared<const jose::KeySet>(std::move(keys).value());
}

}  // namespace

Result<std::string> fetch_url(const std::string& url, const AuthorityOptions& options) {
  CLOISTER_ASSIGN_OR_RETURN(SplitUrl split, split_url(url));
  httplib::Client client(split.origin);
  if (!client.is_valid())
    return Status(ErrorCode::invalid_argument, "cannot make a client for " + split.origin);
  client.set_connection_timeout(options.timeout_seconds, 0);
  client.set_read_timeout(options.timeout_seconds, 0);
  client.set_write_timeout(options.timeout_seconds, 0);
  client.set_follow_location(false);  // a redirect could lead to a host no policy names
  if (!options.ca_file.empty()) client.set_ca_cert_path(options.ca_file);
  client.enable_server_certificate_verification(true);
  std::string body;
  bool too_big = false;
  auto response = client.Get(split.path, [&](const char* data, std::size_t size) {
    if (body.size() + size > options.max_document_bytes) {
      too_big = true;
      return false;
    }
    body.append(data, size);
    return true;
  });
  if (too_big) {
    return Status(ErrorCode::out_of_range,
                  url + " answered more than " + std::to_string(options.max_document_bytes) + " bytes");
  }
  if (!response) {
    return Status(ErrorCode::io_error, "cannot reach " + url + ": " + httplib::to_string(response.error()));
  }
  if (response->status == 404) return Status(ErrorCode::not_found, url + " answered 404");
  if (response->status != 200) {
    return Status(ErrorCode::io_error, url + " answered HTTP " + std::to_string(response->status));
  }
  return body;
}

Result<std::shared_ptr<const jose::KeySet>> AuthorityKeys::load(const std::string& issuer) {
  for (const auto& [name, file] : options_.jwks_files) {
    if (without_trailing_slash(name) != without_trailing_slash(issuer)) continue;
    CLOISTER_ASSIGN_OR_RETURN(Bytes text, platform::read_file(file, options_.max_document_bytes));
    return parse_jwks(to_string(text), file);
  }
  const std::string base = without_trailing_slash(issuer);
  std::string jwks_uri = base + "/certs";
  auto metadata = fetch_url(base + "/.well-known/openid-configuration", options_);
  if (metadata.is_ok()) {
    auto json = nlohmann::json::parse(*metadata, nullptr, false);
    if (json.is_object() && json.contains("jwks_uri") && json["jwks_uri"].is_string()) {
      jwks_uri = json["jwks_uri"].get<std::string>();
    } else {
      return Status(ErrorCode::decode_error, "the OpenID configuration of " + issuer + " has no jwks_uri");
    }
  } else if (metadata.status().code() != ErrorCode::not_found) {
    return metadata.status().with_context("fetching the keys of authority " + issuer);
  }
  CLOISTER_ASSIGN_OR_RETURN(std::string jwks, fetch_url(jwks_uri, options_));
  return parse_jwks(jwks, jwks_uri);
}

Result<std::shared_ptr<const jose::KeySet>> AuthorityKeys::keys(const std::string& issuer, bool refresh) {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(issuer);
    if (it != cache_.end()) {
      const auto age = now - it->second.fetched;
      const bool fresh = age < options_.ttl;
      // An unknown kid may mean the authority rotated its key; refetch, but
      // not more often than min_refresh so bogus kids cannot make us hammer it.
      if (fresh && (!refresh || age < options_.min_refresh)) return it->second.keys;
    }
  }
  // Fetched without holding the lock: a slow authority must not stall
  // releases against other authorities. Two concurrent misses fetch twice.
  CLOISTER_ASSIGN_OR_RETURN(auto keys, load(issuer));
  std::lock_guard lock(mutex_);
  if (cache_.size() >= options_.max_authorities && cache_.find(issuer) == cache_.end()) {
    auto oldest = cache_.begin();
    for (auto it = cache_.begin(); it != cache_.end(); ++it)
      if (it->second.fetched < oldest->second.fetched) oldest = it;
    cache_.erase(oldest);
  }
  cache_[issuer] = Entry{keys, std::chrono::steady_clock::now()};
  return keys;
}

}  // namespace cloister::kbs
