#include "dcap/quote_fields.h"

#include <cstdio>

#include "common/encoding.h"

namespace cloister::dcap {
namespace {

using nlohmann::json;

std::string hex_u32(std::uint32_t value) {
  char text[16];
  std::snprintf(text, sizeof(text), "0x%x", value);
  return text;
}

std::string hex_u64(std::uint64_t value) {
  char text[24];
  std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(value));
  return text;
}

std::string le_hex(std::uint32_t value) {
  const Bytes bytes = {static_cast<std::uint8_t>(value), static_cast<std::uint8_t>(value >> 8),
                       static_cast<std::uint8_t>(value >> 16), static_cast<std::uint8_t>(value >> 24)};
  return to_hex(bytes);
}

// TD_ATTRIBUTES bits (Intel TDX module ABI): DEBUG is bit 0; SEPT_VE_DISABLE
// 28, PKS 30, KL 31 (the SEC group); PERFMON 63 (the OTHER group).
constexpr std::uint64_t kTdDebug = 1ULL << 0;
constexpr std::uint64_t kTdSeptVeDisable = 1ULL << 28;
constexpr std::uint64_t kTdProtectionKeys = 1ULL << 30;
constexpr std::uint64_t kTdKeyLocker = 1ULL << 31;
constexpr std::uint64_t kTdPerfmon = 1ULL << 63;

}  // namespace

json header_json(const QuoteHeader& header) {
  return {{"version", header.version},
          {"att_key_type", header.att_key_type},
          {"tee_type", hex_u32(header.tee_type)},
          {"qe_svn", header.qe_svn},
          {"pce_svn", header.pce_svn},
          {"qe_vendor_id", to_hex(header.qe_vendor_id)},
          {"user_data", to_hex(header.user_data)}};
}

json sgx_report_body_json(const SgxReportBody& body) {
  return {{"cpu_svn", to_hex(body.cpu_svn)},
          {"misc_select", le_hex(body.misc_select)},
          {"isv_ext_prod_id", to_hex(body.isv_ext_prod_id)},
          {"attributes", to_hex(body.attributes)},
          {"attributes_flags_u64", hex_u64(body.attribute_flags())},
          {"is_debuggable", body.is_debuggable()},
          {"mr_enclave", to_hex(body.mr_enclave)},
          {"mr_signer", to_hex(body.mr_signer)},
          {"config_id", to_hex(body.config_id)},
          {"isv_prod_id", body.isv_prod_id},
          {"isv_svn", body.isv_svn},
          {"config_svn", body.config_svn},
          {"isv_family_id", to_hex(body.isv_family_id)},
          {"report_data", to_hex(body.report_data)}};
}

json tdx_report_body_json(const TdxReportBody& body) {
  json out = {{"tee_tcb_svn", to_hex(body.tee_tcb_svn)},
              {"mr_seam", to_hex(body.mr_seam)},
              {"mr_signer_seam", to_hex(body.mr_signer_seam)},
              {"seam_attributes", to_hex(body.seam_attributes)},
              {"td_attributes", to_hex(body.td_attributes)},
              {"td_attributes_debug", (body.td_attributes_u64() & kTdDebug) != 0},
              {"xfam", to_hex(body.xfam)},
              {"mr_td", to_hex(body.mr_td)},
              {"mr_config_id", to_hex(body.mr_config_id)},
              {"mr_owner", to_hex(body.mr_owner)},
              {"mr_owner_config", to_hex(body.mr_owner_config)},
              {"report_data", to_hex(body.report_data)}};
  for (std::size_t i = 0; i < body.rtmr.size(); ++i) out["rtmr" + std::to_string(i)] = to_hex(body.rtmr[i]);
  if (body.tee_tcb_svn2) out["tee_tcb_svn2"] = to_hex(*body.tee_tcb_svn2);
  if (body.mr_service_td) out["mr_service_td"] = to_hex(*body.mr_service_td);
  return out;
}

json pck_extensions_json(const PckExtensions& extensions) {
  json components = json::array();
  for (std::uint8_t svn : extensions.tcb.comp_svn) components.push_back(svn);
  json out = {{"ppid", to_hex(extensions.ppid)},
              {"fmspc", to_hex(extensions.fmspc)},
              {"pceid", to_hex(extensions.pce_id)},
              {"sgx_type", extensions.sgx_type},
              {"tcb",
               {{"cpusvn", to_hex(extensions.tcb.cpu_svn)},
                {"pcesvn", extensions.tcb.pce_svn},
                {"comp_svn_01_16", components}}}};
  if (extensions.platform_instance_id) out["platform_instance_id"] = to_hex(*extensions.platform_instance_id);
  if (extensions.configuration) {
    json configuration = json::object();
    const auto put = [&](const char* name, const std::optional<bool>& flag) {
      if (flag) configuration[name] = *flag;
    };
    put("dynamic_platform", extensions.configuration->dynamic_platform);
    put("cached_keys", extensions.configuration->cached_keys);
    put("smt_enabled", extensions.configuration->smt_enabled);
    out["configuration"] = configuration;
  }
  return out;
}

json quote_fields_json(const Quote& quote) {
  json fields = json::object();
  if (quote.oe_header) {
    fields["oe_header"] = {{"version", quote.oe_header->version},
                           {"report_type", quote.oe_header->report_type},
                           {"report_size", quote.oe_header->report_size}};
  }
  fields["header"] = header_json(quote.header);
  fields["body_descriptor"] = quote.body_descriptor ? json{{"type", quote.body_descriptor->type},
                                                           {"size", quote.body_descriptor->size}}
                                                    : json(nullptr);
  fields["report_body"] =
      quote.tdx_body ? tdx_report_body_json(*quote.tdx_body) : sgx_report_body_json(*quote.sgx_body);
  fields["signature"] = to_hex(quote.signature);
  fields["attestation_key_xy"] = to_hex(quote.attestation_key);
  fields["qe_report"] = sgx_report_body_json(quote.qe_report);
  fields["qe_report_signature"] = to_hex(quote.qe_report_signature);
  fields["qe_auth_data"] = to_hex(quote.qe_auth_data);
  fields["outer_cert_data_type"] = quote.outer_cert_data_type;
  fields["cert_data_type"] = quote.cert_data_type;
  if (quote.trailing_bytes != 0) fields["trailing_bytes"] = quote.trailing_bytes;
  return fields;
}

json quote_claims(const Quote& quote) {
  if (quote.sgx_body) {
    const SgxReportBody& body = *quote.sgx_body;
    return {{"x-ms-attestation-type", "sgx"},
            {"x-ms-sgx-is-debuggable", body.is_debuggable()},
            {"x-ms-sgx-mrenclave", to_hex(body.mr_enclave)},
            {"x-ms-sgx-mrsigner", to_hex(body.mr_signer)},
            {"x-ms-sgx-product-id", body.isv_prod_id},
            {"x-ms-sgx-svn", body.isv_svn},
            {"x-ms-sgx-report-data", to_hex(body.report_data)},
            {"x-ms-sgx-config-id", to_hex(body.config_id)},
            {"x-ms-sgx-config-svn", body.config_svn},
            {"x-ms-sgx-isv-extended-product-id", to_hex(body.isv_ext_prod_id)},
            {"x-ms-sgx-isv-family-id", to_hex(body.isv_family_id)}};
  }
  const TdxReportBody& body = *quote.tdx_body;
  const std::uint64_t attributes = body.td_attributes_u64();
  json claims = {{"x-ms-attestation-type", "tdxvm"},
                 {"tdx_mrtd", to_hex(body.mr_td)},
                 {"tdx_mrconfigid", to_hex(body.mr_config_id)},
                 {"tdx_mrowner", to_hex(body.mr_owner)},
                 {"tdx_mrownerconfig", to_hex(body.mr_owner_config)},
                 {"tdx_mrseam", to_hex(body.mr_seam)},
                 {"tdx_mrsignerseam", to_hex(body.mr_signer_seam)},
                 {"tdx_report_data", to_hex(body.report_data)},
                 {"tdx_seam_attributes", to_hex(body.seam_attributes)},
                 {"tdx_td_attributes", to_hex(body.td_attributes)},
                 {"tdx_td_attributes_debug", (attributes & kTdDebug) != 0},
                 {"tdx_td_attributes_key_locker", (attributes & kTdKeyLocker) != 0},
                 {"tdx_td_attributes_perfmon", (attributes & kTdPerfmon) != 0},
                 {"tdx_td_attributes_protection_keys", (attributes & kTdProtectionKeys) != 0},
                 {"tdx_td_attributes_septve_disable", (attributes & kTdSeptVeDisable) != 0},
                 {"tdx_tee_tcb_svn", to_hex(body.tee_tcb_svn)},
                 {"tdx_xfam", to_hex(body.xfam)}};
  for (std::size_t i = 0; i < body.rtmr.size(); ++i)
    claims["tdx_rtmr" + std::to_string(i)] = to_hex(body.rtmr[i]);
  return claims;
}

}  // namespace cloister::dcap
