#include "kbs/release.h"

#include <ctime>

#include "kbs/release_policy.h"

namespace cloister::kbs {

namespace {

std::string string_claim(const nlohmann::json& claims, std::string_view name) {
  const nlohmann::json* value = find_claim(claims, name);
  return value != nullptr && value->is_string() ? value->get<std::string>() : std::string();
}

// "use":"enc" or key_ops containing encrypt/wrapKey, or neither stated.
bool usable_for_encryption(const nlohmann::json& jwk) {
  if (jwk.contains("use") && jwk["use"] != "enc") return false;
  if (!jwk.contains("key_ops")) return true;
  if (!jwk["key_ops"].is_array()) return false;
  for (const auto& op : jwk["key_ops"])
    if (op == "encrypt" || op == "wrapKey") return true;
  return false;
}

}  // namespace

Result<crypto::PublicKey> enclave_key_from_claims(const nlohmann::json& claims, std::string* kid) {
  const nlohmann::json* keys = find_claim(claims, "x-ms-runtime.keys");
  if (keys == nullptr || !keys->is_array() || keys->empty()) {
    return Status(ErrorCode::permission_denied,
                  "the token binds no enclave key: its x-ms-runtime claim has no \"keys\" array of JWKs");
  }
  for (const auto& jwk : *keys) {
    if (!jwk.is_object() || !usable_for_encryption(jwk)) continue;
    const std::string kty = jwk.value("kty", "");
    if (kty != "EC" && kty != "RSA") continue;
    auto key = jose::key_from_jwk(jwk);
    if (!key.is_ok()) continue;
    if (kid != nullptr)
      *kid = jwk.contains("kid") && jwk["kid"].is_string() ? jwk["kid"].get<std::string>() : "";
    return std::move(key).value();
  }
  return Status(ErrorCode::permission_denied,
                "x-ms-runtime.keys holds no EC (P-256/P-384) or RSA public key usable for encryption");
}

std::int64_t Releaser::now() const {
  return options_.now_seconds != 0 ? options_.now_seconds : static_cast<std::int64_t>(::time(nullptr));
}

Status Releaser::audit_counted(std::int64_t count) {
  if (count <= 0) return Status::ok();
  AuditEvent summary{.action = "release", .key = "*", .outcome = "denied"};
  summary.reason = std::to_string(count) + " refusals before a token's signature was checked (over " +
                   std::to_string(kUnauthenticatedRowsPerMinute) +
                   " a minute) counted, not logged one by one";
  return store_.audit(summary);
}

Status Releaser::flush_counted_refusals() {
  return audit_counted(unauthenticated_.take_counted());
}

Result<ReleaseResult> Releaser::release(const ReleaseRequest& request) {
  AuditEvent event{.action = "release", .key = request.key_name, .outcome = "denied"};
  // Set once a trusted authority's signature vouches for the token.
  bool authenticated = false;
  // Every exit below goes through refuse() or the final audit: a refusal
  // that is not logged would hide probing. Anyone may send the ones before
  // the signature check, so those are rationed (and counted past the ration).
  auto refuse = [&](Status status) -> Status {
    event.reason = status.message();
    if (status.code() == ErrorCode::io_error || status.code() == ErrorCode::internal) event.outcome = "error";
    if (!authenticated) {
      auto admission = unauthenticated_.admit(now());
      Status counted = audit_counted(admission.counted_before);
      if (!counted.is_ok()) return counted.with_context("cannot write the audit log; refusing");
      if (!admission.write_row) return status;
    }
    Status logged = store_.audit(event);
    if (!logged.is_ok()) return logged.with_context("cannot write the audit log; refusing");
    return status;
  };

  if (Status name_ok = check_key_name(request.key_name); !name_ok.is_ok()) return refuse(name_ok);
  if (request.token.empty())
    return refuse({ErrorCode::invalid_argument, "\"target\" must hold an attestation token"});
  auto decoded = jose::decode_jwt(request.token);
  if (!decoded.is_ok()) {
    return refuse(
        {ErrorCode::invalid_argument, "the attestation token is malformed: " + decoded.status().message()});
  }
  event.token_iss = string_claim(decoded->payload, "iss");
  event.token_jti = string_claim(decoded->payload, "jti");
  if (event.token_iss.empty())
    return refuse({ErrorCode::invalid_argument, "the attestation token has no \"iss\""});

  auto info = store_.get(request.key_name);
  if (!info.is_ok()) return refuse(info.status());
  if (!info->enabled)
    return refuse({ErrorCode::permission_denied, "key \"" + request.key_name + "\" is disabled"});
  if (!info->policy) {
    return refuse({ErrorCode::permission_denied,
                   "key \"" + request.key_name +
                       "\" has no release policy; set one with: cloister kbs key policy set"});
  }
  auto policy = ReleasePolicy::parse(*info->policy);
  if (!policy.is_ok()) return refuse(policy.status());
  // Checked before anything is fetched: only authorities the administrator
  // named are ever contacted.
  if (!policy->names_authority(event.token_iss)) {
    return refuse({ErrorCode::permission_denied, "issuer " + event.token_iss +
                                                     " is not an authority in the release policy of \"" +
                                                     request.key_name + "\""});
  }

  auto keys = authorities_.keys(event.token_iss);
  if (!keys.is_ok()) return refuse(keys.status());
  jose::ValidationOptions validation;
  validation.issuer = event.token_iss;
  validation.leeway_seconds = options_.leeway_seconds;
  validation.now_seconds = options_.now_seconds;
  auto claims = jose::verify_jwt(request.token, **keys, validation);
  // A kid that is not a string is no kid (value() would throw on it).
  const auto kid_member = decoded->header.find("kid");
  const std::string kid =
      kid_member != decoded->header.end() && kid_member->is_string() ? kid_member->get<std::string>() : "";
  if (!claims.is_ok() && !kid.empty() && (*keys)->find(kid) == nullptr) {
    // The authority may have rotated its signing key since we cached its JWKS.
    keys = authorities_.keys(event.token_iss, /*refresh=*/true);
    if (!keys.is_ok()) return refuse(keys.status());
    claims = jose::verify_jwt(request.token, **keys, validation);
  }
  if (!claims.is_ok()) {
    return refuse(
        {ErrorCode::verification_failed, "the attestation token is not valid: " + claims.status().message()});
  }
  authenticated = true;
  // Identity claims are recorded only once the signature vouches for them.
  event.mrenclave = string_claim(*claims, "x-ms-sgx-mrenclave");
  event.mrsigner = string_claim(*claims, "x-ms-sgx-mrsigner");

  if (Status satisfied = policy->evaluate(event.token_iss, *claims); !satisfied.is_ok()) {
    return refuse({ErrorCode::permission_denied, satisfied.message()});
  }
  if (request.nonce) {
    // Freshness only from what the evidence binds: the runtime data, whose
    // hash is in the report data. The token's plain "nonce" claim is the
    // attest request's, which the host chose and the evidence never saw, so
    // replayed evidence could carry any fresh nonce there.
    const std::string bound = string_claim(*claims, "x-ms-runtime.nonce");
    if (bound != *request.nonce) {
      const bool only_echoed = string_claim(*claims, "nonce") == *request.nonce;
      return refuse({ErrorCode::permission_denied,
                     only_echoed
                         ? "the token's nonce is not bound by the evidence: the enclave must put it in "
                           "its runtime data (x-ms-runtime.nonce), as runtime_evidence(nonce) does"
                         : "the token's runtime data (x-ms-runtime.nonce) does not carry the request's "
                           "nonce"});
    }
  }
  std::string enclave_kid;
  auto enclave_key = enclave_key_from_claims(*claims, &enclave_kid);
  if (!enclave_key.is_ok()) return refuse(enclave_key.status());

  auto material = store_.current_material(request.key_name);
  if (!material.is_ok()) return refuse(material.status());
  event.version = material->version;
  const std::string release_kid = request.key_name + "/" + std::to_string(material->version);
  auto jwk = private_jwk_text(material->spec.kind, material->material, release_kid);
  if (!jwk.is_ok()) return refuse(jwk.status());
  auto jwe = jose::encrypt_jwe(*jwk, *enclave_key, enclave_kid);
  if (!jwe.is_ok()) return refuse(jwe.status().with_context("cannot wrap the key to the enclave's key"));

  event.outcome = "ok";
  event.reason = "released";
  // No audit row, no release.
  CLOISTER_RETURN_IF_ERROR(store_.audit(event));
  return ReleaseResult{std::move(jwe).value(), release_kid};
}

}  // namespace cloister::kbs
