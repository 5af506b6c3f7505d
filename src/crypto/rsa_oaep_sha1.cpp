#include "crypto/rsa_oaep_sha1.h"

#include <openssl/rsa.h>

#include "crypto/openssl_util.h"

namespace cloister::crypto {
namespace {

bool is_rsa(const EVP_PKEY* key) {
  return key != nullptr && EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA;
}

Status setup_oaep_sha1(EVP_PKEY_CTX* context) {
  if (EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_OAEP_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_oaep_md(context, EVP_sha1()) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(context, EVP_sha1()) != 1) {
    return internal::openssl_error(ErrorCode::crypto_error, "RSA-OAEP (SHA-1) setup failed");
  }
  return Status::ok();
}

}  // namespace

Result<Bytes> rsa_oaep_sha1_encrypt(const PublicKey& key, ByteView plaintext) {
  if (!is_rsa(key.get())) return error(ErrorCode::invalid_argument, "RSA-OAEP needs an RSA key");
  internal::EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (context == nullptr || EVP_PKEY_encrypt_init(context.get()) != 1) {
    return internal::openssl_error(ErrorCode::crypto_error, "RSA-OAEP (SHA-1) setup failed");
  }
  CLOISTER_RETURN_IF_ERROR(setup_oaep_sha1(context.get()));
  std::size_t size = 0;
  if (EVP_PKEY_encrypt(context.get(), nullptr, &size, plaintext.data(), plaintext.size()) != 1) {
    return internal::openssl_error(ErrorCode::crypto_error, "RSA-OAEP (SHA-1) encryption failed");
  }
  Bytes ciphertext(size);
  if (EVP_PKEY_encrypt(context.get(), ciphertext.data(), &size, plaintext.data(), plaintext.size()) != 1) {
    return internal::openssl_error(
        ErrorCode::crypto_error,
        "RSA-OAEP (SHA-1) encryption failed (plaintext of " + std::to_string(plaintext.size()) + " bytes)");
  }
  ciphertext.resize(size);
  return ciphertext;
}

Result<SecretBytes> rsa_oaep_sha1_decrypt(const PrivateKey& key, ByteView ciphertext) {
  if (!is_rsa(key.get())) return error(ErrorCode::invalid_argument, "RSA-OAEP needs an RSA key");
  internal::EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (context == nullptr || EVP_PKEY_decrypt_init(context.get()) != 1) {
    return internal::openssl_error(ErrorCode::crypto_error, "RSA-OAEP (SHA-1) setup failed");
  }
  CLOISTER_RETURN_IF_ERROR(setup_oaep_sha1(context.get()));
  std::size_t size = 0;
  if (EVP_PKEY_decrypt(context.get(), nullptr, &size, ciphertext.data(), ciphertext.size()) != 1) {
    return internal::openssl_error(ErrorCode::crypto_error, "RSA-OAEP (SHA-1) decryption failed");
  }
  SecretBytes buffer(size);
  if (EVP_PKEY_decrypt(context.get(), buffer.data(), &size, ciphertext.data(), ciphertext.size()) != 1) {
    // No detail on purpose: distinguishable OAEP failures are an oracle.
    internal::clear_openssl_errors();
    return error(ErrorCode::crypto_error, "RSA-OAEP (SHA-1) decryption failed");
  }
  return SecretBytes(buffer.view().first(size));
}

}  // namespace cloister::crypto
