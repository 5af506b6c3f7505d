// Verifier: checks an attested certificate, standalone or inside the TLS
// handshake (OpenSSL's certificate verification callback), so a refused
// server never completes a handshake.
#include <openssl/x509.h>

#include <mutex>

#include "cloister/ratls.h"
#include "crypto/sha.h"
#include "crypto/x509.h"
#include "ratls/ssl_util.h"

namespace cloister::ratls {
namespace {

Status refused(const std::string& why) {
  return Status(ErrorCode::verification_failed, "attested TLS: " + why);
}

// Where the handshake callback leaves its verdict: SSL ex_data, freed with the SSL.
using Outcome = Result<PeerIdentity>;

void free_outcome(void*, void* pointer, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<Outcome*>(pointer);
}

int outcome_index() {
  static int index = -1;
  static std::once_flag once;
  std::call_once(once, [] { index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, free_outcome); });
  return index;
}

void set_outcome(SSL* ssl, Outcome outcome) {
  delete static_cast<Outcome*>(SSL_get_ex_data(ssl, outcome_index()));
  SSL_set_ex_data(ssl, outcome_index(), new Outcome(std::move(outcome)));
}

int verify_in_handshake(X509_STORE_CTX* store, void* arg) {
  const auto* verifier = static_cast<const Verifier*>(arg);
  auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  X509* leaf = X509_STORE_CTX_get0_cert(store);
  Outcome outcome = refused("the server presented no certificate");
  if (leaf != nullptr) {
    unsigned char* der = nullptr;
    const int size = i2d_X509(leaf, &der);
    if (size > 0) {
      outcome = verifier->verify_certificate(ByteView(der, static_cast<std::size_t>(size)));
    }
    OPENSSL_free(der);
  }
  const bool ok = outcome.is_ok();
  if (ssl != nullptr) set_outcome(ssl, std::move(outcome));
  if (!ok) X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
  return ok ? 1 : 0;
}

}  // namespace

const Result<PeerIdentity>* internal::handshake_outcome(const SSL* ssl) {
  return static_cast<const Outcome*>(SSL_get_ex_data(ssl, outcome_index()));
}

Verifier::Verifier(std::vector<Bytes> trusted_roots_der, Expectations expectations)
    : roots_(std::move(trusted_roots_der)), expectations_(std::move(expectations)) {}

Result<PeerIdentity> Verifier::verify_certificate(ByteView certificate_der) const {
  auto certificate = crypto::Certificate::from_der(certificate_der);
  if (!certificate.is_ok()) return refused("the server certificate does not parse");
  auto extension = certificate->extension(kEvidenceExtensionOid);
  if (!extension.has_value()) {
    return refused(std::string("the server certificate carries no evidence (extension ") +
                   kEvidenceExtensionOid + "): not an attested TLS server");
  }
  auto evidence = decode_evidence_extension(*extension);
  if (!evidence.is_ok()) return refused(evidence.status().message());
  auto key = certificate->public_key();
  if (!key.is_ok()) return refused("the server certificate's key cannot be read");
  CLOISTER_ASSIGN_OR_RETURN(Bytes spki, key->to_der());
  // Self-signed by its own key: nothing in the certificate was changed after
  // the enclave issued it.
  if (X509_verify(certificate->get(), key->get()) != 1) {
    ERR_clear_error();
    return refused("the server certificate's self-signature does not verify");
  }
  const std::int64_t now = expectations_.now_ms != 0 ? expectations_.now_ms / 1000 : std::time(nullptr);
  if (now < certificate->not_before() || now > certificate->not_after()) {
    return refused("the server certificate is outside its validity period");
  }

  Expectations expect = expectations_;
  const auto binding = report_data_for_key(spki);
  expect.report_data_prefix = Bytes(binding.begin(), binding.end());
  auto verified = verify_evidence(*evidence, roots_, expect);
  if (!verified.is_ok()) {
    std::string why = verified.status().message();
    if (why.find("report data") != std::string::npos) {
      why = "the evidence does not bind the certificate's key (" + why + ")";
    }
    return Status(verified.status().code(), "attested TLS: " + why);
  }
  auto digest = crypto::sha256(spki);
  return PeerIdentity{.evidence = std::move(verified).value(),
                      .certificate_der = Bytes(certificate_der.begin(), certificate_der.end()),
                      .spki_sha256 = Bytes(digest.begin(), digest.end())};
}

Status Verifier::install(SSL_CTX* ctx) const {
  if (ctx == nullptr) return Status(ErrorCode::invalid_argument, "no SSL_CTX");
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) {
    return Status(ErrorCode::crypto_error,
                  internal::take_ssl_error("cannot restrict the context to TLS 1.3"));
  }
  (void)outcome_index();
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  // Replaces OpenSSL's chain building for the server certificate: an attested
  // certificate is self-signed, and its trust comes from the evidence.
  SSL_CTX_set_cert_verify_callback(ctx, verify_in_handshake, const_cast<Verifier*>(this));
  return Status::ok();
}

Result<PeerIdentity> Verifier::outcome(const SSL* ssl) {
  const Outcome* outcome = internal::handshake_outcome(ssl);
  if (outcome == nullptr) return refused("no server certificate was verified (is the Verifier installed?)");
  return *outcome;
}

}  // namespace cloister::ratls
