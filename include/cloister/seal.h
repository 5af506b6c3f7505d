// Sealing: encrypting data so that only the same enclave (or the same
// product from the same signer) on the same platform can decrypt it later.
//
// The enclave runtime exposes (declared in the runtime's own header):
//
//   Result<Bytes> seal(SealPolicy policy, ByteView plaintext, ByteView aad = {});
//     Encrypts `plaintext` with AES-256-GCM under a key the platform derives
//     from its root secret and this enclave's identity, selected by `policy`,
//     at the enclave's current security version. `aad` is authenticated but
//     not stored: the same bytes must be passed to unseal.
//
//   Result<SecretBytes> unseal(ByteView blob, ByteView aad = {});
//     Decrypts a blob produced by seal. It fails if the blob was modified, if
//     it was sealed for another enclave or with other aad, or if it was sealed
//     at a security version newer than this enclave's (an older enclave must
//     not read data written by a fixed one). A newer enclave can unseal data
//     an older version sealed, so upgrades keep their data.
//
// The blob format (magic "CLSEAL01") is described in src/enclave/seal_format.h.
#pragma once

#include <cstdint>

namespace cloister {

enum class SealPolicy : std::uint8_t {
  unique = 1,   // bound to the measurement: only this exact enclave build
  product = 2,  // bound to signer + product id: any version of the product, same signer
};

}  // namespace cloister
