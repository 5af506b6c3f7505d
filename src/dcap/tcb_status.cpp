#include "dcap/tcb_status.h"

#include <array>
#include <utility>

namespace cloister::dcap {

namespace {

constexpr std::array<std::pair<TcbStatus, const char*>, 7> kNames = {{
    {TcbStatus::up_to_date, "UpToDate"},
    {TcbStatus::sw_hardening_needed, "SWHardeningNeeded"},
    {TcbStatus::configuration_needed, "ConfigurationNeeded"},
    {TcbStatus::configuration_and_sw_hardening_needed, "ConfigurationAndSWHardeningNeeded"},
    {TcbStatus::out_of_date, "OutOfDate"},
    {TcbStatus::out_of_date_configuration_needed, "OutOfDateConfigurationNeeded"},
    {TcbStatus::revoked, "Revoked"},
}};

// QVL's rule for both the QE and the TDX module: "out of date" dominates the
// platform's status but keeps whether configuration is also needed.
TcbStatus fold_out_of_date(TcbStatus platform, TcbStatus other) {
  if (other == TcbStatus::revoked || platform == TcbStatus::revoked) return TcbStatus::revoked;
  if (other != TcbStatus::out_of_date) return platform;
  switch (platform) {
    case TcbStatus::up_to_date:
    case TcbStatus::sw_hardening_needed:
      return TcbStatus::out_of_date;
    case TcbStatus::configuration_needed:
    case TcbStatus::configuration_and_sw_hardening_needed:
      return TcbStatus::out_of_date_configuration_needed;
    default:
      return platform;
  }
}

}  // namespace

const char* to_string(TcbStatus status) {
  for (const auto& [value, name] : kNames)
    if (value == status) return name;
  return "Unknown";
}

std::optional<TcbStatus> parse_tcb_status(std::string_view text) {
  for (const auto& [value, name] : kNames)
    if (text == name) return value;
  return std::nullopt;
}

TcbStatus converge_with_qe(TcbStatus platform, TcbStatus qe) {
  // QVL reads any QE level other than UpToDate or Revoked as "ISVSVN out of date".
  if (qe != TcbStatus::up_to_date && qe != TcbStatus::revoked) qe = TcbStatus::out_of_date;
  return fold_out_of_date(platform, qe);
}

TcbStatus converge_with_tdx_module(TcbStatus platform, TcbStatus module) {
  return fold_out_of_date(platform, module);
}

}  // namespace cloister::dcap
