#include "dcap/collateral_checks.h"

#include "common/encoding.h"
#include "crypto/signature_memo.h"
#include "dcap/collateral_root_key.h"
#include "dcap/collateral_time.h"

namespace cloister::dcap {

namespace {

Status failed(std::string message) {
  return error(ErrorCode::verification_failed, std::move(message));
}

// The common name is enough to tell Intel's CAs apart in a message.
std::string short_name(const std::string& rfc2253) {
  std::string name = crypto::common_name(rfc2253);
  return name.empty() ? rfc2253 : name;
}

}  // namespace

Status verify_signing_chain(const std::vector<crypto::Certificate>& chain, std::int64_t now) {
  if (chain.empty() || !chain[0].valid()) return failed("the issuer chain is empty");
  CLOISTER_ASSIGN_OR_RETURN(crypto::PublicKey root_key, intel_sgx_root_key());
  const crypto::Certificate& signer = chain[0];
  // Checked against the pinned key itself rather than a root certificate, so
  // either issue of Intel's root certificate, or none, may come with it.
  // X509_verify returns 1 only for a good signature; it owns nothing.
  CLOISTER_ASSIGN_OR_RETURN(Bytes signer_der, signer.to_der());
  Status signed_by_root = crypto::verify_memoized("x509", intel_sgx_root_key_point(), signer_der,
                                                  [&] { return crypto::verify_issued_by(signer, root_key); });
  if (!signed_by_root.is_ok())
    return failed("'" + short_name(signer.subject()) + "' is not signed by the Intel SGX Root CA key");
  if (now < signer.not_before() || now > signer.not_after()) {
    return failed("'" + short_name(signer.subject()) + "' is valid from " +
                  format_iso8601(signer.not_before()) + " to " + format_iso8601(signer.not_after()) +
                  ", not at " + format_iso8601(now));
  }
  if (chain.size() > 1) {
    auto point = chain.back().public_key();
    Result<Bytes> bytes = point ? point->ec_point() : Result<Bytes>(point.status());
    ByteView pinned = intel_sgx_root_key_point();
    if (!bytes || *bytes != Bytes(pinned.begin(), pinned.end()))
      return failed("the issuer chain's root '" + short_name(chain.back().subject()) +
                    "' does not carry the Intel SGX Root CA key");
  }
  return Status::ok();
}

Status verify_signed_text(std::string_view text, ByteView signature, const crypto::Certificate& signer) {
  if (signature.size() != 64) return failed("the signature is not 64 bytes (r||s)");
  CLOISTER_ASSIGN_OR_RETURN(Bytes signer_der, signer.to_der());
  Bytes signed_bytes(text.begin(), text.end());
  signed_bytes.insert(signed_bytes.end(), signature.begin(), signature.end());
  Status verified = crypto::verify_memoized("es256-text", signer_der, signed_bytes, [&]() -> Status {
    CLOISTER_ASSIGN_OR_RETURN(crypto::PublicKey key, signer.public_key());
    return key.verify_raw(as_bytes(text), signature, crypto::HashAlgorithm::sha256);
  });
  if (!verified.is_ok())
    return failed("the signature by '" + short_name(signer.subject()) + "' does not verify");
  return Status::ok();
}

Status check_freshness(const std::string& what, std::int64_t issued, std::int64_t next_update,
                       std::int64_t now) {
  if (now < issued)
    return failed(what + " is not valid before " + format_iso8601(issued) + " (is the clock right?)");
  if (next_update != 0 && now > next_update)
    return failed(what + " expired at " + format_iso8601(next_update) + "; fetch fresh collateral");
  return Status::ok();
}

Status check_pck_crl(const crypto::Crl& crl, const TcbFacts& facts, std::int64_t now) {
  if (facts.pck_chain.size() < 2 || !facts.pck_chain[0].valid() || !facts.pck_chain[1].valid())
    return failed("the quote's PCK chain has no PCK certificate and CA to check against");
  const crypto::Certificate& leaf = facts.pck_chain[0];
  const crypto::Certificate& ca = facts.pck_chain[1];
  if (!crl.issued_by(ca))
    return failed("the PCK CRL is issued by '" + short_name(crl.issuer()) + "', not by the PCK chain's CA '" +
                  short_name(ca.subject()) + "'");
  CLOISTER_ASSIGN_OR_RETURN(Bytes ca_der, ca.to_der());
  CLOISTER_ASSIGN_OR_RETURN(Bytes crl_der, crl.to_der());
  Status crl_signed = crypto::verify_memoized("crl", ca_der, crl_der, [&]() -> Status {
    CLOISTER_ASSIGN_OR_RETURN(crypto::PublicKey ca_key, ca.public_key());
    return crl.verify_signature(ca_key);
  });
  if (!crl_signed.is_ok())
    return failed("the PCK CRL's signature by '" + short_name(ca.subject()) + "' does not verify");
  CLOISTER_RETURN_IF_ERROR(check_freshness("the PCK CRL", crl.this_update(), crl.next_update(), now));
  if (crl.is_revoked(leaf))
    return failed("the PCK certificate is revoked by '" + short_name(ca.subject()) + "'");
  return Status::ok();
}

Status check_root_ca_crl(const crypto::Crl& crl, const std::vector<const crypto::Certificate*>& intermediates,
                         std::int64_t now) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes crl_der, crl.to_der());
  Status crl_signed = crypto::verify_memoized("crl", intel_sgx_root_key_point(), crl_der, [&]() -> Status {
    CLOISTER_ASSIGN_OR_RETURN(crypto::PublicKey root_key, intel_sgx_root_key());
    return crl.verify_signature(root_key);
  });
  if (!crl_signed.is_ok()) return failed("the root CA CRL is not signed by the Intel SGX Root CA key");
  CLOISTER_RETURN_IF_ERROR(check_freshness("the root CA CRL", crl.this_update(), crl.next_update(), now));
  for (const crypto::Certificate* cert : intermediates) {
    if (cert != nullptr && crl.is_revoked(*cert))
      return failed("'" + short_name(cert->subject()) + "' is revoked by the Intel SGX Root CA");
  }
  return Status::ok();
}

std::string issuer_chain_pem(const std::vector<crypto::Certificate>& chain) {
  std::string out;
  for (const auto& cert : chain) {
    auto pem = cert.to_pem();
    if (pem) out += *pem;
  }
  return out;
}

nlohmann::json crl_fields(const crypto::Crl& crl) {
  return {{"issuer", crl.issuer()},
          {"this_update", format_iso8601(crl.this_update())},
          {"next_update", crl.next_update() != 0 ? format_iso8601(crl.next_update()) : ""},
          {"revoked_count", crl.revoked_count()}};
}

}  // namespace cloister::dcap
