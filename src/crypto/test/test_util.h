// Helpers shared by the crypto unit tests.
#pragma once

#include <gtest/gtest.h>

#include <string_view>

#include "cloister/bytes.h"
#include "common/encoding.h"

namespace cloister::crypto::testing {

// Test vectors are written as hex; a typo in one is a test bug, so fail loudly.
inline Bytes hex(std::string_view text) {
  auto bytes = from_hex(text);
  EXPECT_TRUE(bytes.is_ok()) << "bad hex in test vector: " << text;
  return bytes.is_ok() ? *bytes : Bytes{};
}

inline Bytes repeated(std::uint8_t byte, std::size_t count) {
  return Bytes(count, byte);
}

}  // namespace cloister::crypto::testing
