// to_string(EvidenceKind) lives here until src/hwattest has a library of its
// own; the names are stable identifiers used in JSON output.
#include "hwattest/verdict.h"

namespace cloister::hwattest {

const char* to_string(EvidenceKind kind) {
  switch (kind) {
    case EvidenceKind::unknown:
      return "unknown";
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
  }
  return "unknown";
}

}  // namespace cloister::hwattest
