// evaluate_collateral against Intel-signed collateral from the shared vectors.
#include "dcap/collateral.h"

#include <gtest/gtest.h>

#include "crypto/crl.h"
#include "crypto/test/crl_builder.h"
#include "dcap/collateral_checks.h"
#include "dcap/collateral_dir.h"
#include "dcap/collateral_files.h"
#include "dcap/collateral_time.h"
#include "dcap/test/collateral_vectors.h"

namespace cloister::dcap {
namespace {

using testing::kDay;
using testing::load_vector;
using testing::Vector;

Vector must_load(const std::string& quote) {
  auto vector = load_vector(quote);
  EXPECT_TRUE(vector.is_ok()) << vector.status().to_string();
  return vector.is_ok() ? std::move(vector).value() : Vector{};
}

hwattest::Verdict evaluate(const Vector& v, const Collateral& collateral, std::int64_t now) {
  hwattest::Verdict verdict;
  evaluate_collateral(v.facts, collateral, now, verdict);
  return verdict;
}

std::string outcomes(const hwattest::Verdict& verdict) {
  std::string out;
  for (const auto& step : verdict.steps)
    out += step.name + "=" + hwattest::to_string(step.outcome) + " (" + step.detail + ")\n";
  return out;
}

// Changes one character of `key`'s numeric value, keeping the JSON valid.
std::string tamper_number(std::string json, const std::string& key) {
  auto at = json.find("\"" + key + "\":");
  EXPECT_NE(at, std::string::npos) << key;
  std::size_t digit = at + key.size() + 3;
  json[digit] = json[digit] == '1' ? '2' : '1';
  return json;
}

TEST(Collateral, SgxVectorGivesExpectedStatus) {
  CLOISTER_REQUIRE_VECTORS();
  Vector v = must_load("sgx/phala/sgx_quote");
  auto verdict = evaluate(v, v.collateral, v.issue_date + kDay);
  ASSERT_TRUE(verdict.verified()) << outcomes(verdict);
  std::vector<std::string> names;
  for (const auto& step : verdict.steps) names.push_back(step.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"pck_crl", "root_ca_crl", "tcb_info", "qe_identity", "tcb_level"}));
  EXPECT_EQ(verdict.fields["collateral"]["tcb_status_computed"], v.expected["tcb_status_computed"])
      << verdict.fields["collateral"]["tcb_status_computed"].dump();
  EXPECT_EQ(verdict.tcb_status, "ConfigurationAndSWHardeningNeeded");
  EXPECT_EQ(verdict.advisory_ids, (std::vector<std::string>{"INTEL-SA-00289", "INTEL-SA-00615"}));
  EXPECT_EQ(verdict.claims["attester_tcb_status"], "ConfigurationAndSWHardeningNeeded");
  EXPECT_EQ(verdict.claims["attester_advisory_ids"].size(), 2U);
  const auto& hashes = verdict.claims["x-ms-sgx-collateral"];
  for (const char* key :
       {"qeidcertshash", "qeidcrlhash", "qeidhash", "tcbinfocertshash", "tcbinfocrlhash", "tcbinfohash"}) {
    ASSERT_TRUE(hashes.contains(key)) << key;
    EXPECT_EQ(hashes[key].get<std::string>().size(), 64U) << key;
  }
  EXPECT_FALSE(hashes.contains("quotehash"));
  EXPECT_EQ(verdict.fields["collateral"]["tcb_info"]["fmspc"], "00a067110000");
  EXPECT_EQ(verdict.fields["collateral"]["tcb_info"]["tcb_evaluation_data_number"], 17);
  EXPECT_EQ(verdict.fields["collateral"]["qe_identity"]["id"], "QE");
}

TEST(Collateral, TdxVectorIsUpToDate) {
  CLOISTER_REQUIRE_VECTORS();
  Vector v = must_load("tdx/phala/tdx_quote");
  auto verdict = evaluate(v, v.collateral, v.issue_date + kDay);
  ASSERT_TRUE(verdict.verified()) << outcomes(verdict);
  EXPECT_EQ(verdict.steps.back().name, "tdx_module");
  EXPECT_EQ(verdict.fields["collateral"]["tcb_status_computed"], v.expected["tcb_status_computed"])
      << verdict.fields["collateral"]["tcb_status_computed"].dump();
  EXPECT_EQ(verdict.tcb_status, "UpToDate");
  EXPECT_TRUE(verdict.advisory_ids.empty());
}

TEST(Collateral, OutdatedTdxPlatformMatchesNoLevel) {
  CLOISTER_REQUIRE_VECTORS();
  Vector v = must_load("tdx/phala/tdx_quote_outdated");
  auto verdict = evaluate(v, v.collateral, v.issue_date + kDay);
  EXPECT_EQ(verdict.fields["collateral"]["tcb_status_computed"], v.expected["tcb_status_computed"])
      << verdict.fields["collateral"]["tcb_status_computed"].dump();
  const auto* failure = verdict.first_failure();
  ASSERT_NE(failure, nullptr) << outcomes(verdict);
  EXPECT_EQ(failure->name, "tcb_level");
  EXPECT_EQ(failure->detail, "no TCB level matches this platform");
  EXPECT_FALSE(verdict.tcb_status.has_value());
  ASSERT_NE(verdict.find("tdx_module"), nullptr);
  EXPECT_EQ(verdict.find("tdx_module")->outcome, hwattest::StepOutcome::passed);
}

TEST(Collateral, ExpiredTcbInfoFails) {
  CLOISTER_REQUIRE_VECTORS();
  Vector v = must_load("sgx/phala/sgx_quote");
  auto verdict = evaluate(v, v.collateral, v.next_update + kDay);
  const auto* step = verdict.find("tcb_info");
  ASSERT_NE(step, nullptr);
  EXPECT_EQ(step->outcome, hwattest::StepOutcome::failed);
  EXPECT_EQ(step->detail,
            "the TCB info expired at " + format_iso8601(v.next_update) + "; fetch fresh collateral");
  EXPECT_NE(step->detail.find("2025-07-19T10:56:11Z"), std::string::npos);
  // The levels are still Intel's for this platform: the status is reported.
  EXPECT_EQ(verdict.fields["collateral"]["tcb_status_computed"]["platform"],
            "ConfigurationAndSWHardeningNeeded");
}

TEST(Collateral, TamperedTcbInfoFailsSignature) {
  CLOISTER_REQUIRE_VECTORS();
  Vector v = must_load("tdx/phala/tdx_quote");
  Collateral tampered = copy_collateral(v.collateral);
  tampered.tcb_info_json = tamper_number(tampered.tcb_info_json, "tcbEvaluationDataNumber");
  auto verdict = evaluate(v, tampered, v.issue_date + kDay);
  const auto* step = verdict.find("tcb_info");
  ASSERT_NE(step, nullptr);
  EXPECT_EQ(step->outcome, hwattest::StepOutcome::failed);
  EXPECT_NE(step->detail.find("signature"), std::string::npos) << step->detail;
  EXPECT_EQ(verdict.find("tcb_level")->outcome, hwattest::StepOutcome::skipped);
  EXPECT_EQ(verdict.find("qe_identity")->outcome, hwattest::StepOutcome::passed);
}

TEST(Collateral, TamperedQeIdentityFailsSignature) {
  CLOISTER_REQUIRE_VECTORS();
  Vector v = must_load("sgx/phala/sgx_quote");
  Collateral tampered = copy_collateral(v.collateral);
  tampered.qe_identity_json = tamper_number(tampered.qe_identity_json, "tcbEvaluationDataNumber");
  auto verdict = evaluate(v, tampered, v.issue_date + kDay);
  const auto* step = verdict.find("qe_identity");
  ASSERT_NE(step, nullptr);
  EXPECT_EQ(step->outcome, hwattest::StepOutcome::failed);
  EXPECT_NE(step->detail.find("signature"), std::string::npos) << step->detail;
  EXPECT_EQ(verdict.find("tcb_info")->outcome, hwattest::StepOutcome::passed);
  EXPECT_FALSE(verdict.tcb_status.has_value());  // no trusted QE status to converge with
}

TEST(Collateral, CollateralForAnotherFmspcFails) {
  CLOISTER_REQUIRE_VECTORS();
  Vector v = must_load("tdx/phala/tdx_quote_outdated");
  Vector other = must_load("tdx/phala/tdx_quote");
  auto verdict = evaluate(v, other.collateral, other.issue_date + kDay);
  const auto* step = verdict.find("tcb_info");
  ASSERT_NE(step, nullptr);
  EXPECT_EQ(step->outcome, hwattest::StepOutcome::failed);
  EXPECT_NE(step->detail.find("FMSPC b0c06f000000"), std::string::npos) << step->detail;
  EXPECT_EQ(verdict.fields["collateral"]["tcb_status_computed"]["fmspc_match"], false);
}

TEST(Collateral, SgxCollateralForTdxQuoteFails) {
  CLOISTER_REQUIRE_VECTORS();
  Vector v = must_load("tdx/phala/tdx_quote");
  Vector sgx = must_load("sgx/phala/sgx_quote");
  auto verdict = evaluate(v, sgx.collateral, sgx.issue_date + kDay);
  EXPECT_EQ(verdict.find("tcb_info")->outcome, hwattest::StepOutcome::failed);
  EXPECT_NE(verdict.find("tcb_info")->detail.find("for SGX"), std::string::npos);
  EXPECT_EQ(verdict.find("qe_identity")->outcome, hwattest::StepOutcome::failed);
}

TEST(Collateral, SelfSignedPckCrlFails) {
  CLOISTER_REQUIRE_VECTORS();
  Vector v = must_load("sgx/phala/sgx_quote");
  auto key = crypto::PrivateKey::generate(crypto::KeyType::ec_p256);
  ASSERT_TRUE(key.is_ok());
  // Named after Intel's PCK Processor CA, but signed by a key that is not its.
  auto crl = crypto::testing::build_crl(v.facts.pck_chain[1], *key, {&v.facts.pck_chain[0]}, v.issue_date,
                                        v.issue_date + 30 * kDay);
  ASSERT_TRUE(crl.is_ok()) << crl.status().to_string();
  Collateral forged = copy_collateral(v.collateral);
  forged.pck_crl = crl->to_der().value();
  auto verdict = evaluate(v, forged, v.issue_date + kDay);
  const auto* step = verdict.find("pck_crl");
  ASSERT_NE(step, nullptr);
  EXPECT_EQ(step->outcome, hwattest::StepOutcome::failed);
  EXPECT_NE(step->detail.find("signature"), std::string::npos) << step->detail;

  // The root CA CRL may not be swapped for the PCK CRL either.
  forged = copy_collateral(v.collateral);
  forged.root_ca_crl = v.collateral.pck_crl;
  verdict = evaluate(v, forged, v.issue_date + kDay);
  EXPECT_EQ(verdict.find("root_ca_crl")->outcome, hwattest::StepOutcome::failed);
}

// Intel's CRLs cannot be re-signed, so revocation runs on a PKI of our own.
TEST(Collateral, RevokedPckCertificateFailsPckCrl) {
  auto ca_key = crypto::PrivateKey::generate(crypto::KeyType::ec_p256).value();
  auto leaf_key = crypto::PrivateKey::generate(crypto::KeyType::ec_p256).value();
  crypto::CertificateRequest ca_request;
  ca_request.subject_common_name = "Test PCK Platform CA";
  ca_request.is_ca = true;
  ca_request.not_before = 1'700'000'000;
  auto ca = crypto::issue_certificate(ca_request, ca_key.public_key(), ca_key, nullptr).value();
  crypto::CertificateRequest leaf_request;
  leaf_request.subject_common_name = "Test PCK Certificate";
  leaf_request.not_before = 1'700'000'000;
  auto leaf = crypto::issue_certificate(leaf_request, leaf_key.public_key(), ca_key, &ca).value();
  auto other = crypto::issue_certificate(leaf_request, leaf_key.public_key(), ca_key, &ca).value();

  const std::int64_t now = 1'700'000'000 + kDay;
  auto crl = crypto::testing::build_crl(ca, ca_key, {&leaf}, now - kDay, now + 30 * kDay).value();
  EXPECT_TRUE(crl.is_revoked(leaf));
  EXPECT_FALSE(crl.is_revoked(other));

  TcbFacts facts;
  facts.pck_chain.push_back(leaf.clone());
  facts.pck_chain.push_back(ca.clone());
  Status status = check_pck_crl(crl, facts, now);
  EXPECT_EQ(status.code(), ErrorCode::verification_failed);
  EXPECT_NE(status.message().find("revoked"), std::string::npos) << status.message();

  facts.pck_chain[0] = other.clone();
  EXPECT_TRUE(check_pck_crl(crl, facts, now).is_ok());
  EXPECT_NE(check_pck_crl(crl, facts, now + 31 * kDay).message().find("expired"), std::string::npos);
}

TEST(Collateral, GoTdxGuestPcsFilesLoadAndVerify) {
  CLOISTER_REQUIRE_VECTORS();
  CollateralFiles files;
  files.tcb_info = testing::vector_path("tdx/go-tdx-guest/sample_tcbInfo_response");
  files.qe_identity = testing::vector_path("tdx/go-tdx-guest/sample_qeIdentity_response");
  files.tcb_signing_chain = testing::vector_path("roots/intel_sgx_tcb_signing_chain.pem");
  files.pck_crl = testing::vector_path("tdx/go-tdx-guest/pckcrl");
  files.root_ca_crl = testing::vector_path("tdx/go-tdx-guest/rootcrl.der");
  auto collateral = load_collateral_files(files);
  ASSERT_TRUE(collateral.is_ok()) << collateral.status().to_string();
  EXPECT_EQ(collateral->tcb_info_json.front(), '{');
  EXPECT_EQ(collateral->tcb_info_json.rfind("{\"id\":\"TDX\",\"version\":3,", 0), 0U);
  EXPECT_EQ(collateral->tcb_info_json.back(), '}');
  ASSERT_EQ(collateral->tcb_info_issuer_chain.size(), 2U);
  EXPECT_TRUE(verify_signed_text(collateral->tcb_info_json, collateral->tcb_info_signature,
                                 collateral->tcb_info_issuer_chain[0])
                  .is_ok());
  EXPECT_TRUE(verify_signed_text(collateral->qe_identity_json, collateral->qe_identity_signature,
                                 collateral->qe_identity_issuer_chain[0])
                  .is_ok());
  // The chain file's TCB Signing certificate is a 2025 re-issue; at a time
  // it is valid, the chain verifies to the pinned root key.
  EXPECT_TRUE(verify_signing_chain(collateral->tcb_info_issuer_chain, 1'780'000'000).is_ok());
  auto root_crl = crypto::Crl::from_der(collateral->root_ca_crl);
  ASSERT_TRUE(root_crl.is_ok());
  EXPECT_EQ(root_crl->revoked_count(), 0U);

  files.tcb_info = testing::vector_path("tdx/go-tdx-guest/no_such_file");
  auto missing = load_collateral_files(files);
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.status().message().find("no_such_file"), std::string::npos);
}

TEST(Collateral, BundleRoundTrip) {
  CLOISTER_REQUIRE_VECTORS();
  Vector v = must_load("tdx/phala/tdx_quote");
  std::string text = to_bundle_json(v.collateral);
  auto again = parse_collateral_bundle(text);
  ASSERT_TRUE(again.is_ok()) << again.status().to_string();
  EXPECT_EQ(again->tcb_info_json, v.collateral.tcb_info_json);
  EXPECT_EQ(again->qe_identity_json, v.collateral.qe_identity_json);
  EXPECT_EQ(again->tcb_info_signature, v.collateral.tcb_info_signature);
  EXPECT_EQ(again->pck_crl, v.collateral.pck_crl);
  EXPECT_EQ(again->root_ca_crl, v.collateral.root_ca_crl);
  EXPECT_EQ(again->pck_crl_issuer_chain.size(), 2U);
  EXPECT_EQ(to_bundle_json(*again), text);
}

}  // namespace
}  // namespace cloister::dcap
