#include "snp/report_format.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "common/encoding.h"

namespace cloister::snp {

namespace {

// Field offsets from the ABI specification's ATTESTATION_REPORT table.
constexpr std::size_t kVersion = 0x000;
constexpr std::size_t kGuestSvn = 0x004;
constexpr std::size_t kPolicy = 0x008;
constexpr std::size_t kFamilyId = 0x010;
constexpr std::size_t kImageId = 0x020;
constexpr std::size_t kVmpl = 0x030;
constexpr std::size_t kSignatureAlgo = 0x034;
constexpr std::size_t kCurrentTcb = 0x038;
constexpr std::size_t kPlatformInfo = 0x040;
constexpr std::size_t kFlags = 0x048;
constexpr std::size_t kReportData = 0x050;
constexpr std::size_t kMeasurement = 0x090;
constexpr std::size_t kHostData = 0x0C0;
constexpr std::size_t kIdKeyDigest = 0x0E0;
constexpr std::size_t kAuthorKeyDigest = 0x110;
constexpr std::size_t kReportId = 0x140;
constexpr std::size_t kReportIdMa = 0x160;
constexpr std::size_t kReportedTcb = 0x180;
constexpr std::size_t kCpuidFamily = 0x188;
constexpr std::size_t kCpuidModel = 0x189;
constexpr std::size_t kCpuidStepping = 0x18A;
constexpr std::size_t kChipId = 0x1A0;
constexpr std::size_t kCommittedTcb = 0x1E0;
constexpr std::size_t kCurrentBuild = 0x1E8;
constexpr std::size_t kCommittedBuild = 0x1EC;
constexpr std::size_t kLaunchTcb = 0x1F0;
constexpr std::size_t kSignatureR = 0x2A0;
constexpr std::size_t kSignatureS = 0x2E8;
constexpr std::size_t kSignatureComponentSize = 72;
constexpr std::size_t kCoordinateSize = 48;

// The caller has checked the size once, so each read is in bounds; reads are
// still written against the view so a mistake here cannot read past it.
class Reader {
 public:
  explicit Reader(ByteView bytes) : bytes_(bytes) {}
  [[nodiscard]] std::uint64_t le(std::size_t offset, std::size_t width) const {
    std::uint64_t value = 0;
    for (std::size_t i = width; i-- > 0;) value = (value << 8) | bytes_[offset + i];
    return value;
  }
  [[nodiscard]] std::uint32_t u32(std::size_t offset) const {
    return static_cast<std::uint32_t>(le(offset, 4));
  }
  [[nodiscard]] std::uint64_t u64(std::size_t offset) const { return le(offset, 8); }
  template <std::size_t N>
  void copy(std::size_t offset, std::array<std::uint8_t, N>& out) const {
    auto part = bytes_.subspan(offset, N);
    std::copy(part.begin(), part.end(), out.begin());
  }

 private:
  ByteView bytes_;
};

// 72 little-endian bytes -> 48 big-endian bytes; the top 24 must be zero or
// the value is not a P-384 scalar the firmware could have produced.
Status read_coordinate(ByteView report, std::size_t offset, const char* name,
                       std::array<std::uint8_t, kCoordinateSize>& out) {
  auto field = report.subspan(offset, kSignatureComponentSize);
  for (std::size_t i = kCoordinateSize; i < kSignatureComponentSize; ++i) {
    if (field[i] != 0) {
      char where[16];
      std::snprintf(where, sizeof where, "0x%zX", offset + i);
      return error(ErrorCode::decode_error,
                   std::string("signature ") + name + " byte at offset " + where +
                       " is not zero (a P-384 coordinate fills only 48 of 72 bytes)");
    }
  }
  for (std::size_t i = 0; i < kCoordinateSize; ++i) out[i] = field[kCoordinateSize - 1 - i];
  return Status::ok();
}

bool is_hex_digit(std::uint8_t c) {
  return std::isxdigit(c) != 0;
}
bool is_space(std::uint8_t c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

}  // namespace

const char* to_string(Product product) {
  switch (product) {
    case Product::milan:
      return "Milan";
    case Product::genoa:
      return "Genoa";
    case Product::turin:
      return "Turin";
    case Product::unknown:
      break;
  }
  return "unknown";
}

Product product_from_name(std::string_view name) {
  // productName is "<line>-<stepping>" ("Milan-B0", "Genoa-B1"); Turin
  // VCEKs have been seen both with and without the stepping.
  const std::string_view line = name.substr(0, name.find('-'));
  if (line == "Milan") return Product::milan;
  if (line == "Genoa") return Product::genoa;
  if (line == "Turin") return Product::turin;
  return Product::unknown;
}

TcbVersion decode_tcb(std::uint64_t raw, Product product) {
  auto byte = [raw](unsigned index) { return static_cast<std::uint8_t>(raw >> (8 * index)); };
  TcbVersion tcb;
  tcb.raw = raw;
  if (product == Product::turin) {
    tcb.fmc = byte(0);
    tcb.bootloader = byte(1);
    tcb.tee = byte(2);
    tcb.snp = byte(3);
  } else {
    tcb.bootloader = byte(0);
    tcb.tee = byte(1);
    tcb.snp = byte(6);
  }
  tcb.microcode = byte(7);
  return tcb;
}

GuestPolicy decode_policy(std::uint64_t policy) {
  auto bit = [policy](unsigned index) { return ((policy >> index) & 1U) != 0; };
  GuestPolicy decoded;
  decoded.abi_minor = static_cast<std::uint8_t>(policy);
  decoded.abi_major = static_cast<std::uint8_t>(policy >> 8);
  decoded.smt_allowed = bit(16);
  decoded.reserved_one = bit(17);
  decoded.migrate_ma = bit(18);
  decoded.debug = bit(19);
  decoded.single_socket = bit(20);
  decoded.cxl_allowed = bit(21);
  decoded.mem_aes_256_xts = bit(22);
  decoded.rapl_disabled = bit(23);
  decoded.ciphertext_hiding = bit(24);
  return decoded;
}

Result<AttestationReport> parse_report(ByteView bytes) {
  if (bytes.size() < kReportSize) {
    return error(ErrorCode::decode_error, "SNP report truncated: " + std::to_string(bytes.size()) +
                                              " bytes, the report is 1184 (0x4A0)");
  }
  if (bytes.size() > kReportSize) {
    return error(ErrorCode::decode_error, "SNP report followed by " +
                                              std::to_string(bytes.size() - kReportSize) +
                                              " unsigned trailing bytes (the report is exactly 0x4A0)");
  }
  const Reader in(bytes);
  AttestationReport report;
  report.version = in.u32(kVersion);
  // Versions 4 and 5 keep version 3's layout, sizes and signed range and
  // fill reserved bytes (mitigation vectors) this verifier reports raw.
  if (report.version < 2 || report.version > 5) {
    return error(ErrorCode::decode_error, "SNP report version (offset 0x000) is " +
                                              std::to_string(report.version) + "; versions 2 to 5 are known");
  }
  report.signature_algo = in.u32(kSignatureAlgo);
  if (report.signature_algo != kSignatureAlgoEcdsaP384Sha384) {
    return error(ErrorCode::decode_error, "SNP report signature_algo (offset 0x034) is " +
                                              std::to_string(report.signature_algo) +
                                              "; only 1 (ECDSA P-384 with SHA-384) is defined");
  }
  report.guest_svn = in.u32(kGuestSvn);
  report.policy = in.u64(kPolicy);
  in.copy(kFamilyId, report.family_id);
  in.copy(kImageId, report.image_id);
  report.vmpl = in.u32(kVmpl);
  report.current_tcb = in.u64(kCurrentTcb);
  report.platform_info = in.u64(kPlatformInfo);
  report.flags = in.u32(kFlags);
  report.author_key_en = (report.flags & 1U) != 0;
  report.mask_chip_key = (report.flags & 2U) != 0;
  report.signing_key = static_cast<std::uint8_t>((report.flags >> 2) & 7U);
  in.copy(kReportData, report.report_data);
  in.copy(kMeasurement, report.measurement);
  in.copy(kHostData, report.host_data);
  in.copy(kIdKeyDigest, report.id_key_digest);
  in.copy(kAuthorKeyDigest, report.author_key_digest);
  in.copy(kReportId, report.report_id);
  in.copy(kReportIdMa, report.report_id_ma);
  report.reported_tcb = in.u64(kReportedTcb);
  if (report.version >= 3) {
    report.cpuid_family = bytes[kCpuidFamily];
    report.cpuid_model = bytes[kCpuidModel];
    report.cpuid_stepping = bytes[kCpuidStepping];
  }
  in.copy(kChipId, report.chip_id);
  report.committed_tcb = in.u64(kCommittedTcb);
  report.current_build = bytes[kCurrentBuild];
  report.current_minor = bytes[kCurrentBuild + 1];
  report.current_major = bytes[kCurrentBuild + 2];
  report.committed_build = bytes[kCommittedBuild];
  report.committed_minor = bytes[kCommittedBuild + 1];
  report.committed_major = bytes[kCommittedBuild + 2];
  report.launch_tcb = in.u64(kLaunchTcb);
  CLOISTER_RETURN_IF_ERROR(read_coordinate(bytes, kSignatureR, "r", report.signature_r));
  CLOISTER_RETURN_IF_ERROR(read_coordinate(bytes, kSignatureS, "s", report.signature_s));
  report.signed_bytes.assign(bytes.begin(), bytes.begin() + kSignedSize);
  return report;
}

bool looks_like_hex_text(ByteView input) {
  bool any_digit = false;
  for (std::uint8_t c : input) {
    if (is_hex_digit(c)) {
      any_digit = true;
    } else if (!is_space(c)) {
      return false;
    }
  }
  return any_digit;
}

Result<Bytes> hex_text_to_bytes(ByteView input) {
  std::string digits;
  digits.reserve(input.size());
  for (std::uint8_t c : input) {
    if (is_space(c)) continue;
    if (!is_hex_digit(c)) return error(ErrorCode::decode_error, "hex report text has a non-hex character");
    digits.push_back(static_cast<char>(c));
  }
  if (digits.size() % 2 != 0) {
    return error(ErrorCode::decode_error, "hex report text has an odd number of digits");
  }
  return from_hex(digits);
}

Product product_from_cpuid(const AttestationReport& report) {
  if (!report.cpuid_family || !report.cpuid_model) return Product::unknown;
  const unsigned family = *report.cpuid_family;
  const unsigned model = *report.cpuid_model;
  if (family == 0x19 && model <= 0x0F) return Product::milan;
  if (family == 0x19 && ((model >= 0x10 && model <= 0x1F) || (model >= 0xA0 && model <= 0xAF))) {
    return Product::genoa;
  }
  if (family == 0x1A && model <= 0x1F) return Product::turin;
  return Product::unknown;
}

}  // namespace cloister::snp
