#include "kbs/key_material.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <memory>

#include "common/encoding.h"
#include "crypto/keys.h"
#include "crypto/rng.h"
#include "jose/jose.h"

namespace cloister::kbs {

namespace {

struct BignumClearFree {
  void operator()(BIGNUM* bn) const { BN_clear_free(bn); }
};
using SecretBignum = std::unique_ptr<BIGNUM, BignumClearFree>;

// base64url of a big-endian integer parameter, padded to `width` bytes when
// width > 0 (EC coordinates and d are fixed-size in JWK, RFC 7518 §6.2).
Result<std::string> bn_param_b64url(EVP_PKEY* key, const char* name, std::size_t width) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    return Status(ErrorCode::crypto_error, std::string("stored key lacks parameter ") + name);
  }
  SecretBignum bn(raw);
  const auto natural = static_cast<std::size_t>(BN_num_bytes(bn.get()));
  SecretBytes bytes(width > natural ? width : natural);
  if (BN_bn2binpad(bn.get(), bytes.data(), static_cast<int>(bytes.size())) < 0) {
    return Status(ErrorCode::crypto_error, std::string("cannot encode parameter ") + name);
  }
  return to_base64url(bytes.view());
}

// Appends ,"name":"value" and wipes the value: the JWK text is built in
// place so the private members never sit in a json object that is not wiped.
void append_member(std::string& out, std::string_view name, std::string& value) {
  out += ",\"";
  out += name;
  out += "\":\"";
  out += value;
  out += '"';
  secure_wipe(value.data(), value.size());
}

Result<KeySpec> spec_of_private_key(const crypto::PrivateKey& key) {
  CLOISTER_ASSIGN_OR_RETURN(crypto::KeyType type, key.public_key().type());
  if (type == crypto::KeyType::ec_p256) return KeySpec{KeyKind::ec, 256};
  if (type == crypto::KeyType::rsa) {
    return make_key_spec("RSA", static_cast<unsigned>(EVP_PKEY_get_bits(key.get())));
  }
  return Status(ErrorCode::invalid_argument, "only EC P-256 and RSA 2048/3072 private keys can be imported");
}

SecretBytes secret_from_string(std::string& text) {
  SecretBytes out(as_bytes(text));
  secure_wipe(text.data(), text.size());
  return out;
}

}  // namespace

const char* to_string(KeyKind kind) {
  switch (kind) {
    case KeyKind::oct:
      return "oct";
    case KeyKind::ec:
      return "EC";
    case KeyKind::rsa:
      return "RSA";
  }
  return "?";
}

Result<KeyKind> key_kind_from_string(std::string_view kty) {
  if (kty == "oct") return KeyKind::oct;
  if (kty == "EC") return KeyKind::ec;
  if (kty == "RSA") return KeyKind::rsa;
  return Status(ErrorCode::invalid_argument,
                "unknown key type \"" + std::string(kty) + "\"; use oct (AES-256), EC (P-256) or RSA");
}

Result<KeySpec> make_key_spec(std::string_view kty, unsigned size) {
  CLOISTER_ASSIGN_OR_RETURN(KeyKind kind, key_kind_from_string(kty));
  KeySpec spec{kind, size};
  switch (kind) {
    case KeyKind::oct:
    case KeyKind::ec:
      if (spec.size == 0) spec.size = 256;
      if (spec.size != 256) {
        return Status(ErrorCode::invalid_argument,
                      std::string(to_string(kind)) + " keys are 256 bits, not " + std::to_string(size));
      }
      return spec;
    case KeyKind::rsa:
      if (spec.size == 0) spec.size = 3072;
      if (spec.size != 2048 && spec.size != 3072) {
        return Status(ErrorCode::invalid_argument,
                      "RSA keys are 2048 or 3072 bits, not " + std::to_string(size));
      }
      return spec;
  }
  return Status(ErrorCode::internal, "unreachable key kind");
}

Result<SecretBytes> generate_material(const KeySpec& spec) {
  if (spec.kind == KeyKind::oct) {
    SecretBytes key(spec.size / 8);
    CLOISTER_RETURN_IF_ERROR(crypto::random_fill({key.data(), key.size()}));
    return key;
  }
  auto key = spec.kind == KeyKind::ec ? crypto::PrivateKey::generate(crypto::KeyType::ec_p256)
                                      : crypto::PrivateKey::generate(crypto::KeyType::rsa, spec.size);
  if (!key.is_ok()) return key.status();
  return key->to_der();
}

Result<ImportedKey> import_material(const nlohmann::json& request) {
  if (request.contains("pem")) {
    if (!request["pem"].is_string()) return Status(ErrorCode::invalid_argument, "\"pem\" must be a string");
    auto key = crypto::PrivateKey::from_pem(request["pem"].get_ref<const std::string&>());
    if (!key.is_ok()) {
      return Status(ErrorCode::invalid_argument,
                    "\"pem\" is not an unencrypted PKCS#8 private key: " + key.status().message());
    }
    CLOISTER_ASSIGN_OR_RETURN(KeySpec spec, spec_of_private_key(*key));
    CLOISTER_ASSIGN_OR_RETURN(SecretBytes der, key->to_der());
    return ImportedKey{spec, std::move(der)};
  }
  if (request.value("kty", "") == "oct") {
    if (!request.contains("k") || !request["k"].is_string()) {
      return Status(ErrorCode::invalid_argument, "an oct key needs \"k\": base64url of 32 bytes");
    }
    auto bytes = from_base64url(request["k"].get_ref<const std::string&>());
    if (!bytes.is_ok() || bytes->size() != 32) {
      if (bytes.is_ok()) secure_wipe(bytes->data(), bytes->size());
      return Status(ErrorCode::invalid_argument, "\"k\" must be base64url of exactly 32 bytes (AES-256)");
    }
    return ImportedKey{KeySpec{KeyKind::oct, 256}, SecretBytes(std::move(bytes).value())};
  }
  return Status(ErrorCode::invalid_argument,
                "import takes {\"kty\":\"oct\",\"k\":\"<base64url>\"} or {\"pem\":\"<PKCS#8 private key>\"}");
}

Result<SecretBytes> private_jwk_text(KeyKind kind, ByteView material, std::string_view kid) {
  std::string out;
  // Room for an RSA-3072 JWK up front: a reallocation would leave a copy of
  // the private members in freed memory.
  out.reserve(8192);
  out += "{\"kty\":\"";
  out += to_string(kind);
  out += '"';
  if (kind == KeyKind::oct) {
    std::string k = to_base64url(material);
    append_member(out, "k", k);
  } else {
    CLOISTER_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::from_der(material));
    struct Member {
      const char* jwk;
      const char* param;
      std::size_t width;
    };
    static constexpr Member kEc[] = {{"x", OSSL_PKEY_PARAM_EC_PUB_X, 32},
                                     {"y", OSSL_PKEY_PARAM_EC_PUB_Y, 32},
                                     {"d", OSSL_PKEY_PARAM_PRIV_KEY, 32}};
    static constexpr Member kRsa[] = {
        {"n", OSSL_PKEY_PARAM_RSA_N, 0},          {"e", OSSL_PKEY_PARAM_RSA_E, 0},
        {"d", OSSL_PKEY_PARAM_RSA_D, 0},          {"p", OSSL_PKEY_PARAM_RSA_FACTOR1, 0},
        {"q", OSSL_PKEY_PARAM_RSA_FACTOR2, 0},    {"dp", OSSL_PKEY_PARAM_RSA_EXPONENT1, 0},
        {"dq", OSSL_PKEY_PARAM_RSA_EXPONENT2, 0}, {"qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1, 0}};
    if (kind == KeyKind::ec) out += ",\"crv\":\"P-256\"";
    for (const Member& member :
         kind == KeyKind::ec ? std::span<const Member>(kEc) : std::span<const Member>(kRsa)) {
      auto value = bn_param_b64url(key.get(), member.param, member.width);
      if (!value.is_ok()) {
        secure_wipe(out.data(), out.size());
        return value.status();
      }
      append_member(out, member.jwk, *value);
    }
  }
  if (!kid.empty()) {
    std::string kid_text = nlohmann::json(std::string(kid)).dump();
    out += ",\"kid\":" + kid_text;
  }
  out += '}';
  return secret_from_string(out);
}

Result<nlohmann::json> public_jwk_of(KeyKind kind, ByteView material) {
  if (kind == KeyKind::oct) return nlohmann::json(nullptr);
  CLOISTER_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::from_der(material));
  return jose::public_jwk(key.public_key());
}

}  // namespace cloister::kbs
