// Compact JWE (RFC 7516) with enc A256GCM, to an RSA recipient by
// RSA-OAEP-256 key transport or to an EC recipient by ECDH-ES direct key
// agreement (RFC 7518 §4.6) with an ephemeral key in "epk".
#include "common/encoding.h"
#include "crypto/aes_gcm.h"
#include "crypto/rng.h"
#include "jose/concat_kdf.h"
#include "jose/jose.h"
#include "jose/jose_internal.h"

namespace cloister::jose {

using crypto::KeyType;
using nlohmann::json;

namespace {

constexpr const char* kEnc = "A256GCM";
constexpr const char* kRsaAlg = "RSA-OAEP-256";
constexpr const char* kEcdhAlg = "ECDH-ES";
constexpr std::size_t kContentKeyBits = 256;

Result<SecretBytes> random_secret(std::size_t size) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes bytes, crypto::random_bytes(size));
  return SecretBytes(std::move(bytes));
}

// ECDH-ES content key: Concat KDF over Z with AlgorithmID = enc (direct key
// agreement, RFC 7518 §4.6.2) and the apu/apv the header carries, if any.
Result<SecretBytes> agreed_key(const crypto::PrivateKey& own, const crypto::PublicKey& peer, ByteView apu,
                               ByteView apv) {
  CLOISTER_ASSIGN_OR_RETURN(SecretBytes shared, own.ecdh(peer));
  return internal::concat_kdf(shared, kEnc, apu, apv, kContentKeyBits);
}

Result<Bytes> optional_base64url_member(const json& header, const char* name) {
  CLOISTER_ASSIGN_OR_RETURN(const std::string* text, internal::optional_string(header, name, "JWE header"));
  if (text == nullptr) return Bytes();
  return internal::decode_base64url(*text, std::string("JWE header \"") + name + "\"");
}

// The ECDH-ES content key from the header's epk and our private key.
Result<SecretBytes> ecdh_content_key(const json& header, const crypto::PrivateKey& recipient, KeyType curve,
                                     ByteView encrypted_key) {
  // RFC 7516 §5.2 step 10: direct key agreement carries no encrypted key.
  if (!encrypted_key.empty()) return error(ErrorCode::decode_error, "ECDH-ES JWE has an encrypted key");
  const auto epk = header.find("epk");
  if (epk == header.end()) return error(ErrorCode::decode_error, "ECDH-ES JWE header has no \"epk\"");
  auto ephemeral = key_from_jwk(*epk);
  if (!ephemeral.is_ok()) return ephemeral.status().with_context("JWE header \"epk\"");
  CLOISTER_ASSIGN_OR_RETURN(KeyType ephemeral_type, ephemeral->type());
  if (ephemeral_type != curve) {
    return error(ErrorCode::invalid_argument,
                 std::string("JWE epk is a ") + internal::key_type_name(ephemeral_type) +
                     " key but the recipient key is " + internal::key_type_name(curve));
  }
  CLOISTER_ASSIGN_OR_RETURN(Bytes apu, optional_base64url_member(header, "apu"));
  CLOISTER_ASSIGN_OR_RETURN(Bytes apv, optional_base64url_member(header, "apv"));
  return agreed_key(recipient, *ephemeral, apu, apv);
}

// The RSA-OAEP-256 content key. A failed unwrap yields a random key rather
// than an error (RFC 7516 §11.5), so a wrong key and a tampered token fail
// alike, at the tag, and the RSA step is no padding oracle.
Result<SecretBytes> rsa_content_key(const crypto::PrivateKey& recipient, ByteView encrypted_key) {
  auto unwrapped = recipient.rsa_oaep_decrypt(encrypted_key, crypto::HashAlgorithm::sha256);
  if (unwrapped.is_ok() && unwrapped->size() == crypto::kAesGcmKeySize) return std::move(unwrapped).value();
  return random_secret(crypto::kAesGcmKeySize);
}

Status check_header(const json& header, KeyType recipient_type, std::string* alg_out) {
  CLOISTER_ASSIGN_OR_RETURN(const std::string* alg, internal::optional_string(header, "alg", "JWE header"));
  if (alg == nullptr) return error(ErrorCode::decode_error, "JWE header has no \"alg\"");
  const bool rsa = recipient_type == KeyType::rsa;
  if (*alg != kRsaAlg && *alg != kEcdhAlg) {
    return error(ErrorCode::invalid_argument,
                 "JWE alg " + internal::quoted(*alg) + " is not accepted (RSA-OAEP-256 or ECDH-ES)");
  }
  if ((*alg == kRsaAlg) != rsa) {
    return error(ErrorCode::invalid_argument, "JWE alg " + *alg + " does not match the recipient's " +
                                                  internal::key_type_name(recipient_type) + " key");
  }
  CLOISTER_ASSIGN_OR_RETURN(const std::string* enc, internal::optional_string(header, "enc", "JWE header"));
  if (enc == nullptr || *enc != kEnc) {
    return error(ErrorCode::invalid_argument, "JWE enc must be A256GCM");
  }
  if (header.contains("crit")) {
    return error(ErrorCode::invalid_argument,
                 "JWE header has \"crit\"; no critical extensions are supported");
  }
  if (header.contains("zip"))
    return error(ErrorCode::invalid_argument, "compressed JWE (\"zip\") is not accepted");
  *alg_out = *alg;
  return Status::ok();
}

}  // namespace

Result<std::string> encrypt_jwe(ByteView plaintext, const crypto::PublicKey& recipient, std::string kid) {
  if (plaintext.size() > kMaxTokenBytes) {
    return error(ErrorCode::out_of_range, "JWE plaintext of " + std::to_string(plaintext.size()) +
                                              " bytes exceeds the limit of " +
                                              std::to_string(kMaxTokenBytes));
  }
  CLOISTER_ASSIGN_OR_RETURN(KeyType type, recipient.type());
  json header = {{"enc", kEnc}};
  if (!kid.empty()) header["kid"] = std::move(kid);
  SecretBytes content_key;
  Bytes encrypted_key;
  if (type == KeyType::rsa) {
    header["alg"] = kRsaAlg;
    CLOISTER_ASSIGN_OR_RETURN(content_key, random_secret(crypto::kAesGcmKeySize));
    CLOISTER_ASSIGN_OR_RETURN(encrypted_key,
                              recipient.rsa_oaep_encrypt(content_key, crypto::HashAlgorithm::sha256));
  } else {
    header["alg"] = kEcdhAlg;
    CLOISTER_ASSIGN_OR_RETURN(crypto::PrivateKey ephemeral, crypto::PrivateKey::generate(type));
    CLOISTER_ASSIGN_OR_RETURN(header["epk"], internal::key_members(ephemeral.public_key()));
    CLOISTER_ASSIGN_OR_RETURN(content_key, agreed_key(ephemeral, recipient, {}, {}));
  }
  CLOISTER_ASSIGN_OR_RETURN(std::string header_text, internal::dump_json(header, "JWE header"));
  const std::string protected_header = to_base64url(as_bytes(header_text));
  CLOISTER_ASSIGN_OR_RETURN(Bytes iv, crypto::random_bytes(crypto::kAesGcmIvSize));
  // RFC 7516 §5.1 step 14: the AAD is the ASCII of the encoded header.
  CLOISTER_ASSIGN_OR_RETURN(Bytes sealed,
                            crypto::aes_gcm_encrypt(content_key, iv, as_bytes(protected_header), plaintext));
  const ByteView ciphertext = ByteView(sealed).first(sealed.size() - crypto::kAesGcmTagSize);
  const ByteView tag = ByteView(sealed).last(crypto::kAesGcmTagSize);
  std::string jwe = protected_header + "." + to_base64url(encrypted_key) + "." + to_base64url(iv) + "." +
                    to_base64url(ciphertext) + "." + to_base64url(tag);
  if (jwe.size() > kMaxTokenBytes) {
    return error(ErrorCode::out_of_range, "JWE of " + std::to_string(jwe.size()) +
                                              " bytes exceeds the limit of " +
                                              std::to_string(kMaxTokenBytes));
  }
  return jwe;
}

Result<SecretBytes> decrypt_jwe(std::string_view jwe, const crypto::PrivateKey& recipient) {
  if (jwe.size() > kMaxTokenBytes) {
    return error(ErrorCode::out_of_range, "JWE of " + std::to_string(jwe.size()) +
                                              " bytes exceeds the limit of " +
                                              std::to_string(kMaxTokenBytes));
  }
  CLOISTER_ASSIGN_OR_RETURN(std::vector<std::string_view> parts, internal::split_compact(jwe, 5, "JWE"));
  CLOISTER_ASSIGN_OR_RETURN(Bytes header_bytes, internal::decode_base64url(parts[0], "JWE header"));
  CLOISTER_ASSIGN_OR_RETURN(json header,
                            internal::parse_object(cloister::to_string(header_bytes), "JWE header"));
  const crypto::PublicKey recipient_public = recipient.public_key();
  if (!recipient_public.valid())
    return error(ErrorCode::invalid_argument, "recipient key is empty or unusable");
  CLOISTER_ASSIGN_OR_RETURN(KeyType type, recipient_public.type());
  std::string alg;
  CLOISTER_RETURN_IF_ERROR(check_header(header, type, &alg));

  CLOISTER_ASSIGN_OR_RETURN(Bytes encrypted_key, internal::decode_base64url(parts[1], "JWE encrypted key"));
  CLOISTER_ASSIGN_OR_RETURN(Bytes iv, internal::decode_base64url(parts[2], "JWE iv"));
  CLOISTER_ASSIGN_OR_RETURN(Bytes sealed, internal::decode_base64url(parts[3], "JWE ciphertext"));
  CLOISTER_ASSIGN_OR_RETURN(Bytes tag, internal::decode_base64url(parts[4], "JWE tag"));
  if (iv.size() != crypto::kAesGcmIvSize) return error(ErrorCode::decode_error, "JWE iv is not 12 bytes");
  // A truncated tag would be checked as a shorter, weaker one: demand all 16 bytes.
  if (tag.size() != crypto::kAesGcmTagSize) return error(ErrorCode::decode_error, "JWE tag is not 16 bytes");

  SecretBytes content_key;
  if (alg == kRsaAlg) {
    CLOISTER_ASSIGN_OR_RETURN(content_key, rsa_content_key(recipient, encrypted_key));
  } else {
    CLOISTER_ASSIGN_OR_RETURN(content_key, ecdh_content_key(header, recipient, type, encrypted_key));
  }
  sealed.insert(sealed.end(), tag.begin(), tag.end());
  auto plaintext = crypto::aes_gcm_decrypt(content_key, iv, as_bytes(parts[0]), sealed);
  if (!plaintext.is_ok()) {
    return error(ErrorCode::verification_failed, "JWE does not decrypt: wrong key, or the token was altered");
  }
  return plaintext;
}

}  // namespace cloister::jose
