#include "image/config_json.h"

#include <gtest/gtest.h>

namespace cloister::image {
namespace {

std::string error_of(std::string_view text) {
  auto config = parse_enclave_config_json(text);
  EXPECT_FALSE(config.is_ok()) << text;
  return config.is_ok() ? std::string() : config.status().message();
}

void expect_error_mentions(std::string_view text, std::string_view needle) {
  const std::string message = error_of(text);
  EXPECT_NE(message.find(needle), std::string::npos) << text << " -> " << message;
}

TEST(ConfigJson, ParsesAllFields) {
  auto config = parse_enclave_config_json(
      R"({"heap_size": 67108864, "max_threads": 8, "debug": true, "product_id": 1, "security_version": 2})");
  ASSERT_TRUE(config.is_ok()) << config.status().to_string();
  EXPECT_EQ(config->heap_size, std::uint64_t{64} << 20);
  EXPECT_EQ(config->max_threads, 8u);
  EXPECT_TRUE(config->debug);
  EXPECT_EQ(config->product_id, 1);
  EXPECT_EQ(config->security_version, 2);
}

TEST(ConfigJson, ParsesSizeSuffixes) {
  const std::pair<const char*, std::uint64_t> cases[] = {
      {R"("64M")", std::uint64_t{64} << 20},    {R"("1G")", std::uint64_t{1} << 30},
      {R"("2048k")", std::uint64_t{2} << 20},   {R"("16MiB")", std::uint64_t{16} << 20},
      {R"("1048576")", std::uint64_t{1} << 20}, {R"("64G")", std::uint64_t{64} << 30},
  };
  for (const auto& [size, expected] : cases) {
    auto config = parse_enclave_config_json(std::string(R"({"heap_size": )") + size + "}");
    ASSERT_TRUE(config.is_ok()) << size << ": " << config.status().to_string();
    EXPECT_EQ(config->heap_size, expected) << size;
  }
}

TEST(ConfigJson, MissingKeysTakeDefaults) {
  auto config = parse_enclave_config_json("{}");
  ASSERT_TRUE(config.is_ok()) << config.status().to_string();
  EXPECT_EQ(wire::encode(*config), wire::encode(EnclaveConfig{}));
}

TEST(ConfigJson, RoundTripsThroughToJson) {
  EnclaveConfig config;
  config.heap_size = std::uint64_t{3} << 30;
  config.max_threads = 256;
  config.debug = true;
  config.product_id = 65535;
  config.security_version = 9;
  auto parsed = parse_enclave_config_json(enclave_config_to_json(config));
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  EXPECT_EQ(wire::encode(*parsed), wire::encode(config));
}

TEST(ConfigJson, UnknownAndRepeatedKeysNameTheKey) {
  expect_error_mentions(R"({"max_thread": 8})", "\"max_thread\" is not a known key");
  expect_error_mentions(R"({"max_threads": 8, "max_threads": 200})",
                        "\"max_threads\" appears more than once");
}

TEST(ConfigJson, WrongTypesNameTheKey) {
  expect_error_mentions(R"({"max_threads": "8"})", "\"max_threads\"");
  expect_error_mentions(R"({"max_threads": 8.0})", "\"max_threads\"");
  expect_error_mentions(R"({"max_threads": -1})", "\"max_threads\"");
  expect_error_mentions(R"({"debug": 0})", "\"debug\"");
  expect_error_mentions(R"({"debug": "false"})", "\"debug\"");
  expect_error_mentions(R"({"product_id": true})", "\"product_id\"");
  expect_error_mentions(R"({"security_version": null})", "\"security_version\"");
  expect_error_mentions(R"({"heap_size": [1]})", "\"heap_size\"");
  expect_error_mentions(R"({"heap_size": 1.5e9})", "\"heap_size\"");
}

TEST(ConfigJson, OutOfRangeValues) {
  expect_error_mentions(R"({"product_id": 65536})", "\"product_id\"");
  expect_error_mentions(R"({"security_version": 100000})", "\"security_version\"");
  expect_error_mentions(R"({"max_threads": 0})", "max_threads");
  expect_error_mentions(R"({"max_threads": 257})", "max_threads");
  expect_error_mentions(R"({"max_threads": 4294967296})", "\"max_threads\"");
  expect_error_mentions(R"({"heap_size": "512K"})", "heap_size");
  expect_error_mentions(R"({"heap_size": "65G"})", "heap_size");
  expect_error_mentions(R"({"heap_size": "99999999999999999999G"})", "heap_size");
  expect_error_mentions(R"({"heap_size": "17179869184G"})", "heap_size");
}

TEST(ConfigJson, MalformedSizesAndDocuments) {
  expect_error_mentions(R"({"heap_size": "64T"})", "unknown unit");
  expect_error_mentions(R"({"heap_size": "M"})", "heap_size");
  expect_error_mentions(R"({"heap_size": ""})", "heap_size");
  expect_error_mentions(R"({"heap_size": " 64M"})", "heap_size");
  expect_error_mentions(R"({"heap_size": "-64M"})", "heap_size");
  expect_error_mentions(R"([1, 2])", "JSON object");
  expect_error_mentions(R"({"max_threads": 8)", "not valid JSON");
  expect_error_mentions("", "not valid JSON");
}

}  // namespace
}  // namespace cloister::image
