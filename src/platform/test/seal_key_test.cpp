#include <gtest/gtest.h>

#include "common/test/temp_dir.h"
#include "platform/platform_identity.h"

namespace cloister::platform {
namespace {

EnclaveIdentity enclave(std::uint8_t measurement, std::uint8_t signer, std::uint16_t product,
                        std::uint16_t svn) {
  EnclaveIdentity id;
  id.measurement.fill(measurement);
  id.signer.fill(signer);
  id.product_id = product;
  id.security_version = svn;
  return id;
}

Bytes key(const PlatformIdentity& p, const EnclaveIdentity& id, SealPolicy policy, std::uint16_t svn,
          ByteView key_id) {
  auto k = p.derive_seal_key(id, policy, svn, key_id);
  EXPECT_TRUE(k) << k.status().to_string();
  if (!k) return {};
  EXPECT_EQ(k->size(), 32u);
  return Bytes(k->view().begin(), k->view().end());
}

class SealKey : public ::testing::Test {
 protected:
  PlatformIdentity platform = PlatformIdentity::create_development().value();
  const Bytes key_id = Bytes(32, 0x42);
};

TEST_F(SealKey, IsDeterministic) {
  auto id = enclave(1, 2, 3, 4);
  EXPECT_EQ(key(platform, id, SealPolicy::unique, 4, key_id),
            key(platform, id, SealPolicy::unique, 4, key_id));
  EXPECT_EQ(key(platform, id, SealPolicy::product, 4, key_id),
            key(platform, id, SealPolicy::product, 4, key_id));
}

TEST_F(SealKey, SurvivesReloadAndDiffersBetweenPlatforms) {
  testing::TempDir tmp;
  auto created = PlatformIdentity::init(tmp.sub("p"), {});
  ASSERT_TRUE(created);
  auto loaded = PlatformIdentity::load(tmp.sub("p"));
  ASSERT_TRUE(loaded);
  auto id = enclave(1, 2, 3, 4);
  EXPECT_EQ(key(*created, id, SealPolicy::unique, 4, key_id),
            key(*loaded, id, SealPolicy::unique, 4, key_id));
  EXPECT_NE(key(*created, id, SealPolicy::unique, 4, key_id),
            key(platform, id, SealPolicy::unique, 4, key_id));
}

TEST_F(SealKey, UniquePolicySeparatesMeasurements) {
  EXPECT_NE(key(platform, enclave(1, 2, 3, 4), SealPolicy::unique, 4, key_id),
            key(platform, enclave(9, 2, 3, 4), SealPolicy::unique, 4, key_id));
}

TEST_F(SealKey, ProductPolicySharesAcrossMeasurementsOfOneProduct) {
  const Bytes a = key(platform, enclave(1, 2, 3, 4), SealPolicy::product, 4, key_id);
  EXPECT_EQ(a, key(platform, enclave(9, 2, 3, 4), SealPolicy::product, 4, key_id));
  EXPECT_NE(a, key(platform, enclave(1, 2, 8, 4), SealPolicy::product, 4, key_id));  // other product
  EXPECT_NE(a, key(platform, enclave(1, 7, 3, 4), SealPolicy::product, 4, key_id));  // other signer
}

TEST_F(SealKey, SeparatesPolicySvnKeyIdAndDebug) {
  auto id = enclave(1, 2, 3, 4);
  const Bytes base = key(platform, id, SealPolicy::unique, 4, key_id);
  EXPECT_NE(base, key(platform, id, SealPolicy::product, 4, key_id));
  EXPECT_NE(base, key(platform, id, SealPolicy::unique, 3, key_id));
  EXPECT_NE(base, key(platform, id, SealPolicy::unique, 4, Bytes(32, 0x43)));
  auto debug = id;
  debug.debug = true;
  EXPECT_NE(key(platform, id, SealPolicy::product, 4, key_id),
            key(platform, debug, SealPolicy::product, 4, key_id));
}

TEST_F(SealKey, RefusesANewerSecurityVersion) {
  auto id = enclave(1, 2, 3, 4);
  EXPECT_TRUE(platform.derive_seal_key(id, SealPolicy::unique, 0, key_id));  // older data: allowed
  auto newer = platform.derive_seal_key(id, SealPolicy::product, 5, key_id);
  ASSERT_FALSE(newer);
  EXPECT_EQ(newer.status().code(), ErrorCode::permission_denied);
  EXPECT_EQ(newer.status().message(), "an enclave cannot derive a sealing key for a newer security version");
}

TEST_F(SealKey, RefusesUnknownPolicyAndHugeKeyId) {
  auto id = enclave(1, 2, 3, 4);
  auto bad = platform.derive_seal_key(id, static_cast<SealPolicy>(3), 4, key_id);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.status().code(), ErrorCode::invalid_argument);
  EXPECT_FALSE(platform.derive_seal_key(id, SealPolicy::unique, 4, Bytes(65, 0)));
}

}  // namespace
}  // namespace cloister::platform
