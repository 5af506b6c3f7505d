#include "enclave/seal_format.h"

#include <gtest/gtest.h>

#include "platform/platform_identity.h"

namespace cloister::enclave {
namespace {

using platform::PlatformIdentity;

EnclaveIdentity enclave(std::uint8_t measurement, std::uint16_t svn) {
  EnclaveIdentity id;
  id.measurement.fill(measurement);
  id.signer.fill(0x5E);
  id.product_id = 1;
  id.security_version = svn;
  return id;
}

// What the enclave runtime will do: ask the platform on behalf of this enclave.
SealKeyProvider provider_for(const PlatformIdentity& platform, EnclaveIdentity id) {
  return [&platform, id](SealPolicy policy, std::uint16_t svn, ByteView key_id) {
    return platform.derive_seal_key(id, policy, svn, key_id);
  };
}

constexpr char kTampered[] =
    "sealed data was modified, or was sealed for another enclave, or with other additional data";

class SealFormat : public ::testing::Test {
 protected:
  PlatformIdentity platform = PlatformIdentity::create_development().value();
  EnclaveIdentity me = enclave(0xA0, 2);
  SealKeyProvider keys = provider_for(platform, me);
  const Bytes plaintext = to_bytes("the database key");
  const Bytes aad = to_bytes("table=users");

  Bytes seal(SealPolicy policy = SealPolicy::unique) {
    return seal_blob(keys, policy, me.security_version, aad, plaintext).value();
  }
};

TEST_F(SealFormat, HeaderSizeIsFixed) {
  EXPECT_EQ(wire::encode(SealHeader{}).size(), kSealHeaderSize);
}

TEST_F(SealFormat, RoundTripsWithBothPolicies) {
  for (SealPolicy policy : {SealPolicy::unique, SealPolicy::product}) {
    Bytes blob = seal(policy);
    EXPECT_EQ(blob.size(), kSealHeaderSize + plaintext.size() + 16);
    auto opened = unseal_blob(keys, blob, aad);
    ASSERT_TRUE(opened) << opened.status().to_string();
    EXPECT_EQ(to_string(opened->view()), "the database key");
  }
  auto empty = seal_blob(keys, SealPolicy::unique, 2, {}, {});
  ASSERT_TRUE(empty);
  auto opened = unseal_blob(keys, *empty, {});
  ASSERT_TRUE(opened);
  EXPECT_TRUE(opened->empty());
}

TEST_F(SealFormat, EveryBlobIsFresh) {
  EXPECT_NE(seal(), seal());
}

TEST_F(SealFormat, WrongAadFails) {
  auto opened = unseal_blob(keys, seal(), to_bytes("table=admins"));
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.status().message(), kTampered);
}

TEST_F(SealFormat, AnotherEnclaveCannotUnsealUniqueButSameProductCan) {
  const auto other = provider_for(platform, enclave(0xB0, 2));
  auto unique = unseal_blob(other, seal(SealPolicy::unique), aad);
  ASSERT_FALSE(unique);
  EXPECT_EQ(unique.status().message(), kTampered);
  EXPECT_TRUE(unseal_blob(other, seal(SealPolicy::product), aad));

  auto other_platform = PlatformIdentity::create_development().value();
  EXPECT_FALSE(unseal_blob(provider_for(other_platform, me), seal(SealPolicy::product), aad));
}

TEST_F(SealFormat, ATamperedByteAnywhereFails) {
  const Bytes blob = seal();
  for (std::size_t i = 0; i < blob.size(); ++i) {
    Bytes bad = blob;
    bad[i] ^= 0x01;
    EXPECT_FALSE(unseal_blob(keys, bad, aad)) << "offset " << i;
  }
  for (std::size_t n = 0; n < blob.size(); ++n) EXPECT_FALSE(unseal_blob(keys, ByteView(blob).first(n), aad));
}

TEST_F(SealFormat, ANewerEnclaveUnsealsOlderDataButNotTheReverse) {
  const auto v1 = provider_for(platform, enclave(0xA0, 1));
  const auto v3 = provider_for(platform, enclave(0xC0, 3));
  Bytes old_blob = seal_blob(v1, SealPolicy::product, 1, aad, plaintext).value();
  auto upgraded = unseal_blob(v3, old_blob, aad);
  ASSERT_TRUE(upgraded) << upgraded.status().to_string();
  EXPECT_EQ(to_string(upgraded->view()), "the database key");

  Bytes new_blob = seal_blob(v3, SealPolicy::product, 3, aad, plaintext).value();
  auto downgraded = unseal_blob(v1, new_blob, aad);
  ASSERT_FALSE(downgraded);
  EXPECT_EQ(downgraded.status().code(), ErrorCode::permission_denied);
  EXPECT_NE(downgraded.status().message().find("newer security version"), std::string::npos);
  // Sealing for a version the enclave does not have is refused the same way.
  EXPECT_FALSE(seal_blob(v1, SealPolicy::product, 3, aad, plaintext));
}

TEST_F(SealFormat, RejectsWhatIsNotASealedBlob) {
  for (const Bytes& junk : {Bytes{}, to_bytes("hello"), Bytes(200, 0x00)}) {
    auto opened = unseal_blob(keys, junk, aad);
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.status().message(), "not a sealed blob");
  }
}

TEST_F(SealFormat, RejectsUnknownPolicyAndVersion) {
  Bytes blob = seal();
  Bytes bad_policy = blob;
  bad_policy[10] = 3;  // magic(8) + version(2)
  auto p = unseal_blob(keys, bad_policy, aad);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.status().message(), "sealed blob names an unknown sealing policy 3");
  Bytes bad_version = blob;
  bad_version[8] = 2;
  auto v = unseal_blob(keys, bad_version, aad);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.status().message(), "unsupported sealed blob version 2");
  EXPECT_FALSE(seal_blob(keys, static_cast<SealPolicy>(0), 2, aad, plaintext));
}

}  // namespace
}  // namespace cloister::enclave
