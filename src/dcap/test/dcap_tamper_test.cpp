// Changed, cut and lengthened quotes: each fails at the step that guards the
// bytes that changed, and none crashes the parser.
#include <gtest/gtest.h>

#include "dcap/quote_format.h"
#include "dcap/quote_verify.h"
#include "dcap/test/dcap_test_util.h"

namespace cloister::dcap {
namespace {

using nlohmann::json;
using namespace testing;

// Where the parts of a quote sit, from the parser itself (checked against
// expected.json by the vector tests).
struct Layout {
  std::size_t base = 0;         // 16 for an Open Enclave report
  std::size_t signed_size = 0;  // header (+ descriptor) + body
  std::size_t qe_report = 0;    // absolute offset of the QE report
  std::size_t qe_auth = 0;      // absolute offset of the QE auth data bytes
  std::size_t cert_type = 0;    // absolute offset of the outer certification data type
  std::size_t end = 0;          // where the quote ends (padding may follow a bare quote)
};

Layout layout_of(const Bytes& bytes) {
  auto quote = parse_quote(bytes);
  EXPECT_TRUE(quote.is_ok()) << quote.status().to_string();
  Layout layout;
  layout.base = quote->oe_header ? kOeHeaderSize : 0;
  layout.signed_size = quote->signed_bytes.size();
  const std::size_t key_end = layout.base + layout.signed_size + 4 + 128;
  const bool v3 = quote->header.version == 3;
  layout.cert_type = v3 ? key_end + 384 + 64 + 2 + quote->qe_auth_data.size() : key_end;
  layout.qe_report = v3 ? key_end : key_end + 6;
  layout.qe_auth = layout.qe_report + 384 + 64 + 2;
  layout.end = bytes.size() - quote->trailing_bytes;
  return layout;
}

class DcapTamper : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (!have_vectors()) GTEST_SKIP() << "no test vectors at " << attestation_vectors();
    const json expected = expected_json();
    const std::string name = GetParam() == "sgx/azure_samples/post.attest.oe_report.bin"
                                 ? "sgx/azure_samples/post.attest.sgx_quote.bin"
                                 : GetParam();
    options.now = valid_time(expected[name]);
    quote = read_vector(GetParam());
    layout = layout_of(quote);
    ASSERT_TRUE(verify_quote(quote, options).verified());
  }

  std::string first_failure(const Bytes& bytes) const {
    hwattest::Verdict verdict = verify_quote(bytes, options);
    const hwattest::Step* failure = verdict.first_failure();
    return failure == nullptr ? "none" : failure->name;
  }
  std::string parse_error(const Bytes& bytes) const {
    hwattest::Verdict verdict = verify_quote(bytes, options);
    const hwattest::Step* step = verdict.find("parse");
    return step != nullptr && step->outcome == hwattest::StepOutcome::failed ? step->detail : "";
  }

  QuoteVerifyOptions options;
  Bytes quote;
  Layout layout;
};

TEST_P(DcapTamper, FlippedHeaderOrBodyByteFailsQuoteSignature) {
  for (std::size_t i = 0; i < layout.signed_size; i += 7) {
    Bytes changed = quote;
    changed[layout.base + i] ^= 0x01;
    const std::string failure = first_failure(changed);
    EXPECT_TRUE(failure == "quote_signature" || failure == "parse") << "byte " << i << ": " << failure;
  }
}

TEST_P(DcapTamper, FlippedSignatureOrAttestationKeyFailsQuoteSignature) {
  const std::size_t start = layout.base + layout.signed_size + 4;
  for (std::size_t i = start; i < start + 128; i += 7) {
    Bytes changed = quote;
    changed[i] ^= 0x01;
    EXPECT_EQ(first_failure(changed), "quote_signature") << "byte " << i;
  }
}

TEST_P(DcapTamper, FlippedQeReportByteFailsQeChecks) {
  for (std::size_t i = 0; i < 384 + 64; i += 7) {
    Bytes changed = quote;
    changed[layout.qe_report + i] ^= 0x01;
    // The last 64 bytes of the report are its report data, which binds the key.
    const bool in_report_data = i >= 320 && i < 384;
    EXPECT_EQ(first_failure(changed), in_report_data ? "qe_report_data" : "qe_report_signature")
        << "byte " << i;
  }
}

TEST_P(DcapTamper, FlippedQeAuthDataFailsQeReportData) {
  Bytes changed = quote;
  changed[layout.qe_auth] ^= 0x01;
  EXPECT_EQ(first_failure(changed), "qe_report_data");
}

TEST_P(DcapTamper, EveryTruncationFailsToParse) {
  for (std::size_t size = 0; size < layout.end; size += (size < 700 ? 1 : 13)) {
    Bytes cut(quote.begin(), quote.begin() + static_cast<std::ptrdiff_t>(size));
    EXPECT_EQ(first_failure(cut), "parse") << "size " << size;
  }
}

// Bytes after a bare quote are the caller's padding: unsigned, reported and
// ignored. An Open Enclave report declares its quote's size, so there they fail.
TEST_P(DcapTamper, TrailingBytesAreReportedOrRefused) {
  Bytes longer = quote;
  longer.push_back(0);
  if (layout.base != 0) {
    EXPECT_NE(parse_error(longer).find("oe_header.report_size"), std::string::npos) << parse_error(longer);
    return;
  }
  hwattest::Verdict verdict = verify_quote(longer, options);
  EXPECT_TRUE(verdict.verified());
  EXPECT_EQ(verdict.fields["trailing_bytes"], longer.size() - layout.end);
  EXPECT_NE(verdict.find("parse")->detail.find("unsigned and ignored"), std::string::npos);
}

TEST_P(DcapTamper, WrongDeclaredLengthsFailToParse) {
  const std::size_t length_offset = layout.base + layout.signed_size;
  for (int delta : {-1, 1, 1000000}) {
    Bytes changed = quote;
    std::uint32_t size = static_cast<std::uint32_t>(changed[length_offset]) |
                         (changed[length_offset + 1] << 8) | (changed[length_offset + 2] << 16) |
                         (static_cast<std::uint32_t>(changed[length_offset + 3]) << 24);
    size += static_cast<std::uint32_t>(delta);
    for (int b = 0; b < 4; ++b) changed[length_offset + b] = static_cast<std::uint8_t>(size >> (8 * b));
    // Too long for what follows names the size itself; one byte off names
    // the structure that no longer fits the signature data.
    const std::string detail = parse_error(changed);
    EXPECT_NE(detail, "") << delta;
    if (delta == 1000000) {
      EXPECT_NE(detail.find("signature_data_size"), std::string::npos) << detail;
    }
  }
  // The QE auth data size claims one byte more: what follows no longer lines up.
  Bytes changed = quote;
  changed[layout.qe_auth - 2] += 1;
  EXPECT_NE(parse_error(changed), "");
  // The certification data size claims more than there is.
  changed = quote;
  changed[layout.cert_type + 2] += 1;
  EXPECT_NE(parse_error(changed).find("certification_data.size"), std::string::npos) << parse_error(changed);
}

TEST_P(DcapTamper, UnsupportedCertificationDataTypeIsNamed) {
  for (std::uint8_t type : {1, 2, 3, 4, 7}) {
    Bytes changed = quote;
    changed[layout.cert_type] = type;
    changed[layout.cert_type + 1] = 0;
    EXPECT_NE(
        parse_error(changed).find("certification data type " + std::to_string(type) +
                                  " is not supported (only 5, PCK certificate chain, and 6, QE report)"),
        std::string::npos)
        << parse_error(changed);
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, DcapTamper,
                         ::testing::Values("sgx/phala/sgx_quote",
                                           "tdx/go-tdx-guest/tdx_prod_quote_SPR_E4.dat",
                                           "tdx/phala/tdx_quote_outdated",
                                           "sgx/azure_samples/post.attest.oe_report.bin"),
                         [](const auto& info) { return "v" + std::to_string(info.index); });

}  // namespace
}  // namespace cloister::dcap
