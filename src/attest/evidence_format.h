// The Cloister evidence container: a report, the platform's signature over it
// and the platform certificate chain. Byte layout: docs/evidence-format.md.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "cloister/bytes.h"
#include "cloister/evidence.h"
#include "cloister/result.h"
#include "cloister/wire.h"
#include "crypto/keys.h"

namespace cloister::attest {

inline constexpr std::array<std::uint8_t, 8> kEvidenceMagic = {'C', 'L', 'E', 'V', 'I', 'D', '0', '1'};
// Domain separation: no other Cloister signature can be replayed as evidence.
inline constexpr char kEvidenceSignatureContext[] = "cloister-evidence-v1";  // signed with its NUL

inline constexpr std::size_t kMaxChainLength = 4;
inline constexpr std::size_t kMaxCertificateBytes = 16 * 1024;
inline constexpr std::size_t kMaxEvidenceBytes = 64 * 1024;
inline constexpr std::size_t kMaxSignatureBytes = 80;  // DER ECDSA P-256 is at most 72

struct Evidence {
  std::array<std::uint8_t, 8> magic = kEvidenceMagic;
  Report report;
  Bytes signature;                       // ECDSA P-256, DER, by the platform attestation key
  std::vector<Bytes> certificate_chain;  // DER: [platform key cert, intermediates...]; root excluded
  CLOISTER_FIELDS(magic, report, signature, certificate_chain)
};

// The exact bytes the platform signs: "cloister-evidence-v1\0" || wire::encode(report).
Bytes evidence_signature_input(const Report& report);

// Strict: magic, format version, enum ranges, signature and chain sizes, no
// trailing bytes. Certificates are not parsed here; verify_evidence does it.
Result<Evidence> parse_evidence(ByteView bytes);

// Signs `report` with the platform attestation key and packs the evidence.
Result<Bytes> sign_evidence(const Report& report, const crypto::PrivateKey& key,
                            const std::vector<Bytes>& chain_der);

}  // namespace cloister::attest
