#include "crypto/x509.h"

#include <gtest/gtest.h>
#include <openssl/x509.h>

#include "crypto/test/test_util.h"

namespace cloister::crypto {
namespace {

using testing::hex;

constexpr std::int64_t kDay = 24 * 3600;
constexpr std::int64_t kStart = 1'700'000'000;  // 2023-11-14, a fixed issuance time
constexpr const char* kCustomOid = "1.3.6.1.4.1.55555.1.1";

Result<Certificate> issue(const std::string& name, bool is_ca, const PublicKey& subject,
                          const PrivateKey& issuer_key, const Certificate* issuer,
                          std::vector<std::pair<std::string, Bytes>> extensions = {}) {
  CertificateRequest request;
  request.subject_common_name = name;
  request.is_ca = is_ca;
  request.not_before = kStart;
  request.validity_seconds = 365 * kDay;
  request.extensions = std::move(extensions);
  return issue_certificate(request, subject, issuer_key, issuer);
}

// root (P-384, self-signed CA) -> intermediate (P-256 CA) -> leaf (P-256).
class Chain : public ::testing::Test {
 protected:
  void SetUp() override {
    root_key = std::move(PrivateKey::generate(KeyType::ec_p384)).value();
    intermediate_key = std::move(PrivateKey::generate(KeyType::ec_p256)).value();
    leaf_key = std::move(PrivateKey::generate(KeyType::ec_p256)).value();
    auto root_result = issue("Cloister Test Root", true, root_key.public_key(), root_key, nullptr);
    ASSERT_TRUE(root_result.is_ok()) << root_result.status().to_string();
    root = std::move(root_result).value();
    auto intermediate_result =
        issue("Cloister Test Intermediate", true, intermediate_key.public_key(), root_key, &root);
    ASSERT_TRUE(intermediate_result.is_ok()) << intermediate_result.status().to_string();
    intermediate = std::move(intermediate_result).value();
    auto leaf_result = issue("enclave leaf", false, leaf_key.public_key(), intermediate_key, &intermediate,
                             {{kCustomOid, hex("0401020304")}});
    ASSERT_TRUE(leaf_result.is_ok()) << leaf_result.status().to_string();
    leaf = std::move(leaf_result).value();
  }

  std::vector<Certificate> intermediates() const {
    std::vector<Certificate> out;
    out.push_back(intermediate.clone());
    return out;
  }
  std::vector<Certificate> roots() const {
    std::vector<Certificate> out;
    out.push_back(root.clone());
    return out;
  }

  static constexpr std::int64_t kDuringValidity = kStart + 30 * kDay;

  PrivateKey root_key, intermediate_key, leaf_key;
  Certificate root, intermediate, leaf;
};

TEST_F(Chain, VerifiesToItsRoot) {
  Status status = verify_chain(leaf, intermediates(), roots(), kDuringValidity);
  EXPECT_TRUE(status.is_ok()) << status.to_string();
  EXPECT_TRUE(verify_chain(intermediate, {}, roots(), kDuringValidity).is_ok());
  EXPECT_TRUE(verify_chain(root, {}, roots(), kDuringValidity).is_ok());
}

TEST_F(Chain, WrongRootFails) {
  auto other_key = PrivateKey::generate(KeyType::ec_p384);
  // Same subject name as the real root: only the key tells them apart.
  auto other_root = issue("Cloister Test Root", true, other_key->public_key(), *other_key, nullptr);
  ASSERT_TRUE(other_root.is_ok());
  std::vector<Certificate> wrong_roots;
  wrong_roots.push_back(std::move(other_root).value());
  Status status = verify_chain(leaf, intermediates(), wrong_roots, kDuringValidity);
  EXPECT_EQ(status.code(), ErrorCode::verification_failed);
  EXPECT_NE(status.message().find("CN=Cloister Test Intermediate"), std::string::npos) << status.message();
}

TEST_F(Chain, MissingIntermediateFails) {
  Status status = verify_chain(leaf, {}, roots(), kDuringValidity);
  EXPECT_EQ(status.code(), ErrorCode::verification_failed);
  EXPECT_NE(status.message().find("CN=enclave leaf"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("unable to get local issuer certificate"), std::string::npos)
      << status.message();
}

TEST_F(Chain, PartialChainIsNotTrusted) {
  // The intermediate as the only "root": it is not self-signed, so the chain
  // does not reach a trust anchor.
  std::vector<Certificate> intermediate_only;
  intermediate_only.push_back(intermediate.clone());
  EXPECT_EQ(verify_chain(leaf, {}, intermediate_only, kDuringValidity).code(),
            ErrorCode::verification_failed);
}

TEST_F(Chain, ExpiredAndNotYetValidFail) {
  Status expired = verify_chain(leaf, intermediates(), roots(), leaf.not_after() + 1);
  EXPECT_EQ(expired.code(), ErrorCode::verification_failed);
  EXPECT_NE(expired.message().find("certificate has expired"), std::string::npos) << expired.message();
  Status early = verify_chain(leaf, intermediates(), roots(), kStart - kDay);
  EXPECT_EQ(early.code(), ErrorCode::verification_failed);
  EXPECT_NE(early.message().find("not yet valid"), std::string::npos) << early.message();
  // Default time is now: the fixed test validity ended in 2024.
  EXPECT_FALSE(verify_chain(leaf, intermediates(), roots()).is_ok());
}

TEST_F(Chain, NonCaIssuerFails) {
  auto grandchild_key = PrivateKey::generate(KeyType::ec_p256);
  auto grandchild = issue("issued by a leaf", false, grandchild_key->public_key(), leaf_key, &leaf);
  ASSERT_TRUE(grandchild.is_ok());
  std::vector<Certificate> chain = intermediates();
  chain.push_back(leaf.clone());
  EXPECT_EQ(verify_chain(*grandchild, chain, roots(), kDuringValidity).code(),
            ErrorCode::verification_failed);
}

TEST_F(Chain, FieldsReadBack) {
  EXPECT_EQ(leaf.subject(), "CN=enclave leaf,O=Cloister");
  EXPECT_EQ(leaf.issuer(), "CN=Cloister Test Intermediate,O=Cloister");
  EXPECT_EQ(root.subject(), root.issuer());
  EXPECT_EQ(leaf.not_before(), kStart);
  EXPECT_EQ(leaf.not_after(), kStart + 365 * kDay);
  EXPECT_EQ(*leaf.public_key()->to_der(), *leaf_key.public_key().to_der());
  EXPECT_EQ(X509_get_version(leaf.get()), X509_VERSION_3);
  EXPECT_LE(ASN1_STRING_length(X509_get0_serialNumber(leaf.get())), 16);
  EXPECT_GE(ASN1_STRING_length(X509_get0_serialNumber(leaf.get())), 15);
}

TEST_F(Chain, StandardExtensions) {
  // basicConstraints: CA:TRUE is SEQUENCE { BOOLEAN TRUE }; CA:FALSE is the
  // DER default, an empty SEQUENCE.
  EXPECT_EQ(*root.extension("2.5.29.19"), hex("30030101ff"));
  EXPECT_EQ(*leaf.extension("2.5.29.19"), hex("3000"));
  EXPECT_TRUE(leaf.extension("2.5.29.15").has_value()) << "keyUsage";
  auto root_skid = root.extension("2.5.29.14");
  auto intermediate_akid = intermediate.extension("2.5.29.35");
  ASSERT_TRUE(root_skid.has_value() && intermediate_akid.has_value());
  // AKID is SEQUENCE { [0] keyIdentifier }; its key id is the root's SKID.
  ASSERT_EQ(intermediate_akid->size(), root_skid->size() + 2);
  EXPECT_TRUE(std::equal(root_skid->begin() + 2, root_skid->end(), intermediate_akid->begin() + 4));
  for (const Certificate* cert : {&root, &intermediate, &leaf}) {
    for (int nid : {NID_basic_constraints, NID_key_usage}) {
      int index = X509_get_ext_by_NID(cert->get(), nid, -1);
      ASSERT_GE(index, 0) << OBJ_nid2sn(nid);
      EXPECT_EQ(X509_EXTENSION_get_critical(X509_get_ext(cert->get(), index)), 1) << OBJ_nid2sn(nid);
    }
  }
}

TEST_F(Chain, CustomExtensionRoundTrip) {
  EXPECT_EQ(*leaf.extension(kCustomOid), hex("0401020304"));
  EXPECT_FALSE(leaf.extension("1.3.6.1.4.1.55555.1.2").has_value());
  EXPECT_FALSE(leaf.extension("not an oid").has_value());
  auto reparsed = Certificate::from_der(*leaf.to_der());
  ASSERT_TRUE(reparsed.is_ok());
  EXPECT_EQ(*reparsed->extension(kCustomOid), hex("0401020304"));
}

TEST_F(Chain, IssuingRejectsBadRequests) {
  EXPECT_EQ(issue("mismatched self-signed", true, leaf_key.public_key(), root_key, nullptr).status().code(),
            ErrorCode::invalid_argument);
  EXPECT_EQ(issue("wrong issuer key", false, leaf_key.public_key(), leaf_key, &root).status().code(),
            ErrorCode::invalid_argument);
  EXPECT_EQ(issue("", false, leaf_key.public_key(), root_key, &root).status().code(),
            ErrorCode::invalid_argument);
  EXPECT_EQ(
      issue("bad oid", false, leaf_key.public_key(), root_key, &root, {{"not.an.oid", {}}}).status().code(),
      ErrorCode::invalid_argument);
  EXPECT_EQ(
      issue("duplicate", false, leaf_key.public_key(), root_key, &root, {{kCustomOid, {}}, {kCustomOid, {}}})
          .status()
          .code(),
      ErrorCode::invalid_argument);
}

TEST_F(Chain, DerAndPemRoundTrip) {
  auto der = leaf.to_der();
  auto pem = leaf.to_pem();
  ASSERT_TRUE(der.is_ok() && pem.is_ok());
  auto from_der = Certificate::from_der(*der);
  auto from_pem = Certificate::from_pem(*pem);
  ASSERT_TRUE(from_der.is_ok() && from_pem.is_ok());
  EXPECT_EQ(*from_der->to_der(), *der);
  EXPECT_EQ(*from_pem->to_der(), *der);
  EXPECT_EQ(*leaf.clone().to_der(), *der);

  auto bundle = Certificate::all_from_pem(*leaf.to_pem() + *intermediate.to_pem() + *root.to_pem());
  ASSERT_TRUE(bundle.is_ok()) << bundle.status().to_string();
  ASSERT_EQ(bundle->size(), 3u);
  EXPECT_EQ((*bundle)[0].subject(), leaf.subject());
  EXPECT_EQ((*bundle)[2].subject(), root.subject());
}

TEST_F(Chain, MalformedEncodingsRejected) {
  Bytes der = *leaf.to_der();
  Bytes trailing = der;
  trailing.push_back(0);
  EXPECT_EQ(Certificate::from_der(trailing).status().code(), ErrorCode::decode_error);
  EXPECT_EQ(Certificate::from_der(Bytes(der.begin(), der.end() - 1)).status().code(),
            ErrorCode::decode_error);
  EXPECT_EQ(Certificate::from_der({}).status().code(), ErrorCode::decode_error);
  EXPECT_EQ(Certificate::from_der(Bytes(100, 0x30)).status().code(), ErrorCode::decode_error);
  EXPECT_EQ(Certificate::from_pem("no pem here").status().code(), ErrorCode::decode_error);
  EXPECT_EQ(
      Certificate::from_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").status().code(),
      ErrorCode::decode_error);
  EXPECT_EQ(Certificate::all_from_pem("").status().code(), ErrorCode::decode_error);
  std::string pem = *leaf.to_pem();
  auto broken_second =
      Certificate::all_from_pem(pem + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  EXPECT_EQ(broken_second.status().code(), ErrorCode::decode_error);
}

TEST(EmptyCertificate, ReportsErrors) {
  Certificate empty;
  EXPECT_FALSE(empty.to_der().is_ok());
  EXPECT_FALSE(empty.public_key().is_ok());
  EXPECT_EQ(empty.subject(), "");
  EXPECT_FALSE(empty.extension("2.5.29.19").has_value());
  EXPECT_EQ(verify_chain(empty, {}, {}).code(), ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace cloister::crypto

TEST(VerifyIssuedBy, AcceptsTheIssuerAndRefusesAnotherKey) {
  auto ca_key = cloister::crypto::PrivateKey::generate(cloister::crypto::KeyType::ec_p256);
  auto other_key = cloister::crypto::PrivateKey::generate(cloister::crypto::KeyType::ec_p256);
  auto leaf_key = cloister::crypto::PrivateKey::generate(cloister::crypto::KeyType::ec_p256);
  ASSERT_TRUE(ca_key && other_key && leaf_key);
  cloister::crypto::CertificateRequest ca_request;
  ca_request.subject_common_name = "issued-by CA";
  ca_request.is_ca = true;
  auto ca = cloister::crypto::issue_certificate(ca_request, ca_key->public_key(), *ca_key, nullptr);
  ASSERT_TRUE(ca);
  cloister::crypto::CertificateRequest leaf_request;
  leaf_request.subject_common_name = "issued-by leaf";
  auto leaf = cloister::crypto::issue_certificate(leaf_request, leaf_key->public_key(), *ca_key, &*ca);
  ASSERT_TRUE(leaf);
  EXPECT_TRUE(cloister::crypto::verify_issued_by(*leaf, ca_key->public_key()).is_ok());
  EXPECT_TRUE(cloister::crypto::verify_issued_by(*ca, ca_key->public_key()).is_ok());
  auto wrong = cloister::crypto::verify_issued_by(*leaf, other_key->public_key());
  EXPECT_EQ(wrong.code(), cloister::ErrorCode::verification_failed);
  EXPECT_FALSE(
      cloister::crypto::verify_issued_by(cloister::crypto::Certificate(), ca_key->public_key()).is_ok());
}
