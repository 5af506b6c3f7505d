#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "attest/test/test_platform.h"
#include "cloister/evidence.h"
#include "common/encoding.h"

namespace cloister {
namespace {

using attest::testing::matching_expectations;
using attest::testing::TestPlatform;

class VerifyEvidence : public ::testing::Test {
 protected:
  TestPlatform platform = TestPlatform::create();
  Report report = platform.good_report();

  Result<VerifiedEvidence> verify(const Report& r, const Expectations& e) {
    return verify_evidence(platform.sign(r), platform.roots(), e);
  }
  // Asserts refusal with a message containing `text`.
  void expect_refused(const Report& r, const Expectations& e, const std::string& text) {
    auto result = verify(r, e);
    ASSERT_FALSE(result) << "expected refusal: " << text;
    EXPECT_NE(result.status().message().find(text), std::string::npos) << result.status().message();
  }
};

TEST_F(VerifyEvidence, RoundTripWithEveryExpectation) {
  auto result = verify(report, matching_expectations(report));
  ASSERT_TRUE(result) << result.status().to_string();
  EXPECT_EQ(wire::encode(result->report), wire::encode(report));
  EXPECT_NE(result->platform_subject.find("Test platform"), std::string::npos);
  EXPECT_NE(result->platform_ca_subject.find("Test operator CA"), std::string::npos);
}

TEST_F(VerifyEvidence, DefaultExpectationsAcceptAProductionReport) {
  auto result = verify(report, Expectations{});
  EXPECT_TRUE(result) << result.status().to_string();
}

TEST_F(VerifyEvidence, IntermediateCaChains) {
  auto p = TestPlatform::create("Chained root", /*with_intermediate=*/true);
  auto result = verify_evidence(p.sign(p.good_report()), p.roots(), {});
  ASSERT_TRUE(result) << result.status().to_string();
  EXPECT_NE(result->platform_ca_subject.find("Chained root"), std::string::npos);
}

TEST_F(VerifyEvidence, RefusesDebugByDefault) {
  report.identity.debug = true;
  expect_refused(report, {}, "enclave is a debug enclave (debug evidence is refused unless allowed)");
  Expectations allow;
  allow.allow_debug = true;
  EXPECT_TRUE(verify(report, allow));
}

TEST_F(VerifyEvidence, RefusesSimBackendByDefault) {
  report.backend = Backend::sim;
  report.isolation = Isolation::none;
  expect_refused(report, {}, "enclave has no isolation (backend sim, isolation none");
  Expectations allow;
  allow.allow_isolation_none = true;
  EXPECT_TRUE(verify(report, allow));
}

TEST_F(VerifyEvidence, RefusesDevelopmentPlatformByDefault) {
  report.development_platform = true;
  expect_refused(report, {}, "development platform");
  Expectations allow;
  allow.allow_development_platform = true;
  EXPECT_TRUE(verify(report, allow));
}

TEST_F(VerifyEvidence, RefusesUntrustedRoot) {
  auto other = TestPlatform::create("Another operator");
  auto result = verify_evidence(platform.sign(report), other.roots(), {});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.status().code(), ErrorCode::verification_failed);
  EXPECT_EQ(result.status().message().rfind("platform certificate does not chain to a trusted root: ", 0), 0u)
      << result.status().message();

  auto none = verify_evidence(platform.sign(report), {}, {});
  ASSERT_FALSE(none);
  EXPECT_NE(none.status().message().find("no trusted roots"), std::string::npos);
}

TEST_F(VerifyEvidence, RefusesASignatureByAnotherKey) {
  auto other = TestPlatform::create();
  Bytes forged = attest::sign_evidence(report, other.key, platform.chain).value();
  auto result = verify_evidence(forged, platform.roots(), {});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.status().message(), "evidence signature does not verify");
}

TEST_F(VerifyEvidence, RefusesAPlatformIdThatIsNotTheCertifiedKey) {
  report.platform_id[0] ^= 1;
  expect_refused(report, {}, "is not the one in the platform certificate");

  // Without the id extension the verifier hashes the certified key itself.
  auto bare = TestPlatform::create("Bare CA", /*with_intermediate=*/false, /*with_id_extension=*/false);
  Report r = bare.good_report();
  EXPECT_TRUE(verify_evidence(bare.sign(r), bare.roots(), {}));
  r.platform_id[31] ^= 1;
  auto result = verify_evidence(bare.sign(r), bare.roots(), {});
  ASSERT_FALSE(result);
  EXPECT_NE(result.status().message().find("is not the certified platform key"), std::string::npos);
}

TEST_F(VerifyEvidence, RefusesWrongIdentity) {
  Expectations e = matching_expectations(report);
  e.measurement->at(0) ^= 1;
  expect_refused(report, e, "measurement mismatch: expected " + to_hex(*e.measurement) + " got ");

  e = matching_expectations(report);
  e.signer->at(31) ^= 1;
  expect_refused(report, e, "signer mismatch");

  e = matching_expectations(report);
  e.product_id = 8;
  expect_refused(report, e, "product id mismatch: expected 8 got 7");

  e = matching_expectations(report);
  e.min_security_version = 4;
  expect_refused(report, e, "security version 3 is below the minimum 4");
}

TEST_F(VerifyEvidence, ChecksReportDataPrefix) {
  Expectations e;
  e.report_data_prefix = Bytes{0, 1, 2, 9};
  expect_refused(report, e, "report data does not match the expected nonce/binding");
  e.report_data_prefix = Bytes(report.report_data.begin(), report.report_data.end());
  EXPECT_TRUE(verify(report, e));
  e.report_data_prefix = Bytes(65, 0);
  expect_refused(report, e, "longer than 64 bytes");
}

TEST_F(VerifyEvidence, RefusesStaleAndFutureEvidence) {
  Expectations e;
  e.max_age_seconds = 30;
  const auto stamp = static_cast<std::int64_t>(report.timestamp_ms);
  e.now_ms = stamp + 29'000;
  EXPECT_TRUE(verify(report, e));
  e.now_ms = stamp + 31'000;
  expect_refused(report, e, "evidence is older than 30 seconds");
  Report future = report;
  future.timestamp_ms += 10 * 60 * 1000;
  e.now_ms = 0;  // the system clock
  expect_refused(future, e, "in the future");
  e.max_age_seconds = 0;  // age not checked
  e.now_ms = stamp + 3'600'000;
  EXPECT_TRUE(verify(report, e));
}

TEST_F(VerifyEvidence, AFlippedByteAtEveryOffsetFails) {
  const Bytes good = platform.sign(report);
  const Expectations e = matching_expectations(report);
  ASSERT_TRUE(verify_evidence(good, platform.roots(), e));
  for (std::uint8_t mask : {std::uint8_t{0x01}, std::uint8_t{0x80}}) {
    for (std::size_t i = 0; i < good.size(); ++i) {
      Bytes bad = good;
      bad[i] ^= mask;
      EXPECT_FALSE(verify_evidence(bad, platform.roots(), e)) << "offset " << i << " mask " << int(mask);
    }
  }
}

TEST_F(VerifyEvidence, TruncationAtEveryLengthFails) {
  const Bytes good = platform.sign(report);
  for (std::size_t n = 0; n < good.size(); ++n) {
    auto result = verify_evidence(ByteView(good).first(n), platform.roots(), {});
    ASSERT_FALSE(result) << n;
    EXPECT_EQ(result.status().message().rfind("evidence is truncated or malformed", 0), 0u)
        << result.status().message();
  }
}

// Parsed certificates are shared between threads through the certificate cache.
TEST_F(VerifyEvidence, ConcurrentVerificationsAgree) {
  const Bytes good = platform.sign(report);
  Report debug_report = report;
  debug_report.identity.debug = true;
  const Bytes debug = platform.sign(debug_report);
  const auto roots = platform.roots();
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        if (!verify_evidence(good, roots, {})) ++wrong;
        if (verify_evidence(debug, roots, {})) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(DescribeReport, ShowsIdsInHex) {
  Report r;
  r.identity.measurement.fill(0xAB);
  r.backend = Backend::process;
  std::string text = describe(r);
  EXPECT_NE(text.find(to_hex(r.identity.measurement)), std::string::npos);
  EXPECT_NE(text.find("backend:              process"), std::string::npos);
  EXPECT_NE(text.find("isolation:            none"), std::string::npos);
}

}  // namespace
}  // namespace cloister
