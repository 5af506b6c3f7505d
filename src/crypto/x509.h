// X.509 certificates: parse, verify chains, and issue (for the operator CA).
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "crypto/keys.h"

using X509 = struct x509_st;

namespace cloister::crypto {

struct X509Deleter {
  void operator()(X509* cert) const;
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

class Certificate {
 public:
  Certificate() = default;
  explicit Certificate(X509Ptr cert);
  static Result<Certificate> from_der(ByteView der);
  static Result<Certificate> from_pem(std::string_view pem);
  // Every certificate in a PEM bundle, in order.
  static Result<std::vector<Certificate>> all_from_pem(std::string_view pem);

  [[nodiscard]] Result<Bytes> to_der() const;
  [[nodiscard]] Result<std::string> to_pem() const;
  [[nodiscard]] Result<PublicKey> public_key() const;
  [[nodiscard]] std::string subject() const;  // one line, RFC 2253
  [[nodiscard]] std::string issuer() const;
  [[nodiscard]] std::int64_t not_before() const;  // seconds since the epoch
  [[nodiscard]] std::int64_t not_after() const;
  // The DER content (inner OCTET STRING) of an extension, if present.
  [[nodiscard]] std::optional<Bytes> extension(const std::string& oid) const;
  [[nodiscard]] Certificate clone() const;
  [[nodiscard]] X509* get() const { return cert_.get(); }
  [[nodiscard]] bool valid() const { return cert_ != nullptr; }

 private:
  // Printing a name costs several microseconds in OpenSSL 3 and verifiers
  // ask for the same names on every request, so each certificate prints its
  // names once; clones share them.
  struct Names {
    std::once_flag printed;
    std::string subject;
    std::string issuer;
  };
  const Names& names() const;

  X509Ptr cert_;
  std::shared_ptr<Names> names_;
};

// The CN attribute of a one-line RFC 2253 name ("CN=ARK-Milan,O=..."), or
// empty when it has none. For messages and name checks on vendor CAs, whose
// names carry no escaped commas.
std::string common_name(std::string_view rfc2253);

// Verifies leaf -> intermediates -> one of roots at time `at` (seconds since
// the epoch; 0 means now). Names the failing certificate and reason.
Status verify_chain(const Certificate& leaf, const std::vector<Certificate>& intermediates,
                    const std::vector<Certificate>& roots, std::int64_t at = 0);

// Checks only that `cert`'s signature verifies under `issuer` (whatever
// algorithm the certificate names, RSASSA-PSS parameters included); no names,
// validity or extensions. For chains with a fixed shape, such as AMD's.
Status verify_issued_by(const Certificate& cert, const PublicKey& issuer);

struct CertificateRequest {
  std::string subject_common_name;
  std::string subject_organization = "Cloister";
  std::int64_t not_before = 0;  // 0: now
  std::int64_t validity_seconds = 10LL * 365 * 24 * 3600;
  bool is_ca = false;
  // Extra non-critical extensions: OID (dotted) -> DER content for the OCTET STRING.
  std::vector<std::pair<std::string, Bytes>> extensions;
};

// Issues a certificate for `subject_key`, signed by `issuer_key`; a
// self-signed certificate when `issuer` is null.
Result<Certificate> issue_certificate(const CertificateRequest& request, const PublicKey& subject_key,
                                      const PrivateKey& issuer_key, const Certificate* issuer);

}  // namespace cloister::crypto
