#include "crypto/init.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>

#include <ctime>

#include "crypto/openssl_util.h"
#include "crypto/rng.h"

namespace cloister::crypto {

Status initialize() {
  if (OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG | OPENSSL_INIT_ADD_ALL_CIPHERS |
                              OPENSSL_INIT_ADD_ALL_DIGESTS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS,
                          nullptr) != 1) {
    return internal::openssl_error(ErrorCode::crypto_error, "OpenSSL initialisation failed");
  }
  // Fetching puts each implementation into the library context's method
  // cache; later fetches by name then find it there.
  internal::EvpMacPtr mac(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr));
  internal::EvpKdfPtr kdf(EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_HKDF, nullptr));
  if (mac == nullptr || kdf == nullptr) {
    return internal::openssl_error(ErrorCode::crypto_error, "HMAC or HKDF unavailable");
  }
  // glibc loads /etc/localtime the first time any time conversion runs, even
  // gmtime_r, which OpenSSL uses for certificate validity; load it now.
  tzset();
  std::uint8_t seed_probe[32];
  Status status = random_fill(seed_probe);
  OPENSSL_cleanse(seed_probe, sizeof(seed_probe));
  return status;
}

}  // namespace cloister::crypto
