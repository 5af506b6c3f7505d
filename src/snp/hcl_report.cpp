#include "snp/hcl_report.h"

#include <algorithm>
#include <array>

#include "crypto/sha.h"

namespace cloister::snp {

namespace {

constexpr std::array<std::uint8_t, 4> kSignature = {'H', 'C', 'L', 'A'};

std::uint32_t read_u32(ByteView bytes, std::size_t offset) {
  return static_cast<std::uint32_t>(bytes[offset]) | static_cast<std::uint32_t>(bytes[offset + 1]) << 8 |
         static_cast<std::uint32_t>(bytes[offset + 2]) << 16 |
         static_cast<std::uint32_t>(bytes[offset + 3]) << 24;
}

}  // namespace

bool detect_hcl_report(ByteView input) {
  return input.size() >= kSignature.size() && std::equal(kSignature.begin(), kSignature.end(), input.begin());
}

Result<HclReport> parse_hcl_report(ByteView input) {
  if (!detect_hcl_report(input)) return error(ErrorCode::decode_error, "HCL report: no 'HCLA' signature");
  constexpr std::size_t kRequestDataOffset = kHclHeaderSize + kHclHardwareReportSize;
  if (input.size() < kRequestDataOffset + kHclRequestDataFixedSize) {
    return error(ErrorCode::decode_error, "HCL report truncated: " + std::to_string(input.size()) +
                                              " bytes, the header, hardware report and request data need " +
                                              std::to_string(kRequestDataOffset + kHclRequestDataFixedSize));
  }
  HclReport report;
  report.header_version = read_u32(input, 0x04);
  report.report_size = read_u32(input, 0x08);
  report.request_type = read_u32(input, 0x0C);
  report.status = read_u32(input, 0x10);
  auto hardware = input.subspan(kHclHeaderSize, kHclHardwareReportSize);
  report.hardware_report.assign(hardware.begin(), hardware.end());

  const std::size_t at = kRequestDataOffset;
  report.data_size = read_u32(input, at);
  report.data_version = read_u32(input, at + 4);
  report.report_type = read_u32(input, at + 8);
  report.hash_type = read_u32(input, at + 12);
  const std::uint32_t variable_size = read_u32(input, at + 16);
  const std::size_t variable_offset = at + kHclRequestDataFixedSize;
  if (variable_size > input.size() - variable_offset) {
    return error(ErrorCode::decode_error,
                 "HCL report: variable_data_size (offset 0x4D0) is " + std::to_string(variable_size) +
                     " but only " + std::to_string(input.size() - variable_offset) + " bytes follow");
  }
  // data_size covers the fixed request fields and the variable data.
  if (report.data_size != kHclRequestDataFixedSize + variable_size) {
    return error(ErrorCode::decode_error, "HCL report: data_size (offset 0x4C0) is " +
                                              std::to_string(report.data_size) + ", expected " +
                                              std::to_string(kHclRequestDataFixedSize + variable_size));
  }
  auto variable = input.subspan(variable_offset, variable_size);
  report.runtime_claims.assign(variable.begin(), variable.end());
  auto rest = input.subspan(variable_offset + variable_size);
  if (std::any_of(rest.begin(), rest.end(), [](std::uint8_t b) { return b != 0; })) {
    return error(ErrorCode::decode_error, "HCL report: non-zero bytes after the runtime claims (offset " +
                                              std::to_string(variable_offset + variable_size) + ")");
  }
  return report;
}

Result<Bytes> runtime_claims_digest(const HclReport& report) {
  switch (static_cast<HclHashType>(report.hash_type)) {
    case HclHashType::sha256: {
      auto digest = crypto::sha256(report.runtime_claims);
      return Bytes(digest.begin(), digest.end());
    }
    case HclHashType::sha384: {
      auto digest = crypto::sha384(report.runtime_claims);
      return Bytes(digest.begin(), digest.end());
    }
    case HclHashType::sha512:
    case HclHashType::invalid:
      break;
  }
  return error(ErrorCode::decode_error,
               "HCL report: report_data_hash_type " + std::to_string(report.hash_type) + " is not supported");
}

}  // namespace cloister::snp
