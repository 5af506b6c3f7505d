#include "http/http_server.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

namespace cloister::http {
namespace {

class RunningServer {
 public:
  explicit RunningServer(ServerOptions options = {}) {
    auto created = Server::create(options);
    EXPECT_TRUE(created.is_ok()) << created.status().to_string();
    server_ = std::move(created).value();
    server_->routes().Post("/echo", [](const httplib::Request& request, httplib::Response& response) {
      auto body = parse_json_object(request);
      if (!body.is_ok()) return send_status(response, body.status());
      send_json(response, 200, *body);
    });
    server_->routes().Get("/throw", [](const httplib::Request&, httplib::Response&) {
      throw std::runtime_error("handler bug");
    });
    server_->routes().Get("/whoami", [](const httplib::Request& request, httplib::Response& response) {
      send_json(response, 200, {{"bearer", bearer_token(request)}});
    });
    EXPECT_TRUE(server_->bind().is_ok());
    thread_ = std::thread([this] { server_->run(); });
  }
  ~RunningServer() {
    server_->stop();
    thread_.join();
  }
  httplib::Client client() const { return httplib::Client("127.0.0.1", server_->port()); }

 private:
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

nlohmann::json json_of(const httplib::Result& result) {
  return nlohmann::json::parse(result->body, nullptr, false);
}

TEST(HttpServer, EchoesJsonObjects) {
  RunningServer server;
  auto result = server.client().Post("/echo", R"({"a":1})", "application/json");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(json_of(result)["a"], 1);
}

TEST(HttpServer, MalformedBodiesGetJsonErrors) {
  RunningServer server;
  for (const char* body : {"", "{", "[1,2]", "\xff\xfe"}) {
    auto result = server.client().Post("/echo", body, "application/json");
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 400) << body;
    auto error = json_of(result);
    EXPECT_EQ(error["error"]["code"], "BadRequest");
    EXPECT_FALSE(error["error"]["message"].get<std::string>().empty());
  }
}

TEST(HttpServer, UnknownRoutesAndOversizeBodiesGetJsonErrors) {
  RunningServer server(ServerOptions{.max_body_bytes = 1024});
  auto missing = server.client().Get("/nowhere");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(json_of(missing)["error"]["code"], "NotFound");

  auto big = server.client().Post("/echo", std::string(4096, 'x'), "application/json");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_EQ(json_of(big)["error"]["code"], "PayloadTooLarge");
}

TEST(HttpServer, HandlerExceptionsBecome500AndTheServerKeepsServing) {
  RunningServer server;
  auto failed = server.client().Get("/throw");
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->status, 500);
  EXPECT_EQ(json_of(failed)["error"]["code"], "InternalError");
  auto next = server.client().Post("/echo", "{}", "application/json");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
}

TEST(HttpServer, ReadsBearerTokens) {
  RunningServer server;
  auto client = server.client();
  client.set_bearer_token_auth("secret-value");
  auto result = client.Get("/whoami");
  ASSERT_TRUE(result);
  EXPECT_EQ(json_of(result)["bearer"], "secret-value");
  auto anonymous = server.client().Get("/whoami");
  EXPECT_EQ(json_of(anonymous)["bearer"], "");
}

TEST(HttpServer, StatusCodesMapToHttp) {
  httplib::Response response;
  send_status(response, Status(ErrorCode::not_found, "no key k1"));
  EXPECT_EQ(response.status, 404);
  send_status(response, Status(ErrorCode::unauthenticated, "credential"));
  EXPECT_EQ(response.status, 401);
  send_status(response, Status(ErrorCode::verification_failed, "bad"));
  EXPECT_EQ(response.status, 403);
  send_status(response, Status(ErrorCode::conflict, "exists"));
  EXPECT_EQ(response.status, 409);
}

}  // namespace
}  // namespace cloister::http
