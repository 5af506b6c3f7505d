// The SEV-SNP ATTESTATION_REPORT structure (AMD "SEV Secure Nested Paging
// Firmware ABI Specification", report versions 2 to 5), decoded with bounds
// checks. Only the layout lives here; what the fields mean for trust is
// decided by the verifier.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "cloister/bytes.h"
#include "cloister/result.h"

namespace cloister::snp {

inline constexpr std::size_t kReportSize = 0x4A0;
// The firmware signs everything before the signature field.
inline constexpr std::size_t kSignedSize = 0x2A0;
inline constexpr std::uint32_t kSignatureAlgoEcdsaP384Sha384 = 1;

// A TCB_VERSION's product-specific layout. Turin added an FMC byte and moved
// the others; the report itself does not say which layout it uses, the VCEK's
// productName (or a v3 report's CPUID) does.
enum class Product { unknown, milan, genoa, turin };
const char* to_string(Product product);  // "Milan", "Genoa", "Turin", "unknown"
// "Milan-B0" -> milan; unknown names -> unknown.
Product product_from_name(std::string_view name);

struct TcbVersion {
  std::uint64_t raw = 0;            // the little-endian u64 as written in the report
  std::optional<std::uint8_t> fmc;  // Turin only
  std::uint8_t bootloader = 0;
  std::uint8_t tee = 0;
  std::uint8_t snp = 0;
  std::uint8_t microcode = 0;
};
// Milan and Genoa (and unknown) share one layout; Turin has its own.
TcbVersion decode_tcb(std::uint64_t raw, Product product);

// Guest policy bits (ABI spec, "Guest Policy").
struct GuestPolicy {
  std::uint8_t abi_minor = 0;
  std::uint8_t abi_major = 0;
  bool smt_allowed = false;        // bit 16
  bool reserved_one = false;       // bit 17, must be 1 at launch
  bool migrate_ma = false;         // bit 18
  bool debug = false;              // bit 19
  bool single_socket = false;      // bit 20
  bool cxl_allowed = false;        // bit 21
  bool mem_aes_256_xts = false;    // bit 22
  bool rapl_disabled = false;      // bit 23
  bool ciphertext_hiding = false;  // bit 24
};
GuestPolicy decode_policy(std::uint64_t policy);

enum class SigningKey : std::uint8_t { vcek = 0, vlek = 1, none = 7 };

struct AttestationReport {
  std::uint32_t version = 0;
  std::uint32_t guest_svn = 0;
  std::uint64_t policy = 0;
  std::array<std::uint8_t, 16> family_id{};
  std::array<std::uint8_t, 16> image_id{};
  std::uint32_t vmpl = 0;
  std::uint32_t signature_algo = 0;
  std::uint64_t current_tcb = 0;
  std::uint64_t platform_info = 0;
  std::uint32_t flags = 0;  // the u32 at 0x48
  bool author_key_en = false;
  bool mask_chip_key = false;
  std::uint8_t signing_key = 0;  // bits 4:2 of flags; see SigningKey
  std::array<std::uint8_t, 64> report_data{};
  std::array<std::uint8_t, 48> measurement{};
  std::array<std::uint8_t, 32> host_data{};
  std::array<std::uint8_t, 48> id_key_digest{};
  std::array<std::uint8_t, 48> author_key_digest{};
  std::array<std::uint8_t, 32> report_id{};
  std::array<std::uint8_t, 32> report_id_ma{};
  std::uint64_t reported_tcb = 0;
  // Version 3 and later: CPUID Fn0000_0001 family, model and stepping.
  std::optional<std::uint8_t> cpuid_family;
  std::optional<std::uint8_t> cpuid_model;
  std::optional<std::uint8_t> cpuid_stepping;
  std::array<std::uint8_t, 64> chip_id{};
  std::uint64_t committed_tcb = 0;
  std::uint8_t current_build = 0, current_minor = 0, current_major = 0;
  std::uint8_t committed_build = 0, committed_minor = 0, committed_major = 0;
  std::uint64_t launch_tcb = 0;
  // The ECDSA P-384 signature as big-endian coordinates (the report stores
  // each as 72 little-endian bytes whose upper 24 must be zero).
  std::array<std::uint8_t, 48> signature_r{};
  std::array<std::uint8_t, 48> signature_s{};

  Bytes signed_bytes;  // [0, 0x2A0): what the signature covers
};

// Decodes exactly one 0x4A0-byte report. Errors are decode_error naming the
// field or offset: wrong size, unknown version, signature algorithm other than
// ECDSA P-384 with SHA-384, non-zero upper signature bytes.
Result<AttestationReport> parse_report(ByteView report);

// Raw-report framing. Input is either the binary report or hex text of it
// (whitespace ignored, either case). Trailing bytes are refused: they are not
// signed, so accepting them would let unsigned data ride along with a report
// that verifies. A binary report never looks like hex text (its version's
// first byte is 0x02 or 0x03).
bool looks_like_hex_text(ByteView input);
Result<Bytes> hex_text_to_bytes(ByteView input);

// The product a version-3 report's CPUID names (family 19h models 0-Fh Milan,
// 10h-1Fh Genoa; family 1Ah Turin); unknown otherwise.
Product product_from_cpuid(const AttestationReport& report);

}  // namespace cloister::snp
