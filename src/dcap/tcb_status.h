// Intel's TCB statuses and how the quoting enclave's and the TDX module's
// statuses combine with the platform's, as Intel's Quote Verification Library
// (QVL) converges them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cloister::dcap {

enum class TcbStatus {
  up_to_date,
  sw_hardening_needed,
  configuration_needed,
  configuration_and_sw_hardening_needed,
  out_of_date,
  out_of_date_configuration_needed,
  revoked,
};

// The names Intel's collateral and MAA's claims use: "UpToDate", ...
const char* to_string(TcbStatus status);
std::optional<TcbStatus> parse_tcb_status(std::string_view text);

// A quoting enclave that is out of date makes the platform out of date
// (keeping "configuration needed"); a revoked one revokes it.
TcbStatus converge_with_qe(TcbStatus platform, TcbStatus qe);
// The TDX module's status folds in the same way.
TcbStatus converge_with_tdx_module(TcbStatus platform, TcbStatus module);

}  // namespace cloister::dcap
