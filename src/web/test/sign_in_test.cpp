#include "web/sign_in.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <span>
#include <thread>

#include "http/http_server.h"
#include "web/static_files.h"

namespace cloister::web {
namespace {

constexpr char kPage[] = "<!doctype html><title>console</title>";
constexpr StaticFile kFiles[] = {{"/index.html", "text/html; charset=utf-8", kPage},
                                 {"/app.js", "text/javascript; charset=utf-8", "console.log(1)"}};

class Console {
 public:
  Console() {
    std::vector<Account> accounts;
    accounts.push_back({"alice", SecretBytes(as_bytes("correct horse"))});
    auto sign_in = SignIn::create("test_console", std::move(accounts));
    EXPECT_TRUE(sign_in.is_ok());
    sign_in_ = std::move(sign_in).value();
    server_ = std::move(http::Server::create({})).value();
    serve_static(server_->routes(), kFiles);
    sign_in_->add_routes(server_->routes());
    server_->routes().Get("/api/secret",
                          [this](const httplib::Request& request, httplib::Response& response) {
                            if (auto user = sign_in_->require_user(request, response))
                              http::send_json(response, 200, {{"for", *user}});
                          });
    EXPECT_TRUE(server_->bind().is_ok());
    thread_ = std::thread([this] { server_->run(); });
  }
  ~Console() {
    server_->stop();
    thread_.join();
  }
  httplib::Client client() const { return httplib::Client("127.0.0.1", server_->port()); }

  // The session cookie "name=value" from a sign-in answer, or "".
  static std::string cookie_of(const httplib::Result& result) {
    const std::string header = result->get_header_value("Set-Cookie");
    return header.substr(0, header.find(';'));
  }

  httplib::Result sign_in(const std::string& user, const std::string& password) const {
    return client().Post("/api/sign-in", nlohmann::json{{"user", user}, {"password", password}}.dump(),
                         "application/json");
  }

 private:
  std::unique_ptr<SignIn> sign_in_;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
};

TEST(SignIn, ServesCompiledInPagesWithSecurityHeaders) {
  Console console;
  for (const char* path : {"/", "/index.html"}) {
    auto page = console.client().Get(path);
    ASSERT_TRUE(page);
    EXPECT_EQ(page->status, 200);
    EXPECT_EQ(page->body, kPage);
    EXPECT_NE(page->get_header_value("Content-Security-Policy").find("script-src 'self'"), std::string::npos);
    EXPECT_EQ(page->get_header_value("Cache-Control"), "no-store");
  }
  EXPECT_EQ(console.client().Get("/app.js")->get_header_value("Content-Type"),
            "text/javascript; charset=utf-8");
  EXPECT_EQ(console.client().Get("/appxjs")->status, 404);  // the dot is not a wildcard
}

TEST(SignIn, OnlyTheRightPasswordOpensASessionAndSignOutEndsIt) {
  Console console;
  auto anonymous = console.client().Get("/api/secret");
  EXPECT_EQ(anonymous->status, 401);
  EXPECT_EQ(console.sign_in("alice", "wrong")->status, 401);
  EXPECT_EQ(console.sign_in("mallory", "correct horse")->status, 401);

  auto signed_in = console.sign_in("alice", "correct horse");
  ASSERT_EQ(signed_in->status, 200);
  const std::string set_cookie = signed_in->get_header_value("Set-Cookie");
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos);
  const std::string cookie = Console::cookie_of(signed_in);
  // The name: the prefix and 12 random hex digits, so two consoles on one host never share it.
  ASSERT_TRUE(std::regex_match(cookie.substr(0, cookie.find('=')), std::regex("test_console_[0-9a-f]{12}")))
      << cookie;

  httplib::Headers headers{{"Cookie", "other=1; " + cookie}};
  auto secret = console.client().Get("/api/secret", headers);
  EXPECT_EQ(secret->status, 200);
  EXPECT_EQ(nlohmann::json::parse(secret->body)["for"], "alice");
  // Another console's cookie of the same value, or a made-up token, is nobody.
  httplib::Headers other{{"Cookie", "another_console" + cookie.substr(cookie.find('='))}};
  EXPECT_EQ(console.client().Get("/api/secret", other)->status, 401);
  EXPECT_EQ(console.client()
                .Get("/api/secret", {{"Cookie", cookie.substr(0, cookie.find('=')) + "=made-up"}})
                ->status,
            401);

  EXPECT_EQ(console.client().Post("/api/sign-out", headers, "{}", "application/json")->status, 200);
  EXPECT_EQ(console.client().Get("/api/secret", headers)->status, 401);
}

TEST(SignIn, RepeatedWrongPasswordsPauseTheAccount) {
  Console console;
  for (int i = 0; i < SignIn::kFailuresBeforePause; ++i)
    EXPECT_EQ(console.sign_in("alice", "guess")->status, 401);
  auto paused = console.sign_in("alice", "correct horse");
  EXPECT_EQ(paused->status, 429);
  EXPECT_NE(paused->body.find("wait"), std::string::npos);
}

TEST(SignIn, StateChangesMustBeJson) {
  Console console;
  auto form = console.client().Post("/api/sign-in", "user=alice&password=correct+horse",
                                    "application/x-www-form-urlencoded");
  EXPECT_EQ(form->status, 415);
  for (const char* body : {"", "{", "[]", R"({"user":1,"password":"x"})", R"({"user":"","password":"x"})"}) {
    EXPECT_EQ(console.client().Post("/api/sign-in", body, "application/json")->status, 400) << body;
  }
}

}  // namespace
}  // namespace cloister::web
