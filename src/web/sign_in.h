// Signing in to a web console: named accounts with passwords (kept only as
// PBKDF2-SHA256 hashes), sessions in an HttpOnly, SameSite=Strict cookie
// (never in a URL), and a pause after repeated wrong passwords.
//
//   POST /api/sign-in  {"user","password"}  -> {"user"} and the cookie
//   POST /api/sign-out                      -> {} and the cookie cleared
//   GET  /api/me                            -> {"user"}, or 401
//
// Requests that change state must be JSON (a cross-site form cannot send
// application/json without the browser asking first), and the cookie is not
// sent cross-site at all.
#pragma once

#include <httplib.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cloister/bytes.h"
#include "cloister/result.h"

namespace cloister::web {

struct Account {
  std::string user;
  SecretBytes password;
};

class SignIn {
 public:
  // The session cookie is named `cookie_prefix` + "_" + random hex: unique
  // per console process, as browsers share cookies between the ports of a
  // host. Passwords are hashed here and wiped.
  static Result<std::unique_ptr<SignIn>> create(const std::string& cookie_prefix,
                                                std::vector<Account> accounts);

  [[nodiscard]] const std::string& cookie_name() const { return cookie_name_; }

  void add_routes(httplib::Server& server);

  // The signed-in user, or nullopt after answering 401 (no or expired session).
  std::optional<std::string> require_user(const httplib::Request& request, httplib::Response& response);
  // A state-changing request must be application/json: false after answering 415.
  static bool require_json(const httplib::Request& request, httplib::Response& response);

  // Checks a password (for tests and the routes): ok, or unauthenticated
  // for a wrong user or password, failed_precondition while paused.
  Status check_password(const std::string& user, ByteView password);

  static constexpr int kFailuresBeforePause = 5;
  static constexpr std::chrono::seconds kPause{30};
  static constexpr std::chrono::hours kSessionLifetime{8};

 private:
  struct StoredAccount {
    Bytes salt;
    Bytes hash;
  };
  struct Session {
    std::string user;
    std::chrono::steady_clock::time_point expires;
  };
  struct Failures {
    int count = 0;
    std::chrono::steady_clock::time_point paused_until;
  };

  SignIn(std::string cookie_name, std::map<std::string, StoredAccount> accounts)
      : cookie_name_(std::move(cookie_name)), accounts_(std::move(accounts)) {}
  Result<std::string> open_session(const std::string& user);
  std::optional<std::string> session_user(const httplib::Request& request);
  [[nodiscard]] std::string cookie_token(const httplib::Request& request) const;

  std::string cookie_name_;
  std::map<std::string, StoredAccount> accounts_;
  std::mutex mutex_;
  std::map<std::string, Session> sessions_;  // by SHA-256 of the token, hex
  std::map<std::string, Failures> failures_;
};

}  // namespace cloister::web
