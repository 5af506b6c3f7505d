#include "attest/platform_id.h"

#include <algorithm>

#include "crypto/sha.h"

namespace cloister::attest {

Result<PlatformId> platform_id_of(const crypto::PublicKey& attestation_key) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes spki, attestation_key.to_der());
  return crypto::sha256(spki);
}

Bytes platform_id_extension(const PlatformId& id) {
  Bytes out(2 + id.size());
  out[0] = 0x04;  // OCTET STRING
  out[1] = static_cast<std::uint8_t>(id.size());
  std::copy(id.begin(), id.end(), out.begin() + 2);
  return out;
}

}  // namespace cloister::attest
