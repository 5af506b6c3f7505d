// Keys and RFC example material shared by the JOSE unit tests.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "common/encoding.h"
#include "crypto/keys.h"

namespace cloister::jose::testing {

// Generated once per test process and only when asked for: RSA key
// generation is the slow part, and ctest runs every case in its own process.
inline const crypto::PrivateKey& test_key(crypto::KeyType type) {
  switch (type) {
    case crypto::KeyType::ec_p256: {
      static const crypto::PrivateKey key = std::move(crypto::PrivateKey::generate(type)).value();
      return key;
    }
    case crypto::KeyType::ec_p384: {
      static const crypto::PrivateKey key = std::move(crypto::PrivateKey::generate(type)).value();
      return key;
    }
    case crypto::KeyType::rsa:
      break;
  }
  static const crypto::PrivateKey rsa =
      std::move(crypto::PrivateKey::generate(crypto::KeyType::rsa, 2048)).value();
  return rsa;
}

inline Bytes b64url(std::string_view text) {
  auto bytes = from_base64url(text);
  EXPECT_TRUE(bytes.is_ok()) << "bad base64url in test vector: " << text;
  return bytes.is_ok() ? *bytes : Bytes{};
}

// RFC 7515 Appendix A.2: RS256 example and the RSA public key it verifies with.
inline constexpr const char* kRfc7515RsaN =
    "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-"
    "SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-"
    "KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-"
    "DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
inline constexpr const char* kRfc7515A2Token =
    "eyJhbGciOiJSUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ."
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_"
    "O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_"
    "nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--"
    "xi12jzDwusC-"
    "eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_"
    "IoypGlUPQGe77Rw";

// RFC 7515 Appendix A.3: ES256 example and its P-256 public key.
inline constexpr const char* kRfc7515EcX = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
inline constexpr const char* kRfc7515EcY = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
inline constexpr const char* kRfc7515A3Token =
    "eyJhbGciOiJFUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ."
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
// The examples' exp; "now" in tests sits just before it.
inline constexpr std::int64_t kRfc7515Exp = 1300819380;

// RFC 7638 §3.1: the RSA key whose thumbprint the RFC computes.
inline constexpr const char* kRfc7638RsaN =
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_"
    "BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_"
    "2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_"
    "FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-"
    "bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
inline constexpr const char* kRfc7638Thumbprint = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

}  // namespace cloister::jose::testing
