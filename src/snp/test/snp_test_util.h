// Shared helpers for the SNP tests: the shared test vectors, read in place.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "cloister/bytes.h"
#include "crypto/x509.h"

namespace cloister::snp::test {

inline std::filesystem::path vectors() {
  return std::filesystem::path(CLOISTER_TEST_VECTORS) / "attestation";
}

inline bool have_vectors() {
  return std::filesystem::exists(vectors() / "expected.json");
}

inline Bytes read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline std::string read_text(const std::filesystem::path& path) {
  Bytes bytes = read_file(path);
  return {bytes.begin(), bytes.end()};
}

inline crypto::Certificate der_cert(const std::filesystem::path& path) {
  auto cert = crypto::Certificate::from_der(read_file(path));
  EXPECT_TRUE(cert.is_ok()) << path << ": " << cert.status().to_string();
  return cert ? std::move(cert).value() : crypto::Certificate();
}

inline std::vector<crypto::Certificate> pem_certs(const std::filesystem::path& path) {
  auto certs = crypto::Certificate::all_from_pem(read_text(path));
  EXPECT_TRUE(certs.is_ok()) << path << ": " << certs.status().to_string();
  return certs ? std::move(certs).value() : std::vector<crypto::Certificate>{};
}

// A time inside both vectors' VCEK validity (2023-04-03 .. 2029-09-24).
inline constexpr std::int64_t kInsideValidity = 1704067200;  // 2024-01-01

#define CLOISTER_REQUIRE_VECTORS()            \
  if (!::cloister::snp::test::have_vectors()) \
  GTEST_SKIP() << "no shared test vectors at " CLOISTER_TEST_VECTORS

}  // namespace cloister::snp::test
