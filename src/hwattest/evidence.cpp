#include "hwattest/evidence.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "common/encoding.h"
#include "dcap/quote_verify.h"
#include "snp/hcl_report.h"
#include "snp/report_format.h"
#include "snp/snp_verify.h"

namespace cloister::hwattest {
namespace {

constexpr std::size_t kSnpReportSize = 0x4A0;

std::uint16_t le16(ByteView bytes, std::size_t at) {
  return static_cast<std::uint16_t>(bytes[at] | (bytes[at + 1] << 8));
}
std::uint32_t le32(ByteView bytes, std::size_t at) {
  return static_cast<std::uint32_t>(bytes[at]) | (static_cast<std::uint32_t>(bytes[at + 1]) << 8) |
         (static_cast<std::uint32_t>(bytes[at + 2]) << 16) |
         (static_cast<std::uint32_t>(bytes[at + 3]) << 24);
}
std::uint64_t le64(ByteView bytes, std::size_t at) {
  return static_cast<std::uint64_t>(le32(bytes, at)) |
         (static_cast<std::uint64_t>(le32(bytes, at + 4)) << 32);
}

bool looks_like_snp_report(ByteView bytes) {
  if (bytes.size() < kSnpReportSize) return false;
  const std::uint32_t version = le32(bytes, 0);
  const std::uint32_t signature_algo = le32(bytes, 0x34);
  return version >= 2 && version <= 5 && signature_algo == 1;
}

bool starts_with_json_object(ByteView bytes) {
  for (std::uint8_t c : bytes) {
    if (std::isspace(c)) continue;
    return c == '{';
  }
  return false;
}

Result<Bytes> base64url_member(const nlohmann::json& object, const char* name) {
  if (!object.contains(name) || !object[name].is_string())
    return Status(ErrorCode::invalid_argument,
                  std::string("the SevSnpVm report JSON needs \"") + name + "\" (a base64url string)");
  auto bytes = from_base64url(object[name].get_ref<const std::string&>());
  if (!bytes) return Status(ErrorCode::invalid_argument, std::string("\"") + name + "\" is not base64url");
  return bytes;
}

Verdict unreadable(EvidenceKind kind, std::string why) {
  Verdict verdict;
  verdict.kind = kind;
  verdict.fail("parse", std::move(why));
  return verdict;
}

}  // namespace

Result<SnpReportBundle> parse_snp_report_bundle(ByteView json) {
  auto parsed = nlohmann::json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object())
    return Status(ErrorCode::invalid_argument, "the SevSnpVm report is not a JSON object");
  SnpReportBundle bundle;
  CLOISTER_ASSIGN_OR_RETURN(bundle.report, base64url_member(parsed, "SnpReport"));
  if (parsed.contains("VcekCertChain")) {
    CLOISTER_ASSIGN_OR_RETURN(Bytes chain, base64url_member(parsed, "VcekCertChain"));
    CLOISTER_ASSIGN_OR_RETURN(bundle.certificates, read_certificates(chain));
  }
  return bundle;
}

EvidenceKind detect_evidence(ByteView evidence) {
  if (snp::detect_hcl_report(evidence)) return EvidenceKind::azure_hcl_report;
  // Open Enclave: {u32 version 1, u32 type 2 (remote), u64 size of what follows}.
  if (evidence.size() > 16 && le32(evidence, 0) == 1 && le32(evidence, 4) == 2 &&
      le64(evidence, 8) == evidence.size() - 16)
    return EvidenceKind::open_enclave_report;
  if (evidence.size() >= 48) {
    const std::uint16_t version = le16(evidence, 0);
    const std::uint32_t tee_type = le32(evidence, 4);
    if (version == 3 && tee_type == 0x00) return EvidenceKind::sgx_quote;
    if ((version == 4 || version == 5) && tee_type == 0x81) return EvidenceKind::tdx_quote;
  }
  if (looks_like_snp_report(evidence)) return EvidenceKind::sev_snp_report;
  return EvidenceKind::unknown;
}

Result<std::vector<crypto::Certificate>> read_certificates(ByteView bytes) {
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (text.find("-----BEGIN CERTIFICATE-----") != std::string_view::npos)
    return crypto::Certificate::all_from_pem(text);
  CLOISTER_ASSIGN_OR_RETURN(auto certificate, crypto::Certificate::from_der(bytes));
  std::vector<crypto::Certificate> out;
  out.push_back(std::move(certificate));
  return out;
}

Verdict verify_evidence(ByteView evidence, const VerifyOptions& options) {
  if (evidence.empty()) return unreadable(EvidenceKind::unknown, "the evidence is empty");
  if (evidence.size() > kMaxEvidenceBytes)
    return unreadable(EvidenceKind::unknown,
                      "the evidence is larger than 1 MiB; no TEE makes evidence that big");

  // Unwrap the text forms first.
  if (starts_with_json_object(evidence)) {
    auto bundle = parse_snp_report_bundle(evidence);
    if (!bundle) return unreadable(EvidenceKind::sev_snp_report, bundle.status().message());
    VerifyOptions inner;
    inner.now = options.now;
    inner.collateral = options.collateral;
    inner.collateral_dir = options.collateral_dir;
    for (const auto& certificate : options.certificates) inner.certificates.push_back(certificate.clone());
    for (auto& certificate : bundle->certificates) inner.certificates.push_back(std::move(certificate));
    return verify_evidence(bundle->report, inner);
  }
  // Hex text, whitespace allowed (virtee writes reports this way).
  if (detect_evidence(evidence) == EvidenceKind::unknown && snp::looks_like_hex_text(evidence)) {
    auto decoded = snp::hex_text_to_bytes(evidence);
    if (decoded && detect_evidence(*decoded) != EvidenceKind::unknown)
      return verify_evidence(*decoded, options);
  }

  const EvidenceKind kind = detect_evidence(evidence);
  switch (kind) {
    case EvidenceKind::sgx_quote:
    case EvidenceKind::open_enclave_report:
    case EvidenceKind::tdx_quote: {
      dcap::QuoteVerifyOptions quote_options;
      quote_options.now = options.now;
      quote_options.collateral = options.collateral;
      quote_options.collateral_dir = options.collateral_dir;
      return dcap::verify_quote(evidence, quote_options);
    }
    case EvidenceKind::sev_snp_report:
    case EvidenceKind::azure_hcl_report: {
      snp::ReportVerifyOptions report_options;
      report_options.now = options.now;
      for (const auto& certificate : options.certificates)
        report_options.certificates.push_back(certificate.clone());
      return snp::verify_report(evidence, report_options);
    }
    case EvidenceKind::unknown:
      break;
  }
  return unreadable(EvidenceKind::unknown,
                    "not recognised as an SGX quote (v3), an Open Enclave report, a TDX quote (v4/v5), an "
                    "SEV-SNP report (binary or hex) or an Azure HCL report");
}

}  // namespace cloister::hwattest
