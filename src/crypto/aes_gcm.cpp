#include "crypto/aes_gcm.h"

#include "crypto/openssl_util.h"

namespace cloister::crypto {
namespace {

Status check_key_and_iv(ByteView key, ByteView iv) {
  if (key.size() != kAesGcmKeySize) {
    return error(ErrorCode::invalid_argument,
                 "AES-256-GCM key must be 32 bytes, got " + std::to_string(key.size()));
  }
  if (iv.size() != kAesGcmIvSize) {
    return error(ErrorCode::invalid_argument,
                 "AES-256-GCM IV must be 12 bytes, got " + std::to_string(iv.size()));
  }
  return Status::ok();
}

}  // namespace

Result<Bytes> aes_gcm_encrypt(ByteView key, ByteView iv, ByteView aad, ByteView plaintext) {
  CLOISTER_RETURN_IF_ERROR(check_key_and_iv(key, iv));
  if (!internal::fits_int(aad.size()) || !internal::fits_int(plaintext.size())) {
    return error(ErrorCode::out_of_range, "AES-256-GCM input too large");
  }
  internal::EvpCipherCtxPtr context(EVP_CIPHER_CTX_new());
  if (context == nullptr ||
      EVP_EncryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, key.data(), iv.data()) != 1) {
    return internal::openssl_error(ErrorCode::crypto_error, "AES-256-GCM encryption setup failed");
  }
  int written = 0;
  if (!aad.empty() &&
      EVP_EncryptUpdate(context.get(), nullptr, &written, aad.data(), static_cast<int>(aad.size())) != 1) {
    return internal::openssl_error(ErrorCode::crypto_error, "AES-256-GCM additional data");
  }
  Bytes out(plaintext.size() + kAesGcmTagSize);
  if (!plaintext.empty() && EVP_EncryptUpdate(context.get(), out.data(), &written, plaintext.data(),
                                              static_cast<int>(plaintext.size())) != 1) {
    return internal::openssl_error(ErrorCode::crypto_error, "AES-256-GCM encryption failed");
  }
  // GCM is a stream mode: Final writes nothing, but it must still run.
  int final_written = 0;
  if (EVP_EncryptFinal_ex(context.get(), out.data() + plaintext.size(), &final_written) != 1 ||
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, kAesGcmTagSize,
                          out.data() + plaintext.size()) != 1) {
    return internal::openssl_error(ErrorCode::crypto_error, "AES-256-GCM tag computation failed");
  }
  return out;
}

Result<SecretBytes> aes_gcm_decrypt(ByteView key, ByteView iv, ByteView aad, ByteView ciphertext_and_tag) {
  CLOISTER_RETURN_IF_ERROR(check_key_and_iv(key, iv));
  if (ciphertext_and_tag.size() < kAesGcmTagSize) {
    return error(ErrorCode::crypto_error, "AES-256-GCM ciphertext shorter than its 16-byte tag");
  }
  if (!internal::fits_int(aad.size()) || !internal::fits_int(ciphertext_and_tag.size())) {
    return error(ErrorCode::out_of_range, "AES-256-GCM input too large");
  }
  ByteView ciphertext = ciphertext_and_tag.first(ciphertext_and_tag.size() - kAesGcmTagSize);
  ByteView tag = ciphertext_and_tag.last(kAesGcmTagSize);

  internal::EvpCipherCtxPtr context(EVP_CIPHER_CTX_new());
  if (context == nullptr ||
      EVP_DecryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, key.data(), iv.data()) != 1) {
    return internal::openssl_error(ErrorCode::crypto_error, "AES-256-GCM decryption setup failed");
  }
  int written = 0;
  if (!aad.empty() &&
      EVP_DecryptUpdate(context.get(), nullptr, &written, aad.data(), static_cast<int>(aad.size())) != 1) {
    return internal::openssl_error(ErrorCode::crypto_error, "AES-256-GCM additional data");
  }
  // The plaintext is only released once the tag checks; until then it is
  // held in SecretBytes so a failed decryption leaves nothing behind.
  SecretBytes plaintext(ciphertext.size());
  if (!ciphertext.empty() && EVP_DecryptUpdate(context.get(), plaintext.data(), &written, ciphertext.data(),
                                               static_cast<int>(ciphertext.size())) != 1) {
    return internal::openssl_error(ErrorCode::crypto_error, "AES-256-GCM decryption failed");
  }
  if (EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, kAesGcmTagSize,
                          const_cast<std::uint8_t*>(tag.data())) != 1) {
    return internal::openssl_error(ErrorCode::crypto_error, "AES-256-GCM tag setup failed");
  }
  int final_written = 0;
  std::uint8_t unused[kAesGcmTagSize];
  if (EVP_DecryptFinal_ex(context.get(), unused, &final_written) != 1) {
    internal::clear_openssl_errors();
    return error(ErrorCode::crypto_error, "authentication tag mismatch");
  }
  return plaintext;
}

}  // namespace cloister::crypto
