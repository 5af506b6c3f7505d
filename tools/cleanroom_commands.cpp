// cloister cleanroom split | contract hash|sign|verify | party init|encrypt|train-local|evaluate:
// the clean room's offline steps. A party's key, CSV and data key never leave
// its machine here; encryption happens on the party's side.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cleanroom/contract.h"
#include "cleanroom/contract_training.h"
#include "cleanroom/encrypted_dataset.h"
#include "cleanroom/evaluation.h"
#include "cleanroom/hospital_split.h"
#include "cleanroom/model_json.h"
#include "common/durable_file.h"
#include "common/encoding.h"
#include "crypto/sha.h"
#include "jose/jose.h"
#include "tools/cleanroom_party_client.h"
#include "tools/command_registry.h"
#include "tools/input_file.h"

namespace cloister::cli {
namespace {

using nlohmann::json;
using namespace cloister::cleanroom;

constexpr std::size_t kMaxCsvFile = std::size_t{512} << 20;

Result<LabelledRows> load_csv(const std::string& path, const Schema& schema) {
  CLOISTER_ASSIGN_OR_RETURN(std::string text, read_input_text(path, kMaxCsvFile));
  auto rows = parse_labelled_csv(text, schema);
  if (!rows.is_ok()) return rows.status().with_context(path);
  return rows;
}

// wdbc.csv's schema: every column but the label, in file order.
Result<Schema> schema_of_csv(const std::string& path, const std::string& label, const std::string& positive,
                             const std::string& negative) {
  CLOISTER_ASSIGN_OR_RETURN(std::string text, read_input_text(path, kMaxCsvFile));
  return schema_from_header(text, label, positive, negative);
}

Status write_text(const std::string& path, const std::string& text, unsigned mode = 0644) {
  return atomic_write_file(path, as_bytes(text), mode);
}

struct SplitArgs {
  std::string data = "data/wdbc.csv";
  std::string out = ".";
  std::uint64_t draw = kSplitSeed;
  int draws = 20;
};

int run_split(const SplitArgs& args) {
  auto schema = schema_of_csv(args.data, "diagnosis", "M", "B");
  if (!schema.is_ok())
    return fail(schema.status().message(), "--data names wdbc.csv (data/wdbc.csv in the repo)");
  auto all = load_csv(args.data, *schema);
  if (!all.is_ok()) return fail(all.status().message());
  const HospitalSplit split = split_hospitals(*all, args.draw);
  std::filesystem::create_directories(args.out);
  for (const auto& [name, rows] :
       {std::pair{"hospital-a.csv", &split.hospital_a}, std::pair{"hospital-b.csv", &split.hospital_b},
        std::pair{"test.csv", &split.test}}) {
    if (Status written = write_text(args.out + "/" + name, to_labelled_csv(*rows, *schema)); !written.is_ok())
      return fail(written.message());
  }
  std::cout << "hospital A (screening clinic): " << describe_patients(split.hospital_a) << "\n"
            << "hospital B (referral centre):  " << describe_patients(split.hospital_b) << "\n"
            << "held-out test set:             " << describe_patients(split.test) << "\n"
            << "wrote hospital-a.csv, hospital-b.csv, test.csv to " << args.out << "\n\n";
  // What the demo should show, computed here in the clear from the same rows
  // (logistic regression, the contract's default), and the mean over draws.
  std::printf("logistic regression accuracy on the held-out set   draw %llu   mean of %d draws\n",
              static_cast<unsigned long long>(args.draw), args.draws);
  const SplitAccuracy mean = mean_split_accuracy(
      *all, args.draws, [&](int done) { std::cerr << "\rdraw " << done << "/" << args.draws << std::flush; });
  std::cerr << "\r" << std::string(20, ' ') << "\r";
  const SplitAccuracy fixed = split_accuracy(split);
  const std::pair<const char*, double SplitAccuracy::*> lines[3] = {{"A alone", &SplitAccuracy::a_alone},
                                                                    {"B alone", &SplitAccuracy::b_alone},
                                                                    {"A + B  ", &SplitAccuracy::together}};
  for (const auto& [name, member] : lines)
    std::printf("  %s                                            %5.1f%%      %5.1f%%\n", name,
                fixed.*member * 100, mean.*member * 100);
  return 0;
}

struct PartyArgs {
  std::string name;
  std::string dir = ".";
  std::string contract;
  std::string csv;
  std::string out;
  std::string model;
  std::string key;
};

int run_party_init(const PartyArgs& args) {
  if (args.name.empty()) return fail("--name is required", "e.g. --name hospital-a");
  auto key = crypto::PrivateKey::generate(crypto::KeyType::ec_p256);
  if (!key.is_ok()) return fail(key.status().message());
  auto pem = key->to_pem();
  auto jwk = jose::public_jwk(key->public_key());
  if (!pem.is_ok() || !jwk.is_ok()) return fail("could not encode the new key");
  std::filesystem::create_directories(args.dir);
  const std::string base = args.dir + "/" + args.name;
  if (Status s = write_text(base + ".key.pem", *pem, 0600); !s.is_ok()) return fail(s.message());
  if (Status s = write_text(base + ".jwk.json", jwk->dump(2) + "\n"); !s.is_ok()) return fail(s.message());
  secure_wipe(pem->data(), pem->size());
  std::cout << "wrote " << base << ".key.pem (private: keep it) and " << base
            << ".jwk.json (public: it goes into the contract)\n";
  return 0;
}

int run_party_encrypt(const PartyArgs& args) {
  auto contract = load_contract(args.contract);
  if (!contract.is_ok()) return fail(contract.status().message());
  if (contract->party(args.name) == nullptr)
    return fail("the contract has no party " + args.name,
                "--party must be one of the contract's party names");
  auto rows = load_csv(args.csv, contract->schema);
  if (!rows.is_ok()) return fail(rows.status().message(), "fix the CSV so it matches the contract's schema");
  auto sealed = seal_with_fresh_key(*rows, contract->hash_hex(), args.name);
  if (!sealed.is_ok()) return fail(sealed.status().message());
  const std::string out = args.out.empty() ? args.csv + ".cds" : args.out;
  std::string key_text = to_base64url(sealed->data_key.view()) + "\n";
  Status written = atomic_write_file(out, sealed->file, 0644);
  if (written.is_ok()) written = write_text(out + ".key", key_text, 0600);
  secure_wipe(key_text.data(), key_text.size());
  if (!written.is_ok()) return fail(written.message());
  std::cout << "encrypted " << rows->features.rows << " rows to " << out << " (sha256 "
            << to_hex(crypto::sha256(sealed->file)) << ")\ndata key in " << out
            << ".key: keep it; release it only to an enclave you verified\n";
  return 0;
}

int run_train_local(const PartyArgs& args) {
  auto contract = load_contract(args.contract);
  if (!contract.is_ok()) return fail(contract.status().message());
  auto rows = load_csv(args.csv, contract->schema);
  if (!rows.is_ok()) return fail(rows.status().message());
  const TrainedModel trained = train_under_contract(*contract, *rows, {"local"});
  if (Status s = write_text(args.out, model_to_json(trained).dump(2) + "\n"); !s.is_ok())
    return fail(s.message());
  std::cout << "trained " << contract->algorithm_name() << " on " << trained.rows
            << " local rows: " << args.out << "\n";
  return 0;
}

int run_evaluate(const PartyArgs& args) {
  auto text = read_input_text(args.model, 16 << 20);
  if (!text.is_ok()) return fail(text.status().message());
  std::string model_text = *text;
  while (!model_text.empty() && std::isspace(static_cast<unsigned char>(model_text.back())))
    model_text.pop_back();
  if (!model_text.empty() && model_text.front() != '{') {  // a sealed model: open it with the party's key
    if (args.key.empty()) return fail("the model is sealed", "give --key with the party's private key");
    auto pem = read_input_text(args.key, 64 * 1024);
    if (!pem.is_ok()) return fail(pem.status().message());
    auto key = crypto::PrivateKey::from_pem(*pem);
    if (!key.is_ok()) return fail("--key: " + key.status().message());
    auto opened = jose::decrypt_jwe(model_text, *key);
    if (!opened.is_ok()) return fail("the model is not sealed to this key: " + opened.status().message());
    model_text.assign(opened->view().begin(), opened->view().end());
  }
  const json doc = json::parse(model_text, nullptr, false);
  auto trained = model_from_json(doc);
  if (!trained.is_ok()) return fail(trained.status().message());
  auto rows = load_csv(args.csv, trained->schema);
  if (!rows.is_ok()) return fail(rows.status().message());
  std::cout << trained->model.algorithm << " trained on " << trained->rows << " rows, scored on "
            << rows->features.rows << " rows of " << args.csv << "\n"
            << evaluate(trained->model, *rows).to_text(trained->schema);
  return 0;
}

struct ContractArgs {
  std::string contract;
  std::string party;
  std::string key;
  std::string signature;
};

int run_contract(const std::string& verb, const ContractArgs& args) {
  auto contract = load_contract(args.contract);
  if (!contract.is_ok()) return fail(contract.status().message());
  if (verb == "hash") {
    std::cout << contract->hash_hex() << "\n";
    return 0;
  }
  if (verb == "sign") {
    auto pem = read_input_text(args.key, 64 * 1024);
    if (!pem.is_ok()) return fail(pem.status().message());
    auto key = crypto::PrivateKey::from_pem(*pem);
    if (!key.is_ok()) return fail("--key: " + key.status().message());
    const Party* party = contract->party(args.party);
    if (party == nullptr) return fail("the contract has no party " + args.party);
    if (party->public_key.to_der().value() != key->public_key().to_der().value())
      return fail("--key is not " + args.party + "'s key in the contract");
    auto signature = sign_contract(*contract, *key);
    if (!signature.is_ok()) return fail(signature.status().message());
    std::cout << to_base64url(*signature) << "\n";
    return 0;
  }
  auto signature = from_base64url(args.signature);
  if (!signature.is_ok()) return fail("--signature is not base64url");
  if (Status verified = verify_contract_signature(*contract, args.party, *signature); !verified.is_ok())
    return fail(verified.message());
  std::cout << args.party << " signed contract " << contract->hash_hex() << "\n";
  return 0;
}

void add_cleanroom_command(CLI::App& root) {
  auto* cleanroom =
      root.add_subcommand("cleanroom", "Multi-party training inside an enclave (docs/cleanroom.md)");
  cleanroom->require_subcommand(1);

  auto split_args = std::make_shared<SplitArgs>();
  auto* split =
      cleanroom->add_subcommand("split", "Split wdbc.csv between two hospitals and a held-out test set");
  split->add_option("--data", split_args->data, "wdbc.csv")->capture_default_str();
  split->add_option("--out", split_args->out, "Directory for hospital-a.csv, hospital-b.csv, test.csv")
      ->capture_default_str();
  split->add_option("--draw", split_args->draw, "Which patients go to hospital A (the demo's is fixed)")
      ->capture_default_str();
  split->add_option("--draws", split_args->draws, "Draws to average in the table")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  split->callback([split_args] { exit_code() = run_split(*split_args); });

  auto contract_args = std::make_shared<ContractArgs>();
  auto* contract = cleanroom->add_subcommand("contract", "The collaboration contract: hash, sign, verify");
  contract->require_subcommand(1);
  for (const char* verb : {"hash", "sign", "verify"}) {
    auto* command = contract->add_subcommand(
        verb, std::string(verb) == "hash"   ? "Print the contract's SHA-256 (its identity)"
              : std::string(verb) == "sign" ? "Sign the contract as a party (prints the signature)"
                                            : "Check a party's signature on the contract");
    command->add_option("--contract", contract_args->contract, "The contract (JSON)")->required();
    if (std::string(verb) != "hash")
      command->add_option("--party", contract_args->party, "The party")->required();
    if (std::string(verb) == "sign")
      command->add_option("--key", contract_args->key, "The party's private key (PEM)")->required();
    if (std::string(verb) == "verify")
      command->add_option("--signature", contract_args->signature, "The signature (base64url)")->required();
    command->callback(
        [contract_args, verb = std::string(verb)] { exit_code() = run_contract(verb, *contract_args); });
  }

  auto party_args = std::make_shared<PartyArgs>();
  auto* party = cleanroom->add_subcommand("party", "What a party does on its own machine");
  party->require_subcommand(1);
  auto* init = party->add_subcommand("init", "Make a party's key pair");
  init->add_option("--name", party_args->name, "The party's name, e.g. hospital-a")->required();
  init->add_option("--dir", party_args->dir, "Where to write NAME.key.pem and NAME.jwk.json")
      ->capture_default_str();
  init->callback([party_args] { exit_code() = run_party_init(*party_args); });
  auto* encrypt =
      party->add_subcommand("encrypt", "Check a CSV against the contract's schema and encrypt it");
  encrypt->add_option("--contract", party_args->contract, "The contract (JSON)")->required();
  encrypt->add_option("--party", party_args->name, "This party's name in the contract")->required();
  encrypt->add_option("--csv", party_args->csv, "The dataset (CSV with a header)")->required();
  encrypt->add_option("--out", party_args->out,
                      "The encrypted dataset (default: CSV.cds; the key goes to OUT.key)");
  encrypt->callback([party_args] { exit_code() = run_party_encrypt(*party_args); });
  auto* local =
      party->add_subcommand("train-local", "Train the contract's algorithm on this party's data alone");
  local->add_option("--contract", party_args->contract, "The contract (JSON)")->required();
  local->add_option("--csv", party_args->csv, "The dataset (CSV)")->required();
  local->add_option("--out", party_args->out, "The model (JSON)")->required();
  local->callback([party_args] { exit_code() = run_train_local(*party_args); });
  auto* evaluate_command = party->add_subcommand("evaluate", "Score a model on a labelled CSV");
  evaluate_command
      ->add_option("--model", party_args->model, "The model: JSON, or sealed to this party (then --key)")
      ->required();
  evaluate_command->add_option("--key", party_args->key, "The party's private key, for a sealed model");
  evaluate_command->add_option("--csv", party_args->csv, "Labelled rows to score (CSV)")->required();
  evaluate_command->callback([party_args] { exit_code() = run_evaluate(*party_args); });
}

const RegisterCommands kRegisterCleanroom(add_cleanroom_command);

}  // namespace
}  // namespace cloister::cli
