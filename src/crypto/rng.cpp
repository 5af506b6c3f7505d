#include "crypto/rng.h"

#include <openssl/rand.h>

#include "crypto/openssl_util.h"

namespace cloister::crypto {

Status random_fill(std::span<std::uint8_t> out) {
  // RAND_bytes takes an int length; fill large buffers in pieces.
  constexpr std::size_t kChunk = 1u << 30;
  for (std::size_t offset = 0; offset < out.size(); offset += kChunk) {
    std::size_t piece = std::min(kChunk, out.size() - offset);
    if (RAND_bytes(out.data() + offset, static_cast<int>(piece)) != 1) {
      return internal::openssl_error(ErrorCode::crypto_error, "random number generator failed");
    }
  }
  return Status::ok();
}

Result<Bytes> random_bytes(std::size_t size) {
  Bytes out(size);
  CLOISTER_RETURN_IF_ERROR(random_fill(out));
  return out;
}

}  // namespace cloister::crypto
