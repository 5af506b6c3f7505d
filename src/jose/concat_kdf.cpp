#include "jose/concat_kdf.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "crypto/sha.h"

namespace cloister::jose::internal {

namespace {

constexpr std::size_t kMaxKeyBits = 1024;  // far beyond any JWE content key
constexpr std::size_t kMaxInfoBytes = 1 << 20;

std::array<std::uint8_t, 4> big_endian32(std::uint32_t value) {
  return {static_cast<std::uint8_t>(value >> 24), static_cast<std::uint8_t>(value >> 16),
          static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value)};
}

}  // namespace

Result<SecretBytes> concat_kdf(ByteView shared_secret, std::string_view algorithm_id, ByteView party_u_info,
                               ByteView party_v_info, std::size_t key_bits) {
  if (key_bits == 0 || key_bits % 8 != 0 || key_bits > kMaxKeyBits) {
    return error(ErrorCode::invalid_argument, "Concat KDF key length must be whole bytes, 8 to 1024 bits");
  }
  if (algorithm_id.size() > kMaxInfoBytes || party_u_info.size() > kMaxInfoBytes ||
      party_v_info.size() > kMaxInfoBytes) {
    return error(ErrorCode::out_of_range, "Concat KDF party information is too large");
  }
  const std::size_t key_bytes = key_bits / 8;
  const auto supp_pub_info = big_endian32(static_cast<std::uint32_t>(key_bits));
  const auto algorithm_length = big_endian32(static_cast<std::uint32_t>(algorithm_id.size()));
  const auto u_length = big_endian32(static_cast<std::uint32_t>(party_u_info.size()));
  const auto v_length = big_endian32(static_cast<std::uint32_t>(party_v_info.size()));

  SecretBytes key(key_bytes);
  std::size_t written = 0;
  for (std::uint32_t round = 1; written < key_bytes; ++round) {
    crypto::Hasher hasher(crypto::HashAlgorithm::sha256);
    hasher.update(big_endian32(round))
        .update(shared_secret)
        .update(algorithm_length)
        .update(as_bytes(algorithm_id))
        .update(u_length)
        .update(party_u_info)
        .update(v_length)
        .update(party_v_info)
        .update(supp_pub_info);
    // The digest is key material: hand it to a SecretBytes, which wipes it.
    const SecretBytes block(hasher.finish());
    const std::size_t take = std::min(block.size(), key_bytes - written);
    std::copy_n(block.data(), take, key.data() + written);
    written += take;
  }
  return key;
}

}  // namespace cloister::jose::internal
