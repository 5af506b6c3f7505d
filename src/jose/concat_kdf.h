// The Concat KDF of NIST SP 800-56A §5.8.1 with SHA-256, as JWE ECDH-ES
// uses it (RFC 7518 §4.6.2). Internal to src/jose; exposed for its tests.
#pragma once

#include <cstddef>
#include <string_view>

#include "cloister/bytes.h"
#include "cloister/result.h"

namespace cloister::jose::internal {

// Derives `key_bits` bits (a positive multiple of 8) from the shared secret Z.
// OtherInfo = AlgorithmID || PartyUInfo || PartyVInfo || SuppPubInfo, each
// of the first three as a 32-bit big-endian length and the bytes;
// SuppPubInfo is key_bits as 32-bit big-endian; SuppPrivInfo is empty.
Result<SecretBytes> concat_kdf(ByteView shared_secret, std::string_view algorithm_id, ByteView party_u_info,
                               ByteView party_v_info, std::size_t key_bits);

}  // namespace cloister::jose::internal
