// RSA key components and RSA signatures: the PublicKey/PrivateKey members
// declared in keys.h that JOSE (RS256, PS256, RSA JWKs) needs.
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "crypto/keys.h"
#include "crypto/openssl_util.h"

namespace cloister::crypto {

using internal::openssl_error;

namespace {

constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 16384;

using ParamBuildPtr = internal::OpenSslPtr<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>;
using ParamPtr = internal::OpenSslPtr<OSSL_PARAM, OSSL_PARAM_free>;

bool is_rsa(const EVP_PKEY* key) {
  return key != nullptr && EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA;
}

Status check_rsa_size(const EVP_PKEY* key) {
  const int bits = EVP_PKEY_get_bits(key);
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    return error(ErrorCode::invalid_argument, "RSA key of " + std::to_string(bits) + " bits is outside " +
                                                  std::to_string(kMinRsaBits) + ".." +
                                                  std::to_string(kMaxRsaBits));
  }
  return Status::ok();
}

// Sets padding (and for PSS the MGF1 hash and digest-length salt) on the
// context a DigestSign/DigestVerify init returned.
Status setup_padding(EVP_PKEY_CTX* context, RsaPadding padding, HashAlgorithm hash) {
  if (padding == RsaPadding::pkcs1_v1_5) {
    if (EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PADDING) != 1) {
      return openssl_error(ErrorCode::crypto_error, "RSA PKCS#1 v1.5 setup failed");
    }
    return Status::ok();
  }
  if (EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PSS_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(context, internal::message_digest(hash)) != 1 ||
      EVP_PKEY_CTX_set_rsa_pss_saltlen(context, RSA_PSS_SALTLEN_DIGEST) != 1) {
    return openssl_error(ErrorCode::crypto_error, "RSA-PSS setup failed");
  }
  return Status::ok();
}

Result<Bytes> bignum_param(const EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    return openssl_error(ErrorCode::crypto_error, std::string("reading RSA ") + name);
  }
  internal::BignumPtr number(raw);
  Bytes out(static_cast<std::size_t>(BN_num_bytes(number.get())));
  BN_bn2bin(number.get(), out.data());
  return out;
}

}  // namespace

Result<PublicKey> PublicKey::from_rsa_components(ByteView modulus, ByteView exponent) {
  if (modulus.size() > kMaxRsaBits / 8 || exponent.empty() || exponent.size() > 8) {
    return error(ErrorCode::decode_error, "RSA modulus or exponent has an impossible size");
  }
  if ((exponent.back() & 1) == 0 || (exponent.size() == 1 && exponent[0] == 1)) {
    return error(ErrorCode::decode_error, "RSA public exponent must be odd and greater than 1");
  }
  internal::BignumPtr n(BN_bin2bn(modulus.data(), static_cast<int>(modulus.size()), nullptr));
  internal::BignumPtr e(BN_bin2bn(exponent.data(), static_cast<int>(exponent.size()), nullptr));
  ParamBuildPtr builder(OSSL_PARAM_BLD_new());
  if (n == nullptr || e == nullptr || builder == nullptr ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return openssl_error(ErrorCode::crypto_error, "building RSA key parameters");
  }
  ParamPtr params(OSSL_PARAM_BLD_to_param(builder.get()));
  internal::EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw_key = nullptr;
  if (params == nullptr || context == nullptr || EVP_PKEY_fromdata_init(context.get()) != 1 ||
      EVP_PKEY_fromdata(context.get(), &raw_key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return openssl_error(ErrorCode::decode_error, "invalid RSA public key");
  }
  EvpPkeyPtr key(raw_key);
  if (Status size = check_rsa_size(key.get()); !size.is_ok())
    return Status(ErrorCode::decode_error, size.message());
  return PublicKey(std::move(key));
}

Result<RsaPublicComponents> PublicKey::rsa_components() const {
  if (!is_rsa(key_.get())) return error(ErrorCode::invalid_argument, "RSA components need an RSA key");
  CLOISTER_ASSIGN_OR_RETURN(Bytes modulus, bignum_param(key_.get(), OSSL_PKEY_PARAM_RSA_N));
  CLOISTER_ASSIGN_OR_RETURN(Bytes exponent, bignum_param(key_.get(), OSSL_PKEY_PARAM_RSA_E));
  return RsaPublicComponents{std::move(modulus), std::move(exponent)};
}

Status PublicKey::rsa_verify(ByteView data, ByteView signature, RsaPadding padding,
                             HashAlgorithm hash) const {
  if (!is_rsa(key_.get())) return error(ErrorCode::invalid_argument, "RSA verification needs an RSA key");
  CLOISTER_RETURN_IF_ERROR(check_rsa_size(key_.get()));
  internal::EvpMdCtxPtr context(EVP_MD_CTX_new());
  EVP_PKEY_CTX* key_context = nullptr;  // owned by `context`
  if (context == nullptr || EVP_DigestVerifyInit(context.get(), &key_context, internal::message_digest(hash),
                                                 nullptr, key_.get()) != 1) {
    return openssl_error(ErrorCode::crypto_error, "signature verification setup failed");
  }
  CLOISTER_RETURN_IF_ERROR(setup_padding(key_context, padding, hash));
  // As for ECDSA: a malformed signature and a wrong one are the same answer.
  if (EVP_DigestVerify(context.get(), signature.data(), signature.size(), data.data(), data.size()) != 1) {
    internal::clear_openssl_errors();
    return error(ErrorCode::crypto_error, "signature does not verify");
  }
  return Status::ok();
}

Result<Bytes> PrivateKey::rsa_sign(ByteView data, RsaPadding padding, HashAlgorithm hash) const {
  if (!is_rsa(key_.get())) return error(ErrorCode::invalid_argument, "RSA signing needs an RSA key");
  CLOISTER_RETURN_IF_ERROR(check_rsa_size(key_.get()));
  internal::EvpMdCtxPtr context(EVP_MD_CTX_new());
  EVP_PKEY_CTX* key_context = nullptr;  // owned by `context`
  if (context == nullptr || EVP_DigestSignInit(context.get(), &key_context, internal::message_digest(hash),
                                               nullptr, key_.get()) != 1) {
    return openssl_error(ErrorCode::crypto_error, "RSA signing setup failed");
  }
  CLOISTER_RETURN_IF_ERROR(setup_padding(key_context, padding, hash));
  std::size_t size = 0;
  if (EVP_DigestSign(context.get(), nullptr, &size, data.data(), data.size()) != 1) {
    return openssl_error(ErrorCode::crypto_error, "RSA signing failed");
  }
  Bytes signature(size);
  if (EVP_DigestSign(context.get(), signature.data(), &size, data.data(), data.size()) != 1) {
    return openssl_error(ErrorCode::crypto_error, "RSA signing failed");
  }
  signature.resize(size);
  return signature;
}

Result<Bytes> PrivateKey::rsa_sign_digest(ByteView digest, HashAlgorithm hash) const {
  if (!is_rsa(key_.get())) return error(ErrorCode::invalid_argument, "RSA signing needs an RSA key");
  CLOISTER_RETURN_IF_ERROR(check_rsa_size(key_.get()));
  if (digest.size() != digest_size(hash)) {
    return error(ErrorCode::invalid_argument, "a digest to sign is " + std::to_string(digest_size(hash)) +
                                                  " bytes, got " + std::to_string(digest.size()));
  }
  internal::EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_pkey(nullptr, key_.get(), nullptr));
  // The digest algorithm goes into the DigestInfo prefix PKCS#1 v1.5 signs.
  if (context == nullptr || EVP_PKEY_sign_init(context.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(context.get(), RSA_PKCS1_PADDING) != 1 ||
      EVP_PKEY_CTX_set_signature_md(context.get(), internal::message_digest(hash)) != 1) {
    return openssl_error(ErrorCode::crypto_error, "RSA signing setup failed");
  }
  std::size_t size = 0;
  if (EVP_PKEY_sign(context.get(), nullptr, &size, digest.data(), digest.size()) != 1) {
    return openssl_error(ErrorCode::crypto_error, "RSA signing failed");
  }
  Bytes signature(size);
  if (EVP_PKEY_sign(context.get(), signature.data(), &size, digest.data(), digest.size()) != 1) {
    return openssl_error(ErrorCode::crypto_error, "RSA signing failed");
  }
  signature.resize(size);
  return signature;
}

}  // namespace cloister::crypto
