// Quotes built from scratch: the layouts no vector has (SGX v4/v5 bodies,
// TDX 1.0 in v5), a chain under another root, and malformed descriptors.
#include <gtest/gtest.h>

#include "common/encoding.h"
#include "dcap/quote_verify.h"
#include "dcap/test/quote_builder.h"

namespace cloister::dcap {
namespace {

using hwattest::StepOutcome;
using namespace testing;

constexpr std::int64_t kValid = 1'700'000'000 + 3600;

hwattest::Verdict verify(const Bytes& quote) {
  QuoteVerifyOptions options;
  options.now = kValid;
  return verify_quote(quote, options);
}

void expect_all_but_root(const hwattest::Verdict& verdict) {
  for (const char* step : {"parse", "quote_signature", "qe_report_data", "qe_report_signature"}) {
    const hwattest::Step* found = verdict.find(step);
    ASSERT_NE(found, nullptr) << step;
    EXPECT_EQ(found->outcome, StepOutcome::passed) << step << ": " << found->detail;
  }
  const hwattest::Step* chain = verdict.find("pck_chain");
  ASSERT_NE(chain, nullptr);
  EXPECT_EQ(chain->outcome, StepOutcome::failed);
  EXPECT_EQ(chain->detail, "root key is not the Intel SGX Root CA key");
}

struct Layout {
  std::uint16_t version;
  std::uint32_t tee_type;
  std::uint16_t body_type;
};

class DcapSynthetic : public ::testing::TestWithParam<Layout> {};

TEST_P(DcapSynthetic, EveryStepButTheRootPasses) {
  QuoteSpec spec;
  spec.version = GetParam().version;
  spec.tee_type = GetParam().tee_type;
  spec.body_type = GetParam().body_type;
  hwattest::Verdict verdict = verify(build_quote(spec).bytes);
  expect_all_but_root(verdict);
  EXPECT_EQ(verdict.report_data, Bytes(64, spec.report_data_byte));
  EXPECT_EQ(verdict.attestation_type, spec.tee_type == 0 ? "sgx" : "tdxvm");
  EXPECT_EQ(verdict.fields["pck_sgx_extensions"]["fmspc"], "00906ed50000");
  if (spec.version == 5) {
    EXPECT_EQ(verdict.fields["body_descriptor"]["type"], spec.body_type);
  } else {
    EXPECT_TRUE(verdict.fields["body_descriptor"].is_null());
  }
  EXPECT_EQ(verdict.fields["report_body"].contains("tee_tcb_svn2"), spec.body_type == 3);
  // The chain is still reported, link by link.
  ASSERT_EQ(verdict.chain.size(), 3u);
  for (const auto& link : verdict.chain) EXPECT_EQ(link["signature_ok_by_next"], true);
}

INSTANTIATE_TEST_SUITE_P(Layouts, DcapSynthetic,
                         ::testing::Values(Layout{3, 0, 0}, Layout{4, 0, 0}, Layout{4, 0x81, 0},
                                           Layout{5, 0, 1}, Layout{5, 0x81, 2}, Layout{5, 0x81, 3}),
                         [](const auto& info) { return "layout" + std::to_string(info.index); });

std::string parse_detail(const Bytes& quote) {
  hwattest::Verdict verdict = verify(quote);
  const hwattest::Step* parse = verdict.find("parse");
  EXPECT_NE(parse, nullptr);
  EXPECT_EQ(verdict.first_failure(), parse);
  for (const auto& step : verdict.steps) {
    if (step.name != "parse") {
      EXPECT_EQ(step.outcome, StepOutcome::skipped) << step.name;
    }
  }
  return parse != nullptr ? parse->detail : "";
}

TEST(DcapQuoteFormat, WrongBodyDescriptorIsRefused) {
  QuoteSpec spec;
  spec.version = 5;
  spec.tee_type = 0x81;
  spec.body_type = 2;
  Bytes quote = build_quote(spec).bytes;
  Bytes changed = quote;
  changed[50] = 0x49;  // size 584 -> 585
  EXPECT_NE(parse_detail(changed).find("body_descriptor.size at offset 50"), std::string::npos);
  changed = quote;
  changed[48] = 1;  // an SGX body in a TDX quote
  EXPECT_NE(parse_detail(changed).find("body_descriptor.type at offset 48"), std::string::npos);
}

TEST(DcapQuoteFormat, UnsupportedHeadersAreRefused) {
  Bytes quote = build_quote({}).bytes;
  Bytes changed = quote;
  changed[0] = 6;
  EXPECT_NE(parse_detail(changed).find("quote version 6 is not supported"), std::string::npos);
  changed = quote;
  changed[2] = 3;
  EXPECT_NE(parse_detail(changed).find("attestation key type 3 is not supported"), std::string::npos);
  changed = quote;
  changed[4] = 0x81;  // TDX in a v3 quote
  EXPECT_NE(parse_detail(changed).find("v3 quote is SGX only"), std::string::npos);
}

TEST(DcapQuoteFormat, ExpiredOrNotYetValidChainIsNamed) {
  QuoteSpec spec;
  BuiltQuote built = build_quote(spec);
  QuoteVerifyOptions options;
  options.now = built.leaf.not_after() + 1;
  hwattest::Verdict verdict = verify_quote(built.bytes, options);
  ASSERT_NE(verdict.find("pck_chain"), nullptr);
  EXPECT_NE(
      verdict.find("pck_chain")->detail.find("'CN=Intel SGX PCK Certificate,O=Intel Corporation' expired at"),
      std::string::npos)
      << verdict.find("pck_chain")->detail;
  options.now = spec.not_before - 10;
  verdict = verify_quote(built.bytes, options);
  EXPECT_NE(verdict.find("pck_chain")->detail.find("is not valid before"), std::string::npos);
}

TEST(DcapQuoteFormat, EmptyInputFailsToParse) {
  EXPECT_NE(parse_detail({}).find("header.version at offset 0"), std::string::npos);
  EXPECT_NE(parse_detail(Bytes(48, 0)).find("quote version 0"), std::string::npos);
}

TEST(DcapQuoteFormat, EvidenceKindNames) {
  EXPECT_STREQ(hwattest::to_string(hwattest::EvidenceKind::open_enclave_report), "open_enclave_report");
  EXPECT_STREQ(hwattest::to_string(hwattest::EvidenceKind::tdx_quote), "tdx_quote");
}

}  // namespace
}  // namespace cloister::dcap
