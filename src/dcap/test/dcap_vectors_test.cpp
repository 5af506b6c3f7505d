// Every SGX and TDX quote in the shared test vectors, checked field by field
// against expected.json (computed independently of this code).
#include <gtest/gtest.h>

#include "common/encoding.h"
#include "dcap/quote_verify.h"
#include "dcap/test/dcap_test_util.h"

namespace cloister::dcap {
namespace {

using hwattest::StepOutcome;
using nlohmann::json;
using namespace testing;

constexpr const char* kQuoteSteps[] = {"parse", "quote_signature", "qe_report_data", "qe_report_signature",
                                       "pck_chain"};

// Each key expected.json gives must be in ours with the same value.
void expect_subset(const json& expected, const json& actual, const std::string& where) {
  ASSERT_TRUE(actual.is_object()) << where << ": missing";
  for (const auto& [key, value] : expected.items()) {
    ASSERT_TRUE(actual.contains(key)) << where << "." << key << " missing";
    EXPECT_EQ(actual[key], value) << where << "." << key;
  }
}

void expect_matches(const std::string& name, const json& entry, const hwattest::Verdict& verdict) {
  SCOPED_TRACE(name);
  for (const char* step : kQuoteSteps) {
    const hwattest::Step* found = verdict.find(step);
    ASSERT_NE(found, nullptr) << step;
    EXPECT_EQ(found->outcome, StepOutcome::passed) << step << ": " << found->detail;
  }
  for (const auto& [check, ok] : entry["checks"].items()) EXPECT_TRUE(ok.get<bool>()) << check;
  EXPECT_TRUE(verdict.verified()) << verdict.first_failure()->name << ": " << verdict.first_failure()->detail;

  const json& fields = verdict.fields;
  expect_subset(entry["header"], fields["header"], "header");
  EXPECT_EQ(fields["body_descriptor"], entry["body_descriptor"]);
  expect_subset(entry["report_body"], fields["report_body"], "report_body");
  expect_subset(entry["qe_report"], fields["qe_report"], "qe_report");
  EXPECT_EQ(fields["qe_auth_data"], entry["qe_auth_data"]);
  EXPECT_EQ(fields["attestation_key_xy"], entry["attestation_key_xy"]);
  EXPECT_EQ(fields["cert_data_type"], entry["cert_data_type"]);
  expect_subset(entry["pck_sgx_extensions"], fields["pck_sgx_extensions"], "pck_sgx_extensions");

  const json& chain = entry["pck_chain"];
  ASSERT_EQ(verdict.chain.size(), chain.size());
  for (std::size_t i = 0; i < chain.size(); ++i) {
    SCOPED_TRACE("pck_chain[" + std::to_string(i) + "]");
    EXPECT_EQ(verdict.chain[i]["subject"], chain[i]["subject"]);
    EXPECT_EQ(verdict.chain[i]["issuer"], chain[i]["issuer"]);
    EXPECT_EQ(verdict.chain[i]["sha256"], chain[i]["sha256"]);
    EXPECT_EQ(verdict.chain[i]["not_before"], iso8601(chain[i]["not_before"].get<std::string>()));
    EXPECT_EQ(verdict.chain[i]["not_after"], iso8601(chain[i]["not_after"].get<std::string>()));
    EXPECT_EQ(verdict.chain[i]["signature_ok_by_next"], chain[i]["sig_ok_by_next"]);
  }

  const bool tdx = entry["header"]["tee_type"] == "0x81";
  EXPECT_EQ(verdict.attestation_type, tdx ? "tdxvm" : "sgx");
  EXPECT_EQ(verdict.kind, tdx ? hwattest::EvidenceKind::tdx_quote : hwattest::EvidenceKind::sgx_quote);
  EXPECT_EQ(to_hex(verdict.report_data), entry["report_body"]["report_data"]);
}

class DcapQuote : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_vectors()) GTEST_SKIP() << "no test vectors at " << attestation_vectors();
    expected = expected_json();
  }
  json expected;
};

TEST_F(DcapQuote, EveryVectorMatchesExpectedJson) {
  const auto names = quote_vectors(expected);
  EXPECT_GE(names.size(), 13u);
  for (const auto& name : names) {
    const json& entry = expected[name];
    QuoteVerifyOptions options;
    options.now = valid_time(entry);
    expect_matches(name, entry, verify_quote(read_vector(name), options));
  }
}

TEST_F(DcapQuote, OpenEnclaveReportUnwrapsToTheSameQuote) {
  const json& entry = expected["sgx/azure_samples/post.attest.sgx_quote.bin"];
  QuoteVerifyOptions options;
  options.now = valid_time(entry);
  Bytes report = read_vector("sgx/azure_samples/post.attest.oe_report.bin");
  hwattest::Verdict verdict = verify_quote(report, options);
  ASSERT_TRUE(verdict.verified()) << verdict.first_failure()->detail;
  EXPECT_EQ(verdict.kind, hwattest::EvidenceKind::open_enclave_report);
  EXPECT_EQ(verdict.attestation_type, "sgx");
  EXPECT_EQ(verdict.fields["oe_header"],
            (json{{"version", 1}, {"report_type", 2}, {"report_size", report.size() - 16}}));
  expect_subset(entry["header"], verdict.fields["header"], "header");
  expect_subset(entry["report_body"], verdict.fields["report_body"], "report_body");
  EXPECT_EQ(verdict.fields["attestation_key_xy"], entry["attestation_key_xy"]);
}

TEST_F(DcapQuote, SgxClaimsUseMaaNames) {
  const std::string name = "sgx/azure_samples/intel_sdk_quotes/enclave.info.debug.quote.bin";
  const json& body = expected[name]["report_body"];
  QuoteVerifyOptions options;
  options.now = valid_time(expected[name]);
  const json claims = verify_quote(read_vector(name), options).claims;
  EXPECT_EQ(claims["x-ms-attestation-type"], "sgx");
  EXPECT_EQ(claims["x-ms-sgx-is-debuggable"], true);
  EXPECT_EQ(claims["x-ms-sgx-mrenclave"], body["mr_enclave"]);
  EXPECT_EQ(claims["x-ms-sgx-mrsigner"], body["mr_signer"]);
  EXPECT_EQ(claims["x-ms-sgx-product-id"], body["isv_prod_id"]);
  EXPECT_EQ(claims["x-ms-sgx-svn"], body["isv_svn"]);
  EXPECT_EQ(claims["x-ms-sgx-report-data"], body["report_data"]);
  EXPECT_EQ(claims["x-ms-sgx-config-id"], body["config_id"]);
  EXPECT_EQ(claims["x-ms-sgx-config-svn"], body["config_svn"]);
  EXPECT_EQ(claims["x-ms-sgx-isv-extended-product-id"], body["isv_ext_prod_id"]);
  EXPECT_EQ(claims["x-ms-sgx-isv-family-id"], body["isv_family_id"]);
}

TEST_F(DcapQuote, TdxClaimsUseMaaNames) {
  const std::string name = "tdx/phala/tdx_quote";
  const json& body = expected[name]["report_body"];
  QuoteVerifyOptions options;
  options.now = valid_time(expected[name]);
  const json claims = verify_quote(read_vector(name), options).claims;
  EXPECT_EQ(claims["x-ms-attestation-type"], "tdxvm");
  EXPECT_EQ(claims["tdx_mrtd"], body["mr_td"]);
  EXPECT_EQ(claims["tdx_mrconfigid"], body["mr_config_id"]);
  EXPECT_EQ(claims["tdx_mrowner"], body["mr_owner"]);
  EXPECT_EQ(claims["tdx_mrownerconfig"], body["mr_owner_config"]);
  EXPECT_EQ(claims["tdx_mrseam"], body["mr_seam"]);
  EXPECT_EQ(claims["tdx_mrsignerseam"], body["mr_signer_seam"]);
  for (int i = 0; i < 4; ++i) {
    const std::string rtmr = "rtmr" + std::to_string(i);
    EXPECT_EQ(claims["tdx_" + rtmr], body[rtmr]);
  }
  EXPECT_EQ(claims["tdx_report_data"], body["report_data"]);
  EXPECT_EQ(claims["tdx_seam_attributes"], body["seam_attributes"]);
  EXPECT_EQ(claims["tdx_td_attributes"], body["td_attributes"]);
  EXPECT_EQ(claims["tdx_tee_tcb_svn"], body["tee_tcb_svn"]);
  EXPECT_EQ(claims["tdx_xfam"], body["xfam"]);
  // td_attributes 0000001000000000: bit 28, SEPT_VE_DISABLE, and nothing else.
  EXPECT_EQ(claims["tdx_td_attributes_debug"], false);
  EXPECT_EQ(claims["tdx_td_attributes_septve_disable"], true);
  EXPECT_EQ(claims["tdx_td_attributes_key_locker"], false);
  EXPECT_EQ(claims["tdx_td_attributes_perfmon"], false);
  EXPECT_EQ(claims["tdx_td_attributes_protection_keys"], false);
}

TEST_F(DcapQuote, ExpiredPckCertificateFailsPckChain) {
  const std::string name = "sgx/phala/sgx_quote";
  QuoteVerifyOptions options;
  options.now = expected_time(expected[name]["pck_chain"][0]["not_after"].get<std::string>()) + 1;
  hwattest::Verdict verdict = verify_quote(read_vector(name), options);
  const hwattest::Step* failure = verdict.first_failure();
  ASSERT_NE(failure, nullptr);
  EXPECT_EQ(failure->name, "pck_chain");
  EXPECT_NE(failure->detail.find("CN=Intel SGX PCK Certificate"), std::string::npos) << failure->detail;
  EXPECT_NE(failure->detail.find("expired at 2030-09-20T"), std::string::npos) << failure->detail;
}

TEST_F(DcapQuote, CollateralIsSkippedWhenNoneIsSupplied) {
  const std::string name = "tdx/go-tdx-guest/tdx_prod_quote_SPR_E4.dat";
  QuoteVerifyOptions options;
  options.now = valid_time(expected[name]);
  hwattest::Verdict verdict = verify_quote(read_vector(name), options);
  ASSERT_EQ(verdict.steps.size(), 6u);
  EXPECT_EQ(verdict.steps.back().name, "collateral");
  EXPECT_EQ(verdict.steps.back().outcome, StepOutcome::skipped);
  EXPECT_NE(verdict.steps.back().detail.find("--collateral"), std::string::npos);

  // Supplied but empty: the evaluator runs and refuses it, step by step.
  Collateral collateral;
  options.collateral = &collateral;
  verdict = verify_quote(read_vector(name), options);
  ASSERT_NE(verdict.find("pck_crl"), nullptr);
  EXPECT_EQ(verdict.find("pck_crl")->outcome, StepOutcome::failed);
  EXPECT_FALSE(verdict.verified());
}

}  // namespace
}  // namespace cloister::dcap
