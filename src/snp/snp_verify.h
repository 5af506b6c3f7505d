// Verifies an AMD SEV-SNP attestation report (versions 2 and 3) from AMD's
// public specifications ("SEV Secure Nested Paging Firmware ABI", "Versioned
// Chip Endorsement Key (VCEK) Certificate and KDS Interface"), and Azure's
// HCL report wrapper around it.
#pragma once

#include <cstdint>
#include <vector>

#include "cloister/bytes.h"
#include "crypto/x509.h"
#include "hwattest/verdict.h"

namespace cloister::snp {

struct ReportVerifyOptions {
  std::int64_t now = 0;  // seconds since the epoch; 0: the system clock
  // The VCEK or VLEK and, optionally, ASK/ASVK and ARK (any order; the
  // pinned ARKs are used when the ARK is missing).
  std::vector<crypto::Certificate> certificates;
};

// Never fails as a call: a verdict whose first failed step names the problem.
// Steps, in order: parse, ark, ask, vcek (or vlek), report_signature, chip_id,
// reported_tcb; for an Azure HCL report also runtime_claims_binding.
hwattest::Verdict verify_report(ByteView evidence, const ReportVerifyOptions& options);

}  // namespace cloister::snp
