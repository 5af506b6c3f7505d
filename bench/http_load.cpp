// cloister_http_load: a load generator that runs as its own process, so the
// service under test and the load compete for the machine as real clients
// would. Each connection is one thread with one keep-alive HTTP/1.1 client
// sending the same request back to back for a fixed time.
//   cloister_http_load --url http://127.0.0.1:8500 --path /attest/Cloister
//                      --body-file req.json [--connections 2] [--seconds 5]
// Prints one JSON object: requests, errors, seconds, rps, p50_us, p99_us.
#include <httplib.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Options {
  std::string url;
  std::string path;
  std::string body_file;
  std::string content_type = "application/json";
  int connections = 2;
  double seconds = 5;
  int expect_status = 200;
};

struct ConnectionResult {
  std::vector<double> latencies_us;
  std::uint64_t errors = 0;
  std::string first_error;
};

ConnectionResult run_connection(const Options& options, const std::string& body,
                                std::chrono::steady_clock::time_point deadline) {
  ConnectionResult result;
  httplib::Client client(options.url);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);
  client.set_read_timeout(10, 0);
  while (std::chrono::steady_clock::now() < deadline) {
    const auto start = std::chrono::steady_clock::now();
    auto response =
        body.empty() ? client.Get(options.path) : client.Post(options.path, body, options.content_type);
    const auto end = std::chrono::steady_clock::now();
    if (!response || response->status != options.expect_status) {
      if (result.errors++ == 0) {
        result.first_error = response ? "HTTP " + std::to_string(response->status) + ": " + response->body
                                      : "connection error " + httplib::to_string(response.error());
      }
      continue;
    }
    result.latencies_us.push_back(std::chrono::duration<double, std::micro>(end - start).count());
  }
  return result;
}

double percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto index = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1));
  return sorted[index];
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"HTTP keep-alive load generator for Cloister service benchmarks"};
  app.add_option("--url", options.url, "service base URL, e.g. http://127.0.0.1:8500")->required();
  app.add_option("--path", options.path, "request path")->required();
  app.add_option("--body-file", options.body_file, "POST this file's bytes (GET when absent)");
  app.add_option("--content-type", options.content_type, "Content-Type of the body");
  app.add_option("--connections", options.connections, "concurrent keep-alive connections")
      ->check(CLI::Range(1, 256));
  app.add_option("--seconds", options.seconds, "how long to send")->check(CLI::Range(0.1, 600.0));
  app.add_option("--expect-status", options.expect_status, "the status a successful request returns");
  CLI11_PARSE(app, argc, argv);

  std::string body;
  if (!options.body_file.empty()) {
    std::ifstream in(options.body_file, std::ios::binary);
    if (!in) {
      std::cerr << "error: cannot read " << options.body_file << "\n";
      return 1;
    }
    body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                    std::chrono::duration<double>(options.seconds));
  std::vector<ConnectionResult> results(static_cast<std::size_t>(options.connections));
  std::vector<std::thread> threads;
  threads.reserve(results.size());
  for (int i = 0; i < options.connections; ++i) {
    threads.emplace_back(
        [&, i] { results[static_cast<std::size_t>(i)] = run_connection(options, body, deadline); });
  }
  for (auto& thread : threads) thread.join();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::vector<double> latencies;
  std::uint64_t errors = 0;
  std::string first_error;
  for (auto& result : results) {
    latencies.insert(latencies.end(), result.latencies_us.begin(), result.latencies_us.end());
    errors += result.errors;
    if (first_error.empty()) first_error = result.first_error;
  }
  std::sort(latencies.begin(), latencies.end());
  nlohmann::json report = {{"requests", latencies.size()},
                           {"errors", errors},
                           {"seconds", elapsed},
                           {"rps", static_cast<double>(latencies.size()) / elapsed},
                           {"p50_us", percentile(latencies, 0.50)},
                           {"p99_us", percentile(latencies, 0.99)}};
  if (!first_error.empty()) report["first_error"] = first_error.substr(0, 300);
  std::cout << report.dump() << "\n";
  return latencies.empty() ? 1 : 0;
}
