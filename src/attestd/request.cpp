#include "attestd/request.h"

#include "attest/evidence_format.h"
#include "common/encoding.h"

namespace cloister::attestd {
namespace {

Status bad(const std::string& message) {
  return Status(ErrorCode::invalid_argument, message);
}

Result<Bytes> base64url_field(const nlohmann::json& object, const char* name, const std::string& where,
                              std::size_t max_bytes) {
  if (!object.contains(name)) return bad("missing \"" + where + "\" (base64url)");
  const auto& value = object[name];
  if (!value.is_string()) return bad("\"" + where + "\" must be a base64url string");
  const auto& text = value.get_ref<const std::string&>();
  if (text.size() > (max_bytes * 4 + 2) / 3 + 4) {
    return bad("\"" + where + "\" is larger than " + std::to_string(max_bytes) + " bytes");
  }
  auto bytes = from_base64url(text);
  if (!bytes) return bad("\"" + where + "\" is not valid base64url (RFC 4648 section 5, no padding)");
  if (bytes->size() > max_bytes)
    return bad("\"" + where + "\" is larger than " + std::to_string(max_bytes) + " bytes");
  return bytes;
}

Result<AttestRequest> parse_nonce(const nlohmann::json& body, AttestRequest request) {
  if (body.contains("nonce") && !body["nonce"].is_null()) {
    const auto& nonce = body["nonce"];
    if (!nonce.is_string()) return bad("\"nonce\" must be a string");
    const auto& text = nonce.get_ref<const std::string&>();
    if (text.empty() || text.size() > kMaxNonceChars) {
      return bad("\"nonce\" must be 1 to " + std::to_string(kMaxNonceChars) + " characters");
    }
    request.nonce = text;
  }
  return request;
}

}  // namespace

Result<AttestRequest> parse_attest_request(const nlohmann::json& body, const RequestShape& shape) {
  if (!body.is_object()) return bad("the request body must be a JSON object");
  AttestRequest request;
  const std::size_t max_evidence =
      shape.max_evidence_bytes != 0 ? shape.max_evidence_bytes : attest::kMaxEvidenceBytes;
  CLOISTER_ASSIGN_OR_RETURN(request.evidence,
                            base64url_field(body, shape.evidence_field, shape.evidence_field, max_evidence));
  if (request.evidence.empty()) return bad(std::string("\"") + shape.evidence_field + "\" is empty");

  if (!body.contains("runtimeData") && !shape.runtime_data_required) {
    request.has_runtime_data = false;
    return parse_nonce(body, std::move(request));
  }
  if (!body.contains("runtimeData")) {
    return bad("missing \"runtimeData\": {\"data\": base64url, \"dataType\": \"Binary\" or \"JSON\"}");
  }
  const auto& runtime = body["runtimeData"];
  if (!runtime.is_object()) return bad("\"runtimeData\" must be an object {\"data\", \"dataType\"}");
  CLOISTER_ASSIGN_OR_RETURN(request.runtime_data,
                            base64url_field(runtime, "data", "runtimeData.data", kMaxRuntimeDataBytes));
  if (runtime.contains("dataType")) {
    const auto& type = runtime["dataType"];
    if (!type.is_string()) return bad("\"runtimeData.dataType\" must be \"Binary\" or \"JSON\"");
    const auto& name = type.get_ref<const std::string&>();
    if (name == "JSON") {
      request.data_type = RuntimeDataType::json;
    } else if (name != "Binary") {
      return bad("\"runtimeData.dataType\" must be \"Binary\" or \"JSON\", not \"" + name.substr(0, 32) +
                 "\"");
    }
  }
  if (request.data_type == RuntimeDataType::json) {
    // Bounded nesting: the object is serialised into the token, and
    // serialising is recursive.
    bool too_deep = false;
    auto depth_check = [&too_deep](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
      if (depth > kMaxRuntimeJsonDepth) too_deep = true;
      return !too_deep;
    };
    request.runtime_json =
        nlohmann::json::parse(request.runtime_data.begin(), request.runtime_data.end(), depth_check, false);
    if (too_deep) {
      return bad("JSON runtime data nests deeper than " + std::to_string(kMaxRuntimeJsonDepth) + " levels");
    }
    if (request.runtime_json.is_discarded()) {
      return bad(
          "\"runtimeData\" has dataType JSON but its data is not valid JSON (send \"Binary\" for raw bytes)");
    }
    if (!request.runtime_json.is_object()) return bad("JSON runtime data must be a JSON object");
  }
  return parse_nonce(body, std::move(request));
}

}  // namespace cloister::attestd
