#include "dcap/pck_extensions.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "dcap/test/quote_builder.h"

namespace cloister::dcap {
namespace {

using namespace testing;

const std::string kSgx = "1.2.840.113741.1.13.1";

Bytes pair(const std::string& oid, const Bytes& value) {
  Bytes content = der_oid(oid);
  content.insert(content.end(), value.begin(), value.end());
  return der_tlv(0x30, content);
}

// The extension's entries, with one replaced or added.
Bytes extension_with(const Bytes& extra, bool drop_fmspc = false) {
  Bytes all = sgx_extension_der();
  // Unwrap the outer SEQUENCE (its length is in long form: 0x81 or 0x82).
  const std::size_t header = all[1] == 0x81 ? 3 : all[1] == 0x82 ? 4 : 2;
  Bytes entries(all.begin() + static_cast<std::ptrdiff_t>(header), all.end());
  if (drop_fmspc) {
    Bytes fmspc = pair(kSgx + ".4", der_tlv(0x04, {0x00, 0x90, 0x6e, 0xd5, 0x00, 0x00}));
    auto at = std::search(entries.begin(), entries.end(), fmspc.begin(), fmspc.end());
    EXPECT_NE(at, entries.end());
    entries.erase(at, at + static_cast<std::ptrdiff_t>(fmspc.size()));
  }
  entries.insert(entries.end(), extra.begin(), extra.end());
  return der_tlv(0x30, entries);
}

TEST(PckExtensions, ParsesEveryField) {
  auto parsed = parse_pck_extensions(sgx_extension_der());
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  EXPECT_EQ(parsed->ppid, Bytes(16, 0xab));
  EXPECT_EQ(parsed->fmspc, (Bytes{0x00, 0x90, 0x6e, 0xd5, 0x00, 0x00}));
  EXPECT_EQ(parsed->pce_id, (Bytes{0, 0}));
  EXPECT_EQ(parsed->sgx_type, 0u);
  for (std::size_t i = 0; i < 16; ++i) EXPECT_EQ(parsed->tcb.comp_svn[i], i + 1);
  EXPECT_EQ(parsed->tcb.pce_svn, 13);
  EXPECT_EQ(parsed->tcb.cpu_svn, Bytes(16, 0x02));
  EXPECT_FALSE(parsed->configuration.has_value());
}

TEST(PckExtensions, ParsesPlatformCaEntries) {
  Bytes configuration = der_tlv(0x30, [] {
    Bytes entries = pair(kSgx + ".7.1", der_tlv(0x01, {0xff}));
    Bytes smt = pair(kSgx + ".7.3", der_tlv(0x01, {0x00}));
    entries.insert(entries.end(), smt.begin(), smt.end());
    return entries;
  }());
  Bytes extra = pair(kSgx + ".6", der_tlv(0x04, Bytes(16, 0x66)));
  Bytes config_entry = pair(kSgx + ".7", configuration);
  extra.insert(extra.end(), config_entry.begin(), config_entry.end());
  auto parsed = parse_pck_extensions(extension_with(extra));
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  EXPECT_EQ(parsed->platform_instance_id, Bytes(16, 0x66));
  ASSERT_TRUE(parsed->configuration.has_value());
  EXPECT_EQ(parsed->configuration->dynamic_platform, true);
  EXPECT_FALSE(parsed->configuration->cached_keys.has_value());
  EXPECT_EQ(parsed->configuration->smt_enabled, false);
}

TEST(PckExtensions, RefusesMissingDuplicateAndUnknownEntries) {
  EXPECT_FALSE(parse_pck_extensions(extension_with({}, /*drop_fmspc=*/true)).is_ok());
  EXPECT_FALSE(parse_pck_extensions(extension_with(pair(kSgx + ".4", der_tlv(0x04, Bytes(6, 1))))).is_ok());
  EXPECT_FALSE(parse_pck_extensions(extension_with(pair(kSgx + ".9", der_tlv(0x05, {})))).is_ok());
  EXPECT_FALSE(parse_pck_extensions(extension_with(pair("1.2.3", der_tlv(0x05, {})))).is_ok());
}

TEST(PckExtensions, RefusesOutOfRangeComponents) {
  EXPECT_TRUE(parse_pck_extensions(sgx_extension_der(255)).is_ok());
  auto parsed = parse_pck_extensions(sgx_extension_der(256));
  ASSERT_FALSE(parsed.is_ok());
  EXPECT_NE(parsed.status().message().find("exceeds the maximum 255"), std::string::npos)
      << parsed.status().message();
}

TEST(PckExtensions, EveryTruncationFails) {
  Bytes der = sgx_extension_der();
  for (std::size_t size = 0; size < der.size(); ++size) {
    EXPECT_FALSE(parse_pck_extensions(ByteView(der.data(), size)).is_ok()) << size;
  }
  Bytes longer = der;
  longer.push_back(0);
  EXPECT_FALSE(parse_pck_extensions(longer).is_ok());
}

}  // namespace
}  // namespace cloister::dcap
