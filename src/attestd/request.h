// The body of POST /attest/{type}, MAA's shape:
//   {"evidence": b64url, "runtimeData": {"data": b64url, "dataType": "Binary"|"JSON"}, "nonce": "..."}
// Parsed strictly: every error names the field and what it should be.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cloister/bytes.h"
#include "cloister/result.h"

namespace cloister::attestd {

inline constexpr std::size_t kMaxNonceChars = 1024;
inline constexpr std::size_t kMaxRuntimeDataBytes = 64 * 1024;
inline constexpr int kMaxRuntimeJsonDepth = 32;

enum class RuntimeDataType { binary, json };

struct AttestRequest {
  Bytes evidence;
  bool has_runtime_data = true;  // MAA's hardware types make runtimeData optional
  Bytes runtime_data;
  RuntimeDataType data_type = RuntimeDataType::binary;
  nlohmann::json runtime_json;  // the parsed runtime data when data_type is json
  std::optional<std::string> nonce;
};

// Where the evidence sits in the body and whether runtime data must come
// with it: {"evidence", required} for Cloister; MAA's SgxEnclave and TdxVm
// send "quote", OpenEnclave and SevSnpVm "report", runtime data optional.
struct RequestShape {
  const char* evidence_field = "evidence";
  bool runtime_data_required = true;
  std::size_t max_evidence_bytes = 0;  // 0: Cloister evidence's bound
};

// invalid_argument for anything malformed; the evidence bytes are not parsed here.
Result<AttestRequest> parse_attest_request(const nlohmann::json& body, const RequestShape& shape = {});

}  // namespace cloister::attestd
