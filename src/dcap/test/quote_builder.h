// Builds well-formed quotes from scratch with test keys: the attestation key,
// the "PCK" key and a three-certificate chain under a test root. Everything
// verifies except that the root is not Intel's, which is what the tests of
// layouts no vector has (TDX 1.5 bodies from v5 with SGX bodies, other roots)
// need.
#pragma once

#include <cstdint>
#include <optional>

#include "cloister/bytes.h"
#include "crypto/keys.h"
#include "crypto/x509.h"

namespace cloister::dcap::testing {

struct QuoteSpec {
  std::uint16_t version = 3;
  std::uint32_t tee_type = 0;
  std::uint16_t body_type = 0;  // v5: 1 SGX, 2 TDX 1.0, 3 TDX 1.5
  std::uint8_t report_data_byte = 0x5a;
  std::int64_t not_before = 1'700'000'000;  // 2023-11-14
};

// DER helpers for the SGX extension.
Bytes der_tlv(std::uint8_t tag, const Bytes& content);
Bytes der_oid(const std::string& dotted);
// A PCK SGX extension (FMSPC 00906ed50000, PCE-ID 0000, components 1..16 = i
// except component 01 = `component_01` (encoded as a minimal INTEGER), PCESVN 13).
Bytes sgx_extension_der(std::uint32_t component_01 = 1);

struct BuiltQuote {
  Bytes bytes;
  crypto::Certificate leaf;
};
BuiltQuote build_quote(const QuoteSpec& spec);

}  // namespace cloister::dcap::testing
