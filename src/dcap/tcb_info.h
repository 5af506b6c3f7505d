// Intel's TCB Info (PCS API v4 "tcbInfo", versions 2 and 3): for one FMSPC,
// the TCB levels a platform can be at and their status, and for TDX the TDX
// module identities.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "dcap/collateral_fields.h"
#include "dcap/collateral_span.h"
#include "dcap/tcb_status.h"

namespace cloister::dcap {

struct TcbComponent {
  std::uint8_t svn = 0;
  std::string category;  // optional in the JSON: "BIOS", "OS/VMM"
  std::string type;      // optional: "Early Microcode Update", "TDX Module"
};

struct TcbLevel {
  std::array<TcbComponent, 16> sgx_components;
  std::uint16_t pce_svn = 0;
  std::optional<std::array<TcbComponent, 16>> tdx_components;  // TDX TCB info only
  fields::Timestamp tcb_date;
  TcbStatus status = TcbStatus::out_of_date;
  std::vector<std::string> advisory_ids;
};

struct TdxModuleTcbLevel {
  std::uint8_t isv_svn = 0;
  fields::Timestamp tcb_date;
  TcbStatus status = TcbStatus::out_of_date;
  std::vector<std::string> advisory_ids;
};

// tdxModule (the module version 0 identity) and each tdxModuleIdentities entry.
struct TdxModuleIdentity {
  std::string id;                             // "TDX_01"; empty for tcbInfo.tdxModule
  Bytes mr_signer;                            // 48
  Bytes attributes;                           // 8
  Bytes attributes_mask;                      // 8
  std::vector<TdxModuleTcbLevel> tcb_levels;  // empty for tcbInfo.tdxModule
};

struct TcbInfo {
  std::string id;  // "SGX" or "TDX" (version 2 has no id: "SGX")
  std::uint32_t version = 0;
  fields::Timestamp issue_date;
  fields::Timestamp next_update;
  Bytes fmspc;   // 6
  Bytes pce_id;  // 2
  std::uint32_t tcb_type = 0;
  std::uint32_t tcb_evaluation_data_number = 0;
  std::optional<TdxModuleIdentity> tdx_module;
  std::vector<TdxModuleIdentity> tdx_module_identities;
  std::vector<TcbLevel> tcb_levels;  // as published: highest first
};

// Parses the tcbInfo object's JSON text (the signed bytes).
Result<TcbInfo> parse_tcb_info(std::string_view json);

// {"tcbInfo":{...},"signature":"hex"} as PCS returns it.
Result<SignedCollateral> parse_tcb_info_response(std::string_view text);

// The parsed fields, for a verdict's "fields" (levels summarised by count).
nlohmann::json to_json(const TcbInfo& info);

}  // namespace cloister::dcap
