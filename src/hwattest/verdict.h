// What verifying one piece of hardware evidence (an SGX or TDX quote, an
// SEV-SNP report) found: every parsed field, each verification step with its
// result, and the claims under MAA's names. Verifiers never throw and never
// stop at the first failure when a later step can still be reported; a step
// that cannot run because an earlier one failed is `skipped` with the reason.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cloister/bytes.h"

namespace cloister::hwattest {

enum class EvidenceKind {
  unknown,
  sgx_quote,            // Intel SGX DCAP ECDSA quote v3
  open_enclave_report,  // Open Enclave's 16-byte header {u32 version=1, u32 type=2, u64 size} + SGX quote
  tdx_quote,            // Intel TDX quote v4 or v5
  sev_snp_report,       // AMD SEV-SNP attestation report (0x4A0 bytes)
  azure_hcl_report,     // Azure's HCL report: 0x20 header, SNP report, runtime-claims JSON
};

// Stable identifiers, used in JSON output.
inline const char* to_string(EvidenceKind kind) {
  switch (kind) {
    case EvidenceKind::sgx_quote:
      return "sgx_quote";
    case EvidenceKind::open_enclave_report:
      return "open_enclave_report";
    case EvidenceKind::tdx_quote:
      return "tdx_quote";
    case EvidenceKind::sev_snp_report:
      return "sev_snp_report";
    case EvidenceKind::azure_hcl_report:
      return "azure_hcl_report";
    case EvidenceKind::unknown:
      break;
  }
  return "unknown";
}

enum class StepOutcome { passed, failed, skipped };

inline const char* to_string(StepOutcome outcome) {
  switch (outcome) {
    case StepOutcome::passed:
      return "passed";
    case StepOutcome::failed:
      return "failed";
    case StepOutcome::skipped:
      return "skipped";
  }
  return "skipped";
}

// Step names are stable identifiers (tests and `cloister attest inspect --json`
// use them); `detail` is a sentence for a person.
struct Step {
  std::string name;
  StepOutcome outcome = StepOutcome::skipped;
  std::string detail;
};

struct Verdict {
  EvidenceKind kind = EvidenceKind::unknown;
  std::string attestation_type;  // MAA's x-ms-attestation-type: "sgx", "tdxvm", "sevsnpvm"
  std::vector<Step> steps;       // in the order performed
  nlohmann::json fields = nlohmann::json::object();  // every parsed field, for inspect
  nlohmann::json chain = nlohmann::json::array();    // certificates, leaf first, with per-link results
  nlohmann::json claims = nlohmann::json::object();  // MAA claim names -> values
  Bytes report_data;                                 // the 64 bytes the TEE signed over

  // Intel's TCB status (UpToDate, SWHardeningNeeded, ConfigurationNeeded,
  // ConfigurationAndSWHardeningNeeded, OutOfDate, OutOfDateConfigurationNeeded,
  // Revoked) once collateral was evaluated; SNP: none.
  std::optional<std::string> tcb_status;
  std::vector<std::string> advisory_ids;

  void pass(std::string name, std::string detail = {}) {
    steps.push_back({std::move(name), StepOutcome::passed, std::move(detail)});
  }
  void fail(std::string name, std::string detail) {
    steps.push_back({std::move(name), StepOutcome::failed, std::move(detail)});
  }
  void skip(std::string name, std::string why) {
    steps.push_back({std::move(name), StepOutcome::skipped, std::move(why)});
  }

  // No step failed (skipped steps are allowed: see the step's detail).
  [[nodiscard]] bool verified() const { return first_failure() == nullptr && !steps.empty(); }
  [[nodiscard]] const Step* first_failure() const {
    for (const auto& step : steps)
      if (step.outcome == StepOutcome::failed) return &step;
    return nullptr;
  }
  [[nodiscard]] const Step* find(const std::string& name) const {
    for (const auto& step : steps)
      if (step.name == name) return &step;
    return nullptr;
  }
};

}  // namespace cloister::hwattest
