// The static pages of Cloister's web consoles, compiled into the binary (see
// cloister_web_assets in cmake/cloister.cmake): nothing is fetched or read
// from disk at run time, and every answer carries headers that keep the
// page to its own origin.
#pragma once

#include <httplib.h>

#include <span>
#include <string_view>

namespace cloister::web {

struct StaticFile {
  std::string_view path;  // "/index.html", "/app.js", ...
  std::string_view content_type;
  std::string_view body;
};

// GET of each file's path, and of "/" as "/index.html". Responses are
// no-store and carry a Content-Security-Policy that allows only this origin's
// scripts, styles and connections (no inline script, no framing).
void serve_static(httplib::Server& server, std::span<const StaticFile> files);

// The headers serve_static sets, for the JSON answers of a console's API too.
void set_security_headers(httplib::Response& response);

}  // namespace cloister::web
