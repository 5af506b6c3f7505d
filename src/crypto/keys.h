// Asymmetric keys over EVP_PKEY: ECDSA P-256/P-384 signatures, ECDH, RSA-OAEP.
#pragma once

#include <memory>
#include <string>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "crypto/sha.h"

using EVP_PKEY = struct evp_pkey_st;

namespace cloister::crypto {

enum class KeyType { ec_p256, ec_p384, rsa };

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* key) const;
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;

class PublicKey {
 public:
  PublicKey() = default;
  explicit PublicKey(EvpPkeyPtr key) : key_(std::move(key)) {}
  static Result<PublicKey> from_der(ByteView spki_der);  // SubjectPublicKeyInfo
  static Result<PublicKey> from_pem(std::string_view pem);
  // An uncompressed EC point (0x04 || X || Y) on the given curve.
  static Result<PublicKey> from_ec_point(KeyType curve, ByteView point);

  [[nodiscard]] Result<Bytes> to_der() const;
  [[nodiscard]] Result<std::string> to_pem() const;
  [[nodiscard]] Result<Bytes> ec_point() const;  // uncompressed
  [[nodiscard]] Result<KeyType> type() const;

  // ECDSA with the curve's hash (P-256: SHA-256, P-384: SHA-384); DER signature.
  [[nodiscard]] Status verify(ByteView data, ByteView der_signature) const;
  // ECDSA over raw r||s (each coordinate-sized, big-endian).
  [[nodiscard]] Status verify_raw(ByteView data, ByteView r_and_s, HashAlgorithm hash) const;
  [[nodiscard]] Result<Bytes> rsa_oaep_encrypt(ByteView plaintext, HashAlgorithm hash) const;

  [[nodiscard]] EVP_PKEY* get() const { return key_.get(); }
  [[nodiscard]] bool valid() const { return key_ != nullptr; }
  [[nodiscard]] PublicKey clone() const;

 private:
  EvpPkeyPtr key_;
};

class PrivateKey {
 public:
  PrivateKey() = default;
  explicit PrivateKey(EvpPkeyPtr key) : key_(std::move(key)) {}
  static Result<PrivateKey> generate(KeyType type, unsigned rsa_bits = 3072);
  static Result<PrivateKey> from_der(ByteView pkcs8_der);
  static Result<PrivateKey> from_pem(std::string_view pem);

  [[nodiscard]] Result<SecretBytes> to_der() const;  // PKCS#8
  [[nodiscard]] Result<std::string> to_pem() const;  // PKCS#8 PEM
  [[nodiscard]] PublicKey public_key() const;

  // ECDSA with the curve's hash; DER signature.
  [[nodiscard]] Result<Bytes> sign(ByteView data) const;
  [[nodiscard]] Result<SecretBytes> rsa_oaep_decrypt(ByteView ciphertext, HashAlgorithm hash) const;
  // ECDH shared secret (the x coordinate), both keys on the same curve.
  [[nodiscard]] Result<SecretBytes> ecdh(const PublicKey& peer) const;

  [[nodiscard]] EVP_PKEY* get() const { return key_.get(); }
  [[nodiscard]] bool valid() const { return key_ != nullptr; }

 private:
  EvpPkeyPtr key_;
};

}  // namespace cloister::crypto
