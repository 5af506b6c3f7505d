#include "crypto/test/crl_builder.h"

#include <openssl/x509.h>

#include "crypto/openssl_util.h"

namespace cloister::crypto::testing {

namespace {

using Asn1TimePtr = internal::OpenSslPtr<ASN1_TIME, ASN1_TIME_free>;
using X509RevokedPtr = internal::OpenSslPtr<X509_REVOKED, X509_REVOKED_free>;

Status set_time(X509_CRL* crl, std::int64_t when, bool next) {
  Asn1TimePtr time(ASN1_TIME_set(nullptr, static_cast<time_t>(when)));
  if (time == nullptr) return internal::openssl_error(ErrorCode::crypto_error, "CRL time");
  int ok = next ? X509_CRL_set1_nextUpdate(crl, time.get()) : X509_CRL_set1_lastUpdate(crl, time.get());
  if (ok != 1) return internal::openssl_error(ErrorCode::crypto_error, "CRL time");
  return Status::ok();
}

}  // namespace

Result<Crl> build_crl(const Certificate& issuer, const PrivateKey& issuer_key,
                      const std::vector<const Certificate*>& revoked, std::int64_t this_update,
                      std::int64_t next_update) {
  X509CrlPtr crl(X509_CRL_new());
  if (crl == nullptr || X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) != 1 ||
      X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer.get())) != 1) {
    return internal::openssl_error(ErrorCode::crypto_error, "building CRL");
  }
  CLOISTER_RETURN_IF_ERROR(set_time(crl.get(), this_update, false));
  CLOISTER_RETURN_IF_ERROR(set_time(crl.get(), next_update, true));
  for (const Certificate* cert : revoked) {
    X509RevokedPtr entry(X509_REVOKED_new());
    Asn1TimePtr when(ASN1_TIME_set(nullptr, static_cast<time_t>(this_update)));
    if (entry == nullptr || when == nullptr ||
        X509_REVOKED_set_serialNumber(entry.get(), X509_get_serialNumber(cert->get())) != 1 ||
        X509_REVOKED_set_revocationDate(entry.get(), when.get()) != 1 ||
        X509_CRL_add0_revoked(crl.get(), entry.get()) != 1) {
      return internal::openssl_error(ErrorCode::crypto_error, "adding CRL entry");
    }
    (void)entry.release();  // now owned by the CRL
  }
  if (X509_CRL_sort(crl.get()) != 1 || X509_CRL_sign(crl.get(), issuer_key.get(), EVP_sha256()) <= 0) {
    return internal::openssl_error(ErrorCode::crypto_error, "signing CRL");
  }
  return Crl(std::move(crl));
}

}  // namespace cloister::crypto::testing
