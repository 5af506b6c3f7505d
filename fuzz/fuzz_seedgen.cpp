// Makes the seeds that need real keys, signatures and evidence:
//
//   build/asan/fuzz/fuzz_seedgen fuzz/
//
// writes
//   attestd_request_fixture.h           the operator CA of a freshly init'ed
//                                       platform and the time its evidence was
//                                       signed, for attestd_request_fuzz
//   corpus/attestd_request_fuzz/*       POST /attest/Cloister bodies: evidence
//                                       minted by that platform, and refusals
//   corpus/kbs_release_request_fuzz/*   "KEY\nBODY" release requests with
//                                       tokens signed by fuzz_authority_key.h
// The platform is new each run (its CA is what the fixture pins), so rerun it
// to refresh all of these together; the checked-in seeds came from one run.
#include <stdlib.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "attest/evidence_format.h"
#include "common/encoding.h"
#include "crypto/sha.h"
#include "fuzz_authority_key.h"
#include "jose/jose.h"
#include "platform/platform_identity.h"

namespace {

using namespace cloister;
using nlohmann::json;

template <typename T>
T must(Result<T> result, const char* what) {
  if (!result.is_ok()) {
    std::cerr << "fuzz_seedgen: " << what << ": " << result.status().to_string() << "\n";
    std::exit(1);
  }
  return std::move(result).value();
}

void write(const std::filesystem::path& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  if (!out) {
    std::cerr << "fuzz_seedgen: cannot write " << path << "\n";
    std::exit(1);
  }
}

std::string b64(const std::string& text) {
  return to_base64url(as_bytes(text));
}
std::string b64(const Bytes& bytes) {
  return to_base64url(bytes);
}

// A body as the attestd CLI sends it.
std::string attest_body(const Bytes& evidence, const std::string& runtime, const char* type,
                        const char* nonce) {
  json body = {{"evidence", b64(evidence)}, {"runtimeData", {{"data", b64(runtime)}}}};
  if (type != nullptr) body["runtimeData"]["dataType"] = type;
  if (nonce != nullptr) body["nonce"] = nonce;
  return body.dump();
}

void attestd_seeds(const std::filesystem::path& fuzz_dir, const std::string& runtime_json) {
  char pattern[] = "/tmp/fuzz-seedgen-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) std::exit(1);
  const std::string scratch = pattern;
  auto platform = must(platform::PlatformIdentity::init(scratch + "/platform", {}), "platform init");

  EnclaveIdentity enclave;
  enclave.measurement.fill(0xA1);
  enclave.signer.fill(0xB2);
  enclave.product_id = 7;
  enclave.security_version = 3;
  auto bound = [](const std::string& runtime) {
    std::array<std::uint8_t, 64> data{};
    const auto digest = crypto::sha256(as_bytes(runtime));
    std::copy(digest.begin(), digest.end(), data.begin());
    return data;
  };
  const std::string binary("\x00\xff\x10 binary runtime data", 23);
  const Bytes json_evidence =
      must(platform.sign_report(Backend::process, Isolation::process, enclave, bound(runtime_json)), "sign");
  const Bytes binary_evidence =
      must(platform.sign_report(Backend::process, Isolation::process, enclave, bound(binary)), "sign");
  EnclaveIdentity debug = enclave;
  debug.debug = true;
  const Bytes debug_evidence =
      must(platform.sign_report(Backend::process, Isolation::process, debug, bound(runtime_json)), "sign");
  const Bytes sim_evidence =
      must(platform.sign_report(Backend::sim, Isolation::none, enclave, bound(runtime_json)), "sign");
  const auto signed_at = must(attest::parse_evidence(json_evidence), "parse evidence").report.timestamp_ms;

  const std::filesystem::path dir = fuzz_dir / "corpus" / "attestd_request_fuzz";
  std::filesystem::create_directories(dir);
  write(dir / "token_json_runtime_nonce.json", attest_body(json_evidence, runtime_json, "JSON", "nonce-1"));
  write(dir / "token_binary_runtime.json", attest_body(binary_evidence, binary, "Binary", nullptr));
  write(dir / "token_default_type.json", attest_body(json_evidence, runtime_json, nullptr, nullptr));
  write(dir / "refused_runtime_mismatch.json", attest_body(binary_evidence, runtime_json, "JSON", nullptr));
  write(dir / "refused_debug_enclave.json", attest_body(debug_evidence, runtime_json, "JSON", "nonce-2"));
  write(dir / "refused_sim_enclave.json", attest_body(sim_evidence, runtime_json, "JSON", nullptr));
  const Bytes truncated(json_evidence.begin(), json_evidence.begin() + json_evidence.size() / 2);
  write(dir / "refused_truncated_evidence.json", attest_body(truncated, runtime_json, "JSON", nullptr));
  write(dir / "refused_bad_fields.json",
        R"({"evidence":"a+/=","runtimeData":{"data":5,"dataType":"Text"},"nonce":""})");
  write(dir / "refused_not_an_object.json", R"([{"evidence":"AAAA","runtimeData":{"data":""}}])");

  const auto header = fuzz_dir / "attestd_request_fixture.h";
  write(header,
        "// Made by fuzz_seedgen with the seeds in corpus/attestd_request_fuzz/: the\n"
        "// operator CA of the platform that signed their evidence, and when it did.\n"
        "#pragma once\n\n#include <cstdint>\n\nnamespace cloister::fuzz {\n\n"
        "inline constexpr std::int64_t kEvidenceSignedAtMs = " +
            std::to_string(signed_at) + ";\ninline constexpr const char* kPlatformCaPem = R\"(" +
            platform.operator_ca_pem() + ")\";\n\n}  // namespace cloister::fuzz\n");
  std::filesystem::remove_all(scratch);
}

void kbs_seeds(const std::filesystem::path& fuzz_dir, const json& ec_jwk, const json& rsa_jwk) {
  const auto authority = must(crypto::PrivateKey::from_pem(fuzz::kAuthorityKeyPem), "authority key");
  const auto stranger = must(crypto::PrivateKey::generate(crypto::KeyType::ec_p256), "key");
  const json claims = {{"iss", fuzz::kAuthorityIssuer},
                       {"iat", 1700000000},
                       {"nbf", 1700000000},
                       {"exp", 1700000000 + 8 * 3600},
                       {"jti", "0123"},
                       {"nonce", "nonce-1"},
                       {"x-ms-sgx-mrsigner", "ab12"},
                       {"x-ms-sgx-mrenclave", "cd34"},
                       {"x-ms-sgx-is-debuggable", false},
                       {"x-ms-sgx-svn", 3},
                       {"x-ms-runtime", {{"keys", {ec_jwk}}}}};
  auto sign = [&](const json& payload, const crypto::PrivateKey& key = {}) {
    jose::SignOptions options;
    options.kid = fuzz::kAuthorityKid;
    return must(jose::sign_jwt(payload, key.valid() ? key : authority, options), "sign token");
  };
  auto request = [](const std::string& key, const json& body) { return key + "\n" + body.dump(); };
  const std::string token = sign(claims);
  json rsa_claims = claims;
  rsa_claims["x-ms-runtime"] = {{"keys", {rsa_jwk}}, {"nonce", "nonce-2"}};
  rsa_claims.erase("nonce");
  json debug_claims = claims;
  debug_claims["x-ms-sgx-is-debuggable"] = true;
  json expired = claims;
  expired["exp"] = 1700000000 - 3600;
  json no_key = claims;
  no_key["x-ms-runtime"] = {{"keys", json::array({{{"kty", "oct"}, {"k", "AAAA"}}})}};

  const std::filesystem::path dir = fuzz_dir / "corpus" / "kbs_release_request_fuzz";
  std::filesystem::create_directories(dir);
  write(dir / "released_oct", request("app", {{"target", token}, {"nonce", "nonce-1"}}));
  write(dir / "released_ec", request("app-ec", {{"target", token}}));
  write(dir / "released_rsa_to_rsa",
        request("app-rsa", {{"target", sign(rsa_claims)}, {"nonce", "nonce-2"}}));
  write(dir / "refused_debuggable", request("app", {{"target", sign(debug_claims)}}));
  write(dir / "refused_expired", request("app", {{"target", sign(expired)}}));
  write(dir / "refused_wrong_signer", request("app", {{"target", sign(claims, stranger)}}));
  write(dir / "refused_no_enclave_key", request("app", {{"target", sign(no_key)}}));
  write(dir / "refused_nonce", request("app", {{"target", token}, {"nonce", "other"}}));
  write(dir / "refused_disabled", request("disabled", {{"target", token}}));
  write(dir / "refused_no_policy", request("nopolicy", {{"target", token}}));
  write(dir / "refused_unknown_key", request("missing", {{"target", token}}));
  write(dir / "refused_malformed", "app\n{\"target\":\"e30.e30.\",\"nonce\":5}");
  write(dir / "refused_body_not_json", "app\n{\"target\":");
  write(dir / "refused_bad_key_name", "../app\n{\"target\":\"e30.e30.\"}");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fuzz_seedgen FUZZ_DIR (the fuzz/ directory of the source tree)\n";
    return 2;
  }
  const std::filesystem::path fuzz_dir = argv[1];
  const auto ec = must(crypto::PrivateKey::generate(crypto::KeyType::ec_p256), "key");
  const auto rsa = must(crypto::PrivateKey::generate(crypto::KeyType::rsa), "key");
  const json ec_jwk = must(jose::public_jwk(ec.public_key(), "enc-1", {{"use", "enc"}}), "jwk");
  const json rsa_jwk = must(jose::public_jwk(rsa.public_key(), "enc-rsa", {{"key_ops", {"wrapKey"}}}), "jwk");
  // What an enclave sends attestd: its wrapping key, which kbs later wraps to.
  attestd_seeds(fuzz_dir, json{{"keys", {ec_jwk}}, {"client", {{"ver", 2}}}}.dump());
  kbs_seeds(fuzz_dir, ec_jwk, rsa_jwk);
  std::cout << "fuzz_seedgen: wrote " << (fuzz_dir / "attestd_request_fixture.h").string()
            << " and the attestd_request_fuzz and kbs_release_request_fuzz seeds\n";
  return 0;
}
