#include "attest/evidence_format.h"

#include <algorithm>
#include <string>

namespace cloister::attest {
namespace {

Status malformed(const std::string& what) {
  return Status(ErrorCode::decode_error, "evidence is truncated or malformed: " + what);
}

// The report's version sits right after the magic; reading it before the rest
// lets a future format change its layout and still get a clear error here.
constexpr std::size_t kVersionOffset = sizeof(kEvidenceMagic);

Status check_shape(const Evidence& evidence) {
  const Report& r = evidence.report;
  if (r.backend != Backend::sim && r.backend != Backend::process) {
    return malformed("unknown backend " + std::to_string(static_cast<int>(r.backend)));
  }
  if (r.isolation != Isolation::none && r.isolation != Isolation::process) {
    return malformed("unknown isolation " + std::to_string(static_cast<int>(r.isolation)));
  }
  if (evidence.signature.empty() || evidence.signature.size() > kMaxSignatureBytes) {
    return malformed("signature of " + std::to_string(evidence.signature.size()) + " bytes");
  }
  if (evidence.certificate_chain.empty() || evidence.certificate_chain.size() > kMaxChainLength) {
    return malformed("certificate chain of " + std::to_string(evidence.certificate_chain.size()) +
                     " certificates (1 to " + std::to_string(kMaxChainLength) + " allowed)");
  }
  for (std::size_t i = 0; i < evidence.certificate_chain.size(); ++i) {
    if (evidence.certificate_chain[i].empty())
      return malformed("certificate " + std::to_string(i) + " is empty");
  }
  return Status::ok();
}

}  // namespace

Bytes evidence_signature_input(const Report& report) {
  Bytes input(kEvidenceSignatureContext, kEvidenceSignatureContext + sizeof(kEvidenceSignatureContext));
  Bytes encoded = wire::encode(report);
  input.insert(input.end(), encoded.begin(), encoded.end());
  return input;
}

Result<Evidence> parse_evidence(ByteView bytes) {
  if (bytes.size() > kMaxEvidenceBytes) {
    return malformed(std::to_string(bytes.size()) + " bytes exceeds the " +
                     std::to_string(kMaxEvidenceBytes) + "-byte limit");
  }
  if (bytes.size() < kVersionOffset + 2) return malformed("only " + std::to_string(bytes.size()) + " bytes");
  if (!std::equal(kEvidenceMagic.begin(), kEvidenceMagic.end(), bytes.begin())) {
    return malformed("bad magic (not Cloister evidence)");
  }
  const std::uint16_t version =
      static_cast<std::uint16_t>(bytes[kVersionOffset] | (bytes[kVersionOffset + 1] << 8));
  if (version != kEvidenceFormatVersion) {
    return Status(ErrorCode::decode_error, "unsupported evidence format version " + std::to_string(version));
  }
  wire::Limits limits;
  limits.max_total_bytes = kMaxEvidenceBytes;
  limits.max_field_bytes = kMaxCertificateBytes;
  limits.max_elements = kMaxChainLength;
  limits.max_depth = 4;
  auto decoded = wire::decode<Evidence>(bytes, limits);
  if (!decoded) return malformed(decoded.status().message());
  CLOISTER_RETURN_IF_ERROR(check_shape(*decoded));
  return std::move(decoded).value();
}

Result<Bytes> sign_evidence(const Report& report, const crypto::PrivateKey& key,
                            const std::vector<Bytes>& chain_der) {
  if (!key.valid()) return Status(ErrorCode::invalid_argument, "no platform attestation key");
  Evidence evidence;
  evidence.report = report;
  evidence.certificate_chain = chain_der;
  CLOISTER_ASSIGN_OR_RETURN(evidence.signature, key.sign(evidence_signature_input(report)));
  Bytes out = wire::encode(evidence);
  // Refuse to emit what no verifier would accept, so mistakes show up at the signer.
  auto reparsed = parse_evidence(out);
  if (!reparsed) return reparsed.status().with_context("signing evidence");
  return out;
}

}  // namespace cloister::attest
