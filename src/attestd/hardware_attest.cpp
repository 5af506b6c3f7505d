#include "attestd/hardware_attest.h"

#include "common/encoding.h"
#include "crypto/constant_time.h"
#include "crypto/sha.h"
#include "hwattest/evidence.h"

namespace cloister::attestd {
namespace {

using hwattest::EvidenceKind;

HardwareResult refused(int status, std::string code, std::string message) {
  HardwareResult result;
  result.refusal = Refusal{status, std::move(code), std::move(message)};
  return result;
}

const char* endpoint_for(EvidenceKind kind) {
  switch (kind) {
    case EvidenceKind::sgx_quote:
      return "/attest/SgxEnclave";
    case EvidenceKind::open_enclave_report:
      return "/attest/OpenEnclave";
    case EvidenceKind::tdx_quote:
      return "/attest/TdxVm";
    case EvidenceKind::sev_snp_report:
    case EvidenceKind::azure_hcl_report:
      return "/attest/SevSnpVm";
    case EvidenceKind::unknown:
      break;
  }
  return "/attest/Cloister";
}

// A verdict claim into the token and, when the policy language can hold it,
// into the incoming claims: scalars as they are, arrays of scalars as one
// claim per element (MAA's multi-valued claims), objects in the token only.
void add_claim(ClaimSet& set, const std::string& name, const nlohmann::json& value) {
  set.token[name] = value;
  auto incoming = [&](const nlohmann::json& item) {
    if (item.is_boolean()) {
      set.incoming.push_back({.type = name, .value = item.get<bool>()});
    } else if (item.is_number_integer()) {
      set.incoming.push_back({.type = name, .value = item.get<std::int64_t>()});
    } else if (item.is_string()) {
      set.incoming.push_back({.type = name, .value = item.get<std::string>()});
    }
  };
  if (value.is_array()) {
    for (const auto& item : value) incoming(item);
  } else {
    incoming(value);
  }
}

bool is_intel(EvidenceKind kind) {
  return kind == EvidenceKind::sgx_quote || kind == EvidenceKind::open_enclave_report ||
         kind == EvidenceKind::tdx_quote;
}

}  // namespace

const std::vector<HardwareType>& hardware_types() {
  static const std::vector<HardwareType> kTypes = {
      {"SgxEnclave", "quote", {EvidenceKind::sgx_quote}},
      {"OpenEnclave", "report", {EvidenceKind::open_enclave_report, EvidenceKind::sgx_quote}},
      {"TdxVm", "quote", {EvidenceKind::tdx_quote}},
      {"SevSnpVm", "report", {EvidenceKind::sev_snp_report, EvidenceKind::azure_hcl_report}},
  };
  return kTypes;
}

const HardwareType* find_hardware_type(std::string_view name) {
  for (const auto& type : hardware_types()) {
    if (name == type.name) return &type;
  }
  return nullptr;
}

RequestShape request_shape(const HardwareType& type) {
  return RequestShape{.evidence_field = type.evidence_field,
                      .runtime_data_required = false,
                      .max_evidence_bytes = hwattest::kMaxEvidenceBytes};
}

HardwareResult attest_hardware(const HardwareType& type, const AttestRequest& request,
                               const HardwareContext& context) {
  hwattest::VerifyOptions options;
  options.now = context.collateral_time_s;
  options.collateral_dir = context.collateral_dir;
  const hwattest::Verdict verdict = hwattest::verify_evidence(request.evidence, options);

  if (verdict.kind != EvidenceKind::unknown &&
      std::find(type.accepted.begin(), type.accepted.end(), verdict.kind) == type.accepted.end()) {
    return refused(400, "WrongEvidenceType",
                   std::string("/attest/") + type.name + " does not take " + to_string(verdict.kind) +
                       " evidence; send it to " + endpoint_for(verdict.kind));
  }
  if (const auto* failed = verdict.first_failure()) {
    if (failed->name == "parse") return refused(400, "MalformedEvidence", failed->detail);
    return refused(403, "EvidenceRejected",
                   "verification step " + failed->name + " failed: " + failed->detail);
  }
  if (is_intel(verdict.kind) && context.require_collateral && !verdict.tcb_status) {
    const auto* collateral = verdict.find("collateral");
    return refused(403, "CollateralMissing",
                   "the TCB of this platform cannot be evaluated: " +
                       (collateral ? collateral->detail : std::string("no collateral was found")));
  }
  for (const auto& step : verdict.steps) {
    // SNP evidence verifies only with its VCEK or VLEK; without one the
    // signature step is skipped, and a token would vouch for nothing.
    if (step.name == "report_signature" && step.outcome != hwattest::StepOutcome::passed) {
      return refused(400, "MalformedEvidence", "the report signature was not checked: " + step.detail);
    }
  }

  if (request.has_runtime_data) {
    const auto digest = crypto::sha256(request.runtime_data);
    if (verdict.report_data.size() < 32 ||
        !crypto::constant_time_equal(digest, ByteView(verdict.report_data.data(), 32))) {
      return refused(400, "RuntimeDataMismatch",
                     "runtime data does not match the evidence: the first 32 bytes of report data must be "
                     "SHA-256(runtime data)");
    }
  }

  HardwareResult result;
  ClaimSet& claims = result.claims;
  for (const auto& [name, value] : verdict.claims.items()) add_claim(claims, name, value);
  add_claim(claims, "x-ms-ver", "1.0");
  if (claims.token.contains("x-ms-sgx-collateral") && claims.token["x-ms-sgx-collateral"].is_object())
    claims.token["x-ms-sgx-collateral"]["quotehash"] = to_hex(crypto::sha256(request.evidence));
  if (request.has_runtime_data) {
    if (verdict.attestation_type == "sgx")
      add_claim(claims, "x-ms-sgx-ehd", to_base64url(request.runtime_data));
    if (request.data_type == RuntimeDataType::json) claims.token["x-ms-runtime"] = request.runtime_json;
  }
  return result;
}

}  // namespace cloister::attestd
