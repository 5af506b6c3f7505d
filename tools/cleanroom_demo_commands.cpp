// cloister cleanroom demo: the two-hospital scenario end to end through the
// real service (HTTP on loopback, SQLite, files on disk) and the real
// training enclave (its own process): split the public breast-cancer data
// between a screening clinic and a referral centre, each hospital signs the
// contract, verifies the enclave, encrypts and uploads its rows and releases
// its key; the enclave trains on the union; each hospital opens its model
// and scores it on the same held-out patients as the models it could train
// alone.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include "cleanroom/encrypted_dataset.h"
#include "cleanroom/evaluation.h"
#include "cleanroom/hospital_split.h"
#include "cleanroom/model_json.h"
#include "cleanroom/service/cleanroom_service.h"
#include "common/durable_file.h"
#include "common/encoding.h"
#include "jose/jose.h"
#include "sql/client/shell_support.h"
#include "tools/cleanroom_party_client.h"
#include "tools/command_registry.h"
#include "tools/input_file.h"
#include "tools/serve_until_signal.h"

namespace cloister::cli {
namespace {

using nlohmann::json;
using namespace cloister::cleanroom;

struct DemoArgs {
  std::string data;
  std::string dir;
  std::string enclave_image;
  int draws = 20;
  bool keep = false;
};

void section(const std::string& title) {
  std::cout << "\n== " << title << "\n" << std::flush;
}

// wdbc.csv from the working directory (the repo) or the source tree this
// binary was built from.
std::string find_data(const std::string& given) {
  if (!given.empty()) return given;
  std::error_code error;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", error).parent_path();
  for (const auto& candidate :
       {std::filesystem::path("data/wdbc.csv"), exe / ".." / ".." / ".." / "data" / "wdbc.csv"})
    if (std::filesystem::exists(candidate, error)) return candidate.string();
  return "data/wdbc.csv";
}

struct Hospital {
  std::string title;
  PartyIdentity identity;
  const LabelledRows* rows = nullptr;
  Bytes dataset;
};

// The contract both hospitals sign: their keys, wdbc's columns, logistic
// regression with the defaults, a model for each.
Result<Bytes> contract_for(const std::vector<Hospital*>& hospitals, const Schema& schema) {
  json parties = json::array(), outputs = json::array();
  for (const Hospital* hospital : hospitals) {
    CLOISTER_ASSIGN_OR_RETURN(json jwk, jose::public_jwk(hospital->identity.key.public_key()));
    parties.push_back({{"name", hospital->identity.name}, {"public_key", jwk}});
    outputs.push_back({{"party", hospital->identity.name}, {"receives", "model"}});
  }
  const LogisticRegressionParams defaults;
  const std::string text = json{{"contract", kContractFormat},
                                {"name", "breast-cancer-screening"},
                                {"parties", parties},
                                {"schema",
                                 {{"features", schema.features},
                                  {"label", schema.label},
                                  {"positive", schema.positive},
                                  {"negative", schema.negative}}},
                                {"algorithm",
                                 {{"name", "logistic_regression"},
                                  {"epochs", defaults.epochs},
                                  {"learning_rate", defaults.learning_rate},
                                  {"l2", defaults.l2}}},
                                {"outputs", outputs}}
                               .dump(2) +
                           "\n";
  return Bytes(text.begin(), text.end());
}

// Whether `needle`'s bytes occur anywhere in `haystack`.
bool contains(ByteView haystack, ByteView needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

Status run_demo(const DemoArgs& args, const std::string& dir) {
  section("1. the data: Wisconsin diagnostic breast cancer (569 patients), split between two hospitals");
  const std::string data = find_data(args.data);
  CLOISTER_ASSIGN_OR_RETURN(std::string csv, read_input_text(data, 16 << 20));
  const Schema schema = schema_from_header(csv, "diagnosis", "M", "B");
  CLOISTER_ASSIGN_OR_RETURN(LabelledRows all, parse_labelled_csv(csv, schema));
  const HospitalSplit split = split_hospitals(all, kSplitSeed);
  std::cout << "hospital A, a screening clinic: " << describe_patients(split.hospital_a) << "\n"
            << "hospital B, a referral centre:  " << describe_patients(split.hospital_b) << "\n"
            << "held-out test patients:         " << describe_patients(split.test) << " (draw " << kSplitSeed
            << ", seeds in src/cleanroom/hospital_split.h)\n";

  section("2. each hospital makes a key pair; both sign one contract");
  Hospital a{.title = "hospital A", .identity = {"hospital-a", {}}, .rows = &split.hospital_a};
  Hospital b{.title = "hospital B", .identity = {"hospital-b", {}}, .rows = &split.hospital_b};
  for (Hospital* hospital : {&a, &b}) {
    CLOISTER_ASSIGN_OR_RETURN(hospital->identity.key, crypto::PrivateKey::generate(crypto::KeyType::ec_p256));
  }
  CLOISTER_ASSIGN_OR_RETURN(Bytes contract_bytes, contract_for({&a, &b}, schema));
  CLOISTER_RETURN_IF_ERROR(atomic_write_file(dir + "/contract.json", contract_bytes, 0644));
  CLOISTER_ASSIGN_OR_RETURN(Contract contract, parse_contract(contract_bytes));
  std::cout << "contract " << contract.hash_hex() << " (" << dir << "/contract.json): logistic regression, "
            << "a model for each hospital\n";

  section("3. the clean-room service and its training enclave");
  CleanroomServiceOptions options{.data_dir = dir + "/service", .contract = contract_bytes, .port = 0};
  options.enclave_image = args.enclave_image.empty()
                              ? built_enclave_image("cloister_cleanroom_enclave.signed", "cleanroom/enclave")
                              : args.enclave_image;
  if (options.enclave_image.empty())
    return Status(ErrorCode::not_found,
                  "the training enclave image was not found: build it (scripts/build.sh)");
  CLOISTER_ASSIGN_OR_RETURN(auto service, CleanroomService::create(options));
  std::thread server([&service] { service->http().run(); });
  struct StopServer {
    CleanroomService& service;
    std::thread& thread;
    ~StopServer() {
      service.http().stop();
      thread.join();
    }
  } stop_server{*service, server};
  const Enclave& enclave = service->enclave();
  const CleanroomClient client(service->http().url());
  std::cout << "service " << service->http().url() << ", data in " << options.data_dir << "\n"
            << "enclave pid " << enclave.pid() << ", measurement " << to_hex(enclave.identity().measurement)
            << "\n";

  // What each hospital expects: the enclave image it reviewed (measurement
  // and signer), on a platform whose operator CA it trusts, not debug.
  sql::AttestationOptions policy;
  CLOISTER_ASSIGN_OR_RETURN(auto identity, sql::client::identity_of_image(options.enclave_image));
  policy.measurement = identity.first;
  policy.signer = identity.second;
  const std::string ca_file = dir + "/platform-ca.der";
  CLOISTER_RETURN_IF_ERROR(atomic_write_file(ca_file, enclave.platform_ca_der(), 0644));
  policy.platform_ca_files = {ca_file};
  policy.allow_development_platform = enclave.development_platform();
  if (enclave.development_platform())
    std::cout
        << "(no platform daemon: the in-process DEVELOPMENT platform attests, with keys made for this run;\n"
           " set CLOISTER_PLATFORM_SOCKET to a platform daemon for evidence a real operator CA signs)\n";

  section("4. each hospital: sign, verify the enclave, encrypt locally, upload ciphertext, release its key");
  for (Hospital* hospital : {&a, &b}) {
    CLOISTER_RETURN_IF_ERROR(client.sign_contract(contract, hospital->identity));
    CLOISTER_ASSIGN_OR_RETURN(auto verified, client.verify_enclave(contract, policy));
    CLOISTER_ASSIGN_OR_RETURN(SealedDataset sealed, seal_with_fresh_key(*hospital->rows, contract.hash_hex(),
                                                                        hospital->identity.name));
    hospital->dataset = std::move(sealed.file);
    CLOISTER_ASSIGN_OR_RETURN(json uploaded, client.upload(hospital->identity, hospital->dataset, false));
    CLOISTER_RETURN_IF_ERROR(
        client.release_key(contract, hospital->identity, policy, hospital->dataset, sealed.data_key, false));
    std::cout << hospital->title << ": signed; enclave verified (" << verified.summary << ");\n  uploaded "
              << uploaded.value("bytes", 0) << " encrypted bytes (" << uploaded.value("rows", 0)
              << " rows); data key released to that enclave instance only\n";
  }

  section("5. what the others can see");
  auto stolen = client.call("GET", "/parties/hospital-b/model", "", &a.identity);
  std::cout << "hospital A asks for hospital B's model: "
            << (stolen.is_ok() ? std::string("GIVEN (wrong!)") : "refused: " + stolen.status().message())
            << "\n";
  CLOISTER_ASSIGN_OR_RETURN(Bytes stored,
                            read_input_file(options.data_dir + "/uploads/hospital-b.cds", 64 << 20));
  const double* first = split.hospital_b.features.row(0);
  const bool leaked =
      contains(stored, ByteView(reinterpret_cast<const std::uint8_t*>(first), 3 * sizeof(double)));
  std::cout << "the operator reads hospital B's upload on disk: " << stored.size()
            << " bytes; B's first patient's "
            << "values are " << (leaked ? "IN IT (wrong!)" : "nowhere in it") << "\n";
  if (stolen.is_ok() || leaked) return Status(ErrorCode::internal, "the demo saw data it should not have");

  section("6. hospital A starts training; the enclave trains on both hospitals' rows");
  CLOISTER_ASSIGN_OR_RETURN(json run, client.train(a.identity, ::isatty(STDERR_FILENO) != 0));
  std::printf("run %lld: %lld rows, %.3f s inside the enclave\n", static_cast<long long>(run.value("run", 0)),
              static_cast<long long>(run.value("rows", 0)), run.value("seconds", 0.0));

  section("7. each hospital opens its model and scores it on the held-out patients");
  double together = 0;
  for (Hospital* hospital : {&a, &b}) {
    CLOISTER_ASSIGN_OR_RETURN(std::string model_text, client.model(hospital->identity));
    CLOISTER_ASSIGN_OR_RETURN(TrainedModel model, model_from_json(json::parse(model_text, nullptr, false)));
    const Evaluation scored = evaluate(model.model, split.test);
    std::printf("%s's copy of the joint model: accuracy %.1f%%, ROC AUC %.3f\n", hospital->title.c_str(),
                scored.accuracy * 100, scored.roc_auc);
    together = scored.accuracy;
  }
  const bool terminal = ::isatty(STDERR_FILENO) != 0;
  const SplitAccuracy mean = mean_split_accuracy(all, args.draws, [&](int done) {
    if (terminal)
      std::cerr << "\rthe same scenario in the clear, draw " << done << "/" << args.draws << std::flush;
  });
  if (terminal) std::cerr << "\r" << std::string(60, ' ') << "\r";
  const double a_alone = held_out_accuracy(split.hospital_a, split.test);
  const double b_alone = held_out_accuracy(split.hospital_b, split.test);
  std::printf("\naccuracy on the same %zu held-out patients      this draw   mean of %d draws\n",
              split.test.features.rows, args.draws);
  std::printf("  A alone (trained at hospital A)                %5.1f%%      %5.1f%%\n", a_alone * 100,
              mean.a_alone * 100);
  std::printf("  B alone (trained at hospital B)                %5.1f%%      %5.1f%%\n", b_alone * 100,
              mean.b_alone * 100);
  std::printf("  A + B   (trained in the enclave)               %5.1f%%      %5.1f%%\n", together * 100,
              mean.together * 100);

  section("8. the audit log both hospitals can read");
  CLOISTER_ASSIGN_OR_RETURN(json audit, client.audit(b.identity));
  for (const json& record : audit["records"]) {
    std::cout << "  " << record.value("seq", 0) << " " << record.value("action", "") << " "
              << record.value("party", "") << " " << record.value("outcome", "") << "\n";
  }
  std::cout << audit["records"].size() << " records; hash chain checked by hospital B, head "
            << audit.value("head", "").substr(0, 16) << "...\n";
  return Status::ok();
}

int run_demo_command(const DemoArgs& args) {
  spdlog::set_level(spdlog::level::warn);  // the service's request log would bury the story
  std::string dir = args.dir;
  if (dir.empty()) {
    std::string pattern = (std::filesystem::temp_directory_path() / "cloister-cleanroom-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) return fail("cannot make a temporary directory");
    dir = pattern;
  } else {
    std::filesystem::create_directories(dir);
  }
  const Status ran = run_demo(args, dir);
  if (args.dir.empty() && !args.keep) {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  if (!ran.is_ok()) return fail(ran.message(), "see docs/cleanroom.md");
  std::cout << "\nthe clean room demo finished" << (args.keep || !args.dir.empty() ? "; files in " + dir : "")
            << "\n";
  return 0;
}

const RegisterSubcommands kRegisterCleanroomDemo([](CLI::App& root) {
  CLI::App* cleanroom = root.get_subcommand("cleanroom");
  static DemoArgs args;
  auto* demo = cleanroom->add_subcommand(
      "demo", "The two-hospital scenario through the real service and enclave, with its accuracy table");
  demo->add_option("--data", args.data, "wdbc.csv (default: data/wdbc.csv of the repo)");
  demo->add_option("--dir", args.dir, "Keep the contract, the service's data and the CA here");
  demo->add_option("--enclave", args.enclave_image, "signed training enclave image; default: the built one");
  demo->add_option("--draws", args.draws, "Draws averaged in the table's last column")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  demo->add_flag("--keep", args.keep, "Keep the temporary directory");
  demo->callback([] { exit_code() = run_demo_command(args); });
});

}  // namespace
}  // namespace cloister::cli
