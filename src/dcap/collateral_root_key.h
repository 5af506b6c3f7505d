// The trust anchor for all DCAP collateral: Intel's SGX Root CA key.
#pragma once

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "crypto/keys.h"

namespace cloister::dcap {

// The Intel SGX Root CA's P-256 public key as an uncompressed point
// (0x04 || X || Y). Pinned as a key, not a certificate: Intel re-issued the
// root certificate (valid to 2033, then to 2049) with the same key, and
// either issue may arrive in a chain.
ByteView intel_sgx_root_key_point();
Result<crypto::PublicKey> intel_sgx_root_key();
// Whether `key` is that key.
bool is_intel_sgx_root_key(const crypto::PublicKey& key);

}  // namespace cloister::dcap
