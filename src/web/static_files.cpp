#include "web/static_files.h"

#include <string>

namespace cloister::web {

void set_security_headers(httplib::Response& response) {
  response.set_header("Content-Security-Policy",
                      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                      "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
  response.set_header("X-Content-Type-Options", "nosniff");
  response.set_header("Referrer-Policy", "no-referrer");
  response.set_header("Cache-Control", "no-store");
}

namespace {

// cpp-httplib matches paths as regular expressions.
std::string exact_path(std::string_view path) {
  std::string pattern;
  for (char c : path) {
    if (c == '.' || c == '+' || c == '(' || c == ')' || c == '[' || c == ']') pattern += '\\';
    pattern += c;
  }
  return pattern;
}

}  // namespace

void serve_static(httplib::Server& server, std::span<const StaticFile> files) {
  for (const StaticFile& file : files) {
    auto handler = [file](const httplib::Request&, httplib::Response& response) {
      set_security_headers(response);
      response.set_content(std::string(file.body), std::string(file.content_type));
    };
    server.Get(exact_path(file.path), handler);
    if (file.path == "/index.html") server.Get("/", handler);
  }
}

}  // namespace cloister::web
