#include "tools/http_client.h"

#include <nlohmann/json.hpp>

namespace cloister::cli {

Result<HttpReply> http_call(const std::string& url, const std::string& method, const std::string& path,
                            const std::string& body, const std::string& content_type,
                            const httplib::Headers& headers, const std::string& ca_file) {
  std::string base = url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (!base.starts_with("http://") && !base.starts_with("https://")) {
    return Status(ErrorCode::invalid_argument,
                  "the URL must start with http:// or https:// (got " + url + ")");
  }
  httplib::Client client(base);
  if (!client.is_valid()) return Status(ErrorCode::invalid_argument, "cannot use the URL " + url);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(60, 0);  // key generation (RSA-3072) on a busy machine
  if (!ca_file.empty()) client.set_ca_cert_path(ca_file);
  if (method != "GET" && method != "POST" && method != "PUT" && method != "PATCH" && method != "DELETE") {
    return Status(ErrorCode::invalid_argument, "unsupported method " + method);
  }
  auto call = [&]() -> httplib::Result {
    if (method == "GET") return client.Get(path, headers);
    if (method == "DELETE") return client.Delete(path, headers);
    if (method == "POST") return client.Post(path, headers, body, content_type);
    if (method == "PATCH") return client.Patch(path, headers, body, content_type);
    return client.Put(path, headers, body, content_type);
  };
  httplib::Result result = call();
  if (!result) {
    return Status(ErrorCode::io_error, "cannot reach " + base + path + ": " +
                                           httplib::to_string(result.error()) + " (is the service running?)");
  }
  return HttpReply{result->status, result->body};
}

std::string error_text(const HttpReply& reply) {
  auto json = nlohmann::json::parse(reply.body, nullptr, false);
  if (!json.is_discarded() && json.is_object() && json.contains("error") && json["error"].is_object()) {
    const auto& error = json["error"];
    std::string text = "HTTP " + std::to_string(reply.status);
    if (error.contains("code") && error["code"].is_string()) text += " " + error["code"].get<std::string>();
    if (error.contains("message") && error["message"].is_string())
      text += ": " + error["message"].get<std::string>();
    return text;
  }
  return "HTTP " + std::to_string(reply.status) + ": " + reply.body.substr(0, 500);
}

}  // namespace cloister::cli
