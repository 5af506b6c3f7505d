#include "sql/client/transport.h"

#include <httplib.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "crypto/constant_time.h"
#include "crypto/x509.h"

namespace cloister::sql::client {

std::string JsonReply::error_code() const {
  if (body.is_object() && body.contains("error") && body["error"].is_object())
    return body["error"].value("code", "");
  return "";
}

std::string JsonReply::error_message() const {
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    const auto& error = body["error"];
    if (error.contains("message") && error["message"].is_string()) return error["message"].get<std::string>();
  }
  return "HTTP " + std::to_string(status);
}

int PinnedTransport::verify_pinned(x509_store_ctx_st* store, void* self) {
  auto* transport = static_cast<PinnedTransport*>(self);
  X509* presented = X509_STORE_CTX_get0_cert(store);
  if (presented == nullptr) return 0;
  unsigned char* der = nullptr;
  const int size = i2d_X509(presented, &der);
  if (size <= 0) return 0;
  const bool same =
      static_cast<std::size_t>(size) == transport->pinned_der_.size() &&
      crypto::constant_time_equal(ByteView(der, static_cast<std::size_t>(size)), transport->pinned_der_);
  OPENSSL_free(der);
  transport->pin_mismatch_ = !same;
  if (!same) X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
  return same ? 1 : 0;
}

Result<std::unique_ptr<PinnedTransport>> PinnedTransport::create(const std::string& host, int port,
                                                                 std::string_view pinned_cert_pem,
                                                                 int timeout_seconds) {
  auto cert = crypto::Certificate::from_pem(pinned_cert_pem);
  if (!cert.is_ok()) return cert.status().with_context("the server certificate to pin");
  CLOISTER_ASSIGN_OR_RETURN(Bytes der, cert->to_der());

  std::unique_ptr<PinnedTransport> transport(new PinnedTransport());
  transport->pinned_der_ = std::move(der);
  transport->endpoint_ = "https://" + host + ":" + std::to_string(port);
  transport->client_ = std::make_unique<httplib::SSLClient>(host, port);
  if (!transport->client_->is_valid())
    return Status(ErrorCode::internal, "cannot create a TLS client for " + transport->endpoint_);
  // httplib's own checks (a CA store, the host name) are replaced by the pin:
  // the server's certificate is self-signed and named as its operator chose.
  transport->client_->enable_server_certificate_verification(false);
  SSL_CTX* context = transport->client_->ssl_context();
  SSL_CTX_set_min_proto_version(context, TLS1_3_VERSION);
  SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_cert_verify_callback(
      context, [](X509_STORE_CTX* store, void* self) { return verify_pinned(store, self); }, transport.get());
  transport->client_->set_connection_timeout(5, 0);
  transport->client_->set_read_timeout(timeout_seconds, 0);
  transport->client_->set_write_timeout(timeout_seconds, 0);
  transport->client_->set_keep_alive(true);
  return transport;
}

PinnedTransport::~PinnedTransport() = default;

Result<JsonReply> PinnedTransport::call(const std::string& method, const std::string& path,
                                        const nlohmann::json& body) {
  pin_mismatch_ = false;
  httplib::Result result = method == "GET"      ? client_->Get(path)
                           : method == "DELETE" ? client_->Delete(path)
                                                : client_->Post(path, body.dump(), "application/json");
  if (!result) {
    if (pin_mismatch_) {
      return Status(ErrorCode::verification_failed,
                    endpoint_ +
                        " presented a certificate other than the pinned one (--server-cert); "
                        "connect to the right server or pin its current certificate");
    }
    return Status(ErrorCode::io_error, "cannot reach " + endpoint_ + ": " +
                                           httplib::to_string(result.error()) + " (is the server running?)");
  }
  JsonReply reply;
  reply.status = result->status;
  reply.body = nlohmann::json::parse(result->body, nullptr, false);
  if (reply.body.is_discarded() || !reply.body.is_object()) {
    return Status(ErrorCode::decode_error, endpoint_ + path + " answered HTTP " +
                                               std::to_string(reply.status) + " without a JSON object");
  }
  return reply;
}

}  // namespace cloister::sql::client
