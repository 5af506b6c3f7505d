// A decoded SNP report as `inspect` shows it (verdict.fields["report"]) and
// as MAA names its claims for the SevSnpVm attestation type.
#pragma once

#include <nlohmann/json.hpp>

#include "snp/report_format.h"

namespace cloister::snp {

// Keys and encodings follow the shared test vectors' expected.json: bytes as
// lower-case hex, u64 words (policy, platform_info, TCB raw) as the 16-digit
// hex of their value, TCBs decoded per `product`.
nlohmann::json report_fields(const AttestationReport& report, Product product);
nlohmann::json tcb_json(const TcbVersion& tcb);

// x-ms-attestation-type and the x-ms-sevsnpvm-* claims. SVN claims come
// from reported_tcb, the TCB the VCEK was issued for.
nlohmann::json report_claims(const AttestationReport& report, Product product);

}  // namespace cloister::snp
