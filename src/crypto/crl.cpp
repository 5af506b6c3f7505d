#include "crypto/crl.h"

#include <openssl/pem.h>

#include <ctime>

#include "common/encoding.h"
#include "crypto/openssl_util.h"

namespace cloister::crypto {

using internal::openssl_error;

void X509CrlDeleter::operator()(X509_CRL* crl) const {
  X509_CRL_free(crl);
}

namespace {

std::int64_t time_to_epoch(const ASN1_TIME* time) {
  std::tm parts{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1) return 0;
  return static_cast<std::int64_t>(timegm(&parts));
}

bool is_space(std::uint8_t c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

bool is_hex_digit(std::uint8_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

Result<Crl> Crl::from_der(ByteView der) {
  if (!internal::fits_int(der.size())) return error(ErrorCode::decode_error, "CRL DER too large");
  const unsigned char* cursor = der.data();
  X509CrlPtr crl(d2i_X509_CRL(nullptr, &cursor, static_cast<long>(der.size())));
  if (crl == nullptr) return openssl_error(ErrorCode::decode_error, "malformed CRL DER");
  if (cursor != der.data() + der.size())
    return error(ErrorCode::decode_error, "trailing bytes after CRL DER");
  return Crl(std::move(crl));
}

Result<Crl> Crl::from_pem(std::string_view pem) {
  internal::BioPtr bio = internal::read_only_bio(pem);
  if (bio == nullptr) return error(ErrorCode::decode_error, "CRL PEM too large");
  X509CrlPtr crl(PEM_read_bio_X509_CRL(bio.get(), nullptr, internal::refuse_pem_password, nullptr));
  if (crl == nullptr) return openssl_error(ErrorCode::decode_error, "malformed CRL PEM");
  return Crl(std::move(crl));
}

Result<Crl> Crl::from_any(ByteView data) {
  std::size_t begin = 0;
  std::size_t end = data.size();
  while (begin < end && is_space(data[begin])) ++begin;
  while (end > begin && is_space(data[end - 1])) --end;
  if (begin == end) return error(ErrorCode::decode_error, "empty CRL");
  ByteView trimmed = data.subspan(begin, end - begin);
  // A DER CRL is a SEQUENCE (0x30); text forms start with '-' or a hex digit.
  if (trimmed[0] == 0x30) return from_der(data);
  if (trimmed[0] == '-')
    return from_pem(std::string_view(reinterpret_cast<const char*>(trimmed.data()), trimmed.size()));
  for (std::uint8_t c : trimmed) {
    if (!is_hex_digit(c))
      return error(ErrorCode::decode_error, "CRL is neither DER, PEM nor hex-encoded DER");
  }
  auto der = from_hex(std::string_view(reinterpret_cast<const char*>(trimmed.data()), trimmed.size()));
  if (!der) return der.status().with_context("CRL hex");
  return from_der(*der);
}

Result<Bytes> Crl::to_der() const {
  if (!valid()) return error(ErrorCode::invalid_argument, "empty CRL");
  int size = i2d_X509_CRL(crl_.get(), nullptr);
  if (size <= 0) return openssl_error(ErrorCode::crypto_error, "encoding CRL");
  Bytes der(static_cast<std::size_t>(size));
  unsigned char* cursor = der.data();
  if (i2d_X509_CRL(crl_.get(), &cursor) != size)
    return openssl_error(ErrorCode::crypto_error, "encoding CRL");
  return der;
}

std::string Crl::issuer() const {
  if (!valid()) return {};
  internal::BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr ||
      X509_NAME_print_ex(bio.get(), X509_CRL_get_issuer(crl_.get()), 0, XN_FLAG_RFC2253) < 0) {
    internal::clear_openssl_errors();
    return {};
  }
  return internal::bio_contents(bio.get());
}

std::int64_t Crl::this_update() const {
  return valid() ? time_to_epoch(X509_CRL_get0_lastUpdate(crl_.get())) : 0;
}

std::int64_t Crl::next_update() const {
  return valid() ? time_to_epoch(X509_CRL_get0_nextUpdate(crl_.get())) : 0;
}

std::size_t Crl::revoked_count() const {
  if (!valid()) return 0;
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl_.get());
  return revoked == nullptr ? 0 : static_cast<std::size_t>(sk_X509_REVOKED_num(revoked));
}

Status Crl::verify_signature(const PublicKey& issuer_key) const {
  if (!valid()) return error(ErrorCode::invalid_argument, "empty CRL");
  if (!issuer_key.valid()) return error(ErrorCode::invalid_argument, "empty CRL issuer key");
  // 1: verified; 0: a wrong signature; -1: malformed. Both are a refusal.
  if (X509_CRL_verify(crl_.get(), issuer_key.get()) == 1) return Status::ok();
  internal::clear_openssl_errors();
  return error(ErrorCode::verification_failed, "CRL signature does not verify");
}

bool Crl::issued_by(const Certificate& issuer) const {
  if (!valid() || !issuer.valid()) return false;
  return X509_NAME_cmp(X509_CRL_get_issuer(crl_.get()), X509_get_subject_name(issuer.get())) == 0;
}

bool Crl::is_revoked(const Certificate& cert) const {
  if (!valid() || !cert.valid()) return false;
  if (X509_NAME_cmp(X509_CRL_get_issuer(crl_.get()), X509_get_issuer_name(cert.get())) != 0) return false;
  X509_REVOKED* entry = nullptr;
  // Looks up by serial only; the issuer was matched above. (Indirect CRLs,
  // whose entries name other issuers, are not used by Intel's PKI.)
  int found = X509_CRL_get0_by_serial(crl_.get(), &entry, X509_get0_serialNumber(cert.get()));
  internal::clear_openssl_errors();
  return found == 1;
}

}  // namespace cloister::crypto
