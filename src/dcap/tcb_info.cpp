#include "dcap/tcb_info.h"

#include <cstdio>
#include <limits>

#include "common/encoding.h"

namespace cloister::dcap {

namespace {

using fields::path_of;

constexpr std::uint64_t kU8 = 0xff;
constexpr std::uint64_t kU16 = 0xffff;
constexpr std::uint64_t kU32 = std::numeric_limits<std::uint32_t>::max();

Result<TcbStatus> status_field(const nlohmann::json& parent, const std::string& path, const char* key) {
  CLOISTER_ASSIGN_OR_RETURN(std::string text, fields::string(parent, path, key));
  auto status = parse_tcb_status(text);
  if (!status)
    return error(ErrorCode::decode_error, path_of(path, key) + ": unknown TCB status '" + text + "'");
  return *status;
}

// v3: [{"svn":N,"category":"...","type":"..."} x 16]
Result<std::array<TcbComponent, 16>> components(const nlohmann::json& tcb, const std::string& path,
                                                const char* key) {
  CLOISTER_ASSIGN_OR_RETURN(const nlohmann::json* list, fields::array(tcb, path, key));
  const std::string list_path = path_of(path, key);
  if (list->size() != 16) {
    return error(ErrorCode::decode_error,
                 list_path + ": must have 16 components, not " + std::to_string(list->size()));
  }
  std::array<TcbComponent, 16> out;
  for (std::size_t i = 0; i < 16; ++i) {
    const nlohmann::json& item = (*list)[i];
    const std::string item_path = path_of(list_path, i);
    if (!item.is_object()) return error(ErrorCode::decode_error, item_path + ": must be a JSON object");
    CLOISTER_ASSIGN_OR_RETURN(std::uint64_t svn, fields::integer(item, item_path, "svn", kU8));
    out[i].svn = static_cast<std::uint8_t>(svn);
    if (fields::has(item, "category")) {
      CLOISTER_ASSIGN_OR_RETURN(out[i].category, fields::string(item, item_path, "category"));
    }
    if (fields::has(item, "type")) {
      CLOISTER_ASSIGN_OR_RETURN(out[i].type, fields::string(item, item_path, "type"));
    }
  }
  return out;
}

// v2: "sgxtcbcomp01svn" .. "sgxtcbcomp16svn" directly in "tcb".
Result<std::array<TcbComponent, 16>> v2_components(const nlohmann::json& tcb, const std::string& path) {
  std::array<TcbComponent, 16> out;
  for (std::size_t i = 0; i < 16; ++i) {
    char key[32];
    std::snprintf(key, sizeof key, "sgxtcbcomp%02zusvn", i + 1);
    CLOISTER_ASSIGN_OR_RETURN(std::uint64_t svn, fields::integer(tcb, path, key, kU8));
    out[i].svn = static_cast<std::uint8_t>(svn);
  }
  return out;
}

Result<TcbLevel> parse_level(const nlohmann::json& level, const std::string& path, const TcbInfo& info) {
  if (!level.is_object()) return error(ErrorCode::decode_error, path + ": must be a JSON object");
  TcbLevel out;
  CLOISTER_ASSIGN_OR_RETURN(const nlohmann::json* tcb, fields::object(level, path, "tcb"));
  const std::string tcb_path = path_of(path, "tcb");
  if (info.version == 2) {
    CLOISTER_ASSIGN_OR_RETURN(out.sgx_components, v2_components(*tcb, tcb_path));
  } else {
    CLOISTER_ASSIGN_OR_RETURN(out.sgx_components, components(*tcb, tcb_path, "sgxtcbcomponents"));
    if (info.id == "TDX") {
      CLOISTER_ASSIGN_OR_RETURN(out.tdx_components, components(*tcb, tcb_path, "tdxtcbcomponents"));
    }
  }
  CLOISTER_ASSIGN_OR_RETURN(std::uint64_t pce_svn, fields::integer(*tcb, tcb_path, "pcesvn", kU16));
  out.pce_svn = static_cast<std::uint16_t>(pce_svn);
  CLOISTER_ASSIGN_OR_RETURN(out.tcb_date, fields::timestamp(level, path, "tcbDate"));
  CLOISTER_ASSIGN_OR_RETURN(out.status, status_field(level, path, "tcbStatus"));
  CLOISTER_ASSIGN_OR_RETURN(out.advisory_ids, fields::optional_strings(level, path, "advisoryIDs"));
  return out;
}

Result<TdxModuleIdentity> parse_module(const nlohmann::json& module, const std::string& path,
                                       bool with_levels) {
  if (!module.is_object()) return error(ErrorCode::decode_error, path + ": must be a JSON object");
  TdxModuleIdentity out;
  if (with_levels) {
    CLOISTER_ASSIGN_OR_RETURN(out.id, fields::string(module, path, "id"));
  }
  CLOISTER_ASSIGN_OR_RETURN(out.mr_signer, fields::hex(module, path, "mrsigner", 48));
  CLOISTER_ASSIGN_OR_RETURN(out.attributes, fields::hex(module, path, "attributes", 8));
  CLOISTER_ASSIGN_OR_RETURN(out.attributes_mask, fields::hex(module, path, "attributesMask", 8));
  if (!with_levels) return out;
  CLOISTER_ASSIGN_OR_RETURN(const nlohmann::json* levels, fields::array(module, path, "tcbLevels"));
  const std::string levels_path = path_of(path, "tcbLevels");
  for (std::size_t i = 0; i < levels->size(); ++i) {
    const nlohmann::json& level = (*levels)[i];
    const std::string level_path = path_of(levels_path, i);
    if (!level.is_object()) return error(ErrorCode::decode_error, level_path + ": must be a JSON object");
    TdxModuleTcbLevel parsed;
    CLOISTER_ASSIGN_OR_RETURN(const nlohmann::json* tcb, fields::object(level, level_path, "tcb"));
    CLOISTER_ASSIGN_OR_RETURN(std::uint64_t isv_svn,
                              fields::integer(*tcb, path_of(level_path, "tcb"), "isvsvn", kU8));
    parsed.isv_svn = static_cast<std::uint8_t>(isv_svn);
    CLOISTER_ASSIGN_OR_RETURN(parsed.tcb_date, fields::timestamp(level, level_path, "tcbDate"));
    CLOISTER_ASSIGN_OR_RETURN(parsed.status, status_field(level, level_path, "tcbStatus"));
    CLOISTER_ASSIGN_OR_RETURN(parsed.advisory_ids,
                              fields::optional_strings(level, level_path, "advisoryIDs"));
    out.tcb_levels.push_back(std::move(parsed));
  }
  return out;
}

}  // namespace

Result<TcbInfo> parse_tcb_info(std::string_view json) {
  const std::string p = "tcbInfo";
  CLOISTER_ASSIGN_OR_RETURN(nlohmann::json root, fields::parse_object(json, p));
  TcbInfo info;
  CLOISTER_ASSIGN_OR_RETURN(std::uint64_t version, fields::integer(root, p, "version", kU32));
  if (version != 2 && version != 3) {
    return error(ErrorCode::decode_error,
                 "tcbInfo.version: " + std::to_string(version) + " is not supported (2 or 3)");
  }
  info.version = static_cast<std::uint32_t>(version);
  if (version == 3 || fields::has(root, "id")) {
    CLOISTER_ASSIGN_OR_RETURN(info.id, fields::string(root, p, "id"));
  } else {
    info.id = "SGX";  // version 2 predates TDX and carries no id
  }
  if (info.id != "SGX" && info.id != "TDX")
    return error(ErrorCode::decode_error, "tcbInfo.id: '" + info.id + "' is neither SGX nor TDX");
  if (info.id == "TDX" && version < 3) return error(ErrorCode::decode_error, "tcbInfo: TDX needs version 3");
  CLOISTER_ASSIGN_OR_RETURN(info.issue_date, fields::timestamp(root, p, "issueDate"));
  CLOISTER_ASSIGN_OR_RETURN(info.next_update, fields::timestamp(root, p, "nextUpdate"));
  if (info.next_update.seconds < info.issue_date.seconds)
    return error(ErrorCode::decode_error, "tcbInfo.nextUpdate: before issueDate");
  CLOISTER_ASSIGN_OR_RETURN(info.fmspc, fields::hex(root, p, "fmspc", 6));
  CLOISTER_ASSIGN_OR_RETURN(info.pce_id, fields::hex(root, p, "pceId", 2));
  CLOISTER_ASSIGN_OR_RETURN(std::uint64_t tcb_type, fields::integer(root, p, "tcbType", kU32));
  info.tcb_type = static_cast<std::uint32_t>(tcb_type);
  CLOISTER_ASSIGN_OR_RETURN(std::uint64_t number, fields::integer(root, p, "tcbEvaluationDataNumber", kU32));
  info.tcb_evaluation_data_number = static_cast<std::uint32_t>(number);

  if (info.id == "TDX") {
    CLOISTER_ASSIGN_OR_RETURN(const nlohmann::json* module, fields::object(root, p, "tdxModule"));
    CLOISTER_ASSIGN_OR_RETURN(info.tdx_module, parse_module(*module, path_of(p, "tdxModule"), false));
    if (fields::has(root, "tdxModuleIdentities")) {
      CLOISTER_ASSIGN_OR_RETURN(const nlohmann::json* identities,
                                fields::array(root, p, "tdxModuleIdentities"));
      for (std::size_t i = 0; i < identities->size(); ++i) {
        CLOISTER_ASSIGN_OR_RETURN(
            TdxModuleIdentity identity,
            parse_module((*identities)[i], path_of(path_of(p, "tdxModuleIdentities"), i), true));
        info.tdx_module_identities.push_back(std::move(identity));
      }
    }
  }

  CLOISTER_ASSIGN_OR_RETURN(const nlohmann::json* levels, fields::array(root, p, "tcbLevels"));
  if (levels->empty()) return error(ErrorCode::decode_error, "tcbInfo.tcbLevels: empty");
  for (std::size_t i = 0; i < levels->size(); ++i) {
    CLOISTER_ASSIGN_OR_RETURN(TcbLevel level,
                              parse_level((*levels)[i], path_of(path_of(p, "tcbLevels"), i), info));
    info.tcb_levels.push_back(std::move(level));
  }
  return info;
}

Result<SignedCollateral> parse_tcb_info_response(std::string_view text) {
  auto signed_body = parse_signed_response(text, "tcbInfo");
  if (!signed_body) return signed_body.status().with_context("TCB info response");
  return signed_body;
}

nlohmann::json to_json(const TcbInfo& info) {
  nlohmann::json out = {
      {"id", info.id},
      {"version", info.version},
      {"issue_date", info.issue_date.text},
      {"next_update", info.next_update.text},
      {"fmspc", to_hex(info.fmspc)},
      {"pce_id", to_hex(info.pce_id)},
      {"tcb_type", info.tcb_type},
      {"tcb_evaluation_data_number", info.tcb_evaluation_data_number},
      {"tcb_levels", info.tcb_levels.size()},
  };
  if (info.tdx_module) {
    out["tdx_module"] = {{"mrsigner", to_hex(info.tdx_module->mr_signer)},
                         {"attributes", to_hex(info.tdx_module->attributes)},
                         {"attributes_mask", to_hex(info.tdx_module->attributes_mask)}};
  }
  if (!info.tdx_module_identities.empty()) {
    nlohmann::json ids = nlohmann::json::array();
    for (const auto& identity : info.tdx_module_identities) ids.push_back(identity.id);
    out["tdx_module_identities"] = std::move(ids);
  }
  return out;
}

}  // namespace cloister::dcap
