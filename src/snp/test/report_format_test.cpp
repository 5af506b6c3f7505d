#include "snp/report_format.h"

#include <gtest/gtest.h>

#include "snp/amd_cert_ext.h"
#include "snp/hcl_report.h"
#include "snp/test/snp_test_util.h"

namespace cloister::snp {
namespace {

using test::vectors;

Bytes go_report() {
  return test::read_file(vectors() / "snp/go-sev-guest-milan/attestation.bin");
}

TEST(Snp, TcbLayoutsDifferBetweenMilanAndTurin) {
  // Bytes in report order: 01 02 03 04 05 06 07 08.
  const std::uint64_t raw = 0x0807060504030201ULL;
  TcbVersion milan = decode_tcb(raw, Product::milan);
  EXPECT_EQ(milan.bootloader, 1);
  EXPECT_EQ(milan.tee, 2);
  EXPECT_EQ(milan.snp, 7);
  EXPECT_EQ(milan.microcode, 8);
  EXPECT_FALSE(milan.fmc.has_value());
  TcbVersion turin = decode_tcb(raw, Product::turin);
  EXPECT_EQ(turin.fmc, 1);
  EXPECT_EQ(turin.bootloader, 2);
  EXPECT_EQ(turin.tee, 3);
  EXPECT_EQ(turin.snp, 4);
  EXPECT_EQ(turin.microcode, 8);
}

TEST(Snp, PolicyBitsDecode) {
  GuestPolicy policy = decode_policy(0x00000000000B0105ULL);
  EXPECT_EQ(policy.abi_minor, 5);
  EXPECT_EQ(policy.abi_major, 1);
  EXPECT_TRUE(policy.smt_allowed);
  EXPECT_TRUE(policy.reserved_one);
  EXPECT_FALSE(policy.migrate_ma);
  EXPECT_TRUE(policy.debug);
  EXPECT_FALSE(policy.single_socket);
  EXPECT_TRUE(decode_policy(1ULL << 20).single_socket);
  EXPECT_TRUE(decode_policy(1ULL << 18).migrate_ma);
}

TEST(Snp, ProductNames) {
  EXPECT_EQ(product_from_name("Milan-B0"), Product::milan);
  EXPECT_EQ(product_from_name("Genoa-B1"), Product::genoa);
  EXPECT_EQ(product_from_name("Turin"), Product::turin);
  EXPECT_EQ(product_from_name("Naples-B2"), Product::unknown);
}

TEST(Snp, ParseRefusesBadVersionAlgorithmAndSize) {
  CLOISTER_REQUIRE_VECTORS();
  Bytes report = go_report();
  ASSERT_TRUE(parse_report(report).is_ok());

  Bytes v5 = report;
  v5[0] = 5;
  EXPECT_TRUE(parse_report(v5).is_ok());  // version 3's layout
  Bytes v6 = report;
  v6[0] = 6;
  auto bad_version = parse_report(v6);
  ASSERT_FALSE(bad_version.is_ok());
  EXPECT_NE(bad_version.status().message().find("version (offset 0x000) is 6"), std::string::npos);

  Bytes algo = report;
  algo[0x34] = 2;
  auto bad_algo = parse_report(algo);
  ASSERT_FALSE(bad_algo.is_ok());
  EXPECT_NE(bad_algo.status().message().find("signature_algo"), std::string::npos);

  auto shorter = parse_report(ByteView(report).first(kReportSize - 1));
  ASSERT_FALSE(shorter.is_ok());
  EXPECT_NE(shorter.status().message().find("truncated"), std::string::npos);
  Bytes longer = report;
  longer.push_back(0);
  auto longer_result = parse_report(longer);
  ASSERT_FALSE(longer_result.is_ok());
  EXPECT_NE(longer_result.status().message().find("trailing"), std::string::npos);
}

TEST(Snp, SignatureCoordinatesAreConvertedAndTheirUpperBytesMustBeZero) {
  CLOISTER_REQUIRE_VECTORS();
  Bytes report = go_report();
  auto parsed = parse_report(report);
  ASSERT_TRUE(parsed.is_ok());
  // The report stores r little-endian; its first byte is r's last.
  EXPECT_EQ(parsed->signature_r[47], report[0x2A0]);
  EXPECT_EQ(parsed->signature_s[0], report[0x2E8 + 47]);
  EXPECT_EQ(parsed->signed_bytes.size(), kSignedSize);

  for (std::size_t offset : {0x2A0 + 48, 0x2A0 + 71, 0x2E8 + 48, 0x2E8 + 71}) {
    Bytes changed = report;
    changed[offset] = 1;
    auto result = parse_report(changed);
    ASSERT_FALSE(result.is_ok()) << offset;
    EXPECT_NE(result.status().message().find("is not zero"), std::string::npos);
  }
}

TEST(Snp, Version3ReportsCarryCpuid) {
  CLOISTER_REQUIRE_VECTORS();
  Bytes report = go_report();
  report[0] = 3;
  report[0x188] = 0x19;
  report[0x189] = 0x11;
  report[0x18A] = 0x01;
  auto parsed = parse_report(report);
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  EXPECT_EQ(parsed->cpuid_family, 0x19);
  EXPECT_EQ(product_from_cpuid(*parsed), Product::genoa);
  report[0x188] = 0x1A;
  report[0x189] = 0x02;
  EXPECT_EQ(product_from_cpuid(*parse_report(report)), Product::turin);
}

TEST(Snp, HexTextIsWhitespaceTolerant) {
  EXPECT_TRUE(looks_like_hex_text(as_bytes("0a 0B\n\t0c\r\n")));
  EXPECT_FALSE(looks_like_hex_text(as_bytes("0a zz")));
  EXPECT_FALSE(looks_like_hex_text(as_bytes(" \n")));
  auto bytes = hex_text_to_bytes(as_bytes("0a 0B\n0c"));
  ASSERT_TRUE(bytes.is_ok());
  EXPECT_EQ(*bytes, (Bytes{0x0a, 0x0b, 0x0c}));
  EXPECT_FALSE(hex_text_to_bytes(as_bytes("0a0")).is_ok());
}

TEST(Snp, HclDetectionAndFraming) {
  Bytes hcl(kHclHeaderSize + kHclHardwareReportSize + kHclRequestDataFixedSize, 0);
  EXPECT_FALSE(detect_hcl_report(hcl));
  hcl[0] = 'H', hcl[1] = 'C', hcl[2] = 'L', hcl[3] = 'A';
  EXPECT_TRUE(detect_hcl_report(hcl));
  // data_size must cover the fixed fields: 0 here is wrong.
  EXPECT_FALSE(parse_hcl_report(hcl).is_ok());
  hcl[0x4C0] = kHclRequestDataFixedSize;
  auto parsed = parse_hcl_report(hcl);
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  EXPECT_TRUE(parsed->runtime_claims.empty());
  // A variable size running past the end is refused.
  hcl[0x4D0] = 1;
  EXPECT_FALSE(parse_hcl_report(hcl).is_ok());
  EXPECT_FALSE(parse_hcl_report(ByteView(hcl).first(0x4C0)).is_ok());
}

TEST(Snp, VcekExtensionsDecode) {
  CLOISTER_REQUIRE_VECTORS();
  auto vcek = test::der_cert(vectors() / "snp/virtee-milan/vcek_milan.der");
  auto ext = read_amd_extensions(vcek);
  ASSERT_TRUE(ext.is_ok()) << ext.status().to_string();
  EXPECT_EQ(ext->struct_version, 0);
  EXPECT_EQ(ext->product_name, "Milan-B0");
  EXPECT_EQ(ext->bl_spl, 3);
  EXPECT_EQ(ext->tee_spl, 0);
  EXPECT_EQ(ext->snp_spl, 8);
  EXPECT_EQ(ext->ucode_spl, 115);
  EXPECT_EQ(ext->spl4, 0);
  EXPECT_FALSE(ext->fmc_spl.has_value());
  ASSERT_TRUE(ext->hw_id.has_value());
  EXPECT_EQ(ext->hw_id->size(), 64U);
  EXPECT_FALSE(ext->csp_id.has_value());
}

}  // namespace
}  // namespace cloister::snp
