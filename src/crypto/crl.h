// X.509 certificate revocation lists (RFC 5280 section 5): parse, check the
// issuer's signature and dates, and look a certificate up.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "crypto/keys.h"
#include "crypto/x509.h"

using X509_CRL = struct X509_crl_st;

namespace cloister::crypto {

struct X509CrlDeleter {
  void operator()(X509_CRL* crl) const;
};
using X509CrlPtr = std::unique_ptr<X509_CRL, X509CrlDeleter>;

class Crl {
 public:
  Crl() = default;
  explicit Crl(X509CrlPtr crl) : crl_(std::move(crl)) {}
  static Result<Crl> from_der(ByteView der);
  static Result<Crl> from_pem(std::string_view pem);
  // Whatever form a CRL was published in: DER bytes, a PEM block, or DER as
  // hex text (Intel's PCS and the QuoteCollateralV3 bundles use all three).
  static Result<Crl> from_any(ByteView data);

  [[nodiscard]] Result<Bytes> to_der() const;
  [[nodiscard]] std::string issuer() const;        // one line, RFC 2253
  [[nodiscard]] std::int64_t this_update() const;  // seconds since the epoch
  // Seconds since the epoch; 0 when the CRL has no nextUpdate (RFC 5280
  // makes it mandatory for conforming CAs, but the field is OPTIONAL in ASN.1).
  [[nodiscard]] std::int64_t next_update() const;
  [[nodiscard]] std::size_t revoked_count() const;

  // verification_failed "CRL signature does not verify" unless `issuer_key`
  // signed this CRL.
  [[nodiscard]] Status verify_signature(const PublicKey& issuer_key) const;
  // Whether this CRL's issuer name equals the certificate's subject name.
  [[nodiscard]] bool issued_by(const Certificate& issuer) const;
  // The certificate is listed: same issuer name and its serial number is on
  // the list. A certificate from another issuer is never "revoked" here.
  [[nodiscard]] bool is_revoked(const Certificate& cert) const;

  [[nodiscard]] X509_CRL* get() const { return crl_.get(); }
  [[nodiscard]] bool valid() const { return crl_ != nullptr; }

 private:
  X509CrlPtr crl_;
};

}  // namespace cloister::crypto
