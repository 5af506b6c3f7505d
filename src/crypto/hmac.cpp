#include "crypto/hmac.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <cstdio>
#include <cstdlib>

#include "crypto/openssl_util.h"

namespace cloister::crypto {
namespace {

// OpenSSL treats a null octet-string parameter as "absent", which for an empty
// HMAC key or HKDF salt is not what RFC 2104/5869 mean; an empty buffer at a
// valid address is.
const std::uint8_t kEmpty[1] = {0};
void* octets(ByteView bytes) {
  return const_cast<std::uint8_t*>(bytes.empty() ? kEmpty : bytes.data());
}

char* digest_name(HashAlgorithm algorithm) {
  static char sha256_name[] = "SHA256";
  static char sha384_name[] = "SHA384";
  return algorithm == HashAlgorithm::sha384 ? sha384_name : sha256_name;
}

[[noreturn]] void mac_failure() {
  // Only allocation failure or a missing default provider gets here, never
  // the input; hmac() returns plain bytes, so a wrong MAC is not an option.
  std::fprintf(stderr, "cloister crypto: HMAC failed inside OpenSSL\n");
  std::abort();
}

}  // namespace

Bytes hmac(HashAlgorithm algorithm, ByteView key, ByteView data) {
  internal::EvpMacPtr mac(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr));
  if (mac == nullptr) mac_failure();
  internal::EvpMacCtxPtr context(EVP_MAC_CTX_new(mac.get()));
  if (context == nullptr) mac_failure();
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name(algorithm), 0),
      OSSL_PARAM_construct_end(),
  };
  auto* key_bytes = static_cast<const unsigned char*>(octets(key));
  if (EVP_MAC_init(context.get(), key_bytes, key.size(), params) != 1) mac_failure();
  if (!data.empty() && EVP_MAC_update(context.get(), data.data(), data.size()) != 1) mac_failure();
  Bytes out(digest_size(algorithm));
  std::size_t size = 0;
  if (EVP_MAC_final(context.get(), out.data(), &size, out.size()) != 1 || size != out.size()) mac_failure();
  return out;
}

Result<SecretBytes> hkdf(HashAlgorithm algorithm, ByteView ikm, ByteView salt, ByteView info,
                         std::size_t length) {
  const std::size_t max_length = 255 * digest_size(algorithm);  // RFC 5869 section 2.3
  if (length == 0 || length > max_length) {
    return error(ErrorCode::invalid_argument, "HKDF output length " + std::to_string(length) +
                                                  " is outside 1.." + std::to_string(max_length));
  }
  internal::EvpKdfPtr kdf(EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_HKDF, nullptr));
  if (kdf == nullptr) return internal::openssl_error(ErrorCode::crypto_error, "HKDF unavailable");
  internal::EvpKdfCtxPtr context(EVP_KDF_CTX_new(kdf.get()));
  if (context == nullptr) return internal::openssl_error(ErrorCode::crypto_error, "HKDF context");
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest_name(algorithm), 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, octets(ikm), ikm.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, octets(salt), salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, octets(info), info.size()),
      OSSL_PARAM_construct_end(),
  };
  SecretBytes out(length);
  if (EVP_KDF_derive(context.get(), out.data(), out.size(), params) != 1) {
    return internal::openssl_error(ErrorCode::crypto_error, "HKDF derivation failed");
  }
  return out;
}

}  // namespace cloister::crypto
