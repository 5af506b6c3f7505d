#include "kbs/key_operations.h"

#include <charconv>

#include "common/encoding.h"
#include "crypto/rsa_oaep_sha1.h"
#include "crypto/sha.h"
#include "http/http_server.h"

namespace cloister::kbs {

namespace {

const char* name_of(KeyOperation operation) {
  return operation == KeyOperation::unwrap_key ? "unwrapkey" : "sign";
}

const char* alg_of(KeyOperation operation) {
  return operation == KeyOperation::unwrap_key ? "RSA-OAEP" : "RS256";
}

// Versions are 1, 2, ... as `cloister kbs key show` lists them; anything else
// in the URL is refused rather than read as "current".
Result<std::int64_t> parse_version(const std::string& text) {
  std::int64_t version = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (text.empty() || text.size() > 18 || text[0] == '0' || ec != std::errc() ||
      end != text.data() + text.size() || version <= 0) {
    return Status(ErrorCode::invalid_argument, "\"" + text.substr(0, 40) +
                                                   "\" is not a key version: versions are 1, 2, ... (see "
                                                   "cloister kbs key show NAME)");
  }
  return version;
}

Result<KeyInfo> usable_rsa_key(KeyStore& store, const std::string& name) {
  CLOISTER_ASSIGN_OR_RETURN(KeyInfo info, store.get(name));
  if (!info.enabled) {
    return Status(ErrorCode::permission_denied,
                  "key \"" + name + "\" is disabled; enable it with: cloister kbs key enable " + name);
  }
  if (info.spec.kind != KeyKind::rsa) {
    return Status(ErrorCode::invalid_argument, "key \"" + name + "\" is an " + to_string(info.spec.kind) +
                                                   " key: unwrapkey and sign need an RSA key (create one "
                                                   "with kty RSA)");
  }
  return info;
}

struct Operands {
  std::string alg;
  Bytes value;
};

Result<Operands> parse_body(KeyOperation operation, std::string_view body_text) {
  CLOISTER_ASSIGN_OR_RETURN(nlohmann::json body, http::parse_json_object(body_text));
  Operands out;
  if (!body.contains("alg") || !body["alg"].is_string() || body["alg"] != alg_of(operation)) {
    return Status(ErrorCode::invalid_argument, std::string(name_of(operation)) + " takes \"alg\": \"" +
                                                   alg_of(operation) + "\" (the only algorithm supported)");
  }
  out.alg = body["alg"].get<std::string>();
  if (!body.contains("value") || !body["value"].is_string()) {
    return Status(ErrorCode::invalid_argument, "\"value\" (base64url string) is required");
  }
  auto value = from_base64url(body["value"].get<std::string>());
  if (!value.is_ok()) return Status(ErrorCode::invalid_argument, "\"value\" is not base64url");
  out.value = std::move(value).value();
  return out;
}

Result<SecretBytes> perform(KeyOperation operation, const crypto::PrivateKey& key, const std::string& kid,
                            ByteView value) {
  CLOISTER_ASSIGN_OR_RETURN(crypto::RsaPublicComponents components, key.public_key().rsa_components());
  if (operation == KeyOperation::sign) {
    if (value.size() != 32) {
      return Status(ErrorCode::invalid_argument, "RS256 signs a 32-byte SHA-256 digest, \"value\" holds " +
                                                     std::to_string(value.size()) + " bytes");
    }
    CLOISTER_ASSIGN_OR_RETURN(Bytes signature, key.rsa_sign_digest(value, crypto::HashAlgorithm::sha256));
    return SecretBytes(std::move(signature));
  }
  if (value.size() != components.modulus.size()) {
    return Status(ErrorCode::invalid_argument,
                  "an RSA-OAEP ciphertext for " + kid + " is " + std::to_string(components.modulus.size()) +
                      " bytes (its modulus), \"value\" holds " + std::to_string(value.size()));
  }
  auto unwrapped = crypto::rsa_oaep_sha1_decrypt(key, value);
  if (!unwrapped.is_ok()) {
    return Status(ErrorCode::invalid_argument, "the value does not unwrap with " + kid +
                                                   " (RSA-OAEP, SHA-1): it was wrapped to another key or "
                                                   "altered");
  }
  return unwrapped;
}

}  // namespace

Result<KeyOperationResult> run_key_operation(KeyStore& store, KeyOperation operation, const std::string& name,
                                             const std::string& version_text, std::string_view body) {
  AuditEvent event{.action = name_of(operation), .key = name, .outcome = "denied"};
  // Every exit goes through refuse() or the final audit, as for releases.
  auto refuse = [&](const Status& status) -> Status {
    event.reason = status.message();
    if (status.code() == ErrorCode::internal || status.code() == ErrorCode::crypto_error ||
        status.code() == ErrorCode::io_error)
      event.outcome = "error";
    Status logged = store.audit(event);
    if (!logged.is_ok()) return logged.with_context("cannot write the audit log; refusing");
    return status;
  };
  if (Status name_ok = check_key_name(name); !name_ok.is_ok()) return refuse(name_ok);
  auto version = parse_version(version_text);
  if (!version.is_ok()) return refuse(version.status());
  event.version = *version;
  auto operands = parse_body(operation, body);
  if (!operands.is_ok()) return refuse(operands.status());
  auto info = usable_rsa_key(store, name);
  if (!info.is_ok()) return refuse(info.status());
  auto material = store.material(name, *version);
  if (!material.is_ok()) return refuse(material.status());
  auto key = crypto::PrivateKey::from_der(material->material);
  if (!key.is_ok()) return refuse(key.status().with_context("the stored key"));
  const std::string kid = name + "/" + std::to_string(*version);
  auto result = perform(operation, *key, kid, operands->value);
  if (!result.is_ok()) return refuse(result.status());
  event.outcome = "ok";
  // No audit row, no result.
  CLOISTER_RETURN_IF_ERROR(store.audit(event));
  return KeyOperationResult{kid, std::move(result).value()};
}

Result<nlohmann::json> key_version_json(KeyStore& store, const std::string& name,
                                        const std::string& version_text) {
  CLOISTER_ASSIGN_OR_RETURN(std::int64_t version, parse_version(version_text));
  CLOISTER_ASSIGN_OR_RETURN(KeyInfo info, store.get(name));
  for (const KeyVersion& v : info.versions) {
    if (v.version != version) continue;
    nlohmann::json out = {{"name", info.name},
                          {"kid", info.name + "/" + std::to_string(version)},
                          {"version", version},
                          {"current", version == info.current_version()},
                          {"kty", to_string(info.spec.kind)},
                          {"size", info.spec.size},
                          {"enabled", info.enabled},
                          {"created", v.created},
                          {"release_policy", info.policy ? *info.policy : nlohmann::json(nullptr)}};
    if (!v.public_jwk.is_null()) out["public_jwk"] = v.public_jwk;
    return out;
  }
  return Status(ErrorCode::not_found, "key \"" + name + "\" has no version " + std::to_string(version) +
                                          " (its versions are 1.." + std::to_string(info.current_version()) +
                                          ")");
}

}  // namespace cloister::kbs
