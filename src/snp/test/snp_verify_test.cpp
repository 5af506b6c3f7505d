#include "snp/snp_verify.h"

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "crypto/sha.h"
#include "snp/amd_chain.h"
#include "snp/amd_roots.h"
#include "snp/test/snp_test_util.h"

namespace cloister::snp {
namespace {

using hwattest::EvidenceKind;
using hwattest::StepOutcome;
using hwattest::Verdict;
using test::vectors;

struct Vector {
  std::string key;  // in expected.json
  Bytes evidence;
  std::vector<crypto::Certificate> certificates;  // VCEK, then ASK and ARK
};

Vector go_vector() {
  const auto dir = vectors() / "snp/go-sev-guest-milan";
  Vector v{"snp/go-sev-guest-milan/attestation.bin", test::read_file(dir / "attestation.bin"), {}};
  v.certificates.push_back(test::der_cert(dir / "vcek.testcer"));
  for (auto& cert : test::pem_certs(dir / "milan.testcer")) v.certificates.push_back(std::move(cert));
  return v;
}

Vector virtee_vector() {
  const auto dir = vectors() / "snp/virtee-milan";
  Vector v{"snp/virtee-milan/report_milan.hex", test::read_file(dir / "report_milan.hex"), {}};
  v.certificates.push_back(test::der_cert(dir / "vcek_milan.der"));
  for (auto& cert : test::pem_certs(dir / "cert_chain_milan")) v.certificates.push_back(std::move(cert));
  return v;
}

// Certificates move only, so no initializer lists.
template <typename... Certs>
std::vector<crypto::Certificate> list(Certs&&... certs) {
  std::vector<crypto::Certificate> out;
  (out.push_back(std::forward<Certs>(certs)), ...);
  return out;
}

std::vector<crypto::Certificate> clones(const std::vector<crypto::Certificate>& certs) {
  std::vector<crypto::Certificate> out;
  out.reserve(certs.size());
  for (const auto& cert : certs) out.push_back(cert.clone());
  return out;
}

Verdict verify(ByteView evidence, const std::vector<crypto::Certificate>& certs,
               std::int64_t now = test::kInsideValidity) {
  ReportVerifyOptions options;
  options.now = now;
  options.certificates = clones(certs);
  return verify_report(evidence, options);
}

std::string describe(const Verdict& verdict) {
  std::string out;
  for (const auto& step : verdict.steps) {
    out += step.name + "=" + to_string(step.outcome) + " (" + step.detail + ")\n";
  }
  return out;
}

StepOutcome outcome(const Verdict& verdict, const std::string& step) {
  const auto* found = verdict.find(step);
  EXPECT_NE(found, nullptr) << "no step " << step;
  return found != nullptr ? found->outcome : StepOutcome::skipped;
}

void expect_matches_expected(const Vector& vector) {
  const auto expected = nlohmann::json::parse(test::read_text(vectors() / "expected.json")).at(vector.key);
  Verdict verdict = verify(vector.evidence, vector.certificates);
  ASSERT_TRUE(verdict.verified()) << describe(verdict);
  for (const char* step : {"parse", "ark", "ask", "vcek", "report_signature", "chip_id", "reported_tcb"}) {
    EXPECT_EQ(outcome(verdict, step), StepOutcome::passed) << step;
  }
  EXPECT_EQ(verdict.kind, EvidenceKind::sev_snp_report);
  EXPECT_EQ(verdict.attestation_type, "sevsnpvm");

  nlohmann::json report = verdict.fields.at("report");
  ASSERT_TRUE(report.contains("policy_decoded"));
  report.erase("policy_decoded");
  EXPECT_EQ(report, expected.at("report")) << report.dump(1);
  EXPECT_EQ(verdict.fields.at("certs"), expected.at("certs")) << verdict.fields.at("certs").dump(1);
  EXPECT_EQ(to_hex(verdict.report_data), expected.at("report").at("report_data"));

  ASSERT_EQ(verdict.chain.size(), 3U);
  EXPECT_EQ(verdict.chain[0]["role"], "VCEK");
  EXPECT_EQ(verdict.chain[1]["role"], "ASK");
  EXPECT_EQ(verdict.chain[2]["role"], "ARK");
  for (const auto& link : verdict.chain) EXPECT_TRUE(link["signature_ok"].get<bool>()) << link.dump();

  const auto& fields = expected.at("report");
  EXPECT_EQ(verdict.claims["x-ms-attestation-type"], "sevsnpvm");
  EXPECT_EQ(verdict.claims["x-ms-sevsnpvm-launchmeasurement"], fields["measurement"]);
  EXPECT_EQ(verdict.claims["x-ms-sevsnpvm-reportdata"], fields["report_data"]);
  EXPECT_EQ(verdict.claims["x-ms-sevsnpvm-microcode-svn"], fields["reported_tcb"]["microcode"]);
  EXPECT_EQ(verdict.claims["x-ms-sevsnpvm-snpfw-svn"], fields["reported_tcb"]["snp"]);
  EXPECT_EQ(verdict.claims["x-ms-sevsnpvm-vmpl"], 0);
}

TEST(Snp, GoSevGuestMilanMatchesExpected) {
  CLOISTER_REQUIRE_VECTORS();
  expect_matches_expected(go_vector());
  // Policy 0xB0000: SMT allowed, debug, no migration agent.
  Verdict verdict = verify(go_vector().evidence, go_vector().certificates);
  EXPECT_EQ(verdict.claims["x-ms-sevsnpvm-is-debuggable"], true);
  EXPECT_EQ(verdict.claims["x-ms-sevsnpvm-smt-allowed"], true);
  EXPECT_EQ(verdict.claims["x-ms-sevsnpvm-migration-allowed"], false);
  EXPECT_EQ(verdict.fields["report"]["policy_decoded"]["debug"], true);
}

TEST(Snp, VirteeMilanHexMatchesExpected) {
  CLOISTER_REQUIRE_VECTORS();
  expect_matches_expected(virtee_vector());
  Verdict verdict = verify(virtee_vector().evidence, virtee_vector().certificates);
  EXPECT_EQ(verdict.claims["x-ms-sevsnpvm-is-debuggable"], false);
}

TEST(Snp, TheVcekAloneVerifiesAgainstTheBuiltinChain) {
  CLOISTER_REQUIRE_VECTORS();
  Vector v = go_vector();
  Verdict verdict = verify(v.evidence, list(v.certificates[0].clone()));
  ASSERT_TRUE(verdict.verified()) << describe(verdict);
  EXPECT_EQ(verdict.chain[1]["source"], "builtin");
  EXPECT_EQ(verdict.chain[2]["source"], "builtin");
}

TEST(Snp, EveryFifthSignedByteFlippedFailsTheSignatureOrParse) {
  CLOISTER_REQUIRE_VECTORS();
  Vector v = go_vector();
  for (std::size_t offset = 0; offset < kSignedSize; offset += 5) {
    Bytes changed = v.evidence;
    changed[offset] ^= 0x01;
    Verdict verdict = verify(changed, v.certificates);
    const auto* failure = verdict.first_failure();
    ASSERT_NE(failure, nullptr) << "offset " << offset;
    // The version (0x00..0x03) and signature_algo (0x34..0x37) fields are
    // checked while parsing, except that version 2 with its low bit flipped
    // is version 3, which parses; everything else only the signature catches.
    const bool parsed_field = (offset >= 1 && offset < 4) || (offset >= 0x34 && offset < 0x38);
    EXPECT_EQ(failure->name, parsed_field ? "parse" : "report_signature") << "offset " << offset;
    EXPECT_EQ(outcome(verdict, "ark"), parsed_field ? StepOutcome::skipped : StepOutcome::passed);
  }
}

TEST(Snp, NonZeroUpperSignatureBytesFailParse) {
  CLOISTER_REQUIRE_VECTORS();
  Vector v = go_vector();
  for (std::size_t offset : {0x2A0 + 48, 0x2E8 + 70}) {
    Bytes changed = v.evidence;
    changed[offset] = 0x80;
    Verdict verdict = verify(changed, v.certificates);
    ASSERT_NE(verdict.first_failure(), nullptr);
    EXPECT_EQ(verdict.first_failure()->name, "parse");
    EXPECT_EQ(outcome(verdict, "report_signature"), StepOutcome::skipped);
  }
}

// A VCEK is derived per chip (and per TCB), so another chip's VCEK has
// another key: the first failure is report_signature, and chip_id fails too
// because its hwID names the other chip.
TEST(Snp, AnotherChipsVcekFailsTheSignatureAndChipId) {
  CLOISTER_REQUIRE_VECTORS();
  Vector go = go_vector();
  Vector virtee = virtee_vector();
  Verdict verdict = verify(go.evidence, list(virtee.certificates[0].clone()));
  ASSERT_NE(verdict.first_failure(), nullptr);
  EXPECT_EQ(outcome(verdict, "vcek"), StepOutcome::passed);  // a genuine VCEK, only not this chip's
  EXPECT_EQ(verdict.first_failure()->name, "report_signature") << describe(verdict);
  EXPECT_EQ(outcome(verdict, "chip_id"), StepOutcome::failed);
  EXPECT_EQ(outcome(verdict, "reported_tcb"), StepOutcome::failed);
}

TEST(Snp, GenoaAskUnderMilanArkFailsAsk) {
  CLOISTER_REQUIRE_VECTORS();
  Vector v = go_vector();
  std::vector<crypto::Certificate> certs;
  certs.push_back(v.certificates[0].clone());
  for (auto& cert : test::pem_certs(vectors() / "roots/virtee_genoa_ask.pem"))
    certs.push_back(std::move(cert));
  for (auto& cert : test::pem_certs(vectors() / "roots/virtee_milan_ark.pem"))
    certs.push_back(std::move(cert));
  Verdict verdict = verify(v.evidence, certs);
  ASSERT_NE(verdict.first_failure(), nullptr);
  EXPECT_EQ(verdict.first_failure()->name, "ask");
  EXPECT_NE(verdict.first_failure()->detail.find("product lines differ"), std::string::npos)
      << verdict.first_failure()->detail;
  EXPECT_EQ(outcome(verdict, "ark"), StepOutcome::passed);
  // The leaf cannot be verified under an ASK that is not Milan's.
  EXPECT_EQ(outcome(verdict, "vcek"), StepOutcome::failed);
  EXPECT_EQ(outcome(verdict, "report_signature"), StepOutcome::passed);
}

TEST(Snp, AnArkWithAnotherKeyIsRefused) {
  CLOISTER_REQUIRE_VECTORS();
  Vector v = go_vector();
  // A self-signed "ARK-Milan" with a key of its own: names are not trust,
  // only the pinned key is.
  auto key = crypto::PrivateKey::generate(crypto::KeyType::rsa, 2048);
  ASSERT_TRUE(key.is_ok());
  crypto::CertificateRequest request;
  request.subject_common_name = "ARK-Milan";
  request.is_ca = true;
  auto fake_ark = crypto::issue_certificate(request, key->public_key(), *key, nullptr);
  ASSERT_TRUE(fake_ark.is_ok());
  Verdict verdict = verify(v.evidence, list(v.certificates[0].clone(), fake_ark->clone()));
  ASSERT_NE(verdict.first_failure(), nullptr);
  EXPECT_EQ(verdict.first_failure()->name, "ark");
  EXPECT_NE(verdict.first_failure()->detail.find("pinned"), std::string::npos);
}

TEST(Snp, BuiltinChainsSelfVerify) {
  for (Product product : {Product::milan, Product::genoa, Product::turin}) {
    SCOPED_TRACE(to_string(product));
    const BuiltinChain* chain = builtin_chain(product);
    ASSERT_NE(chain, nullptr);
    auto ark = crypto::Certificate::from_pem(chain->ark_pem);
    auto ask = crypto::Certificate::from_pem(chain->ask_pem);
    auto asvk = crypto::Certificate::from_pem(chain->asvk_pem);
    ASSERT_TRUE(ark && ask && asvk);
    EXPECT_EQ(*spki_sha256_hex(*ark), chain->ark_spki_sha256);
    EXPECT_EQ(product_from_ca_name(*ark), product);
    EXPECT_EQ(product_from_ca_name(*ask), product);
    EXPECT_EQ(product_from_ca_name(*asvk), product);
    auto ark_key = ark->public_key();
    ASSERT_TRUE(ark_key.is_ok());
    for (const auto* cert : {&*ark, &*ask, &*asvk}) {
      EXPECT_TRUE(check_amd_signature_algorithm(*cert).is_ok()) << cert->subject();
      EXPECT_TRUE(crypto::verify_issued_by(*cert, *ark_key).is_ok()) << cert->subject();
    }

    // Through the verifier: no certificates, the product from a v3 CPUID.
    for (std::uint8_t signing_key : {std::uint8_t{0}, std::uint8_t{1}}) {
      Verdict verdict;
      ChainInputs inputs;
      std::vector<crypto::Certificate> none;
      inputs.certificates = &none;
      inputs.cpuid_product = product;
      inputs.report_signing_key = signing_key;
      inputs.now = test::kInsideValidity;
      ChainOutcome outcome_ = verify_amd_chain(inputs, verdict);
      EXPECT_EQ(outcome_.product, product);
      EXPECT_EQ(outcome(verdict, "ark"), StepOutcome::passed) << describe(verdict);
      EXPECT_EQ(outcome(verdict, "ask"), StepOutcome::passed) << describe(verdict);
      EXPECT_EQ(outcome(verdict, signing_key == 1 ? "vlek" : "vcek"), StepOutcome::failed);
      EXPECT_EQ(verdict.chain[0]["role"], signing_key == 1 ? "ASVK" : "ASK");
    }
  }
}

TEST(Snp, TruncatedAndOversizedInputsFailParse) {
  CLOISTER_REQUIRE_VECTORS();
  Vector v = go_vector();
  Bytes longer = v.evidence;
  longer.push_back(0);
  for (ByteView input : {ByteView(v.evidence).first(0x4A0 - 1), ByteView(v.evidence).first(0x2A0),
                         ByteView(longer), ByteView()}) {
    Verdict verdict = verify(input, v.certificates);
    ASSERT_FALSE(verdict.steps.empty());
    EXPECT_EQ(verdict.steps[0].name, "parse");
    EXPECT_EQ(verdict.steps[0].outcome, StepOutcome::failed);
    EXPECT_FALSE(verdict.verified());
    EXPECT_EQ(outcome(verdict, "report_signature"), StepOutcome::skipped);
  }
}

TEST(Snp, NoCertificatesFailsAtTheChain) {
  CLOISTER_REQUIRE_VECTORS();
  Verdict verdict = verify(go_vector().evidence, {});
  ASSERT_NE(verdict.first_failure(), nullptr);
  // A v2 report names no product line, so no builtin ARK can be chosen.
  EXPECT_EQ(verdict.first_failure()->name, "ark");
  EXPECT_EQ(outcome(verdict, "vcek"), StepOutcome::failed);
  EXPECT_EQ(outcome(verdict, "report_signature"), StepOutcome::skipped);
  EXPECT_EQ(verdict.fields["report"]["version"], 2);  // still described
}

TEST(Snp, VcekPastNotAfterFailsVcek) {
  CLOISTER_REQUIRE_VECTORS();
  Vector v = go_vector();
  Verdict verdict = verify(v.evidence, v.certificates, v.certificates[0].not_after() + 1);
  ASSERT_NE(verdict.first_failure(), nullptr);
  EXPECT_EQ(verdict.first_failure()->name, "vcek");
  EXPECT_NE(verdict.first_failure()->detail.find("expired"), std::string::npos);
  EXPECT_EQ(outcome(verdict, "report_signature"), StepOutcome::passed);
}

TEST(Snp, MaskedChipIdFailsChipIdWithAReason) {
  CLOISTER_REQUIRE_VECTORS();
  Vector v = go_vector();
  Bytes changed = v.evidence;
  changed[0x48] |= 0x02;  // MASK_CHIP_KEY; the signature breaks too
  Verdict verdict = verify(changed, v.certificates);
  const auto* chip = verdict.find("chip_id");
  ASSERT_NE(chip, nullptr);
  EXPECT_EQ(chip->outcome, StepOutcome::failed);
  EXPECT_NE(chip->detail.find("MASK_CHIP_KEY"), std::string::npos);
}

Bytes hcl_around(const Bytes& report, const std::string& claims, std::size_t padding = 0) {
  // Sized once and filled in place (GCC 12 misreads growing inserts here).
  const std::size_t request = 0x20 + report.size();
  Bytes out(request + 20 + claims.size() + padding, 0);
  const auto put = [&out](std::size_t at, std::uint32_t value) {
    for (std::size_t i = 0; i < 4; ++i) out[at + i] = static_cast<std::uint8_t>(value >> (8 * i));
  };
  const auto size = static_cast<std::uint32_t>(claims.size());
  out[0] = 'H', out[1] = 'C', out[2] = 'L', out[3] = 'A';
  put(0x04, 2);                  // header version
  put(0x08, 0x4A0 + 20 + size);  // report size
  put(0x0C, 2);                  // request type
  std::copy(report.begin(), report.end(), out.begin() + 0x20);
  put(request, 20 + size);  // data_size
  put(request + 4, 1);      // version
  put(request + 8, 2);      // report type: SNP
  put(request + 12, 1);     // hash type: SHA-256
  put(request + 16, size);  // variable_data_size
  std::copy(claims.begin(), claims.end(), out.begin() + static_cast<std::ptrdiff_t>(request + 20));
  return out;
}

TEST(Snp, HclReportExposesRuntimeClaimsAndChecksTheirBinding) {
  CLOISTER_REQUIRE_VECTORS();
  Vector v = go_vector();
  const std::string claims =
      R"({"keys":[{"kid":"HCLAkPub","key_ops":["sign"],"kty":"RSA","e":"AQAB","n":"sample"}],)"
      R"("vm-configuration":{"secure-boot":true,"tpm-enabled":true},"user-data":""})";
  Bytes hcl = hcl_around(v.evidence, claims, 64);
  Verdict verdict = verify(hcl, v.certificates);
  EXPECT_EQ(verdict.kind, EvidenceKind::azure_hcl_report);
  EXPECT_EQ(outcome(verdict, "parse"), StepOutcome::passed) << describe(verdict);
  EXPECT_EQ(outcome(verdict, "report_signature"), StepOutcome::passed);
  EXPECT_EQ(outcome(verdict, "chip_id"), StepOutcome::passed);
  ASSERT_NE(verdict.first_failure(), nullptr);
  EXPECT_EQ(verdict.first_failure()->name, "runtime_claims_binding");
  const auto digest = crypto::sha256(as_bytes(claims));
  EXPECT_NE(verdict.first_failure()->detail.find(to_hex(digest)), std::string::npos);
  EXPECT_EQ(verdict.fields["hcl"]["runtime_claims"]["keys"][0]["kid"], "HCLAkPub");
  EXPECT_EQ(verdict.claims["x-ms-runtime"]["vm-configuration"]["secure-boot"], true);

  // Non-zero bytes after the claims, or claims that are not JSON, fail parse.
  Bytes trailing = hcl;
  trailing.back() = 1;
  EXPECT_EQ(verify(trailing, v.certificates).steps[0].outcome, StepOutcome::failed);
  EXPECT_EQ(verify(hcl_around(v.evidence, "{not json"), v.certificates).steps[0].outcome,
            StepOutcome::failed);
  Bytes tdx = hcl;
  tdx[0x4C0 + 8] = 4;
  Verdict tdx_verdict = verify(tdx, v.certificates);
  EXPECT_EQ(tdx_verdict.steps[0].outcome, StepOutcome::failed);
  EXPECT_EQ(outcome(tdx_verdict, "runtime_claims_binding"), StepOutcome::skipped);
}

}  // namespace
}  // namespace cloister::snp
