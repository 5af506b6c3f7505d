// MAA's hardware attestation types: SgxEnclave (an SGX quote), OpenEnclave
// (Open Enclave's report), TdxVm (a TDX quote) and SevSnpVm (MAA's report
// JSON: the SNP report with its VCEK chain). Verifies the evidence with
// src/hwattest, binds the runtime data as MAA does (SHA-256 of the runtime
// data = the first 32 bytes of report data) and turns the verdict into claims.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attestd/claims.h"
#include "attestd/refusal.h"
#include "attestd/request.h"
#include "dcap/collateral_dir.h"
#include "hwattest/verdict.h"

namespace cloister::attestd {

struct HardwareType {
  const char* name;            // the {type} in /attest/{type}
  const char* evidence_field;  // "quote" or "report"
  std::vector<hwattest::EvidenceKind> accepted;
};

// Null when `name` is not one of the four hardware types.
const HardwareType* find_hardware_type(std::string_view name);
const std::vector<HardwareType>& hardware_types();
RequestShape request_shape(const HardwareType& type);

struct HardwareContext {
  dcap::CollateralDirectory* collateral_dir = nullptr;
  std::int64_t collateral_time_s = 0;  // the clock collateral expiry is checked against; 0: now
  bool require_collateral = true;      // refuse Intel evidence whose TCB could not be evaluated
};

struct HardwareResult {
  ClaimSet claims;
  std::optional<Refusal> refusal;
};

HardwareResult attest_hardware(const HardwareType& type, const AttestRequest& request,
                               const HardwareContext& context);

}  // namespace cloister::attestd
