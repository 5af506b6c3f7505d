// One entry point for hardware evidence: recognise what a file or request
// holds (SGX quote, Open Enclave report, TDX quote, SEV-SNP report, Azure HCL
// report, MAA's SevSnpVm report JSON) and verify it with the matching verifier.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "crypto/x509.h"
#include "dcap/collateral.h"
#include "dcap/collateral_dir.h"
#include "hwattest/verdict.h"

namespace cloister::hwattest {

inline constexpr std::size_t kMaxEvidenceBytes = 1 << 20;

// What MAA's POST /attest/SevSnpVm carries in "report": base64url of the JSON
// {"SnpReport": base64url(report), "VcekCertChain": base64url(PEM VCEK, ASK, ARK)}.
struct SnpReportBundle {
  Bytes report;
  std::vector<crypto::Certificate> certificates;
};
Result<SnpReportBundle> parse_snp_report_bundle(ByteView json);

// By structure only (nothing is verified): the header fields each format fixes.
EvidenceKind detect_evidence(ByteView evidence);

struct VerifyOptions {
  std::int64_t now = 0;  // seconds since the epoch; 0: the system clock
  // Intel: an explicit collateral, else the directory is asked by TEE and FMSPC.
  const dcap::Collateral* collateral = nullptr;
  dcap::CollateralDirectory* collateral_dir = nullptr;
  // AMD: the VCEK or VLEK and optionally its chain (the ASK/ASVK and ARK are built in).
  std::vector<crypto::Certificate> certificates;
};

// Detects the kind and verifies. Hex text (an SNP report as virtee writes it)
// and MAA's SevSnpVm JSON are accepted and unwrapped first.
Verdict verify_evidence(ByteView evidence, const VerifyOptions& options);

// Reads certificates from PEM (any number) or a single DER certificate.
Result<std::vector<crypto::Certificate>> read_certificates(ByteView bytes);

}  // namespace cloister::hwattest
