#include "sql/client/attestation.h"

#include <httplib.h>

#include <chrono>
#include <fstream>
#include <iterator>

#include "common/encoding.h"
#include "crypto/constant_time.h"
#include "crypto/sha.h"
#include "crypto/x509.h"

namespace cloister::sql::client {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxFileBytes = 1 << 20;

Result<std::string> read_small_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(ErrorCode::not_found, std::string("cannot read the ") + what + " " + path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > kMaxFileBytes) return Status(ErrorCode::out_of_range, path + " is too large");
  return text;
}

// Every certificate of a PEM bundle, or one DER certificate.
Result<std::vector<crypto::Certificate>> read_certificates(const std::string& path, const char* what) {
  CLOISTER_ASSIGN_OR_RETURN(std::string text, read_small_file(path, what));
  std::vector<crypto::Certificate> certs;
  if (text.find("-----BEGIN") != std::string::npos) {
    auto all = crypto::Certificate::all_from_pem(text);
    if (!all.is_ok()) return all.status().with_context(path);
    certs = std::move(all).value();
  } else {
    auto one = crypto::Certificate::from_der(as_bytes(text));
    if (!one.is_ok()) return one.status().with_context(path + " is neither PEM nor a DER certificate");
    certs.push_back(std::move(one).value());
  }
  if (certs.empty()) return Status(ErrorCode::invalid_argument, "no certificate in " + path);
  return certs;
}

// report_data = SHA-256(runtime data) || 32 zero bytes.
Bytes expected_report_data(ByteView runtime_data) {
  const auto digest = crypto::sha256(runtime_data);
  Bytes report_data(digest.begin(), digest.end());
  report_data.resize(64, 0);
  return report_data;
}

Status refused(const std::string& why, const std::string& next) {
  return Status(ErrorCode::verification_failed,
                "refusing to release column keys to the server's enclave: " + why + "; " + next);
}

std::string summarize(const std::string& signer_hex, const std::string& measurement_hex) {
  return "signer " + signer_hex.substr(0, 16) + "..., measurement " + measurement_hex.substr(0, 16) + "...";
}

}  // namespace

Result<crypto::PublicKey> instance_key_from_runtime(const json& runtime, ByteView nonce) {
  if (!runtime.is_object() || !runtime.contains("nonce") || !runtime["nonce"].is_string())
    return refused("its runtime data has no nonce", "is the server a Cloister SQL server?");
  auto echoed = from_base64url(runtime["nonce"].get<std::string>());
  if (!echoed.is_ok() || !crypto::constant_time_equal(*echoed, nonce)) {
    return refused("its evidence answers another nonce than the one this client sent (a replay?)",
                   "retry; if it persists, the server is not trustworthy");
  }
  if (!runtime.contains("keys") || !runtime["keys"].is_array() || runtime["keys"].size() != 1)
    return refused("its runtime data does not carry exactly one instance key", "check the server's version");
  auto key = jose::key_from_jwk(runtime["keys"][0]);
  if (!key.is_ok()) return refused("its instance key is unusable (" + key.status().message() + ")", "");
  return key;
}

Status check_token_claims(const json& claims, const AttestationOptions& options, std::string_view nonce_hex) {
  auto text = [&](const char* name) -> std::string {
    return claims.contains(name) && claims[name].is_string() ? claims[name].get<std::string>()
                                                             : std::string();
  };
  if (text("nonce") != nonce_hex)
    return refused("the attestation token answers another nonce", "retry; the token may be a replay");
  if (!claims.contains("x-ms-sgx-is-debuggable") || !claims["x-ms-sgx-is-debuggable"].is_boolean())
    return refused("the token does not say whether the enclave is debuggable", "check attestd's version");
  if (claims["x-ms-sgx-is-debuggable"].get<bool>() && !options.allow_debug) {
    return refused("the enclave is a debug enclave (its memory can be read by the host)",
                   "run a production-signed enclave image on the server");
  }
  if (options.signer && text("x-ms-sgx-mrsigner") != to_hex(*options.signer)) {
    return refused("the enclave is signed by " + text("x-ms-sgx-mrsigner") + ", not the expected signer " +
                       to_hex(*options.signer),
                   "check --enclave-signer, or the server runs an enclave you did not approve");
  }
  if (options.measurement && text("x-ms-sgx-mrenclave") != to_hex(*options.measurement)) {
    return refused("the enclave's measurement " + text("x-ms-sgx-mrenclave") + " is not the expected " +
                       to_hex(*options.measurement),
                   "check --enclave-image, or the server runs another build of the enclave");
  }
  if (text("x-cloister-isolation") == "none")
    return refused("the enclave runs without isolation (sim backend)",
                   "run the server with the process backend");
  if (claims.contains("x-cloister-development-platform") &&
      claims["x-cloister-development-platform"].is_boolean() &&
      claims["x-cloister-development-platform"].get<bool>() && !options.allow_development_platform) {
    return refused("the enclave runs on the in-process development platform (ephemeral keys)",
                   "run the server on a real platform (CLOISTER_PLATFORM_SOCKET), or pass "
                   "--allow-development-platform for development");
  }
  return Status::ok();
}

Result<EnclaveVerifier> EnclaveVerifier::create(const AttestationOptions& options) {
  if (!options.signer && !options.measurement) {
    return Status(ErrorCode::invalid_argument,
                  "no enclave policy: name the enclave signer (--enclave-signer HEX) and/or its measurement "
                  "(--enclave-image SIGNED_IMAGE), or any enclave on the platform would get the column keys");
  }
  EnclaveVerifier verifier(options);
  if (options.mode == AttestationMode::evidence) {
    if (options.platform_ca_files.empty()) {
      return Status(ErrorCode::invalid_argument,
                    "evidence attestation needs the platform's operator CA (--platform-ca FILE, from "
                    "`cloister platform ca`)");
    }
    for (const auto& path : options.platform_ca_files) {
      CLOISTER_ASSIGN_OR_RETURN(auto certs, read_certificates(path, "platform CA"));
      for (const auto& cert : certs) {
        CLOISTER_ASSIGN_OR_RETURN(Bytes der, cert.to_der());
        verifier.roots_der_.push_back(std::move(der));
      }
    }
  } else {
    if (options.attestd_url.empty() || options.attestd_cert_file.empty()) {
      return Status(ErrorCode::invalid_argument,
                    "attestd attestation needs the service URL (--attestd URL) and its token signing "
                    "certificate (--attestd-cert PEM, signing_cert.pem in attestd's data directory)");
    }
    CLOISTER_ASSIGN_OR_RETURN(auto certs,
                              read_certificates(options.attestd_cert_file, "attestd certificate"));
    for (const auto& cert : certs) {
      CLOISTER_ASSIGN_OR_RETURN(crypto::PublicKey key, cert.public_key());
      CLOISTER_ASSIGN_OR_RETURN(std::string kid, jose::thumbprint(key));
      verifier.attestd_keys_.add(std::move(kid), std::move(key));
    }
  }
  return verifier;
}

Expectations EnclaveVerifier::expectations(ByteView runtime_data) const {
  Expectations expect;
  expect.signer = options_.signer;
  expect.measurement = options_.measurement;
  expect.allow_debug = options_.allow_debug;
  expect.allow_development_platform = options_.allow_development_platform;
  expect.report_data_prefix = expected_report_data(runtime_data);
  return expect;
}

Result<AttestedEnclave> EnclaveVerifier::verify(ByteView evidence, ByteView runtime_data,
                                                ByteView nonce) const {
  return options_.mode == AttestationMode::evidence ? verify_direct(evidence, runtime_data, nonce)
                                                    : verify_with_attestd(evidence, runtime_data, nonce);
}

Result<AttestedEnclave> EnclaveVerifier::verify_direct(ByteView evidence, ByteView runtime_data,
                                                       ByteView nonce) const {
  auto verified = verify_evidence(evidence, roots_der_, expectations(runtime_data));
  if (!verified.is_ok()) {
    return refused("its evidence does not verify (" + verified.status().message() + ")",
                   "check --platform-ca, --enclave-signer/--enclave-image and that the server runs the "
                   "enclave you expect");
  }
  auto runtime = json::parse(runtime_data.begin(), runtime_data.end(), nullptr, false);
  CLOISTER_ASSIGN_OR_RETURN(crypto::PublicKey key, instance_key_from_runtime(runtime, nonce));
  const std::string signer = to_hex(verified->report.identity.signer);
  const std::string measurement = to_hex(verified->report.identity.measurement);
  return AttestedEnclave{std::move(key), summarize(signer, measurement), signer, measurement};
}

Result<AttestedEnclave> EnclaveVerifier::verify_with_attestd(ByteView evidence, ByteView runtime_data,
                                                             ByteView nonce) const {
  std::string base = options_.attestd_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  httplib::Client client(base);
  if (!client.is_valid()) return Status(ErrorCode::invalid_argument, "cannot use the attestd URL " + base);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(30, 0);
  if (!options_.attestd_tls_ca_file.empty()) client.set_ca_cert_path(options_.attestd_tls_ca_file.c_str());
  const std::string nonce_hex = to_hex(nonce);
  json request = {{"evidence", to_base64url(evidence)},
                  {"runtimeData", {{"data", to_base64url(runtime_data)}, {"dataType", "JSON"}}},
                  {"nonce", nonce_hex}};
  auto response = client.Post("/attest/Cloister", request.dump(), "application/json");
  if (!response) {
    return Status(ErrorCode::io_error, "cannot reach attestd at " + base + ": " +
                                           httplib::to_string(response.error()) + " (is it running?)");
  }
  auto answer = json::parse(response->body, nullptr, false);
  if (response->status != 200) {
    std::string message = answer.is_object() && answer.contains("error") && answer["error"].is_object()
                              ? answer["error"].value("message", "")
                              : response->body.substr(0, 300);
    return refused(
        "attestd refused its evidence (HTTP " + std::to_string(response->status) + ": " + message + ")",
        "the server's enclave does not satisfy attestd's policy or platform registry");
  }
  if (!answer.is_object() || !answer.contains("token") || !answer["token"].is_string())
    return Status(ErrorCode::decode_error, "attestd answered without a token");
  jose::ValidationOptions validation;
  if (!options_.attestd_issuer.empty()) validation.issuer = options_.attestd_issuer;
  auto claims = jose::verify_jwt(answer["token"].get<std::string>(), attestd_keys_, validation);
  if (!claims.is_ok()) {
    return refused(
        "the attestation token does not verify against --attestd-cert (" + claims.status().message() + ")",
        "pass attestd's current signing_cert.pem");
  }
  CLOISTER_RETURN_IF_ERROR(check_token_claims(*claims, options_, nonce_hex));
  if (!claims->contains("x-ms-sgx-ehd") || !(*claims)["x-ms-sgx-ehd"].is_string() ||
      (*claims)["x-ms-sgx-ehd"].get<std::string>() != to_base64url(runtime_data)) {
    return refused("the token attests other runtime data than the server sent", "retry");
  }
  if (!claims->contains("x-ms-runtime"))
    return refused("the token carries no runtime data (x-ms-runtime)", "check attestd's version");
  CLOISTER_ASSIGN_OR_RETURN(crypto::PublicKey key,
                            instance_key_from_runtime((*claims)["x-ms-runtime"], nonce));
  const std::string signer = (*claims).value("x-ms-sgx-mrsigner", "");
  const std::string measurement = (*claims).value("x-ms-sgx-mrenclave", "");
  return AttestedEnclave{std::move(key), summarize(signer, measurement), signer, measurement};
}

}  // namespace cloister::sql::client
