#include "dcap/qe_identity.h"

#include <limits>

#include "common/encoding.h"

namespace cloister::dcap {

namespace {

using fields::path_of;

std::uint32_t little_endian32(const Bytes& bytes) {
  return static_cast<std::uint32_t>(bytes[0]) | static_cast<std::uint32_t>(bytes[1]) << 8 |
         static_cast<std::uint32_t>(bytes[2]) << 16 | static_cast<std::uint32_t>(bytes[3]) << 24;
}

std::string hex32(std::uint32_t value) {
  Bytes bytes = {static_cast<std::uint8_t>(value), static_cast<std::uint8_t>(value >> 8),
                 static_cast<std::uint8_t>(value >> 16), static_cast<std::uint8_t>(value >> 24)};
  return to_hex(bytes);
}

Result<QeTcbLevel> parse_level(const nlohmann::json& level, const std::string& path) {
  if (!level.is_object()) return error(ErrorCode::decode_error, path + ": must be a JSON object");
  QeTcbLevel out;
  CLOISTER_ASSIGN_OR_RETURN(const nlohmann::json* tcb, fields::object(level, path, "tcb"));
  CLOISTER_ASSIGN_OR_RETURN(std::uint64_t isv_svn,
                            fields::integer(*tcb, path_of(path, "tcb"), "isvsvn", 0xffff));
  out.isv_svn = static_cast<std::uint16_t>(isv_svn);
  CLOISTER_ASSIGN_OR_RETURN(out.tcb_date, fields::timestamp(level, path, "tcbDate"));
  CLOISTER_ASSIGN_OR_RETURN(std::string status, fields::string(level, path, "tcbStatus"));
  auto parsed = parse_tcb_status(status);
  if (!parsed) {
    return error(ErrorCode::decode_error,
                 path_of(path, "tcbStatus") + ": unknown TCB status '" + status + "'");
  }
  out.status = *parsed;
  CLOISTER_ASSIGN_OR_RETURN(out.advisory_ids, fields::optional_strings(level, path, "advisoryIDs"));
  return out;
}

}  // namespace

Result<QeIdentity> parse_qe_identity(std::string_view json) {
  const std::string p = "enclaveIdentity";
  CLOISTER_ASSIGN_OR_RETURN(nlohmann::json root, fields::parse_object(json, p));
  QeIdentity identity;
  CLOISTER_ASSIGN_OR_RETURN(identity.id, fields::string(root, p, "id"));
  if (identity.id != "QE" && identity.id != "TD_QE" && identity.id != "QVE")
    return error(ErrorCode::decode_error,
                 "enclaveIdentity.id: '" + identity.id + "' is not QE, TD_QE or QVE");
  CLOISTER_ASSIGN_OR_RETURN(std::uint64_t version,
                            fields::integer(root, p, "version", std::numeric_limits<std::uint32_t>::max()));
  if (version != 2) {
    return error(ErrorCode::decode_error,
                 "enclaveIdentity.version: " + std::to_string(version) + " is not supported (2)");
  }
  identity.version = static_cast<std::uint32_t>(version);
  CLOISTER_ASSIGN_OR_RETURN(identity.issue_date, fields::timestamp(root, p, "issueDate"));
  CLOISTER_ASSIGN_OR_RETURN(identity.next_update, fields::timestamp(root, p, "nextUpdate"));
  if (identity.next_update.seconds < identity.issue_date.seconds)
    return error(ErrorCode::decode_error, "enclaveIdentity.nextUpdate: before issueDate");
  CLOISTER_ASSIGN_OR_RETURN(std::uint64_t number, fields::integer(root, p, "tcbEvaluationDataNumber",
                                                                  std::numeric_limits<std::uint32_t>::max()));
  identity.tcb_evaluation_data_number = static_cast<std::uint32_t>(number);
  CLOISTER_ASSIGN_OR_RETURN(Bytes misc_select, fields::hex(root, p, "miscselect", 4));
  CLOISTER_ASSIGN_OR_RETURN(Bytes misc_select_mask, fields::hex(root, p, "miscselectMask", 4));
  identity.misc_select = little_endian32(misc_select);
  identity.misc_select_mask = little_endian32(misc_select_mask);
  CLOISTER_ASSIGN_OR_RETURN(identity.attributes, fields::hex(root, p, "attributes", 16));
  CLOISTER_ASSIGN_OR_RETURN(identity.attributes_mask, fields::hex(root, p, "attributesMask", 16));
  CLOISTER_ASSIGN_OR_RETURN(identity.mr_signer, fields::hex(root, p, "mrsigner", 32));
  CLOISTER_ASSIGN_OR_RETURN(std::uint64_t prod_id, fields::integer(root, p, "isvprodid", 0xffff));
  identity.isv_prod_id = static_cast<std::uint16_t>(prod_id);
  CLOISTER_ASSIGN_OR_RETURN(const nlohmann::json* levels, fields::array(root, p, "tcbLevels"));
  if (levels->empty()) return error(ErrorCode::decode_error, "enclaveIdentity.tcbLevels: empty");
  for (std::size_t i = 0; i < levels->size(); ++i) {
    CLOISTER_ASSIGN_OR_RETURN(QeTcbLevel level,
                              parse_level((*levels)[i], path_of(path_of(p, "tcbLevels"), i)));
    identity.tcb_levels.push_back(std::move(level));
  }
  return identity;
}

Result<SignedCollateral> parse_qe_identity_response(std::string_view text) {
  auto signed_body = parse_signed_response(text, "enclaveIdentity");
  if (!signed_body) return signed_body.status().with_context("QE identity response");
  return signed_body;
}

nlohmann::json to_json(const QeIdentity& identity) {
  return {
      {"id", identity.id},
      {"version", identity.version},
      {"issue_date", identity.issue_date.text},
      {"next_update", identity.next_update.text},
      {"tcb_evaluation_data_number", identity.tcb_evaluation_data_number},
      {"miscselect", hex32(identity.misc_select)},
      {"miscselect_mask", hex32(identity.misc_select_mask)},
      {"attributes", to_hex(identity.attributes)},
      {"attributes_mask", to_hex(identity.attributes_mask)},
      {"mrsigner", to_hex(identity.mr_signer)},
      {"isvprodid", identity.isv_prod_id},
      {"tcb_levels", identity.tcb_levels.size()},
  };
}

}  // namespace cloister::dcap
