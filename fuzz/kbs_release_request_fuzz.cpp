// libFuzzer target: POST /keys/{name}/release without the network. An input
// is "NAME\nBODY" (no newline: the key "app" and the whole input as the body).
// A real KeyStore over a temporary data dir holds keys with release policies
// for the authority in fuzz_authority_key.h, whose JWKS is given as a file,
// the way `kbs serve --authority-jwks` does; the body goes through the
// route's own code (kbs::answer_release). The answer must be well-formed JSON:
// 200 {"value": JWE, "kid"} that the enclave key named in the token can
// decrypt, or 4xx {"error"}; never a crash, 5xx or exception; and every call
// that reaches the releaser leaves exactly one audit record (checked every
// 1024 calls against the audit hash chain). Seeds in
// fuzz/corpus/kbs_release_request_fuzz/ come from fuzz_seedgen; the clock is
// pinned inside their tokens' validity.
#include <httplib.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "fuzz_authority_key.h"
#include "http/http_server.h"
#include "jose/jose.h"
#include "kbs/data_dir.h"
#include "kbs/kbs_service.h"
#include "kbs/key_store.h"
#include "kbs/release.h"
#include "kbs_fuzz_store.h"

namespace {

using namespace cloister;
using namespace cloister::kbs;

constexpr std::int64_t kNowSeconds = 1700000000 + 60;

[[noreturn]] void fail(const std::string& what, const std::string& detail = {}) {
  std::fprintf(stderr, "kbs_release_request_fuzz: %s\n%s\n", what.c_str(), detail.c_str());
  std::abort();
}

template <typename T>
T must(Result<T> result, const char* what) {
  if (!result.is_ok()) fail(what, result.status().to_string());
  return std::move(result).value();
}

class Fixture {
 public:
  Fixture() {
    const auto authority = must(crypto::PrivateKey::from_pem(fuzz::kAuthorityKeyPem), "authority key");
    const auto jwk = must(jose::public_jwk(authority.public_key(), fuzz::kAuthorityKid), "jwk");
    const std::string jwks_path = keys_.dir() + "/authority.jwks.json";
    std::ofstream(jwks_path) << nlohmann::json{{"keys", {jwk}}}.dump();
    AuthorityOptions options;
    options.jwks_files[fuzz::kAuthorityIssuer] = jwks_path;
    authorities_ = std::make_unique<AuthorityKeys>(options);

    KeyStore* store = &keys_.store();
    const nlohmann::json policy = {{"version", "1.0.0"},
                                   {"anyOf",
                                    {{{"authority", fuzz::kAuthorityIssuer},
                                      {"allOf",
                                       {{{"claim", "x-ms-sgx-mrsigner"}, {"equals", "ab12"}},
                                        {{"claim", "x-ms-sgx-is-debuggable"}, {"equals", false}},
                                        {{"claim", "x-ms-sgx-svn"}, {"greaterOrEquals", 3}}}}}}}};
    must(store->create("app", {}, policy), "create app");
    must(store->create("app-ec", must(make_key_spec("EC", 0), "spec"), policy), "create app-ec");
    must(store->create("app-rsa", must(make_key_spec("RSA", 2048), "spec"), policy), "create app-rsa");
    must(store->create("disabled", {}, policy), "create disabled");
    must(store->set_enabled("disabled", false), "disable");
    must(store->create("nopolicy", {}, std::nullopt), "create nopolicy");
    keys_.start_counting();

    ReleaseOptions release;
    release.now_seconds = kNowSeconds;
    releaser_ = std::make_unique<Releaser>(*store, *authorities_, release);
  }
  ~Fixture() { releaser_.reset(); }
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;

  Releaser& releaser() { return *releaser_; }
  // Refusals before the token's signature is checked are rationed: past the
  // ration they are counted, to be written as one row.
  void released_once() { keys_.audited_once(releaser_->counted_refusals()); }

 private:
  fuzz::FuzzKeyStore keys_{"kbs_release_request_fuzz", [] { return kNowSeconds; }, 1024};
  std::unique_ptr<AuthorityKeys> authorities_;
  std::unique_ptr<Releaser> releaser_;
};

Fixture& fixture() {
  static Fixture instance;
  return instance;
}

// The release route itself, minus the socket.
httplib::Response route(const std::string& key_name, const std::string& body_text,
                        std::optional<ReleaseRequest>& sent, Result<ReleaseResult>& released) {
  httplib::Response response;
  ReleaseTrace trace;
  answer_release(fixture().releaser(), key_name, body_text, response, &trace);
  if (trace.request) fixture().released_once();
  sent = trace.request;
  released = trace.result;
  return response;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const auto newline = input.find('\n');
  const std::string key_name = newline == std::string::npos ? "app" : input.substr(0, newline);
  const std::string body = newline == std::string::npos ? input : input.substr(newline + 1);

  std::optional<ReleaseRequest> sent;
  Result<ReleaseResult> released = Status(ErrorCode::internal, "not called");
  httplib::Response response;
  try {
    response = route(key_name, body, sent, released);
  } catch (const std::exception& e) {
    fail(std::string("an exception escaped: ") + e.what());
  }

  // KBS_FUZZ_PRINT=1 shows what each input got, to check new seeds.
  static const bool print = std::getenv("KBS_FUZZ_PRINT") != nullptr;
  if (print)
    std::fprintf(stderr, "kbs_release_request_fuzz: %d %s\n", response.status,
                 response.body.substr(0, 160).c_str());
  const auto answer = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (answer.is_discarded() || !answer.is_object()) fail("the answer is not a JSON object", response.body);
  if (response.status >= 500) fail("a server error for a client's request", response.body);
  if (response.status != 200) {
    if (!answer.contains("error") || !answer["error"].is_object() || !answer["error"].contains("message"))
      fail("a refusal without an error object", response.body);
    return 0;
  }
  // Released: only to a token that verifies, as a JWE for the enclave key it names.
  if (!sent || !released.is_ok()) fail("200 without a release");
  if (answer["kid"] != released->kid || !released->kid.starts_with(sent->key_name + "/"))
    fail("the release names another key", response.body);
  jose::ValidationOptions validation;
  validation.issuer = fuzz::kAuthorityIssuer;
  validation.now_seconds = kNowSeconds;
  validation.leeway_seconds = 60;
  auto keys =
      must(jose::KeySet::from_jwks(nlohmann::json{
               {"keys",
                {must(jose::public_jwk(
                          must(crypto::PrivateKey::from_pem(fuzz::kAuthorityKeyPem), "key").public_key(),
                          fuzz::kAuthorityKid),
                      "jwk")}}}),
           "jwks");
  auto claims = jose::verify_jwt(sent->token, keys, validation);
  if (!claims.is_ok()) fail("released to a token that does not verify", claims.status().to_string());
  if (!claims->contains("x-ms-sgx-is-debuggable") || (*claims)["x-ms-sgx-is-debuggable"] != false)
    fail("released against the policy", claims->dump());
  if (jose::decode_jwt(released->value).is_ok()) fail("the released key is a JWS, not a JWE");
  return 0;
}
