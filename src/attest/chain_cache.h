// Certificate chains already verified against a root.
//
// Whether a signature over given bytes verifies under a given key never
// changes, so once a chain (leaf, intermediates, root: exact DER bytes) has
// verified, re-verifying its signatures proves nothing new. Validity periods
// do change with the clock: callers still check them on every use. Entries
// are keyed by SHA-256 over every certificate's DER, in order.
#pragma once

#include <vector>

#include "cloister/bytes.h"
#include "crypto/sha.h"
#include "crypto/x509.h"

namespace cloister::attest {

crypto::Digest256 chain_key(const std::vector<Bytes>& chain_der, ByteView root_der);
bool chain_verified_before(const crypto::Digest256& key);
void remember_verified_chain(const crypto::Digest256& key);  // thread-safe, bounded

// The validity-period part of a chain check, for a chain whose signatures are known good.
Status check_validity_periods(const std::vector<const crypto::Certificate*>& certificates,
                              std::int64_t at_seconds);

}  // namespace cloister::attest
