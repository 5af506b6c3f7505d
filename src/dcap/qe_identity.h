// Intel's quoting enclave identity (PCS API v4 "enclaveIdentity", version 2):
// what the QE (id "QE") or TD QE (id "TD_QE") that signed a quote must be,
// and the status of each of its ISV SVNs.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "dcap/collateral_fields.h"
#include "dcap/collateral_span.h"
#include "dcap/tcb_status.h"

namespace cloister::dcap {

struct QeTcbLevel {
  std::uint16_t isv_svn = 0;
  fields::Timestamp tcb_date;
  TcbStatus status = TcbStatus::out_of_date;
  std::vector<std::string> advisory_ids;
};

struct QeIdentity {
  std::string id;  // "QE", "TD_QE" (or "QVE", which verifies nothing here)
  std::uint32_t version = 0;
  fields::Timestamp issue_date;
  fields::Timestamp next_update;
  std::uint32_t tcb_evaluation_data_number = 0;
  // MISCSELECT as the report carries it: the hex is the 4 little-endian bytes.
  std::uint32_t misc_select = 0;
  std::uint32_t misc_select_mask = 0;
  Bytes attributes;       // 16
  Bytes attributes_mask;  // 16
  Bytes mr_signer;        // 32
  std::uint16_t isv_prod_id = 0;
  std::vector<QeTcbLevel> tcb_levels;  // highest ISV SVN first
};

// Parses the enclaveIdentity object's JSON text (the signed bytes).
Result<QeIdentity> parse_qe_identity(std::string_view json);
// {"enclaveIdentity":{...},"signature":"hex"} as PCS returns it.
Result<SignedCollateral> parse_qe_identity_response(std::string_view text);

nlohmann::json to_json(const QeIdentity& identity);

}  // namespace cloister::dcap
