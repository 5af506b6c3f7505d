// cloister_service_bench: attestd and kbs under load from a separate process
// over HTTP keep-alive on loopback, beside the raw crypto ceiling measured in
// the same run (what the hardware can do with the same signatures and no
// service around them).
//   cloister_service_bench --cloister build/default/tools/cloister
//                          --load build/default/bench/cloister_http_load [--seconds 5] [--json FILE]
#include <httplib.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "child_process.h"
#include "cloister/evidence.h"
#include "common/encoding.h"
#include "crypto/keys.h"
#include "crypto/rng.h"
#include "crypto/sha.h"
#include "jose/jose.h"
#include "measure.h"
#include "platform/platform_identity.h"

namespace {

using namespace cloister;
using namespace cloister::bench;
namespace fs = std::filesystem;

[[noreturn]] void die(const std::string& message) {
  std::cerr << "error: " << message << "\n";
  std::exit(1);
}

template <typename T>
T must(Result<T> result, const std::string& what) {
  if (!result.is_ok()) die(what + ": " + result.status().to_string());
  return std::move(result).value();
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) die("cannot write " + path.string());
}

// Runs a command to completion; its output goes to the log.
void run(const std::vector<std::string>& argv, const fs::path& log) {
  std::string command;
  for (const auto& arg : argv) command += "'" + arg + "' ";
  command += ">> '" + log.string() + "' 2>&1";
  if (std::system(command.c_str()) != 0) die("command failed (see " + log.string() + "): " + command);
}

// Operations per second of `op` on `threads` threads for `seconds`.
double ops_per_second(const std::function<void()>& op, unsigned threads, double seconds) {
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> total{0};
  std::vector<std::thread> workers;
  const auto start = std::chrono::steady_clock::now();
  for (unsigned i = 0; i < threads; ++i) {
    workers.emplace_back([&] {
      std::uint64_t count = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        op();
        ++count;
      }
      total += count;
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& worker : workers) worker.join();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return static_cast<double>(total.load()) / elapsed;
}

nlohmann::json run_load(const std::string& load_tool, const std::string& url, const std::string& path,
                        const fs::path& body, unsigned connections, double seconds) {
  std::string command = "'" + load_tool + "' --url " + url + " --path '" + path + "' --body-file '" +
                        body.string() + "' --connections " + std::to_string(connections) + " --seconds " +
                        std::to_string(seconds);
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) die("cannot run " + load_tool);
  std::string output;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  pclose(pipe);
  auto report = nlohmann::json::parse(output, nullptr, false);
  if (report.is_discarded() || !report.contains("rps")) die("load generator printed: " + output);
  if (report.value("errors", 0) != 0) {
    std::cerr << "warning: " << report["errors"]
              << " failed requests; first: " << report.value("first_error", "") << "\n";
  }
  return report;
}

}  // namespace

int main(int argc, char** argv) {
  std::string cloister_cli;
  std::string load_tool;
  std::string json_out;
  double seconds = 5;
  unsigned connections = std::max(1u, std::thread::hardware_concurrency());
  CLI::App app{"attestd and kbs throughput against the raw crypto ceiling"};
  app.add_option("--cloister", cloister_cli, "path to the cloister CLI")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--load", load_tool, "path to cloister_http_load")->required()->check(CLI::ExistingFile);
  app.add_option("--seconds", seconds, "load duration per measurement");
  app.add_option("--connections", connections, "keep-alive connections of the load generator");
  app.add_option("--json", json_out, "also write the table as JSON");
  CLI11_PARSE(app, argc, argv);
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());

  char work_template[] = "/tmp/cloister-service-bench-XXXXXX";
  if (mkdtemp(work_template) == nullptr) die("cannot create a temporary directory");
  const fs::path work = work_template;
  const fs::path log = work / "services.log";

  // A real (non-development) platform whose CA attestd trusts, and evidence
  // it signed binding JSON runtime data that carries an enclave key.
  auto platform = must(platform::PlatformIdentity::init((work / "platform").string(), {}), "platform init");
  write_file(work / "platform-ca.pem", platform.operator_ca_pem());
  auto enclave_key = must(crypto::PrivateKey::generate(crypto::KeyType::ec_p256), "enclave key");
  auto enclave_jwk = must(jose::public_jwk(enclave_key.public_key(), "enclave-instance"), "jwk");
  const std::string runtime_data = nlohmann::json{{"keys", nlohmann::json::array({enclave_jwk})}}.dump();
  std::array<std::uint8_t, 64> report_data{};
  const auto digest = crypto::sha256(as_bytes(runtime_data));
  std::copy(digest.begin(), digest.end(), report_data.begin());
  EnclaveIdentity identity;
  if (!crypto::random_fill(identity.measurement).is_ok() || !crypto::random_fill(identity.signer).is_ok()) {
    die("no randomness");
  }
  identity.security_version = 1;
  const Bytes evidence =
      must(platform.sign_report(Backend::process, Isolation::process, identity, report_data), "sign report");
  const nlohmann::json attest_request = {
      {"evidence", to_base64url(evidence)},
      {"runtimeData", {{"data", to_base64url(as_bytes(runtime_data))}, {"dataType", "JSON"}}}};
  write_file(work / "attest.json", attest_request.dump());

  // The raw ceiling: per request, one ECDSA P-256 verification (the
  // evidence) and one ES256 signature (the token), nothing else.
  auto token_key = must(crypto::PrivateKey::generate(crypto::KeyType::ec_p256), "token key");
  const Bytes message(600, 0x5a);
  const auto attestation_key = must(crypto::PrivateKey::generate(crypto::KeyType::ec_p256), "key");
  const Bytes signature = must(attestation_key.sign(message), "sign");
  const auto attestation_public = attestation_key.public_key();
  auto raw_op = [&] {
    if (!attestation_public.verify(message, signature).is_ok()) std::abort();
    if (!token_key.sign(message).is_ok()) std::abort();
  };
  std::cerr << "measuring the raw crypto ceiling...\n";
  const double raw_single = 1e9 / ns_per_op(raw_op);
  const double raw_all = ops_per_second(raw_op, cores, std::min(seconds, 3.0));

  // attestd, with the platform registered.
  std::cerr << "starting attestd...\n";
  const fs::path attestd_dir = work / "attestd";
  ChildProcess attestd({cloister_cli, "attestd", "serve", "--data-dir", attestd_dir.string(), "--port", "0",
                        "--port-file", (work / "attestd.port").string()},
                       log.string());
  const std::string attestd_port =
      wait_for_file_line((work / "attestd.port").string(), std::chrono::seconds(20));
  if (attestd_port.empty()) die("attestd did not start; see " + log.string());
  const std::string attestd_url = "http://127.0.0.1:" + attestd_port;
  run({cloister_cli, "attestd", "platform", "add", "--data-dir", attestd_dir.string(), "--name", "bench",
       "--ca", (work / "platform-ca.pem").string(), "--claim", "region=bench"},
      log);
  std::cerr << "loading attestd (" << connections << " connections, " << seconds << " s)...\n";
  const auto attest =
      run_load(load_tool, attestd_url, "/attest/Cloister", work / "attest.json", connections, seconds);

  // kbs, with a key whose release policy names this enclave's signer, and
  // a token for it from attestd.
  std::cerr << "starting kbs...\n";
  const fs::path kbs_dir = work / "kbs";
  ChildProcess kbs({cloister_cli, "kbs", "serve", "--data-dir", kbs_dir.string(), "--port", "0",
                    "--port-file", (work / "kbs.port").string()},
                   log.string());
  const std::string kbs_port = wait_for_file_line((work / "kbs.port").string(), std::chrono::seconds(20));
  if (kbs_port.empty()) die("kbs did not start; see " + log.string());
  const std::string kbs_url = "http://127.0.0.1:" + kbs_port;
  const nlohmann::json policy = {
      {"version", "1.0.0"},
      {"anyOf",
       {{{"authority", attestd_url},
         {"allOf", {{{"claim", "x-ms-sgx-mrsigner"}, {"equals", to_hex(identity.signer)}}}}}}}};
  write_file(work / "policy.json", policy.dump());
  run({cloister_cli, "kbs", "key", "create", "bench-key", "--policy", (work / "policy.json").string(),
       "--data-dir", kbs_dir.string(), "--url", kbs_url},
      log);
  httplib::Client attestd_client(attestd_url);
  auto token_response = attestd_client.Post("/attest/Cloister", attest_request.dump(), "application/json");
  if (!token_response || token_response->status != 200)
    die("attestd issued no token for the release benchmark");
  const std::string token = nlohmann::json::parse(token_response->body).value("token", "");
  write_file(work / "release.json", nlohmann::json{{"target", token}}.dump());
  std::cerr << "loading kbs (" << connections << " connections, " << seconds << " s)...\n";
  const auto release =
      run_load(load_tool, kbs_url, "/keys/bench-key/release", work / "release.json", connections, seconds);

  // The raw ceiling of a release: verify the token's signature, wrap 32
  // bytes to the enclave's key (ECDH-ES with an ephemeral key, AES-GCM).
  const Bytes data_key(32, 0x11);
  const auto enclave_public = enclave_key.public_key();
  auto raw_release_op = [&] {
    if (!attestation_public.verify(message, signature).is_ok()) std::abort();
    if (!jose::encrypt_jwe(data_key, enclave_public).is_ok()) std::abort();
  };
  const double raw_release_all = ops_per_second(raw_release_op, cores, std::min(seconds, 3.0));

  Table table("Cloister services benchmark (loopback HTTP keep-alive, load from a separate process, " +
              std::to_string(cores) + " cores)");
  table.add({"attestations/s (" + std::to_string(connections) + " connections)", attest["rps"], "req/s",
             "raw ceiling, all cores", raw_all, "target >= 0.5x"});
  table.add({"raw ceiling, single thread", raw_single, "op/s", "raw ceiling, all cores", raw_all, ""});
  table.add({"attestation latency p50", attest["p50_us"], "us", "", 0, ""});
  table.add({"attestation latency p99", attest["p99_us"], "us", "", 0, ""});
  table.add({"key releases/s (" + std::to_string(connections) + " connections)", release["rps"], "req/s",
             "raw release ceiling, all cores", raw_release_all,
             "each release and its audit row are committed"});
  table.add({"key release latency p50", release["p50_us"], "us", "", 0, ""});
  table.add({"key release latency p99", release["p99_us"], "us", "", 0, ""});
  table.print();
  if (!json_out.empty() && !table.write_json(json_out)) die("cannot write " + json_out);
  std::error_code ignored;
  fs::remove_all(work, ignored);
  return 0;
}
