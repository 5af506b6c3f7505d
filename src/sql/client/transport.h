// JSON over HTTPS to `cloister sql serve`, with the server's certificate
// pinned: the handshake (TLS 1.3) succeeds only if the server presents
// exactly the certificate the client was given, whatever names it carries.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cloister/bytes.h"
#include "cloister/result.h"

namespace httplib {
class SSLClient;
}
struct x509_store_ctx_st;

namespace cloister::sql::client {

struct JsonReply {
  int status = 0;
  nlohmann::json body;  // an object (an error answer is {"error":{...}})

  [[nodiscard]] bool ok() const { return status == 200; }
  [[nodiscard]] std::string error_code() const;
  [[nodiscard]] std::string error_message() const;
};

class PinnedTransport {
 public:
  // `pinned_cert_pem`: the server's certificate (the first one in the PEM).
  static Result<std::unique_ptr<PinnedTransport>> create(const std::string& host, int port,
                                                         std::string_view pinned_cert_pem,
                                                         int timeout_seconds);
  ~PinnedTransport();
  PinnedTransport(const PinnedTransport&) = delete;
  PinnedTransport& operator=(const PinnedTransport&) = delete;

  // io_error when the server cannot be reached or the handshake fails (the
  // message says whether the certificate did not match); otherwise the
  // answer, whatever its status.
  Result<JsonReply> call(const std::string& method, const std::string& path, const nlohmann::json& body);

  [[nodiscard]] const std::string& endpoint() const { return endpoint_; }

 private:
  PinnedTransport() = default;

  std::unique_ptr<httplib::SSLClient> client_;
  Bytes pinned_der_;
  bool pin_mismatch_ = false;  // set by the verify callback of the last handshake
  std::string endpoint_;

  // OpenSSL's certificate verification, replaced by the pin check.
  static int verify_pinned(x509_store_ctx_st* store, void* self);
};

}  // namespace cloister::sql::client
