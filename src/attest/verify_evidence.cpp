// Verification of Cloister evidence: cryptography first (chain, platform id,
// signature), then the relying party's expectations. Each failure names the
// check, so an operator can tell a misconfigured policy from an attack.
#include <chrono>
#include <cstdint>
#include <string>

#include "attest/chain_cache.h"
#include "attest/evidence_format.h"
#include "attest/platform_id.h"
#include "cloister/evidence.h"
#include "common/encoding.h"
#include "crypto/cert_cache.h"
#include "crypto/constant_time.h"
#include "crypto/x509.h"

namespace cloister {
namespace {

// Tolerated platform clock lead over the verifier's clock, when age is checked.
constexpr std::int64_t kMaxClockSkewMs = 5 * 60 * 1000;

Status refused(const std::string& what) {
  return Status(ErrorCode::verification_failed, what);
}

Status chain_failure(const std::string& what) {
  return refused("platform certificate does not chain to a trusted root: " + what);
}

std::int64_t now_ms(const Expectations& expect) {
  if (expect.now_ms != 0) return expect.now_ms;
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Verifies the chain against the roots that could have issued its top
// certificate. A chain whose signatures verified before against the same root
// (exact bytes) only has its validity periods checked again.
Status verify_chain_once(const std::vector<Bytes>& chain_der, const std::vector<crypto::Certificate>& chain,
                         const std::vector<Bytes>& roots_der, const std::vector<crypto::Certificate>& roots,
                         std::int64_t at_seconds) {
  const std::string issuer = chain.back().issuer();
  for (std::size_t i = 0; i < roots.size(); ++i) {
    if (roots[i].subject() != issuer) continue;
    auto key = attest::chain_key(chain_der, roots_der[i]);
    if (attest::chain_verified_before(key)) {
      std::vector<const crypto::Certificate*> all;
      all.reserve(chain.size() + 1);
      for (const auto& certificate : chain) all.push_back(&certificate);
      all.push_back(&roots[i]);
      return attest::check_validity_periods(all, at_seconds);
    }
  }
  std::vector<crypto::Certificate> intermediates;
  for (std::size_t i = 1; i < chain.size(); ++i) intermediates.push_back(chain[i].clone());
  Status chained = crypto::verify_chain(chain.front(), intermediates, roots, at_seconds);
  if (!chained) return chained;
  // Remember the chain under every root of the right name that verifies it alone.
  for (std::size_t i = 0; i < roots.size(); ++i) {
    if (roots[i].subject() != issuer) continue;
    std::vector<crypto::Certificate> one;
    one.push_back(roots[i].clone());
    if (roots.size() == 1 || crypto::verify_chain(chain.front(), intermediates, one, at_seconds)) {
      attest::remember_verified_chain(attest::chain_key(chain_der, roots_der[i]));
    }
  }
  return Status::ok();
}

// Checks the chain and that the leaf certifies the key whose id the report
// names; returns the leaf's public key for the signature check.
Result<crypto::PublicKey> verify_platform_key(const attest::Evidence& evidence,
                                              const std::vector<Bytes>& trusted_roots_der, std::int64_t at_ms,
                                              VerifiedEvidence& out) {
  const Report& report = evidence.report;
  if (trusted_roots_der.empty()) return chain_failure("no trusted roots are configured");
  std::vector<crypto::Certificate> roots;
  roots.reserve(trusted_roots_der.size());
  for (std::size_t i = 0; i < trusted_roots_der.size(); ++i) {
    auto root = crypto::parse_certificate_cached(trusted_roots_der[i]);
    if (!root) return chain_failure("trusted root " + std::to_string(i) + " does not parse");
    roots.push_back(std::move(root).value());
  }
  std::vector<crypto::Certificate> chain;
  for (std::size_t i = 0; i < evidence.certificate_chain.size(); ++i) {
    auto cert = crypto::parse_certificate_cached(evidence.certificate_chain[i]);
    if (!cert) {
      return Status(ErrorCode::decode_error, "evidence is truncated or malformed: certificate " +
                                                 std::to_string(i) + " does not parse");
    }
    chain.push_back(std::move(cert).value());
  }
  const crypto::Certificate& leaf = chain.front();
  Status chained =
      verify_chain_once(evidence.certificate_chain, chain, trusted_roots_der, roots, at_ms / 1000);
  if (!chained) return chain_failure(chained.message());

  auto key = leaf.public_key();
  if (!key) return chain_failure("the platform certificate's key does not parse");
  auto type = key->type();
  if (!type || *type != crypto::KeyType::ec_p256) return chain_failure("the platform key is not ECDSA P-256");
  // The platform id must name the certified key. When the certificate carries
  // the id extension the CA has vouched for that binding (the chain check just
  // proved it), which spares re-encoding the key (slow in OpenSSL 3).
  if (auto ext = leaf.extension(attest::kPlatformIdOid)) {
    if (*ext != attest::platform_id_extension(report.platform_id)) {
      return refused("platform id in the report (" + to_hex(report.platform_id) +
                     ") is not the one in the platform certificate");
    }
  } else {
    auto id = attest::platform_id_of(*key);
    if (!id) return id.status();
    if (*id != report.platform_id) {
      return refused("platform id in the report (" + to_hex(report.platform_id) +
                     ") is not the certified platform key (" + to_hex(*id) + ")");
    }
  }
  out.platform_subject = leaf.subject();
  out.platform_ca_subject = chain.back().issuer();
  return std::move(key).value();
}

Status check_identity(const EnclaveIdentity& id, const Expectations& expect) {
  if (id.debug && !expect.allow_debug) {
    return refused("enclave is a debug enclave (debug evidence is refused unless allowed)");
  }
  if (expect.measurement && *expect.measurement != id.measurement) {
    return refused("measurement mismatch: expected " + to_hex(*expect.measurement) + " got " +
                   to_hex(id.measurement));
  }
  if (expect.signer && *expect.signer != id.signer) {
    return refused("signer mismatch: expected " + to_hex(*expect.signer) + " got " + to_hex(id.signer));
  }
  if (expect.product_id && *expect.product_id != id.product_id) {
    return refused("product id mismatch: expected " + std::to_string(*expect.product_id) + " got " +
                   std::to_string(id.product_id));
  }
  if (id.security_version < expect.min_security_version) {
    return refused("security version " + std::to_string(id.security_version) + " is below the minimum " +
                   std::to_string(expect.min_security_version));
  }
  return Status::ok();
}

Status check_report(const Report& report, const Expectations& expect, std::int64_t now) {
  if (report.isolation == Isolation::none && !expect.allow_isolation_none) {
    return refused(std::string("enclave has no isolation (backend ") + to_string(report.backend) +
                   ", isolation none; refused unless allowed)");
  }
  if (report.development_platform && !expect.allow_development_platform) {
    return refused("evidence comes from a development platform with ephemeral keys (refused unless allowed)");
  }
  CLOISTER_RETURN_IF_ERROR(check_identity(report.identity, expect));
  if (expect.report_data_prefix) {
    const Bytes& prefix = *expect.report_data_prefix;
    if (prefix.size() > report.report_data.size()) {
      return Status(ErrorCode::invalid_argument, "expected report data is longer than 64 bytes");
    }
    if (!crypto::constant_time_equal(prefix, ByteView(report.report_data).first(prefix.size()))) {
      return refused("report data does not match the expected nonce/binding");
    }
  }
  if (expect.max_age_seconds > 0) {
    const auto stamp = static_cast<std::int64_t>(report.timestamp_ms);
    if (report.timestamp_ms > static_cast<std::uint64_t>(INT64_MAX) || stamp > now + kMaxClockSkewMs) {
      return refused("evidence timestamp is in the future (platform clock ahead by more than 5 minutes)");
    }
    if (now - stamp > expect.max_age_seconds * 1000) {
      return refused("evidence is older than " + std::to_string(expect.max_age_seconds) + " seconds");
    }
  }
  return Status::ok();
}

}  // namespace

Result<VerifiedEvidence> verify_evidence(ByteView evidence_bytes, const std::vector<Bytes>& trusted_roots_der,
                                         const Expectations& expect) {
  CLOISTER_ASSIGN_OR_RETURN(attest::Evidence evidence, attest::parse_evidence(evidence_bytes));
  const std::int64_t now = now_ms(expect);
  VerifiedEvidence out;
  CLOISTER_ASSIGN_OR_RETURN(crypto::PublicKey key,
                            verify_platform_key(evidence, trusted_roots_der, now, out));
  if (!key.verify(attest::evidence_signature_input(evidence.report), evidence.signature)) {
    return refused("evidence signature does not verify");
  }
  CLOISTER_RETURN_IF_ERROR(check_report(evidence.report, expect, now));
  out.report = evidence.report;
  return out;
}

}  // namespace cloister
