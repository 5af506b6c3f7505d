// A parsed quote as JSON for `inspect` (verdict.fields) and as claims under
// Microsoft Azure Attestation's names (verdict.claims). Field names follow
// Intel's structure names in snake case; byte fields are lower-case hex.
#pragma once

#include <nlohmann/json.hpp>

#include "dcap/pck_extensions.h"
#include "dcap/quote_format.h"

namespace cloister::dcap {

nlohmann::json header_json(const QuoteHeader& header);
nlohmann::json sgx_report_body_json(const SgxReportBody& body);
nlohmann::json tdx_report_body_json(const TdxReportBody& body);
nlohmann::json pck_extensions_json(const PckExtensions& extensions);
// Everything parse_quote found: header, body_descriptor, report_body,
// qe_report, qe_auth_data, attestation_key_xy, cert_data_type (and oe_header).
nlohmann::json quote_fields_json(const Quote& quote);

// x-ms-attestation-type and the x-ms-sgx-* (SGX) or tdx_* (TDX) claims.
nlohmann::json quote_claims(const Quote& quote);

}  // namespace cloister::dcap
