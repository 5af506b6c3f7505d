// Asymmetric keys over EVP_PKEY: ECDSA P-256/P-384 signatures, ECDH, RSA-OAEP,
// RSA signatures (PKCS#1 v1.5 and PSS).
#pragma once

#include <memory>
#include <string>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "crypto/sha.h"

using EVP_PKEY = struct evp_pkey_st;

namespace cloister::crypto {

enum class KeyType { ec_p256, ec_p384, rsa };

// RSA signature padding. PSS uses MGF1 with the signature hash and a salt as
// long as the digest (what JWS PS256 requires).
enum class RsaPadding { pkcs1_v1_5, pss };

// An RSA public key's numbers, big-endian without leading zero bytes.
struct RsaPublicComponents {
  Bytes modulus;
  Bytes exponent;
};

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
  // An RSA key from its modulus and public exponent (big-endian); 2048 to
  // 16384 bits, odd exponent greater than 1.
  static Result<PublicKey> from_rsa_components(ByteView modulus, ByteView exponent);

  [[nodiscard]] Result<Bytes> to_der() const;
  [[nodiscard]] Result<std::string> to_pem() const;
  [[nodiscard]] Result<Bytes> ec_point() const;  // uncompressed
  [[nodiscard]] Result<KeyType> type() const;
  [[nodiscard]] Result<RsaPublicComponents> rsa_components() const;

  // ECDSA with the curve's hash (P-256: SHA-256, P-384: SHA-384); DER signature.
  [[nodiscard]] Status verify(ByteView data, ByteView der_signature) const;
  // ECDSA over raw r||s (each coordinate-sized, big-endian).
  [[nodiscard]] Status verify_raw(ByteView data, ByteView r_and_s, HashAlgorithm hash) const;
  [[nodiscard]] Result<Bytes> rsa_oaep_encrypt(ByteView plaintext, HashAlgorithm hash) const;
  // RSA signature check; a wrong or malformed signature is crypto_error
  // "signature does not verify". Keys under 2048 bits are refused.
  [[nodiscard]] Status rsa_verify(ByteView data, ByteView signature, RsaPadding padding,
                                  HashAlgorithm hash) const;

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
  // Another handle on the same key (reference counted, not a copy of the secret).
  [[nodiscard]] PrivateKey clone() const;
  [[nodiscard]] PublicKey public_key() const;

  // ECDSA with the curve's hash; DER signature.
  [[nodiscard]] Result<Bytes> sign(ByteView data) const;
  // ECDSA with the curve's hash; raw r||s, each coordinate-sized (JWS form).
  [[nodiscard]] Result<Bytes> sign_raw(ByteView data) const;
  [[nodiscard]] Result<Bytes> rsa_sign(ByteView data, RsaPadding padding, HashAlgorithm hash) const;
  // RSASSA-PKCS1-v1_5 over a digest the caller computed (Key Vault's "sign"
  // operation): the same signature rsa_sign makes over the digest's input.
  [[nodiscard]] Result<Bytes> rsa_sign_digest(ByteView digest, HashAlgorithm hash) const;
  [[nodiscard]] Result<SecretBytes> rsa_oaep_decrypt(ByteView ciphertext, HashAlgorithm hash) const;
  // ECDH shared secret (the x coordinate), both keys on the same curve.
  [[nodiscard]] Result<SecretBytes> ecdh(const PublicKey& peer) const;

  [[nodiscard]] EVP_PKEY* get() const { return key_.get(); }
  [[nodiscard]] bool valid() const { return key_ != nullptr; }

 private:
  EvpPkeyPtr key_;
};

}  // namespace cloister::crypto
