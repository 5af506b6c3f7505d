// The quote's signature data: the attestation key's signature, the key, and
// the certification data that ties the key to the platform. Quote v3 puts
// the QE report, its signature and the QE auth data directly after the key,
// then certification data type 5 (the PCK chain); v4 and v5 wrap them all in
// certification data type 6 with a nested type 5.
#include "dcap/quote_format.h"

namespace cloister::dcap {
namespace {

struct CertificationData {
  std::uint16_t type = 0;
  ByteView data;
  std::size_t data_offset = 0;
};

Status unsupported_type(std::uint16_t type, std::size_t offset) {
  return error(ErrorCode::decode_error,
               "certification data type " + std::to_string(type) +
                   " is not supported (only 5, PCK certificate chain, and 6, QE report)" + " at offset " +
                   std::to_string(offset));
}

// {u16 type, u32 size, data}; the data must end exactly where what encloses it ends.
Result<CertificationData> read_certification_data(QuoteCursor& cursor, const std::string& what) {
  CertificationData out;
  const std::size_t type_offset = cursor.offset();
  CLOISTER_ASSIGN_OR_RETURN(out.type, cursor.u16(what + ".type"));
  if (out.type != kCertDataPckChain && out.type != kCertDataQeReport)
    return unsupported_type(out.type, type_offset);
  const std::size_t size_offset = cursor.offset();
  CLOISTER_ASSIGN_OR_RETURN(std::uint32_t size, cursor.u32(what + ".size"));
  CLOISTER_RETURN_IF_ERROR(cursor.check_declared(size, what + ".size", size_offset));
  out.data_offset = cursor.offset();
  CLOISTER_ASSIGN_OR_RETURN(out.data, cursor.bytes(size, what + ".data"));
  CLOISTER_RETURN_IF_ERROR(cursor.finish(what));
  return out;
}

// QE report, its signature and the QE auth data: the same in both layouts.
Status read_qe_report(QuoteCursor& cursor, Quote& quote) {
  CLOISTER_ASSIGN_OR_RETURN(quote.qe_report, parse_sgx_report_body(cursor, "qe_report"));
  CLOISTER_ASSIGN_OR_RETURN(ByteView signature, cursor.bytes(64, "qe_report_signature"));
  quote.qe_report_signature.assign(signature.begin(), signature.end());
  const std::size_t size_offset = cursor.offset();
  CLOISTER_ASSIGN_OR_RETURN(std::uint16_t auth_size, cursor.u16("qe_auth_data.size"));
  CLOISTER_RETURN_IF_ERROR(cursor.check_declared(auth_size, "qe_auth_data.size", size_offset));
  CLOISTER_ASSIGN_OR_RETURN(ByteView auth, cursor.bytes(auth_size, "qe_auth_data"));
  quote.qe_auth_data.assign(auth.begin(), auth.end());
  return Status::ok();
}

Status take_pck_chain(const CertificationData& cert_data, Quote& quote, const std::string& where) {
  if (cert_data.type != kCertDataPckChain) {
    return error(ErrorCode::decode_error, where + " must be type 5 (PCK certificate chain), found type " +
                                              std::to_string(cert_data.type) + " at offset " +
                                              std::to_string(cert_data.data_offset - 6));
  }
  if (cert_data.data.empty()) {
    return error(ErrorCode::decode_error,
                 where + " at offset " + std::to_string(cert_data.data_offset) + " holds no certificates");
  }
  quote.cert_data_type = cert_data.type;
  quote.pck_chain_pem.assign(cert_data.data.begin(), cert_data.data.end());
  return Status::ok();
}

}  // namespace

Status parse_signature_data(QuoteCursor& cursor, Quote& quote) {
  CLOISTER_ASSIGN_OR_RETURN(ByteView signature, cursor.bytes(64, "quote_signature"));
  quote.signature.assign(signature.begin(), signature.end());
  CLOISTER_ASSIGN_OR_RETURN(ByteView key, cursor.bytes(64, "attestation_key"));
  quote.attestation_key.assign(key.begin(), key.end());

  if (quote.header.version == 3) {
    CLOISTER_RETURN_IF_ERROR(read_qe_report(cursor, quote));
    CLOISTER_ASSIGN_OR_RETURN(CertificationData cert_data,
                              read_certification_data(cursor, "certification_data"));
    quote.outer_cert_data_type = cert_data.type;
    return take_pck_chain(cert_data, quote, "a v3 quote's certification data");
  }

  CLOISTER_ASSIGN_OR_RETURN(CertificationData outer, read_certification_data(cursor, "certification_data"));
  quote.outer_cert_data_type = outer.type;
  if (outer.type != kCertDataQeReport) {
    return error(ErrorCode::decode_error,
                 "a v" + std::to_string(quote.header.version) +
                     " quote's certification data must be type 6 (QE report), found type " +
                     std::to_string(outer.type));
  }
  QuoteCursor inner(outer.data, outer.data_offset);
  CLOISTER_RETURN_IF_ERROR(read_qe_report(inner, quote));
  CLOISTER_ASSIGN_OR_RETURN(CertificationData nested,
                            read_certification_data(inner, "qe_certification_data"));
  return take_pck_chain(nested, quote, "the QE report's certification data");
}

}  // namespace cloister::dcap
