// Cloister evidence: a platform-signed report of what runs inside an enclave,
// and its verification against trusted operator CAs and a relying party's
// expectations. The byte format is documented in docs/evidence-format.md.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "cloister/wire.h"
#include "image/identity.h"

namespace cloister {

enum class Backend : std::uint8_t { sim = 0, process = 1 };
enum class Isolation : std::uint8_t { none = 0, process = 1 };

inline constexpr std::uint16_t kEvidenceFormatVersion = 1;

// What the platform attests. Wire-encoded in exactly this field order.
struct Report {
  std::uint16_t format_version = kEvidenceFormatVersion;
  Backend backend = Backend::sim;
  Isolation isolation = Isolation::none;
  bool development_platform = false;           // in-process development platform with ephemeral keys
  EnclaveIdentity identity;                    // measured by the platform, never supplied by the enclave
  std::array<std::uint8_t, 64> report_data{};  // the only enclave-chosen field
  std::array<std::uint8_t, 32> platform_id{};  // SHA-256 of the platform attestation key's SPKI DER
  std::uint64_t timestamp_ms = 0;              // platform clock, Unix ms
  CLOISTER_FIELDS(format_version, backend, isolation, development_platform, identity, report_data,
                  platform_id, timestamp_ms)
};

// What a relying party requires. The defaults are the safe choice: they refuse
// debug enclaves, enclaves without isolation (the sim backend) and evidence
// from development platforms.
struct Expectations {
  std::optional<Measurement> measurement;
  std::optional<SignerId> signer;
  std::optional<std::uint16_t> product_id;
  std::uint16_t min_security_version = 0;
  bool allow_debug = false;
  bool allow_isolation_none = false;
  bool allow_development_platform = false;
  std::optional<Bytes> report_data_prefix;  // e.g. a nonce or hash of a public key; compared constant-time
  std::int64_t max_age_seconds = 0;         // 0: not checked
  std::int64_t now_ms = 0;                  // 0: the system clock (tests set it)
};

struct VerifiedEvidence {
  Report report;
  std::string platform_subject;     // subject of the platform attestation key certificate
  std::string platform_ca_subject;  // issuer of the last certificate in the chain: the trusted root
};

// Parses the evidence, checks the certificate chain against the trusted roots
// (DER), the report signature, then every expectation. The error message names
// the first check that failed.
Result<VerifiedEvidence> verify_evidence(ByteView evidence, const std::vector<Bytes>& trusted_roots_der,
                                         const Expectations& expect);

// A multi-line human-readable dump of a report (ids in hex).
std::string describe(const Report& report);

const char* to_string(Backend backend);
const char* to_string(Isolation isolation);

}  // namespace cloister
