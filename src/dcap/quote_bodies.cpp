// The fixed-size parts of a quote: the 48-byte header, the SGX report body
// and the TDX TD quote body. Reserved bytes are skipped, not checked: Intel
// may define them later and the signature covers them anyway.
#include "dcap/quote_format.h"

namespace cloister::dcap {
namespace {

std::uint64_t le_u64(const Bytes& bytes) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < 8 && i < bytes.size(); ++i)
    value |= static_cast<std::uint64_t>(bytes[i]) << (8 * i);
  return value;
}

Status take(QuoteCursor& cursor, std::size_t size, const std::string& field, Bytes& out) {
  CLOISTER_ASSIGN_OR_RETURN(ByteView view, cursor.bytes(size, field));
  out.assign(view.begin(), view.end());
  return Status::ok();
}

}  // namespace

std::uint64_t SgxReportBody::attribute_flags() const {
  return le_u64(attributes);
}

std::uint64_t TdxReportBody::td_attributes_u64() const {
  return le_u64(td_attributes);
}

Result<QuoteHeader> parse_quote_header(QuoteCursor& cursor) {
  QuoteHeader header;
  CLOISTER_ASSIGN_OR_RETURN(header.version, cursor.u16("header.version"));
  CLOISTER_ASSIGN_OR_RETURN(header.att_key_type, cursor.u16("header.att_key_type"));
  CLOISTER_ASSIGN_OR_RETURN(header.tee_type, cursor.u32("header.tee_type"));
  CLOISTER_ASSIGN_OR_RETURN(header.qe_svn, cursor.u16("header.qe_svn"));
  CLOISTER_ASSIGN_OR_RETURN(header.pce_svn, cursor.u16("header.pce_svn"));
  CLOISTER_RETURN_IF_ERROR(take(cursor, 16, "header.qe_vendor_id", header.qe_vendor_id));
  CLOISTER_RETURN_IF_ERROR(take(cursor, 20, "header.user_data", header.user_data));
  return header;
}

Result<SgxReportBody> parse_sgx_report_body(QuoteCursor& outer, const std::string& what) {
  const std::size_t base = outer.offset();
  CLOISTER_ASSIGN_OR_RETURN(ByteView raw, outer.bytes(kSgxReportBodySize, what));
  QuoteCursor cursor(raw, base);
  SgxReportBody body;
  body.raw.assign(raw.begin(), raw.end());
  auto field = [&](const char* name) { return what + "." + name; };
  CLOISTER_RETURN_IF_ERROR(take(cursor, 16, field("cpu_svn"), body.cpu_svn));
  CLOISTER_ASSIGN_OR_RETURN(body.misc_select, cursor.u32(field("misc_select")));
  CLOISTER_RETURN_IF_ERROR(cursor.bytes(12, field("reserved1")).status());
  CLOISTER_RETURN_IF_ERROR(take(cursor, 16, field("isv_ext_prod_id"), body.isv_ext_prod_id));
  CLOISTER_RETURN_IF_ERROR(take(cursor, 16, field("attributes"), body.attributes));
  CLOISTER_RETURN_IF_ERROR(take(cursor, 32, field("mr_enclave"), body.mr_enclave));
  CLOISTER_RETURN_IF_ERROR(cursor.bytes(32, field("reserved2")).status());
  CLOISTER_RETURN_IF_ERROR(take(cursor, 32, field("mr_signer"), body.mr_signer));
  CLOISTER_RETURN_IF_ERROR(cursor.bytes(32, field("reserved3")).status());
  CLOISTER_RETURN_IF_ERROR(take(cursor, 64, field("config_id"), body.config_id));
  CLOISTER_ASSIGN_OR_RETURN(body.isv_prod_id, cursor.u16(field("isv_prod_id")));
  CLOISTER_ASSIGN_OR_RETURN(body.isv_svn, cursor.u16(field("isv_svn")));
  CLOISTER_ASSIGN_OR_RETURN(body.config_svn, cursor.u16(field("config_svn")));
  CLOISTER_RETURN_IF_ERROR(cursor.bytes(42, field("reserved4")).status());
  CLOISTER_RETURN_IF_ERROR(take(cursor, 16, field("isv_family_id"), body.isv_family_id));
  CLOISTER_RETURN_IF_ERROR(take(cursor, 64, field("report_data"), body.report_data));
  return body;
}

Result<TdxReportBody> parse_tdx_report_body(QuoteCursor& cursor, bool tdx_1_5) {
  TdxReportBody body;
  CLOISTER_RETURN_IF_ERROR(take(cursor, 16, "td_body.tee_tcb_svn", body.tee_tcb_svn));
  CLOISTER_RETURN_IF_ERROR(take(cursor, 48, "td_body.mr_seam", body.mr_seam));
  CLOISTER_RETURN_IF_ERROR(take(cursor, 48, "td_body.mr_signer_seam", body.mr_signer_seam));
  CLOISTER_RETURN_IF_ERROR(take(cursor, 8, "td_body.seam_attributes", body.seam_attributes));
  CLOISTER_RETURN_IF_ERROR(take(cursor, 8, "td_body.td_attributes", body.td_attributes));
  CLOISTER_RETURN_IF_ERROR(take(cursor, 8, "td_body.xfam", body.xfam));
  CLOISTER_RETURN_IF_ERROR(take(cursor, 48, "td_body.mr_td", body.mr_td));
  CLOISTER_RETURN_IF_ERROR(take(cursor, 48, "td_body.mr_config_id", body.mr_config_id));
  CLOISTER_RETURN_IF_ERROR(take(cursor, 48, "td_body.mr_owner", body.mr_owner));
  CLOISTER_RETURN_IF_ERROR(take(cursor, 48, "td_body.mr_owner_config", body.mr_owner_config));
  for (std::size_t i = 0; i < body.rtmr.size(); ++i) {
    CLOISTER_RETURN_IF_ERROR(take(cursor, 48, "td_body.rtmr" + std::to_string(i), body.rtmr[i]));
  }
  CLOISTER_RETURN_IF_ERROR(take(cursor, 64, "td_body.report_data", body.report_data));
  if (tdx_1_5) {
    body.tee_tcb_svn2.emplace();
    body.mr_service_td.emplace();
    CLOISTER_RETURN_IF_ERROR(take(cursor, 16, "td_body.tee_tcb_svn2", *body.tee_tcb_svn2));
    CLOISTER_RETURN_IF_ERROR(take(cursor, 48, "td_body.mr_service_td", *body.mr_service_td));
  }
  return body;
}

}  // namespace cloister::dcap
