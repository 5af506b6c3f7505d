// Shared fixtures for the image tests: the test ELFs and signing keys.
#pragma once

#include <gtest/gtest.h>

#include "cloister/bytes.h"
#include "crypto/keys.h"
#include "image/signed_image.h"

namespace cloister::image::testing {

inline Bytes read_test_file(const char* path) {
  auto bytes = read_file(path, std::size_t{1} << 30, "test file");
  EXPECT_TRUE(bytes.is_ok()) << bytes.status().to_string();
  return bytes.is_ok() ? std::move(bytes).value() : Bytes{};
}

inline const Bytes& static_elf() {
  static const Bytes elf = read_test_file(CLOISTER_TEST_STATIC_ELF);
  return elf;
}

inline const Bytes& dynamic_elf() {
  static const Bytes elf = read_test_file(CLOISTER_TEST_DYNAMIC_ELF);
  return elf;
}

inline crypto::PrivateKey generate_key(crypto::KeyType type = crypto::KeyType::ec_p256) {
  auto key = crypto::PrivateKey::generate(type);
  EXPECT_TRUE(key.is_ok()) << key.status().to_string();
  return key.is_ok() ? std::move(key).value() : crypto::PrivateKey{};
}

}  // namespace cloister::image::testing
