// The evidence extension codec and Verifier::verify_certificate on
// certificates made here with an in-process development platform.
#include <gtest/gtest.h>

#include "ratls/test/test_platform.h"

namespace cloister::ratls {
namespace {

using test::attested_certificate;
using test::development_ok;

TEST(EvidenceExtension, RoundTripsAndUsesTheShortestHeads) {
  for (std::size_t size : {0u, 1u, 23u, 24u, 255u, 256u, 65535u, 65536u}) {
    Bytes evidence(size, 0x5A);
    Bytes encoded = encode_evidence_extension(evidence);
    // tag 0x434C4556 needs a 4-byte head: DA 43 4C 45 56.
    EXPECT_EQ(Bytes(encoded.begin(), encoded.begin() + 5), (Bytes{0xDA, 0x43, 0x4C, 0x45, 0x56}));
    auto decoded = decode_evidence_extension(encoded);
    if (size > kMaxEvidenceSize) {
      EXPECT_FALSE(decoded.is_ok());
      continue;
    }
    ASSERT_TRUE(decoded.is_ok()) << size << ": " << decoded.status().to_string();
    EXPECT_EQ(*decoded, evidence);
  }
  EXPECT_EQ(encode_evidence_extension(Bytes{1, 2})[5], 0x42);  // byte string of length 2
}

TEST(EvidenceExtension, RefusesEverythingElse) {
  const Bytes good = encode_evidence_extension(Bytes{1, 2, 3});
  auto refused = [](const Bytes& bytes) { return !decode_evidence_extension(bytes).is_ok(); };
  EXPECT_TRUE(refused({}));
  EXPECT_TRUE(refused(Bytes(good.begin(), good.end() - 1)));    // truncated evidence
  EXPECT_TRUE(refused(Bytes(good.begin(), good.begin() + 3)));  // truncated tag
  Bytes trailing = good;
  trailing.push_back(0);
  EXPECT_TRUE(refused(trailing));
  Bytes other_tag = good;
  other_tag[4] ^= 1;
  EXPECT_TRUE(refused(other_tag));
  Bytes text = good;
  text[5] = 0x63;  // a text string, not a byte string
  EXPECT_TRUE(refused(text));
  EXPECT_TRUE(refused(Bytes{0xDA, 0x43, 0x4C, 0x45, 0x56, 0x5F, 0x41, 0x00, 0xFF}));  // indefinite length
  EXPECT_TRUE(refused(Bytes{0xDA, 0x43, 0x4C, 0x45, 0x56, 0x58, 0x01, 0x00}));  // length 1 in a 1-byte head
  EXPECT_TRUE(refused(Bytes{0xDB, 0, 0, 0, 0, 0x43, 0x4C, 0x45, 0x56, 0x40}));  // tag in an 8-byte head
  Bytes huge{0xDA, 0x43, 0x4C, 0x45, 0x56, 0x5A, 0x00, 0x01, 0x00, 0x01};       // 65537 bytes claimed
  EXPECT_TRUE(refused(huge));
}

class VerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = platform::PlatformIdentity::create_development();
    ASSERT_TRUE(created.is_ok());
    platform_ = std::make_unique<platform::PlatformIdentity>(std::move(created).value());
    key_ = std::move(crypto::PrivateKey::generate(crypto::KeyType::ec_p256)).value();
  }
  Verifier verifier(Expectations expect = development_ok()) const {
    return Verifier({platform_->operator_ca_der()}, std::move(expect));
  }
  std::unique_ptr<platform::PlatformIdentity> platform_;
  crypto::PrivateKey key_;
};

TEST_F(VerifierTest, AcceptsABoundCertificateAndReturnsTheClaims) {
  Bytes certificate = attested_certificate(*platform_, key_, key_.public_key());
  Expectations expect = development_ok();
  expect.measurement = test::test_identity().measurement;
  expect.signer = test::test_identity().signer;
  expect.product_id = 7;
  expect.min_security_version = 3;
  auto peer = verifier(expect).verify_certificate(certificate);
  ASSERT_TRUE(peer.is_ok()) << peer.status().to_string();
  EXPECT_EQ(peer->evidence.report.identity.product_id, 7);
  EXPECT_EQ(peer->certificate_der, certificate);
  auto spki = key_.public_key().to_der();
  auto digest = crypto::sha256(*spki);
  EXPECT_EQ(peer->spki_sha256, Bytes(digest.begin(), digest.end()));
}

TEST_F(VerifierTest, RefusesEvidenceThatBindsAnotherKey) {
  auto other = crypto::PrivateKey::generate(crypto::KeyType::ec_p256);
  Bytes certificate = attested_certificate(*platform_, key_, other->public_key());
  auto peer = verifier().verify_certificate(certificate);
  ASSERT_FALSE(peer.is_ok());
  EXPECT_NE(peer.status().message().find("does not bind the certificate's key"), std::string::npos)
      << peer.status().message();
}

TEST_F(VerifierTest, RefusesWrongIdentityUntrustedPlatformAndDefaults) {
  Bytes certificate = attested_certificate(*platform_, key_, key_.public_key());
  Expectations wrong = development_ok();
  wrong.measurement = Measurement{};
  auto peer = verifier(wrong).verify_certificate(certificate);
  ASSERT_FALSE(peer.is_ok());
  EXPECT_NE(peer.status().message().find("measurement mismatch"), std::string::npos);

  wrong = development_ok();
  wrong.signer = SignerId{};
  EXPECT_NE(verifier(wrong).verify_certificate(certificate).status().message().find("signer"),
            std::string::npos);

  auto elsewhere = platform::PlatformIdentity::create_development();
  Verifier untrusted({elsewhere->operator_ca_der()}, development_ok());
  EXPECT_NE(untrusted.verify_certificate(certificate).status().message().find("trusted root"),
            std::string::npos);

  // Default expectations refuse a development platform.
  EXPECT_NE(verifier(Expectations{}).verify_certificate(certificate).status().message().find("development"),
            std::string::npos);
}

TEST_F(VerifierTest, RefusesTamperedAndPlainCertificates) {
  Bytes certificate = attested_certificate(*platform_, key_, key_.public_key());
  const Verifier check = verifier();
  // Flip bytes everywhere: nothing that changed may verify.
  for (std::size_t offset = 0; offset < certificate.size(); offset += 11) {
    Bytes tampered = certificate;
    tampered[offset] ^= 0x01;
    EXPECT_FALSE(check.verify_certificate(tampered).is_ok()) << "offset " << offset;
  }
  crypto::CertificateRequest request;
  request.subject_common_name = "plain";
  auto plain = crypto::issue_certificate(request, key_.public_key(), key_, nullptr);
  auto peer = check.verify_certificate(*plain->to_der());
  ASSERT_FALSE(peer.is_ok());
  EXPECT_NE(peer.status().message().find("carries no evidence"), std::string::npos);
  EXPECT_FALSE(check.verify_certificate(Bytes{0x30, 0x00}).is_ok());
}

}  // namespace
}  // namespace cloister::ratls
