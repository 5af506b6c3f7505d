// cloister attest describe | verify: read and check Cloister evidence files.
#include <fstream>
#include <iostream>
#include <iterator>

#include "attest/evidence_format.h"
#include "cloister/evidence.h"
#include "common/encoding.h"
#include "crypto/x509.h"
#include "tools/command_registry.h"

namespace cloister::cli {
namespace {

constexpr std::size_t kMaxFileSize = 1 << 20;

Result<Bytes> read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(ErrorCode::not_found, "cannot open " + path);
  Bytes bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() > kMaxFileSize) return Status(ErrorCode::out_of_range, path + " is larger than 1 MiB");
  return bytes;
}

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
  auto bytes = read_small_file(path);
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
  auto bytes = read_small_file(args.evidence);
  if (!bytes.is_ok()) return fail(bytes.status().message());
  auto ca_pem = read_small_file(args.ca);
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

const RegisterCommands registered([](CLI::App& root) {
  auto* attest = root.add_subcommand("attest", "Read and verify attestation evidence");
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
});

}  // namespace
}  // namespace cloister::cli
