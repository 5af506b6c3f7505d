// SHA-2 digests, one-shot and incremental.
#pragma once

#include <array>
#include <memory>

#include "cloister/bytes.h"

namespace cloister::crypto {

using Digest256 = std::array<std::uint8_t, 32>;
using Digest384 = std::array<std::uint8_t, 48>;

Digest256 sha256(ByteView data);
Digest384 sha384(ByteView data);

enum class HashAlgorithm { sha256, sha384 };
std::size_t digest_size(HashAlgorithm algorithm);

// Incremental hashing over pieces that are not contiguous.
class Hasher {
 public:
  explicit Hasher(HashAlgorithm algorithm);
  ~Hasher();
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  Hasher& update(ByteView data);
  Bytes finish();  // the hasher may not be updated after finish

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cloister::crypto
