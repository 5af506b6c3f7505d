// What an enclave is: its signed configuration and the identity derived from it.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "cloister/wire.h"

namespace cloister {

using Measurement = std::array<std::uint8_t, 32>;  // MRENCLAVE analogue
using SignerId = std::array<std::uint8_t, 32>;     // MRSIGNER analogue: SHA-256 of the signing key's SPKI DER

// Signed with the image; part of the measurement.
struct EnclaveConfig {
  std::uint64_t heap_size = std::uint64_t{64} << 20;  // bytes the enclave may allocate (RLIMIT_AS headroom)
  std::uint32_t max_threads = 8;                      // concurrent ecalls the enclave serves
  bool debug = false;                                 // debug enclaves are refused by default policies
  std::uint16_t product_id = 0;
  std::uint16_t security_version = 0;  // SVN: raise it when you fix a security bug
  CLOISTER_FIELDS(heap_size, max_threads, debug, product_id, security_version)
};

struct EnclaveIdentity {
  Measurement measurement{};
  SignerId signer{};
  std::uint16_t product_id = 0;
  std::uint16_t security_version = 0;
  bool debug = false;
  CLOISTER_FIELDS(measurement, signer, product_id, security_version, debug)
};

}  // namespace cloister
