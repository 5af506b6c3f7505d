// A whole quote: header, body (with v5's body descriptor), signature data;
// or Open Enclave's remote report wrapping an SGX quote. Every declared size
// must match the bytes that are there: a quote is refused if anything is
// missing, or if anything follows a structure inside it.
#include "dcap/quote_format.h"

namespace cloister::dcap {
namespace {

Status check_header(const QuoteHeader& header) {
  if (header.version < 3 || header.version > 5) {
    return error(ErrorCode::decode_error, "header.version at offset 0: quote version " +
                                              std::to_string(header.version) +
                                              " is not supported (3, 4 or 5)");
  }
  if (header.att_key_type != kAttestationKeyEcdsaP256) {
    return error(ErrorCode::decode_error, "header.att_key_type at offset 2: attestation key type " +
                                              std::to_string(header.att_key_type) +
                                              " is not supported (only 2, ECDSA-256 with P-256)");
  }
  if (header.tee_type != kTeeTypeSgx && header.tee_type != kTeeTypeTdx) {
    return error(ErrorCode::decode_error,
                 "header.tee_type at offset 4: unknown TEE type " + std::to_string(header.tee_type));
  }
  if (header.version == 3 && header.tee_type != kTeeTypeSgx) {
    return error(ErrorCode::decode_error, "header.tee_type at offset 4: a v3 quote is SGX only");
  }
  return Status::ok();
}

// v5: the body descriptor says which body follows; it must agree with the TEE type.
Status read_body_descriptor(QuoteCursor& cursor, Quote& quote) {
  BodyDescriptor descriptor;
  const std::size_t type_offset = cursor.offset();
  CLOISTER_ASSIGN_OR_RETURN(descriptor.type, cursor.u16("body_descriptor.type"));
  const std::size_t size_offset = cursor.offset();
  CLOISTER_ASSIGN_OR_RETURN(descriptor.size, cursor.u32("body_descriptor.size"));
  const bool tdx = quote.header.tee_type == kTeeTypeTdx;
  std::size_t expected = 0;
  if (descriptor.type == 1 && !tdx) {
    expected = kSgxReportBodySize;
  } else if (descriptor.type == 2 && tdx) {
    expected = kTdx10ReportBodySize;
  } else if (descriptor.type == 3 && tdx) {
    expected = kTdx15ReportBodySize;
  } else {
    return error(ErrorCode::decode_error, "body_descriptor.type at offset " + std::to_string(type_offset) +
                                              ": body type " + std::to_string(descriptor.type) +
                                              " does not fit TEE type " + (tdx ? "TDX" : "SGX"));
  }
  if (descriptor.size != expected) {
    return error(ErrorCode::decode_error, "body_descriptor.size at offset " + std::to_string(size_offset) +
                                              " declares " + std::to_string(descriptor.size) +
                                              " bytes; body type " + std::to_string(descriptor.type) +
                                              " is " + std::to_string(expected));
  }
  quote.body_descriptor = descriptor;
  return Status::ok();
}

Result<Quote> parse_bare_quote(ByteView bytes, std::size_t base, std::optional<OeHeader> oe_header) {
  Quote quote;
  quote.oe_header = oe_header;
  QuoteCursor cursor(bytes, base);
  CLOISTER_ASSIGN_OR_RETURN(quote.header, parse_quote_header(cursor));
  CLOISTER_RETURN_IF_ERROR(check_header(quote.header).with_context("quote header"));
  if (quote.header.version == 5) CLOISTER_RETURN_IF_ERROR(read_body_descriptor(cursor, quote));

  const bool tdx = quote.header.tee_type == kTeeTypeTdx;
  if (!tdx) {
    CLOISTER_ASSIGN_OR_RETURN(quote.sgx_body, parse_sgx_report_body(cursor, "report_body"));
  } else {
    const bool tdx_1_5 = quote.body_descriptor && quote.body_descriptor->type == 3;
    CLOISTER_ASSIGN_OR_RETURN(quote.tdx_body, parse_tdx_report_body(cursor, tdx_1_5));
  }
  const std::size_t signed_size = cursor.offset() - base;
  quote.signed_bytes.assign(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(signed_size));

  const std::size_t length_offset = cursor.offset();
  CLOISTER_ASSIGN_OR_RETURN(std::uint32_t signature_data_size, cursor.u32("signature_data_size"));
  CLOISTER_RETURN_IF_ERROR(cursor.check_declared(signature_data_size, "signature_data_size", length_offset));
  // A bare quote's size is the caller's buffer size, which quoting libraries
  // may pad (go-tdx-guest's sample quotes carry text after the quote): bytes
  // after the signature data are neither signed nor read, so they are
  // reported, not refused. In an Open Enclave report the header declares the
  // quote's size, which must then be exact.
  if (oe_header && signature_data_size != cursor.remaining()) {
    return error(ErrorCode::decode_error, "signature_data_size at offset " + std::to_string(length_offset) +
                                              " declares " + std::to_string(signature_data_size) +
                                              " bytes, but " + std::to_string(cursor.remaining()) +
                                              " follow within the Open Enclave report");
  }
  quote.trailing_bytes = cursor.remaining() - signature_data_size;
  const std::size_t signature_data_offset = cursor.offset();
  CLOISTER_ASSIGN_OR_RETURN(ByteView signature_data, cursor.bytes(signature_data_size, "signature_data"));
  QuoteCursor signature_cursor(signature_data, signature_data_offset);
  CLOISTER_RETURN_IF_ERROR(parse_signature_data(signature_cursor, quote));
  CLOISTER_RETURN_IF_ERROR(signature_cursor.finish("signature data"));
  return quote;
}

// An SGX quote starts with u16 version 3 and u16 key type 2, so its first u32
// is never 1: the wrapper is recognised without ambiguity.
bool looks_like_oe_report(ByteView evidence) {
  return evidence.size() >= 8 && evidence[0] == 1 && evidence[1] == 0 && evidence[2] == 0 && evidence[3] == 0;
}

}  // namespace

Result<Quote> parse_quote(ByteView evidence) {
  if (!looks_like_oe_report(evidence)) return parse_bare_quote(evidence, 0, std::nullopt);

  QuoteCursor cursor(evidence);
  OeHeader header;
  CLOISTER_ASSIGN_OR_RETURN(header.version, cursor.u32("oe_header.version"));
  CLOISTER_ASSIGN_OR_RETURN(header.report_type, cursor.u32("oe_header.report_type"));
  CLOISTER_ASSIGN_OR_RETURN(header.report_size, cursor.u64("oe_header.report_size"));
  if (header.report_type != 2) {
    return error(ErrorCode::decode_error, "oe_header.report_type at offset 4: report type " +
                                              std::to_string(header.report_type) +
                                              " is not a remote (SGX quote) report, which is 2");
  }
  if (header.report_size != cursor.remaining()) {
    return error(ErrorCode::decode_error, "oe_header.report_size at offset 8 declares " +
                                              std::to_string(header.report_size) + " bytes, but " +
                                              std::to_string(cursor.remaining()) + " follow");
  }
  CLOISTER_ASSIGN_OR_RETURN(Quote quote,
                            parse_bare_quote(evidence.subspan(kOeHeaderSize), kOeHeaderSize, header));
  if (quote.is_tdx())
    return error(ErrorCode::decode_error, "an Open Enclave report must wrap an SGX quote, not TDX");
  return quote;
}

}  // namespace cloister::dcap
