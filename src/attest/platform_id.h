// The platform id: SHA-256 of the platform attestation key's SPKI DER, also
// carried in the platform certificate under a private-enterprise OID so a CA
// operator can see which platform a certificate names.
#pragma once

#include <array>
#include <cstdint>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "crypto/keys.h"

namespace cloister::attest {

using PlatformId = std::array<std::uint8_t, 32>;

inline constexpr char kPlatformIdOid[] = "1.3.6.1.4.1.57264.1.1";

Result<PlatformId> platform_id_of(const crypto::PublicKey& attestation_key);

// The extension content: a DER OCTET STRING holding the 32-byte id.
Bytes platform_id_extension(const PlatformId& id);

}  // namespace cloister::attest
