#include "crypto/aes_cbc.h"

#include "crypto/openssl_util.h"

namespace cloister::crypto {
namespace {

Status check_key_and_iv(ByteView key, ByteView iv) {
  if (key.size() != kAesCbcKeySize) {
    return error(ErrorCode::invalid_argument,
                 "AES-256-CBC key must be 32 bytes, got " + std::to_string(key.size()));
  }
  if (iv.size() != kAesBlockSize) {
    return error(ErrorCode::invalid_argument,
                 "AES-256-CBC IV must be 16 bytes, got " + std::to_string(iv.size()));
  }
  return Status::ok();
}

}  // namespace

Result<Bytes> aes_256_cbc_encrypt(ByteView key, ByteView iv, ByteView plaintext) {
  CLOISTER_RETURN_IF_ERROR(check_key_and_iv(key, iv));
  if (!internal::fits_int(plaintext.size() + kAesBlockSize)) {
    return error(ErrorCode::out_of_range, "AES-256-CBC input too large");
  }
  internal::EvpCipherCtxPtr context(EVP_CIPHER_CTX_new());
  if (context == nullptr ||
      EVP_EncryptInit_ex(context.get(), EVP_aes_256_cbc(), nullptr, key.data(), iv.data()) != 1) {
    return internal::openssl_error(ErrorCode::crypto_error, "AES-256-CBC encryption setup failed");
  }
  // PKCS#7 always adds 1..16 bytes.
  Bytes out(plaintext.size() + kAesBlockSize);
  int written = 0;
  if (!plaintext.empty() && EVP_EncryptUpdate(context.get(), out.data(), &written, plaintext.data(),
                                              static_cast<int>(plaintext.size())) != 1) {
    return internal::openssl_error(ErrorCode::crypto_error, "AES-256-CBC encryption failed");
  }
  int final_written = 0;
  if (EVP_EncryptFinal_ex(context.get(), out.data() + written, &final_written) != 1) {
    return internal::openssl_error(ErrorCode::crypto_error, "AES-256-CBC padding failed");
  }
  out.resize(static_cast<std::size_t>(written) + static_cast<std::size_t>(final_written));
  return out;
}

Result<SecretBytes> aes_256_cbc_decrypt(ByteView key, ByteView iv, ByteView ciphertext) {
  CLOISTER_RETURN_IF_ERROR(check_key_and_iv(key, iv));
  if (ciphertext.empty() || ciphertext.size() % kAesBlockSize != 0) {
    return error(ErrorCode::decode_error, "AES-256-CBC ciphertext of " + std::to_string(ciphertext.size()) +
                                              " bytes is not a positive multiple of 16");
  }
  if (!internal::fits_int(ciphertext.size() + kAesBlockSize)) {
    return error(ErrorCode::out_of_range, "AES-256-CBC input too large");
  }
  internal::EvpCipherCtxPtr context(EVP_CIPHER_CTX_new());
  if (context == nullptr ||
      EVP_DecryptInit_ex(context.get(), EVP_aes_256_cbc(), nullptr, key.data(), iv.data()) != 1) {
    return internal::openssl_error(ErrorCode::crypto_error, "AES-256-CBC decryption setup failed");
  }
  SecretBytes out(ciphertext.size() + kAesBlockSize);
  int written = 0;
  if (EVP_DecryptUpdate(context.get(), out.data(), &written, ciphertext.data(),
                        static_cast<int>(ciphertext.size())) != 1) {
    return internal::openssl_error(ErrorCode::crypto_error, "AES-256-CBC decryption failed");
  }
  int final_written = 0;
  if (EVP_DecryptFinal_ex(context.get(), out.data() + written, &final_written) != 1) {
    internal::clear_openssl_errors();
    return error(ErrorCode::crypto_error, "AES-256-CBC padding is invalid");
  }
  return SecretBytes(
      out.view().first(static_cast<std::size_t>(written) + static_cast<std::size_t>(final_written)));
}

}  // namespace cloister::crypto
