// The dispatcher on the shared vectors: each file is recognised for what it
// is, the text forms (hex, MAA's SevSnpVm JSON) are unwrapped, and input
// that is none of them gets a "parse" failure, never a crash.
#include "hwattest/evidence.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "common/encoding.h"

namespace cloister::hwattest {
namespace {

const std::string kVectors = std::string(CLOISTER_TEST_VECTORS) + "/attestation/";
constexpr std::int64_t kJuly2025 = 1751328000;

Bytes read(const std::string& name) {
  std::ifstream in(kVectors + name, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class Evidence : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::ifstream(kVectors + "expected.json")) GTEST_SKIP() << "no test vectors at " << kVectors;
  }
};

TEST_F(Evidence, EachVectorIsRecognised) {
  EXPECT_EQ(detect_evidence(read("sgx/phala/sgx_quote")), EvidenceKind::sgx_quote);
  EXPECT_EQ(detect_evidence(read("sgx/azure_samples/post.attest.oe_report.bin")),
            EvidenceKind::open_enclave_report);
  EXPECT_EQ(detect_evidence(read("tdx/phala/tdx_quote")), EvidenceKind::tdx_quote);
  EXPECT_EQ(detect_evidence(read("tdx/phala/tdx_quote_outdated")), EvidenceKind::tdx_quote);
  EXPECT_EQ(detect_evidence(read("snp/go-sev-guest-milan/attestation.bin")), EvidenceKind::sev_snp_report);
  // Hex text is recognised once unwrapped.
  EXPECT_EQ(detect_evidence(read("snp/virtee-milan/report_milan.hex")), EvidenceKind::unknown);
  const Verdict verdict = verify_evidence(read("snp/virtee-milan/report_milan.hex"), {});
  EXPECT_EQ(verdict.kind, EvidenceKind::sev_snp_report);
}

TEST_F(Evidence, SnpReportInMaaJsonVerifiesWithItsChain) {
  Bytes chain = read("snp/go-sev-guest-milan/milan.testcer");
  auto vcek = crypto::Certificate::from_der(read("snp/go-sev-guest-milan/vcek.testcer"));
  ASSERT_TRUE(vcek.is_ok());
  const std::string vcek_pem = vcek->to_pem().value();
  chain.insert(chain.begin(), vcek_pem.begin(), vcek_pem.end());
  const nlohmann::json body = {{"SnpReport", to_base64url(read("snp/go-sev-guest-milan/attestation.bin"))},
                               {"VcekCertChain", to_base64url(chain)}};
  VerifyOptions options;
  options.now = kJuly2025;
  const Verdict verdict = verify_evidence(as_bytes(body.dump()), options);
  EXPECT_TRUE(verdict.verified()) << (verdict.first_failure() ? verdict.first_failure()->detail : "");
  EXPECT_EQ(verdict.attestation_type, "sevsnpvm");
  EXPECT_EQ(verdict.report_data.size(), 64u);
}

TEST_F(Evidence, SgxQuoteDispatchesToDcapWithCollateralSkipped) {
  VerifyOptions options;
  options.now = kJuly2025;
  const Verdict verdict = verify_evidence(read("sgx/phala/sgx_quote"), options);
  EXPECT_TRUE(verdict.verified());
  ASSERT_NE(verdict.find("collateral"), nullptr);
  EXPECT_EQ(verdict.find("collateral")->outcome, StepOutcome::skipped);
  EXPECT_FALSE(verdict.tcb_status.has_value());
}

TEST(EvidenceInput, MalformedInputFailsAtParse) {
  const std::vector<std::string> inputs = {"",
                                           "hello",
                                           "{",
                                           R"({"SnpReport": 5})",
                                           R"({"SnpReport": "!!"})",
                                           R"({"SnpReport": "AAAA", "VcekCertChain": "AAAA"})",
                                           "0a0b0c"};
  for (const auto& input : inputs) {
    const Verdict verdict = verify_evidence(as_bytes(input), {});
    ASSERT_NE(verdict.first_failure(), nullptr) << input;
    EXPECT_EQ(verdict.first_failure()->name, "parse") << input;
    EXPECT_FALSE(verdict.verified());
  }
  EXPECT_EQ(verify_evidence(Bytes(kMaxEvidenceBytes + 1, 0), {}).first_failure()->name, "parse");
}

TEST(EvidenceInput, MissingSnpReportMemberIsNamed) {
  auto bundle = parse_snp_report_bundle(as_bytes(std::string(R"({"VcekCertChain": ""})")));
  ASSERT_FALSE(bundle.is_ok());
  EXPECT_NE(bundle.status().message().find("SnpReport"), std::string::npos);
}

}  // namespace
}  // namespace cloister::hwattest
