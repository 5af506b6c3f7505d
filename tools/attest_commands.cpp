// cloister attest describe | verify: read and check Cloister evidence files.
// cloister attest token decode | token verify | policy-hash | submit: attestation tokens.
#include <fstream>
#include <iostream>
#include <iterator>

#include "attest/evidence_format.h"
#include "cloister/evidence.h"
#include "common/encoding.h"
#include "crypto/x509.h"
#include "jose/jose.h"
#include "policy/policy_hash.h"
#include "tools/command_registry.h"
#include "tools/http_client.h"
#include "tools/input_file.h"

namespace cloister::cli {
namespace {

template <std::size_t N>
Result<std::array<std::uint8_t, N>> hex_array(const std::string& text, const char* what) {
  auto bytes = from_hex(text);
  if (!bytes.is_ok() || bytes->size() != N) {
    return Status(ErrorCode::invalid_argument,
                  std::string(what) + " must be " + std::to_string(2 * N) + " hex digits");
  }
  std::array<std::uint8_t, N> out{};
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

struct VerifyArgs {
  std::string evidence;
  std::string ca;
  std::string measurement;
  std::string signer;
  int product_id = -1;
  int min_svn = 0;
  std::string report_data;
  std::int64_t max_age = 0;
  bool allow_debug = false;
  bool allow_sim = false;
  bool allow_development = false;
};

int run_describe(const std::string& path) {
  auto bytes = read_input_file(path);
  if (!bytes.is_ok()) return fail(bytes.status().message());
  auto evidence = attest::parse_evidence(*bytes);
  if (!evidence.is_ok()) return fail(evidence.status().message(), "is this a Cloister evidence file?");
  std::cout << describe(evidence->report) << "certificate chain: " << evidence->certificate_chain.size()
            << " certificate(s)\n";
  for (const auto& der : evidence->certificate_chain) {
    auto cert = crypto::Certificate::from_der(der);
    if (cert.is_ok()) std::cout << "  " << cert->subject() << "\n    issued by " << cert->issuer() << "\n";
  }
  std::cout << "NOT VERIFIED: run `cloister attest verify --ca CA.pem` to check it\n";
  return 0;
}

int run_verify(const VerifyArgs& args) {
  auto bytes = read_input_file(args.evidence);
  if (!bytes.is_ok()) return fail(bytes.status().message());
  auto ca_pem = read_input_file(args.ca);
  if (!ca_pem.is_ok()) return fail(ca_pem.status().message(), "get the CA with `cloister platform ca`");
  auto cas = crypto::Certificate::all_from_pem(to_string(*ca_pem));
  if (!cas.is_ok() || cas->empty()) return fail("no certificate in " + args.ca);
  std::vector<Bytes> roots;
  for (const auto& ca : *cas) roots.push_back(*ca.to_der());

  Expectations expect;
  if (!args.measurement.empty()) {
    auto value = hex_array<32>(args.measurement, "--measurement");
    if (!value.is_ok()) return fail(value.status().message());
    expect.measurement = *value;
  }
  if (!args.signer.empty()) {
    auto value = hex_array<32>(args.signer, "--signer");
    if (!value.is_ok()) return fail(value.status().message());
    expect.signer = *value;
  }
  if (args.product_id >= 0) expect.product_id = static_cast<std::uint16_t>(args.product_id);
  expect.min_security_version = static_cast<std::uint16_t>(args.min_svn);
  if (!args.report_data.empty()) {
    auto value = from_hex(args.report_data);
    if (!value.is_ok() || value->empty() || value->size() > 64)
      return fail("--report-data must be 1 to 64 bytes of hex");
    expect.report_data_prefix = *value;
  }
  expect.max_age_seconds = args.max_age;
  expect.allow_debug = args.allow_debug;
  expect.allow_isolation_none = args.allow_sim;
  expect.allow_development_platform = args.allow_development;

  auto verified = verify_evidence(*bytes, roots, expect);
  if (!verified.is_ok()) return fail("evidence refused: " + verified.status().message());
  std::cout << describe(verified->report) << "platform certificate: " << verified->platform_subject
            << "\noperator CA: " << verified->platform_ca_subject << "\nverified: yes\n";
  return 0;
}

std::string trimmed(const Bytes& bytes) {
  std::string text = to_string(bytes);
  const auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return {};
  return text.substr(begin, text.find_last_not_of(" \t\r\n") - begin + 1);
}

bool is_url(const std::string& text) {
  return text.starts_with("http://") || text.starts_with("https://");
}

int run_token_decode(const std::string& path) {
  auto bytes = read_input_file(path);
  if (!bytes.is_ok()) return fail(bytes.status().message());
  auto decoded = jose::decode_jwt(trimmed(*bytes));
  if (!decoded.is_ok())
    return fail(decoded.status().message(), "pass a compact JWT (header.payload.signature)");
  std::cout << "header:\n"
            << decoded->header.dump(2) << "\nclaims:\n"
            << decoded->payload.dump(2)
            << "\nNOT VERIFIED: run `cloister attest token verify FILE --jwks URL` to check the signature\n";
  return 0;
}

struct TokenVerifyArgs {
  std::string token;
  std::string jwks;
  std::string issuer;
  std::string ca_file;
};

int run_token_verify(const TokenVerifyArgs& args) {
  auto bytes = read_input_file(args.token);
  if (!bytes.is_ok()) return fail(bytes.status().message());
  std::string jwks_text;
  if (is_url(args.jwks)) {
    std::string base = args.jwks;
    std::string path = "/certs";
    if (base.ends_with("/certs")) base.resize(base.size() - path.size());
    auto reply = http_call(base, "GET", path, "", "", {}, args.ca_file);
    if (!reply.is_ok()) return fail(reply.status().message());
    if (reply->status != 200) return fail("cannot fetch the JWKS: " + error_text(*reply));
    jwks_text = reply->body;
  } else {
    auto file = read_input_file(args.jwks);
    if (!file.is_ok()) return fail(file.status().message(), "--jwks takes the service URL or a JWKS file");
    jwks_text = to_string(*file);
  }
  auto jwks = nlohmann::json::parse(jwks_text, nullptr, false);
  if (jwks.is_discarded()) return fail("the JWKS is not JSON");
  auto keys = jose::KeySet::from_jwks(jwks);
  if (!keys.is_ok()) return fail("the JWKS is not usable: " + keys.status().message());
  jose::ValidationOptions options;
  if (!args.issuer.empty()) options.issuer = args.issuer;
  auto claims = jose::verify_jwt(trimmed(*bytes), *keys, options);
  if (!claims.is_ok()) return fail("token refused: " + claims.status().message());
  std::cout << claims->dump(2) << "\nverified: yes"
            << (args.issuer.empty() ? " (issuer not checked; pass --issuer)" : "") << "\n";
  return 0;
}

int run_policy_hash(const std::string& path) {
  auto bytes = read_input_file(path);
  if (!bytes.is_ok()) return fail(bytes.status().message());
  std::cout << policy::policy_hash(to_string(*bytes)) << "\n";
  return 0;
}

struct SubmitArgs {
  std::string evidence;
  std::string runtime_data;
  bool json = false;
  std::string nonce;
  std::string url = "http://127.0.0.1:8500";
  std::string ca_file;
};

int run_submit(const SubmitArgs& args) {
  auto evidence = read_input_file(args.evidence);
  if (!evidence.is_ok()) return fail(evidence.status().message());
  auto runtime = read_input_file(args.runtime_data);
  if (!runtime.is_ok()) return fail(runtime.status().message());
  nlohmann::json body = {
      {"evidence", to_base64url(*evidence)},
      {"runtimeData", {{"data", to_base64url(*runtime)}, {"dataType", args.json ? "JSON" : "Binary"}}}};
  if (!args.nonce.empty()) body["nonce"] = args.nonce;
  auto reply = http_call(args.url, "POST", "/attest/Cloister?api-version=2022-08-01", body.dump(),
                         "application/json", {}, args.ca_file);
  if (!reply.is_ok())
    return fail(reply.status().message(), "start it with `cloister attestd serve`, or pass --url");
  if (reply->status != 200) return fail("attestation refused: " + error_text(*reply));
  auto json = nlohmann::json::parse(reply->body, nullptr, false);
  if (json.is_discarded() || !json.contains("token") || !json["token"].is_string()) {
    return fail("the service answered without a token");
  }
  std::cout << json["token"].get<std::string>() << "\n";
  return 0;
}

void add_token_commands(CLI::App* attest) {
  auto* token = attest->add_subcommand("token", "Read and verify attestation tokens (JWT)");
  token->require_subcommand(1);
  auto* decode = token->add_subcommand("decode", "Print a token's header and claims (no verification)");
  auto path = std::make_shared<std::string>();
  decode->add_option("FILE", *path, "Token file; - for stdin")->required();
  decode->callback([=] { exit_code() = run_token_decode(*path); });

  auto* verify =
      token->add_subcommand("verify", "Verify a token's signature, expiry and issuer; print its claims");
  auto args = std::make_shared<TokenVerifyArgs>();
  verify->add_option("FILE", args->token, "Token file; - for stdin")->required();
  verify->add_option("--jwks", args->jwks, "attestd URL (its /certs is fetched) or a JWKS file")->required();
  verify->add_option("--issuer", args->issuer, "Required issuer (iss)");
  verify->add_option("--ca-file", args->ca_file, "CA certificate (PEM) to trust for an https URL");
  verify->callback([=] { exit_code() = run_token_verify(*args); });

  auto* hash = attest->add_subcommand("policy-hash", "Print the x-ms-policy-hash tokens carry for a policy");
  auto policy_path = std::make_shared<std::string>();
  hash->add_option("FILE", *policy_path, "Policy text file; - for stdin")->required();
  hash->callback([=] { exit_code() = run_policy_hash(*policy_path); });

  auto* submit = attest->add_subcommand("submit", "Send evidence to attestd and print the token it issues");
  auto submit_args = std::make_shared<SubmitArgs>();
  submit->add_option("EVIDENCE", submit_args->evidence, "Evidence file")->required();
  submit
      ->add_option("--runtime-data", submit_args->runtime_data,
                   "Runtime data file; the evidence's report data must start with its SHA-256")
      ->required();
  submit->add_flag("--json", submit_args->json, "The runtime data is a JSON object (becomes x-ms-runtime)");
  submit->add_option("--nonce", submit_args->nonce, "Nonce to put in the token (accepted once)");
  submit->add_option("--url", submit_args->url, "attestd base URL")->capture_default_str();
  submit->add_option("--ca-file", submit_args->ca_file, "CA certificate (PEM) to trust for an https URL");
  submit->callback([=] { exit_code() = run_submit(*submit_args); });
}

const RegisterCommands registered([](CLI::App& root) {
  auto* attest = root.add_subcommand("attest", "Read and verify attestation evidence and tokens");
  attest->require_subcommand(1);

  auto* describe_cmd = attest->add_subcommand("describe", "Print the fields of an evidence file (no checks)");
  auto path = std::make_shared<std::string>();
  describe_cmd->add_option("--evidence", *path, "Evidence file")->required();
  describe_cmd->callback([=] { exit_code() = run_describe(*path); });

  auto* verify =
      attest->add_subcommand("verify", "Verify an evidence file against operator CAs and expectations");
  auto args = std::make_shared<VerifyArgs>();
  verify->add_option("--evidence", args->evidence, "Evidence file")->required();
  verify->add_option("--ca", args->ca, "Trusted operator CA certificate(s), PEM")->required();
  verify->add_option("--measurement", args->measurement, "Expected measurement (hex)");
  verify->add_option("--signer", args->signer, "Expected signer id (hex)");
  verify->add_option("--product-id", args->product_id, "Expected product id");
  verify->add_option("--min-svn", args->min_svn, "Lowest acceptable security version");
  verify->add_option("--report-data", args->report_data,
                     "Expected leading bytes of the report data, e.g. a nonce (hex)");
  verify->add_option("--max-age", args->max_age, "Refuse evidence older than this many seconds");
  verify->add_flag("--allow-debug", args->allow_debug, "Accept debug enclaves");
  verify->add_flag("--allow-sim", args->allow_sim, "Accept evidence without isolation (sim backend)");
  verify->add_flag("--allow-development-platform", args->allow_development,
                   "Accept the in-process development platform");
  verify->callback([=] { exit_code() = run_verify(*args); });
  add_token_commands(attest);
});

}  // namespace
}  // namespace cloister::cli
