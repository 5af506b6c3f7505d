// A JSON REST server on cpp-httplib with the rules every Cloister service
// follows: loopback by default, bounded bodies, JSON errors
// {"error":{"code","message"}}, no handler exception ever reaches the socket,
// and request logs that never carry bodies (tokens, keys) or query strings.
#pragma once

#include <httplib.h>

#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "cloister/result.h"

namespace cloister::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;                   // 0: any free port (see Server::port())
  std::string tls_cert_pem_file;  // both set: HTTPS
  std::string tls_key_pem_file;
  std::size_t max_body_bytes = 1 << 20;
  std::string service_name = "cloister";  // in log lines
};

class Server {
 public:
  static Result<std::unique_ptr<Server>> create(const ServerOptions& options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Register routes before bind().
  httplib::Server& routes() { return *server_; }

  // Binds the socket; after this, port() is the bound port.
  Status bind();
  // Serves until stop(); returns when stopped.
  void run();
  void stop();
  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] bool tls() const { return tls_; }
  [[nodiscard]] std::string url() const;  // e.g. http://127.0.0.1:8443

 private:
  Server(std::unique_ptr<httplib::Server> server, ServerOptions options, bool tls);
  std::unique_ptr<httplib::Server> server_;
  ServerOptions options_;
  bool tls_ = false;
  int port_ = 0;
};

void send_json(httplib::Response& response, int status, const nlohmann::json& body);
// {"error":{"code":code,"message":message}}
void send_error(httplib::Response& response, int status, std::string_view code, std::string_view message);
// Maps a Status to an HTTP error: invalid_argument -> 400, permission_denied
// -> 403, not_found -> 404, ... with the status message as the message.
void send_status(httplib::Response& response, const Status& status);

// The body as a JSON object; errors name what is wrong with it.
Result<nlohmann::json> parse_json_object(const httplib::Request& request);
Result<nlohmann::json> parse_json_object(std::string_view body);

// "Authorization: Bearer <token>" or an empty string.
std::string bearer_token(const httplib::Request& request);

}  // namespace cloister::http
