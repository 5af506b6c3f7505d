// The Intel DCAP quote's binary layout, parsed with every length checked:
// SGX quote v3, TDX quote v4 and v5 (Intel "SGX ECDSA Quote Library API",
// "TDX DCAP Quoting Library API"), and Open Enclave's remote report wrapper.
// Parsing checks structure only; signatures are checked by verify_quote.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "dcap/quote_cursor.h"

namespace cloister::dcap {

inline constexpr std::size_t kQuoteHeaderSize = 48;
inline constexpr std::size_t kSgxReportBodySize = 384;
inline constexpr std::size_t kTdx10ReportBodySize = 584;
inline constexpr std::size_t kTdx15ReportBodySize = 648;
inline constexpr std::size_t kOeHeaderSize = 16;
inline constexpr std::uint16_t kAttestationKeyEcdsaP256 = 2;
inline constexpr std::uint32_t kTeeTypeSgx = 0x00000000;
inline constexpr std::uint32_t kTeeTypeTdx = 0x00000081;
inline constexpr std::uint16_t kCertDataPckChain = 5;
inline constexpr std::uint16_t kCertDataQeReport = 6;

// v3 calls bytes 4..8 "reserved" (later the TEE type) and 8..12 QE SVN and
// PCE SVN; v4 and v5 make 8..12 two reserved fields. The names follow v3.
struct QuoteHeader {
  std::uint16_t version = 0;
  std::uint16_t att_key_type = 0;
  std::uint32_t tee_type = 0;
  std::uint16_t qe_svn = 0;
  std::uint16_t pce_svn = 0;
  Bytes qe_vendor_id;  // 16
  Bytes user_data;     // 20
};

// SGX REPORTBODY (also the quoting enclave's report).
struct SgxReportBody {
  Bytes cpu_svn;  // 16
  std::uint32_t misc_select = 0;
  Bytes isv_ext_prod_id;  // 16
  Bytes attributes;       // 16: flags (u64) then xfrm (u64)
  Bytes mr_enclave;       // 32
  Bytes mr_signer;        // 32
  Bytes config_id;        // 64
  std::uint16_t isv_prod_id = 0;
  std::uint16_t isv_svn = 0;
  std::uint16_t config_svn = 0;
  Bytes isv_family_id;  // 16
  Bytes report_data;    // 64
  Bytes raw;            // all 384 bytes, as signed

  [[nodiscard]] std::uint64_t attribute_flags() const;
  // SGX_FLAGS_DEBUG is bit 1 of the attribute flags.
  [[nodiscard]] bool is_debuggable() const { return (attribute_flags() & 0x2) != 0; }
};

// TDX TD quote body: TDX 1.0 (584 bytes), or TDX 1.5 (648 bytes, with
// tee_tcb_svn2 and mr_service_td).
struct TdxReportBody {
  Bytes tee_tcb_svn;                   // 16
  Bytes mr_seam;                       // 48
  Bytes mr_signer_seam;                // 48
  Bytes seam_attributes;               // 8
  Bytes td_attributes;                 // 8, a little-endian u64
  Bytes xfam;                          // 8
  Bytes mr_td;                         // 48
  Bytes mr_config_id;                  // 48
  Bytes mr_owner;                      // 48
  Bytes mr_owner_config;               // 48
  std::array<Bytes, 4> rtmr;           // 48 each
  Bytes report_data;                   // 64
  std::optional<Bytes> tee_tcb_svn2;   // TDX 1.5: 16
  std::optional<Bytes> mr_service_td;  // TDX 1.5: 48

  [[nodiscard]] std::uint64_t td_attributes_u64() const;
};

// v5 only: what kind of body follows the header.
struct BodyDescriptor {
  std::uint16_t type = 0;  // 1 SGX, 2 TDX 1.0, 3 TDX 1.5
  std::uint32_t size = 0;
};

// Open Enclave's remote report: {u32 version=1, u32 report_type=2, u64 size}.
struct OeHeader {
  std::uint32_t version = 0;
  std::uint32_t report_type = 0;
  std::uint64_t report_size = 0;
};

struct Quote {
  std::optional<OeHeader> oe_header;
  QuoteHeader header;
  std::optional<BodyDescriptor> body_descriptor;
  std::optional<SgxReportBody> sgx_body;  // exactly one of sgx_body, tdx_body
  std::optional<TdxReportBody> tdx_body;
  Bytes signed_bytes;     // header (+ descriptor) + body: what the attestation key signed
  Bytes signature;        // 64: r || s
  Bytes attestation_key;  // 64: x || y
  std::uint16_t outer_cert_data_type = 0;
  SgxReportBody qe_report;
  Bytes qe_report_signature;  // 64: r || s, by the PCK leaf key
  Bytes qe_auth_data;
  std::uint16_t cert_data_type = 0;  // the innermost, always 5
  Bytes pck_chain_pem;
  std::size_t trailing_bytes = 0;  // after a bare quote's signature data: unsigned, ignored

  [[nodiscard]] bool is_tdx() const { return tdx_body.has_value(); }
  [[nodiscard]] const Bytes& report_data() const {
    return tdx_body ? tdx_body->report_data : sgx_body->report_data;
  }
};

Result<QuoteHeader> parse_quote_header(QuoteCursor& cursor);
Result<SgxReportBody> parse_sgx_report_body(QuoteCursor& cursor, const std::string& what);
Result<TdxReportBody> parse_tdx_report_body(QuoteCursor& cursor, bool tdx_1_5);
// The signature data after the body (its u32 length already read): fills
// signature, attestation key, QE report, auth data and the PCK chain.
Status parse_signature_data(QuoteCursor& cursor, Quote& quote);

// A whole quote, or an Open Enclave remote report wrapping one.
Result<Quote> parse_quote(ByteView evidence);

}  // namespace cloister::dcap
