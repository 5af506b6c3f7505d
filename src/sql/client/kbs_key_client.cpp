#include "sql/client/kbs_key_client.h"

#include <httplib.h>

#include <algorithm>
#include <charconv>

#include "common/encoding.h"
#include "jose/jose.h"
#include "sql/utf16.h"

namespace cloister::sql::client {

using nlohmann::json;

namespace {

// 127.0.0.0/8 as dotted digits (not a name such as 127.0.0.1.example.com), ::1, localhost.
bool is_loopback(std::string_view host) {
  if (host == "localhost" || host == "[::1]") return true;
  return host.starts_with("127.") &&
         std::all_of(host.begin(), host.end(), [](char c) { return c == '.' || (c >= '0' && c <= '9'); });
}

bool is_host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == '[' || c == ']' ||
         c == ':';
}

// The broker's key names: 1-127 letters, digits and dashes (kbs check_key_name).
bool is_key_name(std::string_view name) {
  if (name.empty() || name.size() > 127) return false;
  for (char c : name)
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-') return false;
  return true;
}

Result<std::int64_t> parse_version(std::string_view text) {
  std::int64_t version = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (text.empty() || text.size() > 18 || text[0] == '0' || ec != std::errc() ||
      end != text.data() + text.size() || version <= 0) {
    return Status(ErrorCode::invalid_argument,
                  "'" + std::string(text.substr(0, 40)) + "' is not a key version (1, 2, ...)");
  }
  return version;
}

std::string error_message(const httplib::Result& result) {
  auto body = json::parse(result->body, nullptr, false);
  if (body.is_object() && body.contains("error") && body["error"].is_object())
    return body["error"].value("message", std::string());
  return result->body.substr(0, 300);
}

}  // namespace

Result<std::string> normalize_kbs_url(std::string_view url) {
  const std::string lowered = ascii_lower(url);
  std::string scheme;
  if (lowered.starts_with("https://")) {
    scheme = "https://";
  } else if (lowered.starts_with("http://")) {
    scheme = "http://";
  } else {
    return Status(ErrorCode::invalid_argument,
                  "the key broker URL must start with http:// or https://, not '" + std::string(url) + "'");
  }
  std::string authority = lowered.substr(scheme.size());
  if (authority.ends_with("/")) authority.pop_back();
  if (authority.empty() || !std::all_of(authority.begin(), authority.end(), is_host_char)) {
    return Status(ErrorCode::invalid_argument,
                  "the key broker URL is scheme://host[:port] with nothing after it (no path, query or user "
                  "name), not '" +
                      std::string(url) + "'");
  }
  const std::size_t colon = authority.rfind(':');
  const std::string host = colon != std::string::npos && authority.find(']', colon) == std::string::npos
                               ? authority.substr(0, colon)
                               : authority;
  if (scheme == "http://" && !is_loopback(host)) {
    return Status(
        ErrorCode::invalid_argument,
        "plain http to the key broker is allowed only on loopback: the credential and unwrapped column "
        "keys cross this connection; serve kbs with --tls-cert/--tls-key and use https://" +
            authority);
  }
  return scheme + authority;
}

Result<std::unique_ptr<KbsKeyClient>> KbsKeyClient::create(const KbsKeyStoreOptions& options) {
  CLOISTER_ASSIGN_OR_RETURN(std::string base, normalize_kbs_url(options.url));
  // The file's contents, without the newline an editor may leave.
  std::size_t size = options.credential.size();
  while (size > 0 &&
         (options.credential.data()[size - 1] == '\n' || options.credential.data()[size - 1] == '\r' ||
          options.credential.data()[size - 1] == ' '))
    --size;
  if (size < 16) {
    return Status(
        ErrorCode::invalid_argument,
        "the key broker credential is empty or too short: pass the admin.credential file of the kbs "
        "data directory");
  }
  SecretBytes credential(options.credential.view().first(size));
  auto client = std::make_unique<httplib::Client>(base);
  if (!client->is_valid())
    return Status(ErrorCode::invalid_argument, "cannot use the key broker URL " + base);
  client->set_connection_timeout(5, 0);
  client->set_read_timeout(options.timeout_seconds, 0);
  client->set_write_timeout(options.timeout_seconds, 0);
  if (!options.ca_file.empty()) client->set_ca_cert_path(options.ca_file.c_str());
  return std::unique_ptr<KbsKeyClient>(
      new KbsKeyClient(std::move(base), std::move(credential), std::move(client)));
}

KbsKeyClient::KbsKeyClient(std::string base_url, SecretBytes credential,
                           std::unique_ptr<httplib::Client> client)
    : base_url_(std::move(base_url)), credential_(std::move(credential)), client_(std::move(client)) {}

KbsKeyClient::~KbsKeyClient() = default;

std::string KbsKeyClient::key_path(const KbsKeyRef& key) const {
  return base_url_ + "/keys/" + key.name + "/" + std::to_string(key.version);
}

Result<KbsKeyRef> KbsKeyClient::parse_key_path(std::string_view key_path) const {
  // Key paths are case-insensitive in SQL Server's catalog; the broker's key
  // names are not, so only the scheme and host are compared ignoring case.
  const std::string prefix = base_url_ + "/keys/";
  if (key_path.size() <= prefix.size() || ascii_lower(key_path.substr(0, prefix.size())) != prefix) {
    return Status(ErrorCode::permission_denied,
                  "the column master key path '" + std::string(key_path.substr(0, 200)) +
                      "' is not a key of the key broker this client trusts (" + base_url_ +
                      "): the database names a key elsewhere, and the credential is sent only to " +
                      base_url_ + "; check the kbs URL, or the CMK's KEY_PATH in the database");
  }
  const std::string_view rest = key_path.substr(prefix.size());
  const std::size_t slash = rest.find('/');
  const auto malformed = [&] {
    return Status(ErrorCode::invalid_argument, "the column master key path '" +
                                                   std::string(key_path.substr(0, 200)) + "' is not " +
                                                   base_url_ + "/keys/<name>/<version>");
  };
  if (slash == std::string_view::npos || !is_key_name(rest.substr(0, slash))) return malformed();
  auto version = parse_version(rest.substr(slash + 1));
  if (!version.is_ok()) return malformed();
  return KbsKeyRef{std::string(rest.substr(0, slash)), *version};
}

Result<json> KbsKeyClient::call(const std::string& method, const std::string& path, const std::string& body) {
  std::string authorization = "Bearer " + cloister::to_string(credential_.view());
  httplib::Headers headers = {{"Authorization", authorization}};
  secure_wipe(authorization.data(), authorization.size());
  std::unique_lock lock(mutex_);
  httplib::Result result =
      method == "GET" ? client_->Get(path, headers) : client_->Post(path, headers, body, "application/json");
  lock.unlock();
  for (auto& [name, value] : headers) secure_wipe(value.data(), value.size());
  if (!result) {
    return Status(ErrorCode::io_error,
                  "cannot reach the key broker at " + base_url_ + ": " + httplib::to_string(result.error()) +
                      " (is `cloister kbs serve` running there? for https, pass its CA)");
  }
  const std::string where = "the key broker (" + method + " " + base_url_ + path + ")";
  switch (result->status) {
    case 200:
      break;
    case 401:
      return Status(ErrorCode::unauthenticated, where +
                                                    " refused the credential: pass the admin.credential file "
                                                    "of the kbs data directory");
    case 403:
      return Status(ErrorCode::permission_denied, where + " refused: " + error_message(result));
    case 404:
      return Status(ErrorCode::not_found,
                    where + ": " + error_message(result) + " (list keys with: cloister kbs key list)");
    case 400:
      return Status(ErrorCode::invalid_argument, where + " refused the request: " + error_message(result));
    default:
      return Status(ErrorCode::io_error, where + " answered HTTP " + std::to_string(result->status) + ": " +
                                             error_message(result));
  }
  auto answer = json::parse(result->body, nullptr, false);
  if (!answer.is_object()) return Status(ErrorCode::decode_error, where + " answered without a JSON object");
  return answer;
}

Result<crypto::PublicKey> KbsKeyClient::public_key(const KbsKeyRef& key) {
  CLOISTER_ASSIGN_OR_RETURN(json info,
                            call("GET", "/keys/" + key.name + "/" + std::to_string(key.version), ""));
  const std::string kid = key.name + "/" + std::to_string(key.version);
  if (info.value("enabled", false) != true) {
    return Status(
        ErrorCode::permission_denied,
        "key " + kid + " is disabled in the key broker; enable it with: cloister kbs key enable " + key.name);
  }
  if (info.value("kty", "") != "RSA" || !info.contains("public_jwk")) {
    return Status(ErrorCode::invalid_argument, "key " + kid +
                                                   " in the key broker is not an RSA key: a column "
                                                   "master key is RSA (cloister sql cmk create --kbs)");
  }
  auto public_key = jose::key_from_jwk(info["public_jwk"]);
  if (!public_key.is_ok()) return public_key.status().with_context("the public key of " + kid);
  return public_key;
}

Result<std::int64_t> KbsKeyClient::current_version(const std::string& name) {
  if (!is_key_name(name)) {
    return Status(ErrorCode::invalid_argument,
                  "'" + name + "' is not a key broker key name (letters, digits, -)");
  }
  CLOISTER_ASSIGN_OR_RETURN(json info, call("GET", "/keys/" + name, ""));
  if (!info.contains("current_version") || !info["current_version"].is_number_integer())
    return Status(ErrorCode::decode_error, "the key broker's answer for " + name + " has no current_version");
  return info["current_version"].get<std::int64_t>();
}

Result<Bytes> KbsKeyClient::key_operation(const KbsKeyRef& key, const char* operation, const char* alg,
                                          ByteView value) {
  const json request = {{"alg", alg}, {"value", to_base64url(value)}};
  CLOISTER_ASSIGN_OR_RETURN(
      json answer, call("POST", "/keys/" + key.name + "/" + std::to_string(key.version) + "/" + operation,
                        request.dump()));
  if (!answer.contains("value") || !answer["value"].is_string())
    return Status(ErrorCode::decode_error,
                  std::string("the key broker's ") + operation + " answer has no value");
  std::string& text = answer["value"].get_ref<std::string&>();
  auto bytes = from_base64url(text);
  secure_wipe(text.data(), text.size());
  if (!bytes.is_ok())
    return Status(ErrorCode::decode_error,
                  std::string("the key broker's ") + operation + " value is not base64url");
  return bytes;
}

Result<SecretBytes> KbsKeyClient::unwrap(const KbsKeyRef& key, ByteView ciphertext) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes cek, key_operation(key, "unwrapkey", "RSA-OAEP", ciphertext));
  return SecretBytes(std::move(cek));
}

Result<Bytes> KbsKeyClient::sign(const KbsKeyRef& key, const crypto::Digest256& digest) {
  return key_operation(key, "sign", "RS256", digest);
}

}  // namespace cloister::sql::client
