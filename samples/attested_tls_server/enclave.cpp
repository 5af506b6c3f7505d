// An HTTPS server whose TLS ends inside the enclave: the certificate carries
// the enclave's evidence, and the answers are written in here. The host only
// moves encrypted records (host.cpp).
#include "cloister/enclave.h"

#include <string>

#include "cloister/ratls_enclave.h"
#include "common/encoding.h"

namespace {

using namespace cloister;

constexpr std::size_t kMaxRequestHead = 8 * 1024;

std::string response(int status, const std::string& reason, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) + " " + reason +
         "\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// HTTP/1.1, one request per connection: answer once the request head is in.
Status serve_http(ratls::TlsSession& session) {
  const std::string inbox(session.inbox().begin(), session.inbox().end());
  const std::size_t head_end = inbox.find("\r\n\r\n");
  if (head_end == std::string::npos) {
    if (inbox.size() <= kMaxRequestHead) return Status::ok();  // wait for the rest
    CLOISTER_RETURN_IF_ERROR(session.write(to_bytes(response(431, "Request Header Fields Too Large", ""))));
    session.close();
    return Status::ok();
  }
  const std::string request_line = inbox.substr(0, inbox.find("\r\n"));
  session.inbox().clear();
  std::string reply;
  if (request_line == "GET /hello HTTP/1.1" || request_line == "GET /hello HTTP/1.0") {
    reply = response(
        200, "OK",
        "hello from inside an enclave; measurement " + to_hex(enclave::identity().measurement) + "\n");
  } else if (request_line.rfind("GET ", 0) == 0) {
    reply = response(404, "Not Found", "try GET /hello\n");
  } else {
    reply = response(405, "Method Not Allowed", "only GET\n");
  }
  CLOISTER_RETURN_IF_ERROR(session.write(to_bytes(reply)));
  session.close();
  return Status::ok();
}

}  // namespace

CLOISTER_ENCLAVE(attested_tls_server) {
  static ratls::EnclaveTlsSessions tls({.common_name = "Cloister attested TLS sample"});
  tls.serve(enclave, serve_http);
}
