// libFuzzer target: arbitrary bytes as the body of POST /attest/Cloister,
// without the network. A real AttestationService over a temporary data dir,
// with a real platform's operator CA registered (attestd_request_fixture.h,
// made by fuzz_seedgen with the seeds), answers each body the way the route
// does: AttestationService::attest_json, then http::send_error or
// http::send_json. The answer must always be well-formed JSON with a sane
// status: 200 {"token"} with a token that verifies against the service's JWKS
// and carries the request's nonce and runtime data, or 4xx/503
// {"error":{"code","message"}}; never a crash, a 500 or an exception.
//
// The clock is pinned just after the seeds' evidence was signed, so the seeds
// keep reaching the signature, binding, policy and signing steps. The replay
// cache lives as long as the service, so a body with a nonce gets a fresh
// service: a reproducer replays the same way whatever ran before it.
#include <httplib.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "attestd/registry.h"
#include "attestd/service.h"
#include "attestd_request_fixture.h"
#include "http/http_server.h"
#include "jose/jose.h"

namespace {

using namespace cloister;
using namespace cloister::attestd;

constexpr char kIssuer[] = "https://attestd.fuzz";

[[noreturn]] void fail(const std::string& what, const std::string& detail = {}) {
  std::fprintf(stderr, "attestd_request_fuzz: %s\n%s\n", what.c_str(), detail.c_str());
  std::abort();
}

class Fixture {
 public:
  Fixture() {
    char pattern[] = "/tmp/attestd-fuzz-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) fail("mkdtemp");
    dir_ = pattern;
    Status added = edit_registry(dir_ + "/platforms.json", [](Registry& registry) {
      return registry.add("fuzz-platform", fuzz::kPlatformCaPem, {{"region", "eu-west"}});
    });
    if (!added.is_ok()) fail("cannot register the platform", added.to_string());
    // Every refusal is logged at info; millions of lines would drown the fuzzer's.
    spdlog::set_level(spdlog::level::off);
    service_ = make_service();
    keys_ = std::make_unique<jose::KeySet>(must(jose::KeySet::from_jwks(service_->signer().jwks())));
  }
  ~Fixture() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;

  // A service over the same data dir: the same signing key, registry and policy.
  [[nodiscard]] std::unique_ptr<AttestationService> make_service() const {
    auto data_dir = must(DataDir::open(dir_, {}));
    ServiceOptions options;
    options.issuer = kIssuer;
    options.now_ms = fuzz::kEvidenceSignedAtMs + 60'000;
    return must(AttestationService::create(std::move(data_dir), options));
  }
  AttestationService& service() { return *service_; }
  [[nodiscard]] const jose::KeySet& keys() const { return *keys_; }

 private:
  template <typename T>
  static T must(Result<T> result) {
    if (!result.is_ok()) fail("fixture", result.status().to_string());
    return std::move(result).value();
  }

  std::string dir_;
  std::unique_ptr<AttestationService> service_;
  std::unique_ptr<jose::KeySet> keys_;
};

Fixture& fixture() {
  static Fixture instance;
  return instance;
}

// The route's answer, as a client sees it.
void check_answer(const AttestOutcome& outcome, const std::string& body) {
  httplib::Response response;
  if (outcome.refusal) {
    if (!outcome.token.empty()) fail("a refusal with a token");
    http::send_error(response, outcome.refusal->http_status, outcome.refusal->code, outcome.refusal->message);
  } else {
    http::send_json(response, 200, {{"token", outcome.token}});
  }
  const auto answer = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (answer.is_discarded() || !answer.is_object()) fail("the answer is not a JSON object", response.body);
  if (response.status == 200) {
    if (!answer.contains("token") || !answer["token"].is_string() || outcome.token.empty())
      fail("200 without a token", response.body);
    return;
  }
  const int status = response.status;
  if (status != 400 && status != 403 && status != 409 && status != 503)
    fail("unexpected status " + std::to_string(status), response.body + "\nrequest: " + body);
  if (!answer.contains("error") || !answer["error"].is_object() || !answer["error"].contains("code") ||
      !answer["error"]["code"].is_string() || answer["error"]["code"].get<std::string>().empty() ||
      !answer["error"].contains("message") || !answer["error"]["message"].is_string() ||
      answer["error"]["message"].get<std::string>().empty()) {
    fail("a refusal without a code and a message", response.body);
  }
}

// A token must verify and say what the request asked for.
void check_token(const AttestOutcome& outcome, const AttestRequest& request) {
  jose::ValidationOptions options;
  options.issuer = kIssuer;
  options.now_seconds = (fuzz::kEvidenceSignedAtMs + 60'000) / 1000;
  auto claims = jose::verify_jwt(outcome.token, fixture().keys(), options);
  if (!claims.is_ok()) fail("the issued token does not verify", claims.status().to_string());
  if (request.nonce) {
    if (!claims->contains("nonce") || (*claims)["nonce"] != *request.nonce)
      fail("the token does not carry the request's nonce", claims->dump());
  } else if (claims->contains("nonce")) {
    fail("a nonce in the token the request did not send", claims->dump());
  }
  if (request.data_type == RuntimeDataType::json) {
    if (!claims->contains("x-ms-runtime") || (*claims)["x-ms-runtime"] != request.runtime_json)
      fail("x-ms-runtime is not the request's runtime data", claims->dump());
  } else if (claims->contains("x-ms-runtime")) {
    fail("x-ms-runtime for binary runtime data", claims->dump());
  }
  if ((*claims)["x-cloister-platform-name"] != "fuzz-platform" ||
      (*claims)["x-cloister-platform-region"] != "eu-west")
    fail("the token names another platform", claims->dump());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Fixture& f = fixture();
  const std::string body(reinterpret_cast<const char*>(data), size);

  // What the service should make of the body, to check the token against.
  std::optional<AttestRequest> request;
  const auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_discarded()) {
    auto parsed = parse_attest_request(json);
    if (parsed.is_ok()) request = std::move(parsed).value();
  }

  std::unique_ptr<AttestationService> fresh;
  if (request && request->nonce) fresh = f.make_service();
  AttestationService& service = fresh ? *fresh : f.service();
  AttestOutcome outcome;
  try {
    outcome = service.attest_json(body);
    check_answer(outcome, body);
  } catch (const std::exception& e) {
    fail(std::string("an exception escaped: ") + e.what());
  }
  // ATTESTD_FUZZ_PRINT=1 shows what each input got, to check new seeds.
  static const bool print = std::getenv("ATTESTD_FUZZ_PRINT") != nullptr;
  if (print) {
    std::fprintf(stderr, "attestd_request_fuzz: %s\n",
                 outcome.refusal ? (std::to_string(outcome.refusal->http_status) + " " +
                                    outcome.refusal->code + ": " + outcome.refusal->message)
                                       .c_str()
                                 : "200 token");
  }
  if (!outcome.refusal) {
    if (!request) fail("a token for a request that does not parse", body);
    check_token(outcome, *request);
  }
  return 0;
}
