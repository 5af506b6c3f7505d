// The token claims the release-policy tests and fuzzer evaluate against:
// every JSON type a claim can have, nested runtime claims, and numbers at
// the edges of int64/uint64.
#pragma once

#include <nlohmann/json.hpp>

namespace cloister::kbs::testing {

inline const nlohmann::json& release_claims() {
  static const nlohmann::json claims = nlohmann::json::parse(R"({
    "iss": "https://attestd.example",
    "x-ms-sgx-mrsigner": "ab12",
    "x-ms-sgx-mrenclave": "cd34",
    "x-ms-sgx-is-debuggable": false,
    "x-ms-sgx-product-id": 7,
    "x-ms-sgx-svn": 3,
    "x-cloister-evidence-time": 1700000000,
    "x-cloister-platform-region": "eu-west",
    "big": 18446744073709551615,
    "negative": -9223372036854775808,
    "ratio": 0.5,
    "x-ms-runtime": {"keys": [{"kty": "EC", "kid": "enc-1"}], "client": {"ver": 2, "tags": ["a", 1, true]}}
  })");
  return claims;
}

}  // namespace cloister::kbs::testing
