// cloister cleanroom party sign | verify | upload | release-key | train |
// status | model | withdraw | audit: a party's steps against the service.
// Only ciphertext, signatures and sealed documents leave the party's
// machine; the data key leaves only sealed to an enclave verified here.
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>

#include "cleanroom/contract.h"
#include "common/durable_file.h"
#include "common/encoding.h"
#include "jose/jose.h"
#include "tools/cleanroom_party_client.h"
#include "tools/command_registry.h"
#include "tools/enclave_policy_options.h"
#include "tools/input_file.h"

namespace cloister::cli {
namespace {

using nlohmann::json;
using namespace cloister::cleanroom;

struct ServiceArgs {
  std::string service = "http://127.0.0.1:8600";
  std::string contract;
  std::string party;
  std::string key;
  std::string dataset;
  std::string data_key;
  std::string out;
  bool replace = false;
  EnclavePolicyArgs policy;
};

int failed(const Status& status, const std::string& next = "") {
  return fail(status.message(), next);
}

std::string utc(std::int64_t unix_seconds) {
  const auto time = static_cast<std::time_t>(unix_seconds);
  std::tm parts{};
  gmtime_r(&time, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &parts);
  return text;
}

std::string yes_no(bool value) {
  return value ? "yes" : "no";
}

int print_status(const json& status) {
  const json& contract = status["contract"];
  std::cout << "contract " << contract.value("name", "") << " (" << contract.value("sha256", "") << "), "
            << contract.value("algorithm", "") << "\n"
            << "enclave measurement " << status["enclave"].value("measurement", "")
            << "\n        signer      " << status["enclave"].value("signer", "")
            << (status["enclave"].value("development_platform", false) ? " (DEVELOPMENT platform)" : "")
            << (status["enclave"].value("debug", false) ? " (DEBUG)" : "") << "\n";
  std::printf("%-16s %-7s %-32s %-13s %s\n", "party", "signed", "upload", "key released", "rows in enclave");
  for (const json& party : status["parties"]) {
    std::string upload = "-";
    if (party["upload"].is_object())
      upload = std::to_string(party["upload"].value("rows", 0)) + " rows, sha256 " +
               party["upload"].value("sha256", "").substr(0, 12) + "...";
    std::printf("%-16s %-7s %-32s %-13s %llu\n", party.value("name", "").c_str(),
                yes_no(party.value("signed", false)).c_str(), upload.c_str(),
                yes_no(party.value("key_released", false)).c_str(),
                static_cast<unsigned long long>(party.value("rows_loaded", 0)));
  }
  const json& training = status["training"];
  std::cout << "training: " << training.value("state", "idle");
  if (training.contains("run"))
    std::cout << " (run " << training.value("run", 0) << ", " << training.value("rows", 0) << " rows, "
              << training.value("seconds", 0.0) << " s)";
  if (!training.value("detail", "").empty()) std::cout << ": " << training.value("detail", "");
  std::cout << "\n";
  return 0;
}

int run_service_verb(const std::string& verb, const ServiceArgs& args) {
  const CleanroomClient client(args.service);
  if (verb == "status") {
    auto status = client.call("GET", "/status");
    if (!status.is_ok()) return failed(status.status(), "is cloister cleanroom serve running at --service?");
    return print_status(*status);
  }
  std::optional<Contract> contract;
  if (!args.contract.empty()) {
    auto read = load_contract(args.contract);
    if (!read.is_ok()) return failed(read.status());
    contract = std::move(read).value();
  }
  if (verb == "verify") {
    auto policy = attestation_options(args.policy);
    if (!policy.is_ok()) return failed(policy.status());
    auto verified = client.verify_enclave(*contract, *policy);
    if (!verified.is_ok()) return failed(verified.status(), "do not send this service your data key");
    auto thumbprint = jose::thumbprint(verified->instance_key);
    std::cout << "enclave verified: " << verified->summary << "\n"
              << "it enforces your contract " << contract->hash_hex() << "; instance key "
              << (thumbprint.is_ok() ? *thumbprint : std::string("?")) << "\n";
    return 0;
  }
  auto party = load_party(args.party, args.key);
  if (!party.is_ok()) return failed(party.status());
  if (verb == "sign") {
    Status signed_contract = client.sign_contract(*contract, *party);
    if (!signed_contract.is_ok())
      return failed(signed_contract, "is --key this party's key in the contract?");
    std::cout << party->name << " signed contract " << contract->hash_hex() << "\n";
    return 0;
  }
  if (verb == "upload") {
    auto dataset = read_input_file(args.dataset, std::size_t{512} << 20);
    if (!dataset.is_ok()) return failed(dataset.status());
    const bool terminal = ::isatty(STDERR_FILENO) != 0;
    if (terminal) std::cerr << "uploading " << dataset->size() << " bytes..." << std::flush;
    auto uploaded = client.upload(*party, *dataset, args.replace);
    if (terminal) std::cerr << "\r" << std::string(40, ' ') << "\r";
    if (!uploaded.is_ok()) return failed(uploaded.status());
    std::cout << "uploaded " << uploaded->value("rows", 0) << " rows (" << uploaded->value("bytes", 0)
              << " bytes, sha256 " << uploaded->value("sha256", "") << "), still encrypted\n";
    return 0;
  }
  if (verb == "release-key") {
    auto policy = attestation_options(args.policy);
    if (!policy.is_ok()) return failed(policy.status());
    auto dataset = read_input_file(args.dataset, std::size_t{512} << 20);
    if (!dataset.is_ok()) return failed(dataset.status());
    const std::string key_file = args.data_key.empty() ? args.dataset + ".key" : args.data_key;
    auto key_text = read_input_text(key_file, 1024);
    if (!key_text.is_ok()) return failed(key_text.status());
    while (!key_text->empty() && std::isspace(static_cast<unsigned char>(key_text->back())))
      key_text->pop_back();
    auto data_key = from_base64url(*key_text);
    secure_wipe(key_text->data(), key_text->size());
    if (!data_key.is_ok()) return fail(key_file + " is not a data key (base64url)");
    Status released = client.release_key(*contract, *party, *policy, *dataset, *data_key, args.replace);
    secure_wipe(data_key->data(), data_key->size());
    if (!released.is_ok()) return failed(released);
    std::cout << "released " << party->name << "'s data key to the verified enclave; it loaded "
              << args.dataset << "\n";
    return 0;
  }
  if (verb == "train") {
    auto training = client.train(*party, ::isatty(STDERR_FILENO) != 0);
    if (!training.is_ok()) return failed(training.status());
    std::cout << "trained on " << training->value("rows", 0) << " rows in " << training->value("seconds", 0.0)
              << " s inside the enclave (run " << training->value("run", 0) << ")\n";
    return 0;
  }
  if (verb == "model") {
    auto model = client.model(*party);
    if (!model.is_ok()) return failed(model.status());
    if (Status written = atomic_write_file(args.out, as_bytes(*model + "\n"), 0600); !written.is_ok())
      return failed(written);
    std::cout << "wrote " << party->name << "'s model to " << args.out
              << " (it was sealed to this party's key)\n";
    return 0;
  }
  if (verb == "withdraw") {
    auto withdrawn = client.call("POST", "/parties/" + party->name + "/withdraw", "", &*party);
    if (!withdrawn.is_ok()) return failed(withdrawn.status());
    std::cout << party->name << " withdrew: its signature, upload and key are gone from the service\n";
    return 0;
  }
  auto audit = client.audit(*party);
  if (!audit.is_ok()) return failed(audit.status());
  for (const json& record : (*audit)["records"]) {
    std::printf("%4lld  %s  %-22s %-12s %-7s %s\n", static_cast<long long>(record.value("seq", 0)),
                utc(record.value("time", std::int64_t{0})).c_str(), record.value("action", "").c_str(),
                record.value("party", "").c_str(), record.value("outcome", "").c_str(),
                record.value("detail", "").c_str());
  }
  std::cout << (*audit)["records"].size() << " records, hash chain verified here; head "
            << audit->value("head", "") << " (keep it: a later log must extend it)\n";
  return 0;
}

void add_party_service_commands(CLI::App& root) {
  CLI::App* party = root.get_subcommand("cleanroom")->get_subcommand("party");
  struct Verb {
    const char* name;
    const char* help;
    bool contract, identity, dataset, policy;
  };
  const Verb verbs[] = {
      {"sign", "Sign the contract and hand the signature to the service", true, true, false, false},
      {"verify", "Verify the service's enclave (attestation, policy, contract) without sending anything",
       true, false, false, true},
      {"upload", "Upload this party's encrypted dataset (ciphertext only)", false, true, true, false},
      {"release-key", "Verify the enclave, then release the data key to it alone", true, true, true, true},
      {"train", "Start training once every party is in, and wait for it", false, true, false, false},
      {"status", "What the service holds: signatures, uploads, keys, training", false, false, false, false},
      {"model", "Download the model sealed to this party and open it", false, true, false, false},
      {"withdraw", "Leave the collaboration before training: signature, upload and key dropped", false, true,
       false, false},
      {"audit", "Read the collaboration's audit log and check its hash chain", false, true, false, false},
  };
  for (const Verb& verb : verbs) {
    auto args = std::make_shared<ServiceArgs>();
    CLI::App* command = party->add_subcommand(verb.name, verb.help);
    command->add_option("--service", args->service, "The clean-room service URL")->capture_default_str();
    if (verb.contract) command->add_option("--contract", args->contract, "The contract (JSON)")->required();
    if (verb.identity) {
      command->add_option("--party", args->party, "This party's name in the contract")->required();
      command->add_option("--key", args->key, "This party's private key (PEM)")->required();
    }
    if (verb.dataset) {
      command->add_option("--dataset", args->dataset, "The encrypted dataset (party encrypt's output)")
          ->required();
    }
    if (std::string(verb.name) == "release-key")
      command->add_option("--data-key", args->data_key, "The data key file (default: DATASET.key)");
    if (std::string(verb.name) == "upload" || std::string(verb.name) == "release-key")
      command->add_flag("--replace", args->replace, "Replace this party's earlier upload or key");
    if (std::string(verb.name) == "model")
      command->add_option("--out", args->out, "Where to write the model (JSON)")->required();
    if (verb.policy) add_enclave_policy_options(*command, args->policy);
    command->callback([args, name = std::string(verb.name)] { exit_code() = run_service_verb(name, *args); });
  }
}

const RegisterSubcommands kRegisterPartyService(add_party_service_commands);

}  // namespace
}  // namespace cloister::cli
