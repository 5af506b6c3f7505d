// Builds CRLs in tests: Intel's CRLs cannot be re-signed, so revocation and
// signature failures are exercised with CRLs the test issues itself.
#pragma once

#include <cstdint>
#include <vector>

#include "cloister/result.h"
#include "crypto/crl.h"
#include "crypto/keys.h"
#include "crypto/x509.h"

namespace cloister::crypto::testing {

// A v2 CRL named after `issuer`'s subject, signed by `issuer_key` (SHA-256),
// listing the serial numbers of `revoked`.
Result<Crl> build_crl(const Certificate& issuer, const PrivateKey& issuer_key,
                      const std::vector<const Certificate*>& revoked, std::int64_t this_update,
                      std::int64_t next_update);

}  // namespace cloister::crypto::testing
