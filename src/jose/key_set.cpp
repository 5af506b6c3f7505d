// KeySet: verification keys by kid, as published in a JWKS (RFC 7517 §5).
#include "common/encoding.h"
#include "crypto/x509.h"
#include "jose/jose.h"
#include "jose/jose_internal.h"

namespace cloister::jose {

using nlohmann::json;

namespace {

// RFC 7517 §4.7: x5c holds standard (padded) base64 DER, leaf first, and the
// leaf's key must be the JWK's key, or the JWK is not what the chain certifies.
Result<std::vector<Bytes>> checked_x5c(const json& x5c, const crypto::PublicKey& key) {
  if (!x5c.is_array() || x5c.empty()) return error(ErrorCode::decode_error, "x5c is not a non-empty array");
  std::vector<Bytes> chain;
  for (const json& entry : x5c) {
    if (!entry.is_string()) return error(ErrorCode::decode_error, "x5c entry is not a string");
    CLOISTER_ASSIGN_OR_RETURN(Bytes der, from_base64(entry.get_ref<const std::string&>()));
    CLOISTER_RETURN_IF_ERROR(crypto::Certificate::from_der(der));
    chain.push_back(std::move(der));
  }
  CLOISTER_ASSIGN_OR_RETURN(bool holds, internal::x5c_leaf_holds(chain, key));
  if (!holds) {
    return error(ErrorCode::verification_failed, "x5c leaf certificate holds a different key than the JWK");
  }
  return chain;
}

// What the verifiers here can use: EC on P-256/P-384 and RSA, for signatures.
Result<bool> usable(const json& jwk) {
  CLOISTER_ASSIGN_OR_RETURN(const std::string* kty, internal::optional_string(jwk, "kty", "JWK"));
  if (kty == nullptr) return error(ErrorCode::decode_error, "JWK has no \"kty\"");
  CLOISTER_ASSIGN_OR_RETURN(const std::string* use, internal::optional_string(jwk, "use", "JWK"));
  if (use != nullptr && *use != "sig") return false;
  if (*kty == "RSA") return true;
  if (*kty != "EC") return false;
  CLOISTER_ASSIGN_OR_RETURN(const std::string* crv, internal::optional_string(jwk, "crv", "JWK"));
  if (crv == nullptr) return error(ErrorCode::decode_error, "EC JWK has no \"crv\"");
  return *crv == "P-256" || *crv == "P-384";
}

}  // namespace

Result<KeySet> KeySet::from_jwks(const json& jwks) {
  if (!jwks.is_object()) return error(ErrorCode::decode_error, "JWKS is not a JSON object");
  const auto keys = jwks.find("keys");
  if (keys == jwks.end() || !keys->is_array()) {
    return error(ErrorCode::decode_error, "JWKS has no \"keys\" array");
  }
  KeySet set;
  std::size_t index = 0;
  for (const json& jwk : *keys) {
    const std::string where = "JWKS key " + std::to_string(index++);
    if (!jwk.is_object()) return error(ErrorCode::decode_error, where + " is not a JSON object");
    auto is_usable = usable(jwk);
    if (!is_usable.is_ok()) return is_usable.status().with_context(where);
    // Other key types and curves (oct, OKP, P-521) and encryption keys may
    // share a JWKS with ours; they are simply not ours to use.
    if (!*is_usable) continue;
    auto key = key_from_jwk(jwk);
    if (!key.is_ok()) return key.status().with_context(where);
    auto kid_member = internal::optional_string(jwk, "kid", "JWK");
    if (!kid_member.is_ok()) return kid_member.status().with_context(where);
    std::string kid;
    if (*kid_member != nullptr) {
      kid = **kid_member;
    } else {
      CLOISTER_ASSIGN_OR_RETURN(kid, thumbprint(*key));
    }
    if (set.find(kid) != nullptr) {
      return error(ErrorCode::decode_error, where + ": kid " + internal::quoted(kid) + " appears twice");
    }
    if (const auto x5c = jwk.find("x5c"); x5c != jwk.end()) {
      auto chain = checked_x5c(*x5c, *key);
      if (!chain.is_ok()) return chain.status().with_context(where + " x5c");
      set.certificates_.emplace(kid, std::move(chain).value());
    }
    set.keys_.emplace(std::move(kid), std::move(key).value());
  }
  return set;
}

void KeySet::add(std::string kid, crypto::PublicKey key) {
  certificates_.erase(kid);
  keys_.insert_or_assign(std::move(kid), std::move(key));
}

const crypto::PublicKey* KeySet::find(std::string_view kid) const {
  const auto found = keys_.find(kid);
  return found == keys_.end() ? nullptr : &found->second;
}

const std::vector<Bytes>* KeySet::certificates(std::string_view kid) const {
  const auto found = certificates_.find(kid);
  return found == certificates_.end() ? nullptr : &found->second;
}

}  // namespace cloister::jose
