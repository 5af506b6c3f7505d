// A throwaway operator CA and platform key for evidence tests, so they can
// sign any report (stale, future, malformed) without the platform library.
#pragma once

#include <string>
#include <vector>

#include "attest/evidence_format.h"
#include "attest/platform_id.h"
#include "cloister/evidence.h"
#include "crypto/keys.h"
#include "crypto/x509.h"

namespace cloister::attest::testing {

std::int64_t unix_ms_now();

struct TestPlatform {
  crypto::PrivateKey ca_key;
  crypto::Certificate ca;
  Bytes ca_der;
  crypto::PrivateKey key;
  Bytes cert_der;
  PlatformId id{};
  std::vector<Bytes> chain;  // [cert_der, intermediates...]

  // A CA directly issuing the platform key, or via one intermediate CA.
  static TestPlatform create(const std::string& ca_name = "Test operator CA", bool with_intermediate = false,
                             bool with_id_extension = true);

  // A report every default expectation accepts: process isolation, not debug.
  Report good_report() const;
  Bytes sign(const Report& report) const;
  std::vector<Bytes> roots() const { return {ca_der}; }
};

// Expectations matching good_report() exactly.
Expectations matching_expectations(const Report& report);

}  // namespace cloister::attest::testing
