// Azure's HCL report: what the paravisor (HCL) of an Azure confidential VM
// stores in the vTPM. A 0x20-byte attestation header, the hardware report
// (for SEV-SNP the 0x4A0-byte ATTESTATION_REPORT), then the IGVM request data
// whose variable part is the runtime-claims JSON (among its keys the vTPM's
// attestation key). The hardware report binds that JSON by carrying its hash
// in report_data.
#pragma once

#include <cstdint>
#include <string>

#include "cloister/bytes.h"
#include "cloister/result.h"

namespace cloister::snp {

inline constexpr std::size_t kHclHeaderSize = 0x20;
inline constexpr std::size_t kHclHardwareReportSize = 0x4A0;  // the SNP report; a TDX report is padded to it
inline constexpr std::size_t kHclRequestDataFixedSize = 20;

// The IGVM report types and hash types Azure's headers define.
enum class HclReportType : std::uint32_t { invalid = 0, reserved = 1, snp = 2, tvm = 3, tdx = 4 };
enum class HclHashType : std::uint32_t { invalid = 0, sha256 = 1, sha384 = 2, sha512 = 3 };

struct HclReport {
  // Header.
  std::uint32_t header_version = 0;
  std::uint32_t report_size = 0;
  std::uint32_t request_type = 0;
  std::uint32_t status = 0;
  // The hardware report, unparsed.
  Bytes hardware_report;
  // IGVM request data.
  std::uint32_t data_size = 0;
  std::uint32_t data_version = 0;
  std::uint32_t report_type = 0;  // HclReportType
  std::uint32_t hash_type = 0;    // HclHashType
  Bytes runtime_claims;           // the variable data: JSON text
};

// True when `input` starts with the header signature "HCLA"; a raw SNP
// report starts with its version (2 or 3) instead, so the two never collide.
bool detect_hcl_report(ByteView input);

// Decodes the framing and checks its sizes agree. Bytes after the variable
// data are allowed only if they are zero: the vTPM index the report is read
// from is larger than the report and zero-filled, and nothing signs the rest.
Result<HclReport> parse_hcl_report(ByteView input);

// The digest of the runtime claims under the report's hash type, which is
// what report_data must start with. SHA-256 (what Azure uses) and SHA-384;
// SHA-512 and unknown types are a decode_error.
Result<Bytes> runtime_claims_digest(const HclReport& report);

}  // namespace cloister::snp
