#include "snp/snp_verify.h"

#include <algorithm>
#include <ctime>

#include "common/encoding.h"
#include "snp/amd_chain.h"
#include "snp/hcl_report.h"
#include "snp/report_format.h"
#include "snp/report_json.h"

namespace cloister::snp {

namespace {

using hwattest::EvidenceKind;
using hwattest::Verdict;

constexpr const char* kAfterParse[] = {"ark", "ask", "vcek", "report_signature", "chip_id", "reported_tcb"};

// What the input decoded to: the report and, for Azure, its wrapper.
struct Decoded {
  AttestationReport report;
  std::optional<HclReport> hcl;
  nlohmann::json runtime_claims;
};

Result<Decoded> decode(ByteView evidence, Verdict& verdict) {
  Decoded out;
  Bytes report_bytes;
  if (detect_hcl_report(evidence)) {
    verdict.kind = EvidenceKind::azure_hcl_report;
    CLOISTER_ASSIGN_OR_RETURN(HclReport hcl, parse_hcl_report(evidence));
    if (hcl.report_type != static_cast<std::uint32_t>(HclReportType::snp)) {
      return error(ErrorCode::decode_error,
                   "HCL report: report_type " + std::to_string(hcl.report_type) + " is not SEV-SNP (2)");
    }
    out.runtime_claims = nlohmann::json::parse(hcl.runtime_claims.begin(), hcl.runtime_claims.end(), nullptr,
                                               /*allow_exceptions=*/false);
    if (out.runtime_claims.is_discarded()) {
      return error(ErrorCode::decode_error, "HCL report: the runtime claims are not JSON");
    }
    report_bytes = hcl.hardware_report;
    out.hcl = std::move(hcl);
  } else {
    verdict.kind = EvidenceKind::sev_snp_report;
    if (looks_like_hex_text(evidence)) {
      CLOISTER_ASSIGN_OR_RETURN(report_bytes, hex_text_to_bytes(evidence));
    } else {
      report_bytes.assign(evidence.begin(), evidence.end());
    }
  }
  CLOISTER_ASSIGN_OR_RETURN(out.report, parse_report(report_bytes));
  return out;
}

nlohmann::json hcl_fields(const HclReport& hcl, const nlohmann::json& runtime_claims) {
  return {{"header_version", hcl.header_version}, {"report_size", hcl.report_size},
          {"request_type", hcl.request_type},     {"status", hcl.status},
          {"data_size", hcl.data_size},           {"data_version", hcl.data_version},
          {"report_type", hcl.report_type},       {"report_data_hash_type", hcl.hash_type},
          {"runtime_claims", runtime_claims}};
}

void check_signature(const AttestationReport& report, const ChainOutcome& chain, Verdict& verdict) {
  if (!chain.leaf) {
    verdict.skip("report_signature", "no VCEK or VLEK to check it with");
    return;
  }
  const bool vlek = chain.leaf_kind == LeafKind::vlek;
  const auto expected = static_cast<std::uint8_t>(vlek ? SigningKey::vlek : SigningKey::vcek);
  if (report.signing_key != expected) {
    verdict.fail("report_signature", "the report's SIGNING_KEY is " + std::to_string(report.signing_key) +
                                         " but the certificate supplied is a " +
                                         (vlek ? "VLEK (1)" : "VCEK (0)"));
    return;
  }
  auto key = chain.leaf->public_key();
  Bytes r_and_s(report.signature_r.size() + report.signature_s.size());
  std::copy(report.signature_r.begin(), report.signature_r.end(), r_and_s.begin());
  std::copy(report.signature_s.begin(), report.signature_s.end(),
            r_and_s.begin() + static_cast<std::ptrdiff_t>(report.signature_r.size()));
  Status status =
      key ? key->verify_raw(report.signed_bytes, r_and_s, crypto::HashAlgorithm::sha384) : key.status();
  if (status.is_ok()) {
    verdict.pass("report_signature",
                 std::string("ECDSA P-384 SHA-384 over [0, 0x2A0) by the ") + (vlek ? "VLEK" : "VCEK"));
  } else {
    verdict.fail("report_signature", std::string("the report's signature does not verify under the ") +
                                         (vlek ? "VLEK" : "VCEK") + "'s key");
  }
}

void check_chip_id(const AttestationReport& report, const ChainOutcome& chain, Verdict& verdict) {
  if (!chain.leaf) return verdict.skip("chip_id", "no VCEK");
  if (chain.leaf_kind == LeafKind::vlek) {
    return verdict.skip("chip_id", "a VLEK is issued to a cloud provider, not to a chip");
  }
  if (report.mask_chip_key) {
    return verdict.fail("chip_id",
                        "the report has MASK_CHIP_KEY set, so its chip_id is zeros and cannot be "
                        "matched to the VCEK's hwID");
  }
  if (!chain.extensions || !chain.extensions->hw_id) {
    return verdict.fail("chip_id", "the VCEK has no hwID extension (1.3.6.1.4.1.3704.1.4)");
  }
  const Bytes& hw_id = *chain.extensions->hw_id;
  // Turin's hwID is the first 8 bytes of chip_id; the rest is zero.
  const bool match = hw_id.size() <= report.chip_id.size() &&
                     std::equal(hw_id.begin(), hw_id.end(), report.chip_id.begin()) &&
                     std::all_of(report.chip_id.begin() + static_cast<std::ptrdiff_t>(hw_id.size()),
                                 report.chip_id.end(), [](std::uint8_t b) { return b == 0; });
  if (match) return verdict.pass("chip_id", "the VCEK's hwID is the report's chip_id");
  verdict.fail("chip_id", "the VCEK was issued to chip " + to_hex(hw_id) + ", not to the report's chip " +
                              to_hex(report.chip_id));
}

void check_reported_tcb(const AttestationReport& report, const ChainOutcome& chain, Verdict& verdict) {
  if (!chain.leaf || !chain.extensions) return verdict.skip("reported_tcb", "no readable VCEK or VLEK");
  const AmdCertExtensions& ext = *chain.extensions;
  const Product product = ext.product_name ? product_from_name(*ext.product_name) : Product::unknown;
  const TcbVersion tcb = decode_tcb(report.reported_tcb, product);
  std::string mismatches;
  auto compare = [&](const char* name, std::optional<std::int64_t> cert_value, std::uint8_t report_value) {
    if (cert_value && *cert_value == report_value) return;
    if (!mismatches.empty()) mismatches += ", ";
    mismatches += std::string(name) + " " + (cert_value ? std::to_string(*cert_value) : "missing") +
                  " vs reported " + std::to_string(report_value);
  };
  compare("blSPL", ext.bl_spl, tcb.bootloader);
  compare("teeSPL", ext.tee_spl, tcb.tee);
  compare("snpSPL", ext.snp_spl, tcb.snp);
  compare("ucodeSPL", ext.ucode_spl, tcb.microcode);
  if (tcb.fmc) compare("fmcSPL", ext.fmc_spl, *tcb.fmc);
  if (mismatches.empty()) return verdict.pass("reported_tcb", "the certificate's SPLs equal reported_tcb");
  verdict.fail("reported_tcb", "the certificate was issued for another TCB: " + mismatches);
}

void check_runtime_claims(const Decoded& decoded, Verdict& verdict) {
  auto digest = runtime_claims_digest(*decoded.hcl);
  if (!digest) return verdict.fail("runtime_claims_binding", digest.status().message());
  const auto& data = decoded.report.report_data;
  if (std::equal(digest->begin(), digest->end(), data.begin())) {
    return verdict.pass("runtime_claims_binding", "report_data starts with the hash of the runtime claims");
  }
  verdict.fail("runtime_claims_binding",
               "report_data does not start with the hash of the runtime claims (" + to_hex(*digest) + ")");
}

}  // namespace

Verdict verify_report(ByteView evidence, const ReportVerifyOptions& options) {
  Verdict verdict;
  verdict.attestation_type = "sevsnpvm";
  auto decoded = decode(evidence, verdict);
  if (!decoded) {
    verdict.fail("parse", decoded.status().message());
    for (const char* step : kAfterParse) verdict.skip(step, "the evidence did not parse");
    if (verdict.kind == EvidenceKind::azure_hcl_report) {
      verdict.skip("runtime_claims_binding", "the evidence did not parse");
    }
    return verdict;
  }
  const AttestationReport& report = decoded->report;
  verdict.pass("parse", "SEV-SNP report version " + std::to_string(report.version) +
                            (decoded->hcl ? " in an Azure HCL report" : ""));
  verdict.report_data.assign(report.report_data.begin(), report.report_data.end());

  ChainInputs inputs;
  inputs.certificates = &options.certificates;
  inputs.report_signing_key = report.signing_key;
  inputs.cpuid_product = product_from_cpuid(report);
  inputs.now = options.now != 0 ? options.now : static_cast<std::int64_t>(std::time(nullptr));
  const ChainOutcome chain = verify_amd_chain(inputs, verdict);

  check_signature(report, chain, verdict);
  check_chip_id(report, chain, verdict);
  check_reported_tcb(report, chain, verdict);
  if (decoded->hcl) check_runtime_claims(*decoded, verdict);

  // The TCB layout follows the leaf's product line when there is one.
  Product product = chain.extensions && chain.extensions->product_name
                        ? product_from_name(*chain.extensions->product_name)
                        : chain.product;
  if (product == Product::unknown) product = inputs.cpuid_product;
  verdict.fields["product"] = to_string(product);
  verdict.fields["report"] = report_fields(report, product);
  verdict.claims = report_claims(report, product);
  if (decoded->hcl) {
    verdict.fields["hcl"] = hcl_fields(*decoded->hcl, decoded->runtime_claims);
    verdict.claims["x-ms-runtime"] = decoded->runtime_claims;
  }
  return verdict;
}

}  // namespace cloister::snp
