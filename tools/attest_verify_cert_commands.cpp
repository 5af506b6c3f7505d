// cloister attest verify-cert HOST:PORT: connect to an attested TLS server,
// verify its certificate's evidence inside the handshake, print the claims.
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "cloister/ratls.h"
#include "common/encoding.h"
#include "crypto/x509.h"
#include "tools/command_registry.h"

namespace cloister::cli {
namespace {

struct VerifyCertArgs {
  std::string target;
  std::string platform_ca;
  std::string measurement;
  std::string signer;
  int product_id = -1;
  int min_svn = 0;
  std::int64_t max_age = 0;
  bool allow_debug = false;
  bool allow_development = false;
  bool json = false;
};

template <std::size_t N>
Result<std::array<std::uint8_t, N>> hex_id(const std::string& text, const char* option) {
  auto bytes = from_hex(text);
  if (!bytes.is_ok() || bytes->size() != N) {
    return Status(ErrorCode::invalid_argument,
                  std::string(option) + " must be " + std::to_string(2 * N) + " hex digits");
  }
  std::array<std::uint8_t, N> out{};
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

Result<std::vector<Bytes>> read_cas(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(ErrorCode::not_found, "cannot open " + path);
  std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto certificates = crypto::Certificate::all_from_pem(pem);
  if (!certificates.is_ok() || certificates->empty()) {
    return Status(ErrorCode::decode_error, "no PEM certificate in " + path);
  }
  std::vector<Bytes> roots;
  for (const auto& certificate : *certificates) {
    CLOISTER_ASSIGN_OR_RETURN(Bytes der, certificate.to_der());
    roots.push_back(std::move(der));
  }
  return roots;
}

nlohmann::json claims_json(const ratls::PeerIdentity& peer, const std::string& subject) {
  const Report& report = peer.evidence.report;
  return {{"verified", true},
          {"certificate_subject", subject},
          {"certificate_key_sha256", to_hex(peer.spki_sha256)},
          {"measurement", to_hex(report.identity.measurement)},
          {"signer", to_hex(report.identity.signer)},
          {"product_id", report.identity.product_id},
          {"security_version", report.identity.security_version},
          {"debug", report.identity.debug},
          {"backend", to_string(report.backend)},
          {"isolation", to_string(report.isolation)},
          {"development_platform", report.development_platform},
          {"platform_id", to_hex(report.platform_id)},
          {"platform", peer.evidence.platform_subject},
          {"operator_ca", peer.evidence.platform_ca_subject},
          {"timestamp_ms", report.timestamp_ms}};
}

int run_verify_cert(const VerifyCertArgs& args) {
  const auto colon = args.target.rfind(':');
  int port = 0;
  if (colon == std::string::npos || colon == 0) return fail("expected HOST:PORT, got " + args.target);
  try {
    port = std::stoi(args.target.substr(colon + 1));
  } catch (const std::exception&) {
    port = 0;
  }
  if (port <= 0 || port > 65535) return fail("bad port in " + args.target);
  std::string host = args.target.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);

  auto roots = read_cas(args.platform_ca);
  if (!roots.is_ok()) return fail(roots.status().message(), "get the CA with `cloister platform ca`");
  Expectations expect;
  if (!args.measurement.empty()) {
    auto value = hex_id<32>(args.measurement, "--measurement");
    if (!value.is_ok()) return fail(value.status().message());
    expect.measurement = *value;
  }
  if (!args.signer.empty()) {
    auto value = hex_id<32>(args.signer, "--signer");
    if (!value.is_ok()) return fail(value.status().message());
    expect.signer = *value;
  }
  if (args.product_id >= 0) expect.product_id = static_cast<std::uint16_t>(args.product_id);
  expect.min_security_version = static_cast<std::uint16_t>(args.min_svn);
  expect.max_age_seconds = args.max_age;
  expect.allow_debug = args.allow_debug;
  expect.allow_development_platform = args.allow_development;

  const ratls::Verifier verifier(std::move(roots).value(), expect);
  auto connection = ratls::connect(host, static_cast<std::uint16_t>(port), verifier);
  if (!connection.is_ok()) {
    if (args.json) {
      std::cout << nlohmann::json{{"verified", false}, {"error", connection.status().message()}}.dump(2)
                << "\n";
    }
    return fail("refused " + args.target + ": " + connection.status().message());
  }
  const ratls::PeerIdentity& peer = connection->peer();
  auto certificate = crypto::Certificate::from_der(peer.certificate_der);
  const std::string subject = certificate.is_ok() ? certificate->subject() : "";
  if (args.json) {
    std::cout << claims_json(peer, subject).dump(2) << "\n";
    return 0;
  }
  std::cout << "server: " << args.target << " (TLS 1.3)\n"
            << "certificate: " << subject << "\n"
            << "certificate key sha256: " << to_hex(peer.spki_sha256) << " (bound in the report data)\n"
            << describe(peer.evidence.report) << "platform certificate: " << peer.evidence.platform_subject
            << "\noperator CA: " << peer.evidence.platform_ca_subject << "\nverified: yes\n";
  return 0;
}

const RegisterSubcommands registered([](CLI::App& root) {
  auto* attest = root.get_subcommand("attest");
  auto* command = attest->add_subcommand(
      "verify-cert", "Connect to an attested TLS server and verify the enclave behind its certificate");
  auto args = std::make_shared<VerifyCertArgs>();
  command->add_option("target", args->target, "HOST:PORT")->required();
  command->add_option("--platform-ca", args->platform_ca, "Trusted operator CA certificate(s), PEM")
      ->required();
  command->add_option("--measurement", args->measurement, "Expected measurement (hex)");
  command->add_option("--signer", args->signer, "Expected signer id (hex)");
  command->add_option("--product-id", args->product_id, "Expected product id");
  command->add_option("--min-svn", args->min_svn, "Lowest acceptable security version");
  command->add_option("--max-age", args->max_age, "Refuse evidence older than this many seconds");
  command->add_flag("--allow-debug", args->allow_debug, "Accept debug enclaves");
  command->add_flag("--allow-development-platform", args->allow_development,
                    "Accept the in-process development platform");
  command->add_flag("--json", args->json, "Print the verified claims as JSON");
  command->callback([=] { exit_code() = run_verify_cert(*args); });
});

}  // namespace
}  // namespace cloister::cli
