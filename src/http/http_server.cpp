#include "http/http_server.h"

#include <spdlog/spdlog.h>

#include <exception>
#include <utility>

namespace cloister::http {

namespace {

int http_status_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_argument:
    case ErrorCode::decode_error:
    case ErrorCode::out_of_range:
      return 400;
    case ErrorCode::unauthenticated:
      return 401;
    case ErrorCode::permission_denied:
    case ErrorCode::verification_failed:
    case ErrorCode::crypto_error:
      return 403;
    case ErrorCode::not_found:
      return 404;
    case ErrorCode::conflict:
      return 409;
    case ErrorCode::enclave_busy:
    case ErrorCode::enclave_terminated:  // a service relaunches its enclave: worth a retry
      return 503;
    default:
      return 500;
  }
}

std::string error_code_name(int status) {
  switch (status) {
    case 400:
      return "BadRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 405:
      return "MethodNotAllowed";
    case 409:
      return "Conflict";
    case 413:
      return "PayloadTooLarge";
    case 414:
      return "UriTooLong";
    case 503:
      return "ServiceUnavailable";
    default:
      return status >= 500 ? "InternalError" : "Error";
  }
}

}  // namespace

Result<std::unique_ptr<Server>> Server::create(const ServerOptions& options) {
  const bool want_tls = !options.tls_cert_pem_file.empty() || !options.tls_key_pem_file.empty();
  std::unique_ptr<httplib::Server> server;
  if (want_tls) {
    if (options.tls_cert_pem_file.empty() || options.tls_key_pem_file.empty()) {
      return Status(ErrorCode::invalid_argument, "TLS needs both a certificate file and a key file");
    }
    auto tls_server = std::make_unique<httplib::SSLServer>(options.tls_cert_pem_file.c_str(),
                                                           options.tls_key_pem_file.c_str());
    if (!tls_server->is_valid()) {
      return Status(ErrorCode::invalid_argument, "cannot load the TLS certificate " +
                                                     options.tls_cert_pem_file + " or key " +
                                                     options.tls_key_pem_file);
    }
    server = std::move(tls_server);
  } else {
    server = std::make_unique<httplib::Server>();
  }
  return std::unique_ptr<Server>(new Server(std::move(server), options, want_tls));
}

Server::Server(std::unique_ptr<httplib::Server> server, ServerOptions options, bool tls)
    : server_(std::move(server)), options_(std::move(options)), tls_(tls) {
  server_->set_payload_max_length(options_.max_body_bytes);
  server_->set_keep_alive_max_count(100'000);
  server_->set_tcp_nodelay(true);  // small JSON answers must not wait for delayed ACKs
  server_->set_read_timeout(10, 0);
  server_->set_write_timeout(10, 0);
  server_->set_exception_handler([name = options_.service_name](const httplib::Request& request,
                                                                httplib::Response& response,
                                                                const std::exception_ptr& error) {
    std::string what = "unknown exception";
    try {
      if (error) std::rethrow_exception(error);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    spdlog::error("{}: {} {} failed: {}", name, request.method, request.path, what);
    send_error(response, 500, "InternalError", "the request failed inside the service; see its log");
  });
  // Errors produced by httplib itself (404 for unknown routes, 413 for
  // oversize bodies, 400 for malformed requests) get a JSON body too.
  server_->set_error_handler([](const httplib::Request& request, httplib::Response& response) {
    if (!response.body.empty()) return;
    std::string message = "request failed";
    if (response.status == 404) message = "no such endpoint: " + request.method + " " + request.path;
    if (response.status == 413) message = "request body is too large";
    send_error(response, response.status, error_code_name(response.status), message);
  });
  server_->set_logger(
      [name = options_.service_name](const httplib::Request& request, const httplib::Response& response) {
        // Path only: bodies and query strings may carry tokens or keys.
        spdlog::info("{}: {} {} -> {}", name, request.method, request.path, response.status);
      });
}

Server::~Server() {
  stop();
}

Status Server::bind() {
  if (options_.port == 0) {
    port_ = server_->bind_to_any_port(options_.host);
    if (port_ <= 0) return Status(ErrorCode::io_error, "cannot listen on " + options_.host);
  } else {
    if (!server_->bind_to_port(options_.host, options_.port)) {
      return Status(ErrorCode::io_error, "cannot listen on " + options_.host + ":" +
                                             std::to_string(options_.port) +
                                             " (in use? pick another with --port)");
    }
    port_ = options_.port;
  }
  return Status::ok();
}

void Server::run() {
  server_->listen_after_bind();
}

void Server::stop() {
  if (server_ && server_->is_running()) server_->stop();
}

std::string Server::url() const {
  return std::string(tls_ ? "https://" : "http://") + options_.host + ":" + std::to_string(port_);
}

void send_json(httplib::Response& response, int status, const nlohmann::json& body) {
  response.status = status;
  response.set_content(body.dump(), "application/json");
}

void send_error(httplib::Response& response, int status, std::string_view code, std::string_view message) {
  nlohmann::json body;
  body["error"] = {{"code", std::string(code)}, {"message", std::string(message)}};
  response.status = status;
  // Messages may echo input; dump() with replacement keeps invalid UTF-8 from throwing.
  response.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                       "application/json");
}

void send_status(httplib::Response& response, const Status& status) {
  const int http_status = http_status_for(status.code());
  send_error(response, http_status, error_code_name(http_status), status.message());
}

Result<nlohmann::json> parse_json_object(const httplib::Request& request) {
  return parse_json_object(std::string_view(request.body));
}

Result<nlohmann::json> parse_json_object(std::string_view body_text) {
  if (body_text.empty())
    return Status(ErrorCode::invalid_argument, "the request body is empty; send a JSON object");
  auto body = nlohmann::json::parse(body_text, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return Status(ErrorCode::invalid_argument, "the request body is not valid JSON");
  if (!body.is_object()) return Status(ErrorCode::invalid_argument, "the request body must be a JSON object");
  return body;
}

std::string bearer_token(const httplib::Request& request) {
  const std::string header = request.get_header_value("Authorization");
  constexpr std::string_view kPrefix = "Bearer ";
  if (header.size() <= kPrefix.size() || header.compare(0, kPrefix.size(), kPrefix) != 0) return {};
  return header.substr(kPrefix.size());
}

}  // namespace cloister::http
