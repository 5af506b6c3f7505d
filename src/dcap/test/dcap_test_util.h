// Helpers for the DCAP tests: the shared test vectors, read in place, and
// expected.json's formats turned into ours.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cloister/bytes.h"
#include "dcap/collateral_time.h"

namespace cloister::dcap::testing {

inline std::filesystem::path attestation_vectors() {
  return std::filesystem::path(CLOISTER_TEST_VECTORS) / "attestation";
}

inline bool have_vectors() {
  return std::filesystem::exists(attestation_vectors() / "expected.json");
}

inline Bytes read_vector(const std::string& relative) {
  std::ifstream in(attestation_vectors() / relative, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << relative;
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline nlohmann::json expected_json() {
  std::ifstream in(attestation_vectors() / "expected.json");
  return nlohmann::json::parse(in);
}

// Every SGX and TDX quote expected.json describes.
inline std::vector<std::string> quote_vectors(const nlohmann::json& expected) {
  std::vector<std::string> out;
  for (const auto& [name, entry] : expected.items()) {
    if (entry.contains("header") && (name.rfind("sgx/", 0) == 0 || name.rfind("tdx/", 0) == 0))
      out.push_back(name);
  }
  return out;
}

// "2030-02-27 19:17:10+00:00" -> seconds since the epoch.
inline std::int64_t expected_time(const std::string& text) {
  // The same instant in the form Intel's collateral uses.
  std::string iso = text.substr(0, 19);
  if (iso.size() == 19) iso[10] = 'T';
  auto seconds = parse_iso8601(iso + "Z");
  EXPECT_TRUE(seconds.is_ok()) << text;
  return seconds.is_ok() ? *seconds : 0;
}

// "2030-02-27 19:17:10+00:00" -> "2030-02-27T19:17:10Z"
inline std::string iso8601(const std::string& text) {
  return text.substr(0, 10) + "T" + text.substr(11, 8) + "Z";
}

// A moment every certificate in the vector's chain is valid: a day after the
// leaf was issued (the intermediates and roots were issued earlier).
inline std::int64_t valid_time(const nlohmann::json& entry) {
  return expected_time(entry["pck_chain"][0]["not_before"].get<std::string>()) + 24 * 3600;
}

}  // namespace cloister::dcap::testing
