#include "ratls/tls_warm_up.h"

#include <iterator>

#include "crypto/keys.h"
#include "crypto/x509.h"
#include "ratls/ssl_util.h"

namespace cloister::ratls {

using internal::SslCtxPtr;
using internal::SslPtr;

namespace {

Status failure(const char* step) {
  return Status(ErrorCode::crypto_error, internal::take_ssl_error(std::string("TLS warm-up: ") + step));
}

// Moves whatever `from` wrote to its network BIO into `to`'s.
void pump(SSL* from, SSL* to) {
  BIO* out = SSL_get_wbio(from);
  BIO* in = SSL_get_rbio(to);
  char buffer[4096];
  int got = 0;
  while ((got = BIO_read(out, buffer, sizeof buffer)) > 0) BIO_write(in, buffer, got);
}

SslPtr memory_ssl(SSL_CTX* ctx) {
  SslPtr ssl(SSL_new(ctx));
  if (ssl != nullptr) SSL_set_bio(ssl.get(), BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
  return ssl;
}

}  // namespace

Status warm_up_tls() {
  // No configuration file, as for libcrypto (enclave/openssl_warmup.cpp).
  if (OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG, nullptr) != 1) return failure("OPENSSL_init_ssl");
  CLOISTER_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::generate(crypto::KeyType::ec_p256));
  crypto::CertificateRequest request;
  request.subject_common_name = "warm-up";
  request.extensions.emplace_back("2.23.133.5.4.9", Bytes{0xC0});  // the extension path, too
  CLOISTER_ASSIGN_OR_RETURN(crypto::Certificate certificate,
                            crypto::issue_certificate(request, key.public_key(), key, nullptr));

  SslCtxPtr server_ctx = internal::tls13_context(TLS_server_method());
  SslCtxPtr client_ctx = internal::tls13_context(TLS_client_method());
  if (server_ctx == nullptr || client_ctx == nullptr) return failure("SSL_CTX_new");
  if (SSL_CTX_use_certificate(server_ctx.get(), certificate.get()) != 1 ||
      SSL_CTX_use_PrivateKey(server_ctx.get(), key.get()) != 1) {
    return failure("server certificate");
  }
  SSL_CTX_set_num_tickets(server_ctx.get(), 0);
  SSL_CTX_set_verify(client_ctx.get(), SSL_VERIFY_NONE, nullptr);

  // Each key exchange group and record cipher a client may pick initialises
  // separately: cover every default TLS 1.3 group and cipher suite.
  const char* groups[] = {"X25519", "P-256", "P-384", "X448", "P-521"};
  const char* suites[] = {"TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256"};
  for (std::size_t i = 0; i < std::size(groups); ++i) {
    const char* group = groups[i];
    SslPtr server = memory_ssl(server_ctx.get());
    SslPtr client = memory_ssl(client_ctx.get());
    if (server == nullptr || client == nullptr) return failure("SSL_new");
    if (SSL_set1_groups_list(client.get(), group) != 1) return failure("groups");
    if (SSL_set_ciphersuites(client.get(), suites[i % std::size(suites)]) != 1) return failure("suites");
    SSL_set_accept_state(server.get());
    SSL_set_connect_state(client.get());
    for (int round = 0;
         round < 8 && !(SSL_is_init_finished(server.get()) && SSL_is_init_finished(client.get())); ++round) {
      SSL_do_handshake(client.get());
      pump(client.get(), server.get());
      SSL_do_handshake(server.get());
      pump(server.get(), client.get());
    }
    if (!SSL_is_init_finished(server.get()) || !SSL_is_init_finished(client.get())) return failure(group);
    const char ping[] = "ping";
    char buffer[16];
    if (SSL_write(client.get(), ping, sizeof ping) <= 0) return failure("client write");
    pump(client.get(), server.get());
    if (SSL_read(server.get(), buffer, sizeof buffer) <= 0) return failure("server read");
    if (SSL_write(server.get(), ping, sizeof ping) <= 0) return failure("server write");
    pump(server.get(), client.get());
    if (SSL_read(client.get(), buffer, sizeof buffer) <= 0) return failure("client read");
    SSL_shutdown(server.get());
    pump(server.get(), client.get());
    SSL_read(client.get(), buffer, sizeof buffer);
  }
  ERR_clear_error();
  return Status::ok();
}

}  // namespace cloister::ratls
