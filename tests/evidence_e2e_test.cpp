// End to end: evidence made by real enclaves, verified by the host-side
// verifier under default and relaxed expectations, and sealing across enclaves.
#include <gtest/gtest.h>

#include "cloister/host.h"
#include "enclave/test_calls.h"
#include "platform/platform_identity.h"

namespace cloister {
namespace {

using namespace test_enclave;

Enclave launch(const std::string& image, Backend backend = Backend::process) {
  EnclaveOptions options;
  options.backend = backend;
  auto enclave = Enclave::create(image, options);
  EXPECT_TRUE(enclave.is_ok()) << enclave.status().to_string();
  return std::move(enclave).value();
}

std::array<std::uint8_t, 64> nonce(std::uint8_t seed) {
  std::array<std::uint8_t, 64> data{};
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(seed + i);
  return data;
}

Bytes evidence_of(Enclave& enclave, std::uint8_t seed = 1) {
  auto reply = enclave.call(GetEvidence{.report_data = nonce(seed)});
  EXPECT_TRUE(reply.is_ok()) << reply.status().to_string();
  return reply.is_ok() ? reply->evidence : Bytes{};
}

Expectations development_ok() {
  Expectations expect;
  expect.allow_development_platform = true;
  return expect;
}

TEST(Evidence, ProcessEnclaveEvidenceCarriesTheMeasuredIdentity) {
  Enclave enclave = launch(TEST_ENCLAVE_IMAGE);
  Bytes evidence = evidence_of(enclave);
  Expectations expect = development_ok();
  expect.measurement = enclave.identity().measurement;
  expect.signer = enclave.identity().signer;
  expect.product_id = 42;
  expect.min_security_version = 3;
  auto n = nonce(1);
  expect.report_data_prefix = Bytes(n.begin(), n.end());
  auto verified = verify_evidence(evidence, {enclave.platform_ca_der()}, expect);
  ASSERT_TRUE(verified.is_ok()) << verified.status().to_string();
  EXPECT_EQ(verified->report.backend, Backend::process);
  EXPECT_EQ(verified->report.isolation, Isolation::process);
  EXPECT_FALSE(verified->report.identity.debug);
  EXPECT_TRUE(verified->report.development_platform);
}

TEST(Evidence, DefaultExpectationsRefuseTheDevelopmentPlatform) {
  Enclave enclave = launch(TEST_ENCLAVE_IMAGE);
  auto verified = verify_evidence(evidence_of(enclave), {enclave.platform_ca_der()}, Expectations{});
  ASSERT_FALSE(verified.is_ok());
  EXPECT_NE(verified.status().message().find("development"), std::string::npos)
      << verified.status().message();
}

TEST(Evidence, SimEvidenceSaysNoIsolationAndDebugAndIsRefused) {
  Enclave enclave = launch(TEST_ENCLAVE_IMAGE, Backend::sim);
  Bytes evidence = evidence_of(enclave);
  EXPECT_FALSE(verify_evidence(evidence, {enclave.platform_ca_der()}, development_ok()).is_ok());
  Expectations anything = development_ok();
  anything.allow_debug = true;
  anything.allow_isolation_none = true;
  auto verified = verify_evidence(evidence, {enclave.platform_ca_der()}, anything);
  ASSERT_TRUE(verified.is_ok()) << verified.status().to_string();
  EXPECT_EQ(verified->report.isolation, Isolation::none);
  EXPECT_EQ(verified->report.backend, Backend::sim);
  EXPECT_TRUE(verified->report.identity.debug);
}

TEST(Evidence, DebugEnclaveIsRefusedByDefault) {
  Enclave enclave = launch(TEST_ENCLAVE_DEBUG_IMAGE);
  auto verified = verify_evidence(evidence_of(enclave), {enclave.platform_ca_der()}, development_ok());
  ASSERT_FALSE(verified.is_ok());
  EXPECT_NE(verified.status().message().find("debug"), std::string::npos) << verified.status().message();
}

TEST(Evidence, ForgedEvidenceIsRefused) {
  Enclave enclave = launch(TEST_ENCLAVE_IMAGE);
  Bytes evidence = evidence_of(enclave);
  for (std::size_t offset = 0; offset < evidence.size(); offset += 7) {
    Bytes forged = evidence;
    forged[offset] ^= 0x20;
    EXPECT_FALSE(verify_evidence(forged, {enclave.platform_ca_der()}, development_ok()).is_ok()) << offset;
  }
  for (std::size_t size = 0; size < evidence.size(); size += 13) {
    Bytes truncated(evidence.begin(), evidence.begin() + static_cast<std::ptrdiff_t>(size));
    EXPECT_FALSE(verify_evidence(truncated, {enclave.platform_ca_der()}, development_ok()).is_ok()) << size;
  }
}

TEST(Evidence, EvidenceFromAnotherPlatformIsRefused) {
  Enclave enclave = launch(TEST_ENCLAVE_IMAGE);
  auto other = platform::PlatformIdentity::create_development();
  ASSERT_TRUE(other.is_ok());
  auto verified = verify_evidence(evidence_of(enclave), {other->operator_ca_der()}, development_ok());
  ASSERT_FALSE(verified.is_ok());
  EXPECT_NE(verified.status().message().find("trusted root"), std::string::npos)
      << verified.status().message();
}

TEST(Evidence, ReplayedEvidenceFailsTheNonceCheck) {
  Enclave enclave = launch(TEST_ENCLAVE_IMAGE);
  Bytes old = evidence_of(enclave, 1);
  Expectations expect = development_ok();
  auto fresh = nonce(2);
  expect.report_data_prefix = Bytes(fresh.begin(), fresh.begin() + 32);
  auto verified = verify_evidence(old, {enclave.platform_ca_der()}, expect);
  ASSERT_FALSE(verified.is_ok());
  EXPECT_NE(verified.status().message().find("report data"), std::string::npos)
      << verified.status().message();
}

TEST(Evidence, WrongSignerIsRefused) {
  Enclave ours = launch(TEST_ENCLAVE_IMAGE);
  Enclave theirs = launch(TEST_ENCLAVE_OTHER_SIGNER_IMAGE);
  Expectations expect = development_ok();
  expect.signer = ours.identity().signer;
  EXPECT_TRUE(verify_evidence(evidence_of(ours), {ours.platform_ca_der()}, expect).is_ok());
  auto verified = verify_evidence(evidence_of(theirs), {ours.platform_ca_der()}, expect);
  ASSERT_FALSE(verified.is_ok());
  EXPECT_NE(verified.status().message().find("signer"), std::string::npos) << verified.status().message();
}

// As with SGX's MRENCLAVE, the unique policy follows the measurement (code
// and configuration), not the signer; the product policy follows the signer.
TEST(Sealing, OnlyTheRightEnclavesUnseal) {
  Enclave ours = launch(TEST_ENCLAVE_IMAGE);
  Enclave again = launch(TEST_ENCLAVE_IMAGE);
  Enclave other_signer = launch(TEST_ENCLAVE_OTHER_SIGNER_IMAGE);
  Enclave other_measurement = launch(TEST_ENCLAVE_DEBUG_IMAGE);
  Bytes secret = to_bytes("sealed across enclave instances");
  for (auto policy : {SealPolicy::unique, SealPolicy::product}) {
    auto sealed =
        ours.call(Seal{.policy = static_cast<std::uint8_t>(policy), .plaintext = secret, .aad = {7}});
    ASSERT_TRUE(sealed.is_ok()) << sealed.status().to_string();
    auto same = again.call(Unseal{.sealed = sealed->sealed, .aad = {7}});
    ASSERT_TRUE(same.is_ok()) << same.status().to_string();
    EXPECT_EQ(same->plaintext, secret);
    EXPECT_FALSE(again.call(Unseal{.sealed = sealed->sealed, .aad = {8}}).is_ok());
    EXPECT_FALSE(other_measurement.call(Unseal{.sealed = sealed->sealed, .aad = {7}}).is_ok());
    auto by_other_signer = other_signer.call(Unseal{.sealed = sealed->sealed, .aad = {7}});
    EXPECT_EQ(by_other_signer.is_ok(), policy == SealPolicy::unique) << by_other_signer.status().to_string();
  }
}

}  // namespace
}  // namespace cloister
