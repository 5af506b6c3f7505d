#include "crypto/keys.h"

#include <openssl/core_names.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "crypto/openssl_util.h"

namespace cloister::crypto {

using internal::openssl_error;

void EvpPkeyDeleter::operator()(EVP_PKEY* key) const {
  EVP_PKEY_free(key);
}

namespace {

constexpr unsigned kMinRsaBits = 2048;
constexpr unsigned kMaxRsaBits = 16384;

Result<KeyType> key_type(const EVP_PKEY* key) {
  if (key == nullptr) return error(ErrorCode::invalid_argument, "empty key");
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      return KeyType::rsa;
    case EVP_PKEY_EC: {
      char group[64] = {};
      std::size_t group_length = 0;
      if (EVP_PKEY_get_group_name(key, group, sizeof(group), &group_length) != 1) {
        return openssl_error(ErrorCode::crypto_error, "EC key without a named curve");
      }
      int nid = OBJ_sn2nid(group);
      if (nid == NID_undef) nid = EC_curve_nist2nid(group);
      if (nid == NID_X9_62_prime256v1) return KeyType::ec_p256;
      if (nid == NID_secp384r1) return KeyType::ec_p384;
      return error(ErrorCode::invalid_argument, std::string("unsupported EC curve ") + group);
    }
    default:
      return error(ErrorCode::invalid_argument, "unsupported key algorithm");
  }
}

const char* curve_name(KeyType type) {
  return type == KeyType::ec_p384 ? "P-384" : "P-256";
}
std::size_t coordinate_size(KeyType curve) {
  return curve == KeyType::ec_p384 ? 48 : 32;
}
HashAlgorithm curve_hash(KeyType curve) {
  return curve == KeyType::ec_p384 ? HashAlgorithm::sha384 : HashAlgorithm::sha256;
}

Result<KeyType> ec_key_type(const EVP_PKEY* key, const char* operation) {
  CLOISTER_ASSIGN_OR_RETURN(KeyType type, key_type(key));
  if (type == KeyType::rsa)
    return error(ErrorCode::invalid_argument, std::string(operation) + " needs an EC key");
  return type;
}

Result<Bytes> public_der(EVP_PKEY* key) {
  if (key == nullptr) return error(ErrorCode::invalid_argument, "empty key");
  int size = i2d_PUBKEY(key, nullptr);
  if (size <= 0) return openssl_error(ErrorCode::crypto_error, "encoding public key");
  Bytes der(static_cast<std::size_t>(size));
  unsigned char* cursor = der.data();
  if (i2d_PUBKEY(key, &cursor) != size) return openssl_error(ErrorCode::crypto_error, "encoding public key");
  return der;
}

// ECDSA verification of an already DER-encoded signature with an explicit hash.
Status verify_der(EVP_PKEY* key, HashAlgorithm hash, ByteView data, ByteView der_signature) {
  internal::EvpMdCtxPtr context(EVP_MD_CTX_new());
  if (context == nullptr ||
      EVP_DigestVerifyInit(context.get(), nullptr, internal::message_digest(hash), nullptr, key) != 1) {
    return openssl_error(ErrorCode::crypto_error, "signature verification setup failed");
  }
  // 1 is a good signature; 0 a bad one; negative a malformed one. All but 1
  // are the same answer to the caller.
  if (EVP_DigestVerify(context.get(), der_signature.data(), der_signature.size(), data.data(), data.size()) !=
      1) {
    internal::clear_openssl_errors();
    return error(ErrorCode::crypto_error, "signature does not verify");
  }
  return Status::ok();
}

// Sets up an RSA-OAEP encryption or decryption context using `hash` for both
// the OAEP label hash and MGF1.
Status setup_oaep(EVP_PKEY_CTX* context, HashAlgorithm hash) {
  const EVP_MD* md = internal::message_digest(hash);
  if (EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_OAEP_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_oaep_md(context, md) != 1 || EVP_PKEY_CTX_set_rsa_mgf1_md(context, md) != 1) {
    return openssl_error(ErrorCode::crypto_error, "RSA-OAEP setup failed");
  }
  return Status::ok();
}

}  // namespace

// ---- PublicKey ----

Result<PublicKey> PublicKey::from_der(ByteView spki_der) {
  if (!internal::fits_int(spki_der.size())) return error(ErrorCode::decode_error, "public key DER too large");
  const unsigned char* cursor = spki_der.data();
  EvpPkeyPtr key(d2i_PUBKEY(nullptr, &cursor, static_cast<long>(spki_der.size())));
  if (key == nullptr) return openssl_error(ErrorCode::decode_error, "malformed SubjectPublicKeyInfo DER");
  if (cursor != spki_der.data() + spki_der.size()) {
    return error(ErrorCode::decode_error, "trailing bytes after SubjectPublicKeyInfo DER");
  }
  return PublicKey(std::move(key));
}

Result<PublicKey> PublicKey::from_pem(std::string_view pem) {
  internal::BioPtr bio = internal::read_only_bio(pem);
  if (bio == nullptr) return error(ErrorCode::decode_error, "public key PEM too large");
  EvpPkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, internal::refuse_pem_password, nullptr));
  if (key == nullptr) return openssl_error(ErrorCode::decode_error, "malformed public key PEM");
  return PublicKey(std::move(key));
}

Result<PublicKey> PublicKey::from_ec_point(KeyType curve, ByteView point) {
  if (curve == KeyType::rsa) return error(ErrorCode::invalid_argument, "an EC point needs an EC curve");
  if (point.size() != 1 + 2 * coordinate_size(curve) || point[0] != 0x04) {
    return error(ErrorCode::decode_error, std::string("not an uncompressed ") + curve_name(curve) + " point");
  }
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(curve_name(curve)), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, const_cast<std::uint8_t*>(point.data()),
                                        point.size()),
      OSSL_PARAM_construct_end(),
  };
  internal::EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw_key = nullptr;
  if (context == nullptr || EVP_PKEY_fromdata_init(context.get()) != 1 ||
      EVP_PKEY_fromdata(context.get(), &raw_key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    return openssl_error(ErrorCode::decode_error, std::string("invalid ") + curve_name(curve) + " point");
  }
  EvpPkeyPtr key(raw_key);
  // Importing decodes the point; an explicit check rejects any point that is
  // not on the curve (or is the point at infinity) whatever the import path.
  // The quick check skips multiplying by the group order, which proves
  // nothing more on P-256 and P-384: their cofactor is 1, so every point on
  // the curve other than infinity has the full order.
  internal::EvpPkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (check == nullptr || EVP_PKEY_public_check_quick(check.get()) != 1) {
    return openssl_error(ErrorCode::decode_error, std::string("point is not on ") + curve_name(curve));
  }
  return PublicKey(std::move(key));
}

Result<Bytes> PublicKey::to_der() const {
  return public_der(key_.get());
}

Result<std::string> PublicKey::to_pem() const {
  if (!valid()) return error(ErrorCode::invalid_argument, "empty key");
  internal::BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) {
    return openssl_error(ErrorCode::crypto_error, "encoding public key PEM");
  }
  return internal::bio_contents(bio.get());
}

Result<Bytes> PublicKey::ec_point() const {
  CLOISTER_ASSIGN_OR_RETURN(KeyType curve, ec_key_type(key_.get(), "ec_point"));
  // Read the affine coordinates rather than the encoded key, whose form
  // follows however the key was imported (possibly compressed).
  BIGNUM* raw_x = nullptr;
  BIGNUM* raw_y = nullptr;
  int got_x = EVP_PKEY_get_bn_param(key_.get(), OSSL_PKEY_PARAM_EC_PUB_X, &raw_x);
  int got_y = EVP_PKEY_get_bn_param(key_.get(), OSSL_PKEY_PARAM_EC_PUB_Y, &raw_y);
  internal::BignumPtr x(raw_x);
  internal::BignumPtr y(raw_y);
  if (got_x != 1 || got_y != 1) return openssl_error(ErrorCode::crypto_error, "reading EC public point");
  const std::size_t width = coordinate_size(curve);
  Bytes point(1 + 2 * width);
  point[0] = 0x04;
  if (BN_bn2binpad(x.get(), point.data() + 1, static_cast<int>(width)) < 0 ||
      BN_bn2binpad(y.get(), point.data() + 1 + width, static_cast<int>(width)) < 0) {
    return openssl_error(ErrorCode::crypto_error, "encoding EC public point");
  }
  return point;
}

Result<KeyType> PublicKey::type() const {
  return key_type(key_.get());
}

Status PublicKey::verify(ByteView data, ByteView der_signature) const {
  CLOISTER_ASSIGN_OR_RETURN(KeyType curve, ec_key_type(key_.get(), "ECDSA verification"));
  return verify_der(key_.get(), curve_hash(curve), data, der_signature);
}

Status PublicKey::verify_raw(ByteView data, ByteView r_and_s, HashAlgorithm hash) const {
  CLOISTER_ASSIGN_OR_RETURN(KeyType curve, ec_key_type(key_.get(), "ECDSA verification"));
  const std::size_t width = coordinate_size(curve);
  if (r_and_s.size() != 2 * width) return error(ErrorCode::crypto_error, "signature does not verify");
  internal::EcdsaSigPtr signature(ECDSA_SIG_new());
  internal::BignumPtr r(BN_bin2bn(r_and_s.data(), static_cast<int>(width), nullptr));
  internal::BignumPtr s(BN_bin2bn(r_and_s.data() + width, static_cast<int>(width), nullptr));
  if (signature == nullptr || r == nullptr || s == nullptr ||
      ECDSA_SIG_set0(signature.get(), r.get(), s.get()) != 1) {
    return openssl_error(ErrorCode::crypto_error, "building ECDSA signature");
  }
  (void)r.release();  // now owned by `signature`
  (void)s.release();
  int size = i2d_ECDSA_SIG(signature.get(), nullptr);
  if (size <= 0) return openssl_error(ErrorCode::crypto_error, "encoding ECDSA signature");
  Bytes der(static_cast<std::size_t>(size));
  unsigned char* cursor = der.data();
  if (i2d_ECDSA_SIG(signature.get(), &cursor) != size) {
    return openssl_error(ErrorCode::crypto_error, "encoding ECDSA signature");
  }
  return verify_der(key_.get(), hash, data, der);
}

Result<Bytes> PublicKey::rsa_oaep_encrypt(ByteView plaintext, HashAlgorithm hash) const {
  CLOISTER_ASSIGN_OR_RETURN(KeyType type, key_type(key_.get()));
  if (type != KeyType::rsa) return error(ErrorCode::invalid_argument, "RSA-OAEP needs an RSA key");
  internal::EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_pkey(nullptr, key_.get(), nullptr));
  if (context == nullptr || EVP_PKEY_encrypt_init(context.get()) != 1) {
    return openssl_error(ErrorCode::crypto_error, "RSA-OAEP setup failed");
  }
  CLOISTER_RETURN_IF_ERROR(setup_oaep(context.get(), hash));
  std::size_t size = 0;
  if (EVP_PKEY_encrypt(context.get(), nullptr, &size, plaintext.data(), plaintext.size()) != 1) {
    return openssl_error(ErrorCode::crypto_error, "RSA-OAEP encryption failed");
  }
  Bytes ciphertext(size);
  if (EVP_PKEY_encrypt(context.get(), ciphertext.data(), &size, plaintext.data(), plaintext.size()) != 1) {
    return openssl_error(ErrorCode::crypto_error, "RSA-OAEP encryption failed (plaintext of " +
                                                      std::to_string(plaintext.size()) + " bytes)");
  }
  ciphertext.resize(size);
  return ciphertext;
}

PrivateKey PrivateKey::clone() const {
  if (!key_) return {};
  if (EVP_PKEY_up_ref(key_.get()) != 1) return {};
  return PrivateKey(EvpPkeyPtr(key_.get()));
}

PublicKey PublicKey::clone() const {
  if (!valid()) return {};
  // Keys are immutable once built, so sharing the reference-counted
  // EVP_PKEY is a faithful copy.
  if (EVP_PKEY_up_ref(key_.get()) != 1) return {};
  return PublicKey(EvpPkeyPtr(key_.get()));
}

// ---- PrivateKey ----

Result<PrivateKey> PrivateKey::generate(KeyType type, unsigned rsa_bits) {
  EVP_PKEY* raw_key = nullptr;
  if (type == KeyType::rsa) {
    if (rsa_bits < kMinRsaBits || rsa_bits > kMaxRsaBits) {
      return error(ErrorCode::invalid_argument, "RSA key size " + std::to_string(rsa_bits) + " is outside " +
                                                    std::to_string(kMinRsaBits) + ".." +
                                                    std::to_string(kMaxRsaBits));
    }
    raw_key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(rsa_bits));
  } else {
    raw_key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve_name(type));
  }
  if (raw_key == nullptr) return openssl_error(ErrorCode::crypto_error, "key generation failed");
  return PrivateKey(EvpPkeyPtr(raw_key));
}

Result<PrivateKey> PrivateKey::from_der(ByteView pkcs8_der) {
  if (!internal::fits_int(pkcs8_der.size()))
    return error(ErrorCode::decode_error, "private key DER too large");
  const unsigned char* cursor = pkcs8_der.data();
  internal::Pkcs8InfoPtr info(d2i_PKCS8_PRIV_KEY_INFO(nullptr, &cursor, static_cast<long>(pkcs8_der.size())));
  if (info == nullptr) return openssl_error(ErrorCode::decode_error, "malformed PKCS#8 private key DER");
  if (cursor != pkcs8_der.data() + pkcs8_der.size()) {
    return error(ErrorCode::decode_error, "trailing bytes after PKCS#8 private key DER");
  }
  EvpPkeyPtr key(EVP_PKCS82PKEY(info.get()));
  if (key == nullptr) return openssl_error(ErrorCode::decode_error, "unusable PKCS#8 private key");
  return PrivateKey(std::move(key));
}

Result<PrivateKey> PrivateKey::from_pem(std::string_view pem) {
  internal::BioPtr bio = internal::read_only_bio(pem);
  if (bio == nullptr) return error(ErrorCode::decode_error, "private key PEM too large");
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, internal::refuse_pem_password, nullptr));
  if (key == nullptr) return openssl_error(ErrorCode::decode_error, "malformed or encrypted private key PEM");
  return PrivateKey(std::move(key));
}

Result<SecretBytes> PrivateKey::to_der() const {
  if (!valid()) return error(ErrorCode::invalid_argument, "empty key");
  // PKCS8_PRIV_KEY_INFO wipes its key octets when freed.
  internal::Pkcs8InfoPtr info(EVP_PKEY2PKCS8(key_.get()));
  if (info == nullptr) return openssl_error(ErrorCode::crypto_error, "encoding PKCS#8 private key");
  int size = i2d_PKCS8_PRIV_KEY_INFO(info.get(), nullptr);
  if (size <= 0) return openssl_error(ErrorCode::crypto_error, "encoding PKCS#8 private key");
  SecretBytes der(static_cast<std::size_t>(size));
  unsigned char* cursor = der.data();
  if (i2d_PKCS8_PRIV_KEY_INFO(info.get(), &cursor) != size) {
    return openssl_error(ErrorCode::crypto_error, "encoding PKCS#8 private key");
  }
  return der;
}

Result<std::string> PrivateKey::to_pem() const {
  if (!valid()) return error(ErrorCode::invalid_argument, "empty key");
  internal::BioPtr bio = internal::secure_memory_bio();
  if (bio == nullptr ||
      PEM_write_bio_PKCS8PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return openssl_error(ErrorCode::crypto_error, "encoding PKCS#8 private key PEM");
  }
  return internal::bio_contents(bio.get());
}

PublicKey PrivateKey::public_key() const {
  // EC: a new key from the public point alone. OpenSSL 3's encoders and
  // decoders cost more than an ECDSA signature, and services derive public
  // keys on every request.
  if (key_ == nullptr) return {};
  if (auto curve = key_type(key_.get()); curve.is_ok() && *curve != KeyType::rsa) {
    if (EVP_PKEY_up_ref(key_.get()) != 1) return {};
    const PublicKey shared{EvpPkeyPtr(key_.get())};  // only to read the point; dropped below
    auto point = shared.ec_point();
    if (!point.is_ok()) return {};
    auto key = PublicKey::from_ec_point(*curve, *point);
    if (!key.is_ok()) return {};
    return std::move(key).value();
  }
  // A round trip through SubjectPublicKeyInfo leaves the private half behind.
  auto der = public_der(key_.get());
  if (!der.is_ok()) return {};
  auto key = PublicKey::from_der(*der);
  if (!key.is_ok()) return {};
  return std::move(key).value();
}

Result<Bytes> PrivateKey::sign(ByteView data) const {
  CLOISTER_ASSIGN_OR_RETURN(KeyType curve, ec_key_type(key_.get(), "ECDSA signing"));
  internal::EvpMdCtxPtr context(EVP_MD_CTX_new());
  if (context == nullptr ||
      EVP_DigestSignInit(context.get(), nullptr, internal::message_digest(curve_hash(curve)), nullptr,
                         key_.get()) != 1) {
    return openssl_error(ErrorCode::crypto_error, "ECDSA signing setup failed");
  }
  std::size_t size = 0;
  if (EVP_DigestSign(context.get(), nullptr, &size, data.data(), data.size()) != 1) {
    return openssl_error(ErrorCode::crypto_error, "ECDSA signing failed");
  }
  Bytes signature(size);
  if (EVP_DigestSign(context.get(), signature.data(), &size, data.data(), data.size()) != 1) {
    return openssl_error(ErrorCode::crypto_error, "ECDSA signing failed");
  }
  signature.resize(size);  // DER signatures vary in length
  return signature;
}

Result<Bytes> PrivateKey::sign_raw(ByteView data) const {
  CLOISTER_ASSIGN_OR_RETURN(KeyType curve, ec_key_type(key_.get(), "ECDSA signing"));
  CLOISTER_ASSIGN_OR_RETURN(Bytes der, sign(data));
  const unsigned char* cursor = der.data();
  internal::EcdsaSigPtr signature(d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der.size())));
  if (signature == nullptr) return openssl_error(ErrorCode::crypto_error, "decoding ECDSA signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(signature.get(), &r, &s);
  const std::size_t width = coordinate_size(curve);
  Bytes raw(2 * width);
  if (BN_bn2binpad(r, raw.data(), static_cast<int>(width)) < 0 ||
      BN_bn2binpad(s, raw.data() + width, static_cast<int>(width)) < 0) {
    return openssl_error(ErrorCode::crypto_error, "encoding ECDSA signature");
  }
  return raw;
}

Result<SecretBytes> PrivateKey::rsa_oaep_decrypt(ByteView ciphertext, HashAlgorithm hash) const {
  CLOISTER_ASSIGN_OR_RETURN(KeyType type, key_type(key_.get()));
  if (type != KeyType::rsa) return error(ErrorCode::invalid_argument, "RSA-OAEP needs an RSA key");
  internal::EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_pkey(nullptr, key_.get(), nullptr));
  if (context == nullptr || EVP_PKEY_decrypt_init(context.get()) != 1) {
    return openssl_error(ErrorCode::crypto_error, "RSA-OAEP setup failed");
  }
  CLOISTER_RETURN_IF_ERROR(setup_oaep(context.get(), hash));
  std::size_t size = 0;
  if (EVP_PKEY_decrypt(context.get(), nullptr, &size, ciphertext.data(), ciphertext.size()) != 1) {
    return openssl_error(ErrorCode::crypto_error, "RSA-OAEP decryption failed");
  }
  SecretBytes buffer(size);
  if (EVP_PKEY_decrypt(context.get(), buffer.data(), &size, ciphertext.data(), ciphertext.size()) != 1) {
    // Deliberately no detail: padding oracles live in distinguishable errors.
    internal::clear_openssl_errors();
    return error(ErrorCode::crypto_error, "RSA-OAEP decryption failed");
  }
  return SecretBytes(buffer.view().first(size));  // `buffer` wipes itself
}

Result<SecretBytes> PrivateKey::ecdh(const PublicKey& peer) const {
  CLOISTER_ASSIGN_OR_RETURN(KeyType own_curve, ec_key_type(key_.get(), "ECDH"));
  CLOISTER_ASSIGN_OR_RETURN(KeyType peer_curve, ec_key_type(peer.get(), "ECDH"));
  if (own_curve != peer_curve) {
    return error(ErrorCode::invalid_argument, std::string("ECDH between ") + curve_name(own_curve) + " and " +
                                                  curve_name(peer_curve) + " keys");
  }
  internal::EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_pkey(nullptr, key_.get(), nullptr));
  if (context == nullptr || EVP_PKEY_derive_init(context.get()) != 1 ||
      EVP_PKEY_derive_set_peer(context.get(), peer.get()) != 1) {
    return openssl_error(ErrorCode::crypto_error, "ECDH setup failed");
  }
  std::size_t size = 0;
  if (EVP_PKEY_derive(context.get(), nullptr, &size) != 1) {
    return openssl_error(ErrorCode::crypto_error, "ECDH failed");
  }
  SecretBytes secret(size);
  if (EVP_PKEY_derive(context.get(), secret.data(), &size) != 1) {
    return openssl_error(ErrorCode::crypto_error, "ECDH failed");
  }
  if (size != secret.size()) return SecretBytes(secret.view().first(size));
  return secret;
}

}  // namespace cloister::crypto
