#include "web/sign_in.h"

#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include "common/encoding.h"
#include "crypto/constant_time.h"
#include "crypto/rng.h"
#include "crypto/sha.h"
#include "http/http_server.h"
#include "web/static_files.h"

namespace cloister::web {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kPbkdf2Iterations = 100000;
constexpr std::size_t kSaltSize = 16;
constexpr std::size_t kHashSize = 32;
constexpr std::size_t kTokenSize = 32;
constexpr std::size_t kCookieSuffixSize = 6;
constexpr std::size_t kMaxSessions = 10000;

Result<Bytes> pbkdf2(ByteView password, ByteView salt) {
  Bytes out(kHashSize);
  if (PKCS5_PBKDF2_HMAC(reinterpret_cast<const char*>(password.data()), static_cast<int>(password.size()),
                        salt.data(), static_cast<int>(salt.size()), kPbkdf2Iterations, EVP_sha256(),
                        static_cast<int>(out.size()), out.data()) != 1) {
    return Status(ErrorCode::internal, "PBKDF2 failed");
  }
  return out;
}

std::string token_key(std::string_view token) {
  return to_hex(crypto::sha256(as_bytes(token)));
}

}  // namespace

Result<std::unique_ptr<SignIn>> SignIn::create(const std::string& cookie_prefix,
                                               std::vector<Account> accounts) {
  if (accounts.empty()) return Status(ErrorCode::invalid_argument, "a console needs at least one account");
  std::map<std::string, StoredAccount> stored;
  for (Account& account : accounts) {
    if (account.user.empty() || account.password.empty())
      return Status(ErrorCode::invalid_argument, "an account needs a user name and a password");
    CLOISTER_ASSIGN_OR_RETURN(Bytes salt, crypto::random_bytes(kSaltSize));
    CLOISTER_ASSIGN_OR_RETURN(Bytes hash, pbkdf2(account.password.view(), salt));
    account.password.wipe();
    stored[account.user] = {std::move(salt), std::move(hash)};
  }
  CLOISTER_ASSIGN_OR_RETURN(Bytes suffix, crypto::random_bytes(kCookieSuffixSize));
  return std::unique_ptr<SignIn>(new SignIn(cookie_prefix + "_" + to_hex(suffix), std::move(stored)));
}

Status SignIn::check_password(const std::string& user, ByteView password) {
  const auto now = Clock::now();
  {
    std::lock_guard lock(mutex_);
    if (failures_[user].paused_until > now) {
      return Status(
          ErrorCode::failed_precondition,
          "too many wrong passwords: wait " + std::to_string(kPause.count()) + " seconds and try again");
    }
  }
  // An unknown user costs the same hashing as a known one.
  static const StoredAccount kNobody{Bytes(kSaltSize), Bytes(kHashSize)};
  const auto found = accounts_.find(user);
  const StoredAccount& account = found == accounts_.end() ? kNobody : found->second;
  CLOISTER_ASSIGN_OR_RETURN(Bytes hash, pbkdf2(password, account.salt));
  const bool match = crypto::constant_time_equal(hash, account.hash) && found != accounts_.end();
  std::lock_guard lock(mutex_);
  Failures& failures = failures_[user];
  if (match) {
    failures = {};
    return Status::ok();
  }
  if (++failures.count >= kFailuresBeforePause) {
    failures.count = 0;
    failures.paused_until = now + kPause;
  }
  return Status(ErrorCode::unauthenticated, "wrong user name or password");
}

Result<std::string> SignIn::open_session(const std::string& user) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes random, crypto::random_bytes(kTokenSize));
  std::string token = to_base64url(random);
  secure_wipe(random.data(), random.size());
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  std::erase_if(sessions_, [&](const auto& entry) { return entry.second.expires <= now; });
  if (sessions_.size() >= kMaxSessions)
    return Status(ErrorCode::conflict, "too many open sessions: try again later");
  sessions_[token_key(token)] = {user, now + kSessionLifetime};
  return token;
}

std::string SignIn::cookie_token(const httplib::Request& request) const {
  const std::string cookies = request.get_header_value("Cookie");
  const std::string prefix = cookie_name_ + "=";
  std::size_t at = 0;
  while (at < cookies.size()) {
    while (at < cookies.size() && (cookies[at] == ' ' || cookies[at] == ';')) ++at;
    const std::size_t end = std::min(cookies.find(';', at), cookies.size());
    if (cookies.compare(at, prefix.size(), prefix) == 0)
      return cookies.substr(at + prefix.size(), end - at - prefix.size());
    at = end;
  }
  return {};
}

std::optional<std::string> SignIn::session_user(const httplib::Request& request) {
  const std::string token = cookie_token(request);
  if (token.empty()) return std::nullopt;
  std::lock_guard lock(mutex_);
  const auto found = sessions_.find(token_key(token));
  if (found == sessions_.end()) return std::nullopt;
  if (found->second.expires <= Clock::now()) {
    sessions_.erase(found);
    return std::nullopt;
  }
  return found->second.user;
}

std::optional<std::string> SignIn::require_user(const httplib::Request& request,
                                                httplib::Response& response) {
  auto user = session_user(request);
  if (!user) {
    set_security_headers(response);
    http::send_error(response, 401, "SignInRequired", "sign in first");
  }
  return user;
}

bool SignIn::require_json(const httplib::Request& request, httplib::Response& response) {
  const std::string type = request.get_header_value("Content-Type");
  if (type.rfind("application/json", 0) == 0) return true;
  set_security_headers(response);
  http::send_error(response, 415, "UnsupportedMediaType", "send the request as application/json");
  return false;
}

void SignIn::add_routes(httplib::Server& server) {
  server.Post("/api/sign-in", [this](const httplib::Request& request, httplib::Response& response) {
    set_security_headers(response);
    if (!require_json(request, response)) return;
    auto body = http::parse_json_object(request);
    if (!body.is_ok()) return http::send_status(response, body.status());
    const json& user = (*body)["user"];
    const json& password = (*body)["password"];
    if (!user.is_string() || !password.is_string() || user.get_ref<const std::string&>().empty()) {
      return http::send_error(response, 400, "BadRequest", "send {\"user\": ..., \"password\": ...}");
    }
    std::string text = password.get<std::string>();
    Status checked = check_password(user.get<std::string>(), as_bytes(text));
    secure_wipe(text.data(), text.size());
    if (!checked.is_ok()) {
      const int status = checked.code() == ErrorCode::failed_precondition ? 429 : 401;
      return http::send_error(response, status, status == 429 ? "TooManyAttempts" : "WrongPassword",
                              checked.message());
    }
    auto token = open_session(user.get<std::string>());
    if (!token.is_ok()) return http::send_status(response, token.status());
    response.set_header("Set-Cookie", cookie_name_ + "=" + *token + "; Path=/; HttpOnly; SameSite=Strict");
    http::send_json(response, 200, {{"user", user}});
  });
  server.Post("/api/sign-out", [this](const httplib::Request& request, httplib::Response& response) {
    set_security_headers(response);
    if (!require_json(request, response)) return;
    const std::string token = cookie_token(request);
    if (!token.empty()) {
      std::lock_guard lock(mutex_);
      sessions_.erase(token_key(token));
    }
    response.set_header("Set-Cookie", cookie_name_ + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    http::send_json(response, 200, json::object());
  });
  server.Get("/api/me", [this](const httplib::Request& request, httplib::Response& response) {
    auto user = require_user(request, response);
    if (user) http::send_json(response, 200, {{"user", *user}});
  });
}

}  // namespace cloister::web
