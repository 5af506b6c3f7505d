#include "attest/evidence_format.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "attest/test/test_platform.h"

namespace cloister::attest {
namespace {

using testing::TestPlatform;

bool contains(const Status& status, const std::string& text) {
  return status.message().find(text) != std::string::npos;
}

TEST(EvidenceFormat, ReportEncodingIsFixedSize) {
  // 2 version + 1 backend + 1 isolation + 1 dev + 69 identity + 64 data + 32 id + 8 time.
  EXPECT_EQ(wire::encode(Report{}).size(), 178u);
}

TEST(EvidenceFormat, SignatureInputIsContextThenReport) {
  Report r;
  r.timestamp_ms = 42;
  Bytes input = evidence_signature_input(r);
  const std::string context(kEvidenceSignatureContext, sizeof kEvidenceSignatureContext);
  ASSERT_EQ(input.size(), context.size() + 178);
  EXPECT_EQ(std::string(input.begin(), input.begin() + 21), context);
  EXPECT_EQ(input[20], 0);
  Bytes encoded = wire::encode(r);
  EXPECT_TRUE(std::equal(encoded.begin(), encoded.end(), input.begin() + 21));
}

TEST(EvidenceFormat, SignParseRoundTrip) {
  auto p = TestPlatform::create();
  Report r = p.good_report();
  Bytes bytes = p.sign(r);
  EXPECT_TRUE(std::equal(kEvidenceMagic.begin(), kEvidenceMagic.end(), bytes.begin()));
  auto parsed = parse_evidence(bytes);
  ASSERT_TRUE(parsed) << parsed.status().to_string();
  EXPECT_EQ(wire::encode(parsed->report), wire::encode(r));
  EXPECT_EQ(parsed->certificate_chain, p.chain);
  EXPECT_TRUE(p.key.public_key().verify(evidence_signature_input(r), parsed->signature));
}

TEST(EvidenceFormat, RejectsBadMagicVersionAndTrailingBytes) {
  auto p = TestPlatform::create();
  Bytes good = p.sign(p.good_report());

  Bytes bad_magic = good;
  bad_magic[0] = 'X';
  auto r1 = parse_evidence(bad_magic);
  ASSERT_FALSE(r1);
  EXPECT_TRUE(contains(r1.status(), "evidence is truncated or malformed: bad magic"))
      << r1.status().message();

  Bytes v2 = good;
  v2[8] = 2;
  auto r2 = parse_evidence(v2);
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.status().message(), "unsupported evidence format version 2");

  Bytes trailing = good;
  trailing.push_back(0);
  auto r3 = parse_evidence(trailing);
  ASSERT_FALSE(r3);
  EXPECT_TRUE(contains(r3.status(), "trailing bytes")) << r3.status().message();

  auto r4 = parse_evidence({});
  ASSERT_FALSE(r4);
  EXPECT_TRUE(contains(r4.status(), "evidence is truncated or malformed"));
}

TEST(EvidenceFormat, RejectsEnumsOutOfRange) {
  auto p = TestPlatform::create();
  Report r = p.good_report();
  Evidence e;
  e.report = r;
  e.signature = {1, 2, 3};
  e.certificate_chain = p.chain;
  e.report.backend = static_cast<Backend>(2);
  auto r1 = parse_evidence(wire::encode(e));
  ASSERT_FALSE(r1);
  EXPECT_TRUE(contains(r1.status(), "unknown backend 2"));
  e.report.backend = Backend::process;
  e.report.isolation = static_cast<Isolation>(9);
  auto r2 = parse_evidence(wire::encode(e));
  ASSERT_FALSE(r2);
  EXPECT_TRUE(contains(r2.status(), "unknown isolation 9"));
}

TEST(EvidenceFormat, EnforcesChainAndSizeLimits) {
  auto p = TestPlatform::create();
  Report r = p.good_report();
  auto empty_chain = sign_evidence(r, p.key, {});
  ASSERT_FALSE(empty_chain);
  EXPECT_TRUE(contains(empty_chain.status(), "certificate chain of 0 certificates"));

  std::vector<Bytes> five(5, p.cert_der);
  EXPECT_FALSE(sign_evidence(r, p.key, five));
  std::vector<Bytes> four(4, p.cert_der);
  EXPECT_TRUE(sign_evidence(r, p.key, four));

  std::vector<Bytes> huge_cert = {Bytes(kMaxCertificateBytes + 1, 0x30)};
  EXPECT_FALSE(sign_evidence(r, p.key, huge_cert));
  std::vector<Bytes> too_much(4,
                              Bytes(kMaxCertificateBytes, 0x30));  // 64 KiB of certs + header > total limit
  auto total = sign_evidence(r, p.key, too_much);
  ASSERT_FALSE(total);
  EXPECT_TRUE(contains(total.status(), "exceeds the 65536-byte limit")) << total.status().message();

  Evidence e;
  e.report = r;
  e.certificate_chain = p.chain;
  e.signature = Bytes(kMaxSignatureBytes + 1, 1);
  EXPECT_FALSE(parse_evidence(wire::encode(e)));
  e.signature.clear();
  EXPECT_FALSE(parse_evidence(wire::encode(e)));
}

TEST(EvidenceFormat, TruncationAtEveryLengthFailsCleanly) {
  auto p = TestPlatform::create();
  Bytes good = p.sign(p.good_report());
  for (std::size_t n = 0; n < good.size(); ++n) {
    auto parsed = parse_evidence(ByteView(good).first(n));
    ASSERT_FALSE(parsed) << "truncated to " << n;
    EXPECT_EQ(parsed.status().code(), ErrorCode::decode_error);
  }
}

// Writes an example for docs/evidence-format.md and the fuzz seed corpus when
// CLOISTER_EVIDENCE_EXAMPLE names an output file.
TEST(EvidenceFormat, WritesExampleWhenAsked) {
  const char* path = std::getenv("CLOISTER_EVIDENCE_EXAMPLE");
  if (path == nullptr) GTEST_SKIP() << "set CLOISTER_EVIDENCE_EXAMPLE=<file> to write an example";
  auto p = TestPlatform::create("Example operator CA");
  Report r = p.good_report();
  r.report_data.fill(0);
  Bytes bytes = p.sign(r);
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  std::ofstream(std::string(path) + ".root.der", std::ios::binary)
      .write(reinterpret_cast<const char*>(p.ca_der.data()), static_cast<std::streamsize>(p.ca_der.size()));
}

}  // namespace
}  // namespace cloister::attest
