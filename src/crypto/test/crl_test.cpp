#include "crypto/crl.h"

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "crypto/test/crl_builder.h"

namespace cloister::crypto {
namespace {

constexpr std::int64_t kDay = 24 * 3600;
constexpr std::int64_t kStart = 1'700'000'000;  // 2023-11-14

Certificate issue(const std::string& name, bool is_ca, const PublicKey& subject, const PrivateKey& issuer_key,
                  const Certificate* issuer) {
  CertificateRequest request;
  request.subject_common_name = name;
  request.is_ca = is_ca;
  request.not_before = kStart;
  request.validity_seconds = 365 * kDay;
  auto cert = issue_certificate(request, subject, issuer_key, issuer);
  EXPECT_TRUE(cert.is_ok()) << cert.status().to_string();
  return cert.is_ok() ? std::move(cert).value() : Certificate();
}

class CrlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ca_key = std::move(PrivateKey::generate(KeyType::ec_p256)).value();
    other_key = std::move(PrivateKey::generate(KeyType::ec_p256)).value();
    ca = issue("Test CA", true, ca_key.public_key(), ca_key, nullptr);
    other_ca = issue("Other CA", true, other_key.public_key(), other_key, nullptr);
    revoked = issue("revoked leaf", false, other_key.public_key(), ca_key, &ca);
    good = issue("good leaf", false, other_key.public_key(), ca_key, &ca);
    foreign = issue("foreign leaf", false, other_key.public_key(), other_key, &other_ca);
    auto built = testing::build_crl(ca, ca_key, {&revoked}, kStart, kStart + 30 * kDay);
    ASSERT_TRUE(built.is_ok()) << built.status().to_string();
    crl = std::move(built).value();
  }

  PrivateKey ca_key, other_key;
  Certificate ca, other_ca, revoked, good, foreign;
  Crl crl;
};

TEST_F(CrlTest, FieldsAndRevocation) {
  EXPECT_EQ(crl.issuer(), ca.subject());
  EXPECT_EQ(crl.this_update(), kStart);
  EXPECT_EQ(crl.next_update(), kStart + 30 * kDay);
  EXPECT_EQ(crl.revoked_count(), 1U);
  EXPECT_TRUE(crl.issued_by(ca));
  EXPECT_FALSE(crl.issued_by(other_ca));
  EXPECT_TRUE(crl.is_revoked(revoked));
  EXPECT_FALSE(crl.is_revoked(good));
  EXPECT_FALSE(crl.is_revoked(foreign));  // another issuer, whatever its serial
}

TEST_F(CrlTest, Signature) {
  EXPECT_TRUE(crl.verify_signature(ca_key.public_key()).is_ok());
  Status wrong = crl.verify_signature(other_key.public_key());
  EXPECT_EQ(wrong.code(), ErrorCode::verification_failed);
}

TEST_F(CrlTest, DerPemAndHexRoundTrip) {
  auto der = crl.to_der();
  ASSERT_TRUE(der.is_ok());
  auto from_der = Crl::from_der(*der);
  ASSERT_TRUE(from_der.is_ok());
  EXPECT_TRUE(from_der->is_revoked(revoked));

  auto from_hex_text = Crl::from_any(as_bytes(to_hex(*der) + "\n"));
  ASSERT_TRUE(from_hex_text.is_ok()) << from_hex_text.status().to_string();
  EXPECT_EQ(from_hex_text->to_der().value(), *der);

  std::string pem = "-----BEGIN X509 CRL-----\n" + to_base64(*der) + "\n-----END X509 CRL-----\n";
  auto from_pem = Crl::from_any(as_bytes(pem));
  ASSERT_TRUE(from_pem.is_ok()) << from_pem.status().to_string();
  EXPECT_EQ(from_pem->to_der().value(), *der);

  EXPECT_TRUE(Crl::from_any(*der).is_ok());
}

TEST_F(CrlTest, RejectsMalformed) {
  auto der = crl.to_der().value();
  Bytes trailing = der;
  trailing.push_back(0);
  EXPECT_FALSE(Crl::from_der(trailing).is_ok());
  EXPECT_FALSE(Crl::from_der(ByteView(der).first(der.size() - 1)).is_ok());
  EXPECT_FALSE(Crl::from_any(as_bytes("")).is_ok());
  EXPECT_FALSE(Crl::from_any(as_bytes("30zz")).is_ok());
  EXPECT_FALSE(Crl::from_any(as_bytes("303")).is_ok());
  EXPECT_FALSE(Crl::from_pem("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n").is_ok());
  Crl empty;
  EXPECT_FALSE(empty.verify_signature(ca_key.public_key()).is_ok());
  EXPECT_FALSE(empty.is_revoked(revoked));
}

}  // namespace
}  // namespace cloister::crypto
