#include "sql/cmk_metadata.h"

#include <gtest/gtest.h>

#include "sql/key_file_store.h"

namespace cloister::sql {
namespace {

TEST(CmkMetadata, HashedBytesAreLowercaseUtf16) {
  auto bytes = cmk_metadata_bytes("MSSQL_CERTIFICATE_STORE", "CurrentUser/My/AB", true);
  ASSERT_TRUE(bytes.is_ok());
  const std::string expected = "mssql_certificate_storecurrentuser/my/abtrue";
  ASSERT_EQ(bytes->size(), expected.size() * 2);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ((*bytes)[2 * i], static_cast<std::uint8_t>(expected[i]));
    EXPECT_EQ((*bytes)[2 * i + 1], 0);
  }
  auto no = cmk_metadata_bytes("P", "k", false);
  EXPECT_EQ(no->size(), std::string("pkfalse").size() * 2);
}

TEST(CmkMetadata, SignAndVerify) {
  auto cmk = crypto::PrivateKey::generate(crypto::KeyType::rsa, 2048);
  ASSERT_TRUE(cmk.is_ok());
  const crypto::PublicKey pub = cmk->public_key();
  auto signature = sign_cmk_metadata(*cmk, kKeyFileProviderName, "Orders-CMK", true);
  ASSERT_TRUE(signature.is_ok()) << signature.status().to_string();
  EXPECT_TRUE(verify_cmk_metadata(pub, kKeyFileProviderName, "Orders-CMK", true, *signature).is_ok());
  // Case-insensitive, as SQL Server lowers the metadata.
  EXPECT_TRUE(verify_cmk_metadata(pub, "cloister_key_file", "orders-cmk", true, *signature).is_ok());

  // A key that is not enclave-enabled.
  Status not_enabled = verify_cmk_metadata(pub, kKeyFileProviderName, "Orders-CMK", false, *signature);
  EXPECT_EQ(not_enabled.code(), ErrorCode::verification_failed);
  EXPECT_NE(not_enabled.message().find("not enclave-enabled"), std::string::npos);
  EXPECT_FALSE(verify_cmk_metadata(pub, kKeyFileProviderName, "Other-CMK", true, *signature).is_ok());
  EXPECT_FALSE(verify_cmk_metadata(pub, "MSSQL_CERTIFICATE_STORE", "Orders-CMK", true, *signature).is_ok());

  Bytes tampered = *signature;
  tampered[tampered.size() / 2] ^= 1;
  EXPECT_FALSE(verify_cmk_metadata(pub, kKeyFileProviderName, "Orders-CMK", true, tampered).is_ok());
  EXPECT_FALSE(verify_cmk_metadata(pub, kKeyFileProviderName, "Orders-CMK", true, {}).is_ok());

  auto other = crypto::PrivateKey::generate(crypto::KeyType::rsa, 2048);
  EXPECT_FALSE(
      verify_cmk_metadata(other->public_key(), kKeyFileProviderName, "Orders-CMK", true, *signature).is_ok());
}

TEST(CmkMetadata, RemoteSignerMakesTheSameSignature) {
  auto cmk = crypto::PrivateKey::generate(crypto::KeyType::rsa, 2048);
  ASSERT_TRUE(cmk.is_ok());
  int calls = 0;
  CmkSigner signer = [&](const crypto::Digest256& digest) {
    ++calls;
    return cmk->rsa_sign_digest(digest, crypto::HashAlgorithm::sha256);
  };
  const std::string path = "https://kbs.example:8600/keys/hr-cmk/1";
  auto remote = sign_cmk_metadata(cmk->public_key(), signer, "CLOISTER_KBS", path, true);
  ASSERT_TRUE(remote.is_ok()) << remote.status().to_string();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(*remote, *sign_cmk_metadata(*cmk, "CLOISTER_KBS", path, true));
  EXPECT_TRUE(verify_cmk_metadata(cmk->public_key(), "cloister_kbs", path, true, *remote).is_ok());

  auto other = crypto::PrivateKey::generate(crypto::KeyType::rsa, 2048);
  auto wrong = sign_cmk_metadata(cmk->public_key(), local_signer(*other), "CLOISTER_KBS", path, true);
  ASSERT_FALSE(wrong.is_ok());
  EXPECT_EQ(wrong.status().code(), ErrorCode::verification_failed);
}

}  // namespace
}  // namespace cloister::sql
