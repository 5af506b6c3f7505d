// A small HTTP(S) client for the CLI commands that talk to Cloister services.
#pragma once

#include <httplib.h>

#include <string>

#include "cloister/result.h"

namespace cloister::cli {

struct HttpReply {
  int status = 0;
  std::string body;
};

// `url` is the service base, e.g. http://127.0.0.1:8500; `path` is appended.
// `ca_file` (PEM) is trusted for https; otherwise the system CAs are.
Result<HttpReply> http_call(const std::string& url, const std::string& method, const std::string& path,
                            const std::string& body = "", const std::string& content_type = "",
                            const httplib::Headers& headers = {}, const std::string& ca_file = "");

// "code: message" from a service's JSON error body, or the raw body.
std::string error_text(const HttpReply& reply);

}  // namespace cloister::cli
