// Cryptographically secure randomness from OpenSSL's DRBG (seeded by getrandom).
#pragma once

#include "cloister/bytes.h"
#include "cloister/result.h"

namespace cloister::crypto {

Status random_fill(std::span<std::uint8_t> out);
Result<Bytes> random_bytes(std::size_t size);

}  // namespace cloister::crypto
