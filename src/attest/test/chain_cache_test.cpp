// A chain verified once is not re-verified, but its validity periods are,
// and the report signature is checked on every call.
#include <gtest/gtest.h>

#include "test_platform.h"

namespace cloister::attest::testing {
namespace {

TEST(ChainCache, CachedChainStillChecksTimeAndSignature) {
  for (bool intermediate : {false, true}) {
    TestPlatform platform = TestPlatform::create("Chain cache CA", intermediate);
    Report report = platform.good_report();
    Bytes evidence = platform.sign(report);
    Expectations expect;
    ASSERT_TRUE(verify_evidence(evidence, platform.roots(), expect)) << intermediate;
    ASSERT_TRUE(verify_evidence(evidence, platform.roots(), expect)) << "second, cached verification";

    // Twenty years on, every certificate has expired: the cached path must say so.
    Expectations later;
    later.now_ms = unix_ms_now() + 20LL * 365 * 24 * 3600 * 1000;
    auto expired = verify_evidence(evidence, platform.roots(), later);
    ASSERT_FALSE(expired.is_ok());
    EXPECT_NE(expired.status().message().find("expired"), std::string::npos) << expired.status().message();

    Bytes forged = evidence;
    forged[forged.size() - 80] ^= 0x01;  // inside the report signature or chain
    EXPECT_FALSE(verify_evidence(forged, platform.roots(), expect).is_ok());

    // Another CA of the same name does not inherit the cached verdict.
    TestPlatform impostor = TestPlatform::create("Chain cache CA", intermediate);
    EXPECT_FALSE(verify_evidence(evidence, impostor.roots(), expect).is_ok());
  }
}

}  // namespace
}  // namespace cloister::attest::testing
