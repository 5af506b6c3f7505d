#include "sql/client/attestation.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "attest/test/test_platform.h"
#include "common/encoding.h"
#include "crypto/sha.h"

namespace cloister::sql::client {
namespace {

using attest::testing::TestPlatform;

// Evidence as the server's enclave makes it: runtime data carrying the
// instance key and the client's nonce, its SHA-256 in the report data.
class AttestationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/cloister-sql-attest-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    root_ = pattern;
    platform_ = TestPlatform::create();
    ca_file_ = root_ + "/ca.pem";
    std::ofstream(ca_file_) << *platform_.ca.to_pem();
    instance_ = crypto::PrivateKey::generate(crypto::KeyType::ec_p256).value().clone();
    nonce_ = Bytes(32, 0x5a);
    options_.platform_ca_files = {ca_file_};
    options_.signer = platform_.good_report().identity.signer;
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  Bytes runtime_data(ByteView nonce) const {
    nlohmann::json jwk = *jose::public_jwk(instance_.public_key(), "enclave-instance");
    nlohmann::json runtime = {{"keys", {jwk}}, {"nonce", to_base64url(nonce)}};
    return to_bytes(runtime.dump());
  }

  Bytes evidence_for(ByteView runtime, Report report) const {
    const auto digest = crypto::sha256(runtime);
    report.report_data.fill(0);
    std::copy(digest.begin(), digest.end(), report.report_data.begin());
    return platform_.sign(report);
  }

  Result<AttestedEnclave> verify(const Report& report) const {
    auto verifier = EnclaveVerifier::create(options_);
    if (!verifier.is_ok()) return verifier.status();
    const Bytes runtime = runtime_data(nonce_);
    return verifier->verify(evidence_for(runtime, report), runtime, nonce_);
  }

  std::string root_;
  TestPlatform platform_;
  std::string ca_file_;
  crypto::PrivateKey instance_;
  Bytes nonce_;
  AttestationOptions options_;
};

TEST_F(AttestationTest, AcceptsTheExpectedEnclaveAndReturnsItsInstanceKey) {
  auto attested = verify(platform_.good_report());
  ASSERT_TRUE(attested.is_ok()) << attested.status().to_string();
  EXPECT_EQ(*attested->instance_key.to_der(), *instance_.public_key().to_der());
  EXPECT_NE(attested->summary.find("signer b2b2"), std::string::npos);

  options_.signer.reset();
  options_.measurement = platform_.good_report().identity.measurement;
  EXPECT_TRUE(verify(platform_.good_report()).is_ok());
}

TEST_F(AttestationTest, RefusesWithoutAPolicy) {
  options_.signer.reset();
  auto verifier = EnclaveVerifier::create(options_);
  EXPECT_EQ(verifier.status().code(), ErrorCode::invalid_argument);
  EXPECT_NE(verifier.status().message().find("--enclave-signer"), std::string::npos);
  options_.signer = platform_.good_report().identity.signer;
  options_.platform_ca_files.clear();
  EXPECT_NE(EnclaveVerifier::create(options_).status().message().find("--platform-ca"), std::string::npos);
}

TEST_F(AttestationTest, RefusesAnotherSignerOrMeasurement) {
  Report report = platform_.good_report();
  report.identity.signer.fill(0x77);
  auto refused = verify(report);
  EXPECT_EQ(refused.status().code(), ErrorCode::verification_failed);
  EXPECT_NE(refused.status().message().find("refusing to release column keys"), std::string::npos);

  options_.measurement = Measurement{};
  EXPECT_EQ(verify(platform_.good_report()).status().code(), ErrorCode::verification_failed);
}

TEST_F(AttestationTest, RefusesDebugUnlessAllowed) {
  Report report = platform_.good_report();
  report.identity.debug = true;
  EXPECT_EQ(verify(report).status().code(), ErrorCode::verification_failed);
  options_.allow_debug = true;
  EXPECT_TRUE(verify(report).is_ok());
}

TEST_F(AttestationTest, RefusesTheDevelopmentPlatformUnlessAllowed) {
  Report report = platform_.good_report();
  report.development_platform = true;
  EXPECT_EQ(verify(report).status().code(), ErrorCode::verification_failed);
  options_.allow_development_platform = true;
  EXPECT_TRUE(verify(report).is_ok());
}

TEST_F(AttestationTest, RefusesAnUntrustedPlatform) {
  TestPlatform other = TestPlatform::create("Another operator");
  std::ofstream(ca_file_, std::ios::trunc) << *other.ca.to_pem();
  EXPECT_EQ(verify(platform_.good_report()).status().code(), ErrorCode::verification_failed);
}

TEST_F(AttestationTest, RefusesRuntimeDataTheEvidenceDoesNotBind) {
  auto verifier = EnclaveVerifier::create(options_);
  ASSERT_TRUE(verifier.is_ok());
  const Bytes runtime = runtime_data(nonce_);
  const Bytes evidence = evidence_for(runtime, platform_.good_report());
  // The host swaps in its own key: the hash no longer matches.
  crypto::PrivateKey host_key = crypto::PrivateKey::generate(crypto::KeyType::ec_p256).value().clone();
  nlohmann::json swapped = {{"keys", {*jose::public_jwk(host_key.public_key(), "enclave-instance")}},
                            {"nonce", to_base64url(nonce_)}};
  EXPECT_EQ(verifier->verify(evidence, to_bytes(swapped.dump()), nonce_).status().code(),
            ErrorCode::verification_failed);
}

TEST_F(AttestationTest, RefusesAReplayedNonce) {
  auto verifier = EnclaveVerifier::create(options_);
  ASSERT_TRUE(verifier.is_ok());
  const Bytes old_nonce(32, 0x11);
  const Bytes runtime = runtime_data(old_nonce);
  auto replayed = verifier->verify(evidence_for(runtime, platform_.good_report()), runtime, nonce_);
  EXPECT_EQ(replayed.status().code(), ErrorCode::verification_failed);
  EXPECT_NE(replayed.status().message().find("nonce"), std::string::npos);
}

TEST(TokenClaims, ChecksPolicyAndNonce) {
  AttestationOptions options;
  options.mode = AttestationMode::attestd;
  options.signer = SignerId{};
  options.signer->fill(0xb2);
  const nlohmann::json good = {{"nonce", "abcd"},
                               {"x-ms-sgx-is-debuggable", false},
                               {"x-ms-sgx-mrsigner", std::string(64, 'b').replace(1, 1, "2")},
                               {"x-cloister-isolation", "process"},
                               {"x-cloister-development-platform", false}};
  nlohmann::json claims = good;
  claims["x-ms-sgx-mrsigner"] = to_hex(*options.signer);
  EXPECT_TRUE(check_token_claims(claims, options, "abcd").is_ok());
  EXPECT_FALSE(check_token_claims(claims, options, "abce").is_ok());

  nlohmann::json debug = claims;
  debug["x-ms-sgx-is-debuggable"] = true;
  EXPECT_NE(check_token_claims(debug, options, "abcd").message().find("debug"), std::string::npos);
  nlohmann::json missing = claims;
  missing.erase("x-ms-sgx-is-debuggable");
  EXPECT_FALSE(check_token_claims(missing, options, "abcd").is_ok());
  nlohmann::json other = claims;
  other["x-ms-sgx-mrsigner"] = std::string(64, '0');
  EXPECT_NE(check_token_claims(other, options, "abcd").message().find("--enclave-signer"), std::string::npos);
  nlohmann::json development = claims;
  development["x-cloister-development-platform"] = true;
  EXPECT_FALSE(check_token_claims(development, options, "abcd").is_ok());
  options.allow_development_platform = true;
  EXPECT_TRUE(check_token_claims(development, options, "abcd").is_ok());
  nlohmann::json sim = claims;
  sim["x-cloister-isolation"] = "none";
  EXPECT_FALSE(check_token_claims(sim, options, "abcd").is_ok());
}

}  // namespace
}  // namespace cloister::sql::client
