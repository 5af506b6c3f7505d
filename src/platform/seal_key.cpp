// Sealing-key derivation: one HKDF-SHA256 from the platform root secret, with
// an info string that binds everything the key must depend on, so two
// enclaves (or policies, versions, key ids) never share a key by accident.
#include "cloister/wire.h"
#include "crypto/hmac.h"
#include "platform/platform_identity.h"

namespace cloister::platform {
namespace {

constexpr char kSealKeySalt[] = "cloister-platform-seal-key-salt-v1";
constexpr char kSealKeyLabel[] = "cloister-seal-key-v1";  // written with its NUL
constexpr std::size_t kMaxKeyIdBytes = 64;

}  // namespace

Result<SecretBytes> PlatformIdentity::derive_seal_key(const EnclaveIdentity& identity, SealPolicy policy,
                                                      std::uint16_t requested_svn, ByteView key_id) const {
  if (policy != SealPolicy::unique && policy != SealPolicy::product) {
    return Status(ErrorCode::invalid_argument,
                  "unknown sealing policy " + std::to_string(static_cast<int>(policy)));
  }
  if (requested_svn > identity.security_version) {
    return Status(ErrorCode::permission_denied,
                  "an enclave cannot derive a sealing key for a newer security version");
  }
  if (key_id.size() > kMaxKeyIdBytes) {
    return Status(ErrorCode::invalid_argument, "sealing key id longer than 64 bytes");
  }
  wire::Writer info;
  info.put_raw(kSealKeyLabel, sizeof kSealKeyLabel);
  info.put_u8(static_cast<std::uint8_t>(policy));
  if (policy == SealPolicy::unique) {
    info.put_raw(identity.measurement.data(), identity.measurement.size());
  } else {
    info.put_raw(identity.signer.data(), identity.signer.size());
    info.put_u16(identity.product_id);
  }
  // Bound even for the product policy: a debug build of a product must not be
  // able to read what the production build sealed (as SGX does with its
  // DEBUG attribute). For unique, debug is already in the measurement.
  info.put_u8(identity.debug ? 1 : 0);
  info.put_u16(requested_svn);
  info.put_length(key_id.size());
  info.put_raw(key_id.data(), key_id.size());
  return crypto::hkdf(crypto::HashAlgorithm::sha256, root_secret_, as_bytes(kSealKeySalt), info.bytes(), 32);
}

}  // namespace cloister::platform
