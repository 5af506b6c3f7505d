// The clean room's table (issue 6), from one run: training inside the enclave
// beside the same training code in this process on the same rows; the
// oblivious kernels beside the same code on libm; encryption and upload
// MB/s, into the enclave directly and through the real service (HTTP on
// loopback, then the service streaming the file in); and training on a generated 1,000,000-row, 30-feature
// dataset (time and the enclave's peak memory).
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "cleanroom/data_key_release.h"
#include "cleanroom/enclave_calls.h"
#include "cleanroom/encrypted_dataset.h"
#include "cleanroom/party_request.h"
#include "cleanroom/service/cleanroom_service.h"
#include "cleanroom/training.h"
#include "cloister/host.h"
#include "common/encoding.h"
#include "crypto/aes_gcm.h"
#include "crypto/rng.h"
#include "crypto/sha.h"
#include "jose/jose.h"
#include "measure.h"

namespace {

using namespace cloister;
using namespace cloister::cleanroom;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

template <typename T>
T must(Result<T> result, const std::string& what) {
  if (!result.is_ok()) {
    std::cerr << "cleanroom_bench: " << what << ": " << result.status().to_string() << "\n";
    std::exit(1);
  }
  return std::move(result).value();
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

template <typename F>
double median_seconds(int repeats, F&& run) {
  std::vector<double> times;
  for (int i = 0; i < repeats; ++i) {
    const auto start = Clock::now();
    run();
    times.push_back(seconds_since(start));
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

LabelledRows wdbc(const std::string& path, Schema& schema) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  schema = schema_from_header(text.str(), "diagnosis", "M", "B");
  return must(parse_labelled_csv(text.str(), schema), "reading " + path);
}

// Rows whose label follows a noisy linear rule of 30 normal features.
LabelledRows generated(std::size_t rows, std::size_t cols) {
  std::mt19937_64 random(2026);
  std::normal_distribution<double> normal;
  LabelledRows out;
  out.features.rows = rows;
  out.features.cols = cols;
  out.features.values.resize(rows * cols);
  out.labels.resize(rows);
  for (std::size_t r = 0; r < rows; ++r) {
    double z = 0;
    for (std::size_t c = 0; c < cols; ++c) {
      const double v = normal(random);
      out.features.values[r * cols + c] = v;
      z += (c % 3 == 0 ? 1.0 : -0.5) * v;
    }
    out.labels[r] = z + normal(random) > 0 ? 1.0 : 0.0;
  }
  return out;
}

LabelledRows slice(const LabelledRows& all, std::size_t first, std::size_t count) {
  LabelledRows out;
  out.features.cols = all.features.cols;
  out.features.rows = count;
  out.features.values.assign(all.features.row(first), all.features.row(first) + count * all.features.cols);
  out.labels.assign(all.labels.begin() + static_cast<long>(first),
                    all.labels.begin() + static_cast<long>(first + count));
  return out;
}

// Two parties, a contract, one enclave: the whole flow up to training.
struct Collaboration {
  crypto::PrivateKey a = must(crypto::PrivateKey::generate(crypto::KeyType::ec_p256), "key");
  crypto::PrivateKey b = must(crypto::PrivateKey::generate(crypto::KeyType::ec_p256), "key");
  std::unique_ptr<Enclave> enclave;
  std::unique_ptr<Contract> contract;
  double upload_seconds = 0;
  std::size_t upload_bytes = 0;

  Collaboration(const std::string& image, const Schema& schema, const json& algorithm) {
    EnclaveOptions options;
    options.backend = Backend::process;
    enclave =
        std::make_unique<Enclave>(must(Enclave::create(image, options), "launching the training enclave"));
    const std::string text =
        json{{"contract", "cloister-cleanroom/1"},
             {"name", "bench"},
             {"parties",
              {{{"name", "hospital-a"}, {"public_key", must(jose::public_jwk(a.public_key()), "jwk")}},
               {{"name", "hospital-b"}, {"public_key", must(jose::public_jwk(b.public_key()), "jwk")}}}},
             {"schema",
              {{"features", schema.features},
               {"label", schema.label},
               {"positive", schema.positive},
               {"negative", schema.negative}}},
             {"algorithm", algorithm},
             {"outputs", {{{"party", "hospital-a"}, {"receives", "model"}}}}}
            .dump();
    contract = std::make_unique<Contract>(must(parse_contract(as_bytes(text)), "contract"));
    must(enclave->call(OpenCollaboration{.contract = Bytes(text.begin(), text.end())}),
         "opening the collaboration");
  }

  void upload(const std::string& party, const LabelledRows& rows) {
    const auto evidence = must(enclave->call(CollaborationEvidence{.nonce = Bytes{1}}), "evidence");
    const json runtime = json::parse(evidence.runtime_data.begin(), evidence.runtime_data.end());
    const auto enclave_key = must(jose::key_from_jwk(runtime.at("keys").at(0)), "enclave key");
    const Bytes data_key = must(crypto::random_bytes(32), "data key");
    const Bytes file =
        must(seal_dataset(rows, {.contract = contract->hash_hex(), .party = party}, data_key), "seal");
    const crypto::PrivateKey& signer = party == "hospital-a" ? a : b;
    must(enclave->call(ReleaseDataKey{
             .jwe = must(seal_data_key_release(*contract, party, signer, to_hex(crypto::sha256(file)),
                                               data_key, enclave_key),
                         "release"),
             .replace = false}),
         "releasing the data key");
    const auto start = Clock::now();
    for (std::size_t offset = 0; offset < file.size(); offset += kMaxDatasetPart) {
      const std::size_t size = std::min(kMaxDatasetPart, file.size() - offset);
      must(enclave->call(LoadDatasetPart{.party = party,
                                         .offset = offset,
                                         .bytes = Bytes(file.begin() + static_cast<long>(offset),
                                                        file.begin() + static_cast<long>(offset + size)),
                                         .last = offset + size == file.size()}),
           "uploading");
    }
    upload_seconds += seconds_since(start);
    upload_bytes += file.size();
  }

  double train() {
    const auto start = Clock::now();
    must(enclave->call(TrainModel{}), "training in the enclave");
    return seconds_since(start);
  }

  // The enclave process's peak resident memory, from /proc.
  [[nodiscard]] double peak_mib() const {
    std::ifstream status("/proc/" + std::to_string(enclave->pid()) + "/status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
    }
    return 0;
  }
};

// The same upload through the real service: HTTP PUT on loopback into a
// file on disk, then the key release, for which the service streams the file
// into its enclave. Returns {upload MB/s, release-and-load MB/s}.
std::pair<double, double> through_the_service(const std::string& image, const Schema& schema,
                                              const LabelledRows& rows) {
  spdlog::set_level(spdlog::level::warn);  // the service's request log
  Collaboration parties(image, schema, {{"name", "logistic_regression"}, {"epochs", 1}});
  const std::string dir =
      std::filesystem::temp_directory_path() / ("cleanroom-bench-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto service =
      must(CleanroomService::create(
               {.data_dir = dir, .contract = parties.contract->bytes, .port = 0, .enclave_image = image}),
           "starting the service");
  std::thread server([&service] { service->http().run(); });
  httplib::Client client(service->http().url());
  client.set_read_timeout(600, 0);
  client.set_write_timeout(600, 0);
  const auto signed_call = [&](const std::string& party, const std::string& method, const std::string& path,
                               const std::string& body) {
    const crypto::PrivateKey& key = party == "hospital-a" ? parties.a : parties.b;
    const auto headers =
        must(sign_party_request(party, key, method, path, to_hex(crypto::sha256(as_bytes(body))),
                                static_cast<std::int64_t>(std::time(nullptr))),
             "signing");
    const httplib::Headers sent = {{std::string(kPartyHeader), headers.party},
                                   {std::string(kTimeHeader), headers.time},
                                   {std::string(kNonceHeader), headers.nonce},
                                   {std::string(kSignatureHeader), headers.signature}};
    auto reply = method == "PUT" ? client.Put(path, sent, body, "application/octet-stream")
                                 : client.Post(path, sent, body, "application/json");
    if (!reply || reply->status >= 300) {
      std::cerr << "cleanroom_bench: " << method << " " << path
                << " failed: " << (reply ? reply->body : httplib::to_string(reply.error())) << "\n";
      std::exit(1);
    }
  };
  double upload_seconds = 0, release_seconds = 0, bytes = 0;
  const std::size_t half = rows.features.rows / 2;
  for (const auto& [party, part] :
       {std::pair{std::string("hospital-a"), slice(rows, 0, half)},
        std::pair{std::string("hospital-b"), slice(rows, half, rows.features.rows - half)}}) {
    const Bytes data_key = must(crypto::random_bytes(32), "data key");
    const Bytes file = must(
        seal_dataset(part, {.contract = parties.contract->hash_hex(), .party = party}, data_key), "seal");
    const std::string body(file.begin(), file.end());
    auto start = Clock::now();
    signed_call(party, "PUT", "/parties/" + party + "/dataset", body);
    upload_seconds += seconds_since(start);
    auto evidence = client.Post("/evidence", json{{"nonce", "AQ"}}.dump(), "application/json");
    if (!evidence || evidence->status != 200) {
      std::cerr << "cleanroom_bench: POST /evidence failed\n";
      std::exit(1);
    }
    const Bytes runtime_data = must(
        from_base64url(json::parse(evidence->body).at("runtime_data").get<std::string>()), "runtime data");
    const json runtime = json::parse(runtime_data.begin(), runtime_data.end());
    const auto enclave_key = must(jose::key_from_jwk(runtime.at("keys").at(0)), "enclave key");
    const std::string jwe =
        must(seal_data_key_release(*parties.contract, party, party == "hospital-a" ? parties.a : parties.b,
                                   to_hex(crypto::sha256(file)), data_key, enclave_key),
             "release");
    start = Clock::now();
    signed_call(party, "POST", "/parties/" + party + "/key", json{{"jwe", jwe}}.dump());
    release_seconds += seconds_since(start);
    bytes += static_cast<double>(file.size());
  }
  service->http().stop();
  server.join();
  service.reset();
  std::filesystem::remove_all(dir);
  return {bytes / upload_seconds / 1e6, bytes / release_seconds / 1e6};
}

template <typename Math>
void train_here(const LabelledRows& rows, const json& algorithm) {
  Matrix x = rows.features;
  if (algorithm.at("name") == "mlp") {
    train_mlp<Math>(x, rows.labels,
                    {.hidden = algorithm.value("hidden", 16), .epochs = algorithm.value("epochs", 1500)});
  } else {
    train_logistic_regression<Math>(x, rows.labels, {.epochs = algorithm.value("epochs", 1000)});
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Clean-room training inside the enclave beside the same code in this process"};
  std::size_t large_rows = 1'000'000;
  int large_epochs = 20;
  int repeats = 3;
  std::string data = CLOISTER_DATA_FILE;
  std::string image = CLOISTER_CLEANROOM_ENCLAVE_IMAGE;
  std::string json_path;
  app.add_option("--large-rows", large_rows, "rows of the generated dataset (0: skip it)")
      ->capture_default_str();
  app.add_option("--large-epochs", large_epochs, "logistic regression epochs on it")->capture_default_str();
  app.add_option("--repeats", repeats, "runs of each timing (the median is reported)")->capture_default_str();
  app.add_option("--data", data, "wdbc.csv")->capture_default_str();
  app.add_option("--enclave", image, "signed training enclave")->capture_default_str();
  app.add_option("--json", json_path, "also write the table as JSON");
  CLI11_PARSE(app, argc, argv);

  Schema schema;
  const LabelledRows rows = wdbc(data, schema);
  bench::Table table("cloister_cleanroom_bench: " + std::to_string(rows.features.rows) + "-row wdbc, then " +
                     std::to_string(large_rows) + " generated rows");
  for (const json& algorithm : {json{{"name", "logistic_regression"}, {"epochs", 1000}},
                                json{{"name", "mlp"}, {"hidden", 16}, {"epochs", 300}}}) {
    const std::string name = algorithm.at("name");
    std::cerr << "training " << name << " on wdbc, in the enclave and here...\n";
    Collaboration enclave(image, schema, algorithm);
    enclave.upload("hospital-a", slice(rows, 0, 250));
    enclave.upload("hospital-b", slice(rows, 250, rows.features.rows - 250));
    const double inside = median_seconds(repeats, [&] { enclave.train(); });
    const double here = median_seconds(repeats, [&] { train_here<ObliviousMath>(rows, algorithm); });
    const double plain = median_seconds(repeats, [&] { train_here<PlainMath>(rows, algorithm); });
    table.add({name + " training in the enclave", inside * 1000, "ms", "same code in the host process",
               here * 1000, "target <= 1.2x"});
    table.add({name + " oblivious kernels (host)", here * 1000, "ms", "same code on libm (not oblivious)",
               plain * 1000, "the price of obliviousness"});
  }

  if (large_rows > 0) {
    std::cerr << "generating " << large_rows << " rows of 30 features...\n";
    const LabelledRows large = generated(large_rows, 30);
    Schema wide;
    for (int c = 0; c < 30; ++c) wide.features.push_back("f" + std::to_string(c));
    wide.label = "y";
    wide.positive = "1";
    wide.negative = "0";
    const double bytes =
        static_cast<double>(large.features.values.size() + large.labels.size()) * sizeof(double);
    const Bytes key(32, 7);
    const double seal = median_seconds(
        1, [&] { must(seal_dataset(large, {.contract = std::string(64, '0'), .party = "p"}, key), "seal"); });
    const Bytes buffer(static_cast<std::size_t>(bytes), 1);
    const double gcm =
        median_seconds(1, [&] { must(crypto::aes_gcm_encrypt(key, Bytes(12, 0), {}, buffer), "gcm"); });
    table.add({"dataset encryption (chunked AES-256-GCM)", bytes / seal / 1e6, "MB/s",
               "one AES-256-GCM call, same bytes", bytes / gcm / 1e6, "higher is better"});

    std::cerr << "uploading and training on " << large_rows << " rows in the enclave...\n";
    const json algorithm = {{"name", "logistic_regression"}, {"epochs", large_epochs}};
    Collaboration enclave(image, wide, algorithm);
    enclave.upload("hospital-a", slice(large, 0, large_rows / 2));
    enclave.upload("hospital-b", slice(large, large_rows / 2, large_rows - large_rows / 2));
    const auto copy_start = Clock::now();
    Bytes copy(buffer.size());
    std::memcpy(copy.data(), buffer.data(), buffer.size());
    const double copy_seconds = seconds_since(copy_start);
    table.add({"upload into the enclave (2 MiB parts)",
               static_cast<double>(enclave.upload_bytes) / enclave.upload_seconds / 1e6, "MB/s",
               "memcpy of the same bytes", bytes / copy_seconds / 1e6, "higher is better"});
    const double inside = enclave.train();
    const double here = median_seconds(1, [&] { train_here<ObliviousMath>(large, algorithm); });
    table.add({"logistic regression, " + std::to_string(large_rows) + " x 30, " +
                   std::to_string(large_epochs) + " epochs, in the enclave",
               inside, "s", "same code in the host process", here, "target <= 1.2x"});
    table.add({"  enclave peak memory (VmHWM)", enclave.peak_mib(), "MiB", "", 0, ""});
    const double direct = static_cast<double>(enclave.upload_bytes) / enclave.upload_seconds / 1e6;
    std::cerr << "uploading " << large_rows << " rows through the service...\n";
    const auto [http, release] = through_the_service(image, wide, large);
    table.add({"upload to the service (HTTP PUT on loopback, to disk)", http, "MB/s",
               "memcpy of the same bytes", bytes / copy_seconds / 1e6, "higher is better"});
    table.add({"key release: the service streams the file into the enclave", release, "MB/s",
               "parts handed to the enclave directly", direct, "higher is better"});
  }
  table.print();
  if (!json_path.empty() && !table.write_json(json_path)) return 1;
  return 0;
}
