#include "tools/cleanroom_portal_agent.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cctype>
#include <ctime>
#include <filesystem>

#include "cleanroom/model_comparison.h"
#include "cleanroom/model_json.h"
#include "cleanroom/party_upload.h"
#include "common/durable_file.h"
#include "common/encoding.h"
#include "crypto/sha.h"
#include "tools/input_file.h"

namespace cloister::cli {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxDataset = std::size_t{512} << 20;
constexpr std::size_t kMaxModel = std::size_t{16} << 20;

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm parts{};
  gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

Result<cleanroom::TrainedModel> read_model(const std::string& file) {
  CLOISTER_ASSIGN_OR_RETURN(std::string text, read_input_text(file, kMaxModel));
  return cleanroom::model_from_json(json::parse(text, nullptr, false));
}

bool exists(const std::string& file) {
  std::error_code ignored;
  return std::filesystem::exists(file, ignored);
}

}  // namespace

PortalAgent::PortalAgent(cleanroom::Contract contract, PartyIdentity identity, PortalAgentOptions options)
    : contract_(std::move(contract)),
      identity_(std::move(identity)),
      options_(std::move(options)),
      client_(options_.service) {}

Result<std::unique_ptr<PortalAgent>> PortalAgent::create(const PortalAgentOptions& options) {
  CLOISTER_ASSIGN_OR_RETURN(cleanroom::Contract contract, load_contract(options.contract_file));
  const cleanroom::Party* named = contract.party(options.party);
  if (named == nullptr)
    return Status(ErrorCode::not_found, "the contract has no party " + options.party + ": --party names one");
  CLOISTER_ASSIGN_OR_RETURN(PartyIdentity identity, load_party(options.party, options.key_file));
  CLOISTER_ASSIGN_OR_RETURN(Bytes ours, identity.key.public_key().to_der());
  CLOISTER_ASSIGN_OR_RETURN(Bytes theirs, named->public_key.to_der());
  if (ours != theirs)
    return Status(ErrorCode::invalid_argument,
                  options.key_file + " is not " + options.party + "'s key in the contract");
  std::optional<cleanroom::LabelledRows> test_rows;
  if (!options.test_data.empty()) {
    CLOISTER_ASSIGN_OR_RETURN(std::string text, read_input_text(options.test_data, cleanroom::kMaxCsvBytes));
    auto rows = cleanroom::parse_labelled_csv(text, contract.schema);
    if (!rows.is_ok()) return rows.status().with_context("--test-data " + options.test_data);
    test_rows = std::move(rows).value();
  }
  std::error_code error;
  std::filesystem::create_directories(options.data_dir, error);
  if (error) return Status(ErrorCode::io_error, "cannot make " + options.data_dir + ": " + error.message());
  ::chmod(options.data_dir.c_str(), 0700);
  std::unique_ptr<PortalAgent> agent(new PortalAgent(std::move(contract), std::move(identity), options));
  agent->test_rows_ = std::move(test_rows);
  return agent;
}

json PortalAgent::overview() const {
  json parties = json::array();
  for (const cleanroom::Party& party : contract_.parties) {
    const bool receives = std::find(contract_.model_recipients.begin(), contract_.model_recipients.end(),
                                    party.name) != contract_.model_recipients.end();
    parties.push_back(
        {{"name", party.name}, {"receives_model", receives}, {"you", party.name == identity_.name}});
  }
  return {{"party", identity_.name},
          {"service", options_.service},
          {"contract",
           {{"name", contract_.name},
            {"sha256", contract_.hash_hex()},
            {"algorithm", contract_.algorithm_name()},
            {"parties", parties},
            {"features", contract_.schema.features.size()},
            {"label", contract_.schema.label},
            {"positive", contract_.schema.positive},
            {"negative", contract_.schema.negative}}},
          {"test_rows", test_rows_ ? test_rows_->features.rows : 0}};
}

std::string PortalAgent::how_verified() const {
  const sql::AttestationOptions& policy = options_.policy;
  std::string how = policy.mode == sql::AttestationMode::attestd
                        ? "a token from attestd (" + policy.attestd_url + "), checked against its certificate"
                        : "the platform's evidence, checked here against the operator CA";
  how += policy.measurement ? "; the measurement and signer of the reviewed enclave image"
                            : "; the expected signer";
  how += policy.allow_debug ? "; debug enclaves ALLOWED" : "; not a debug enclave";
  if (policy.allow_development_platform) how += "; the DEVELOPMENT platform allowed";
  return how + "; the evidence binds this contract's hash";
}

Result<json> PortalAgent::verify_enclave() {
  CLOISTER_ASSIGN_OR_RETURN(auto verified, client_.verify_enclave(contract_, options_.policy));
  spdlog::info("portal {}: enclave verified ({})", identity_.name, verified.summary);
  return json{{"verified", true},          {"measurement", verified.measurement},
              {"signer", verified.signer}, {"how", how_verified()},
              {"when", utc_now()},         {"contract", contract_.hash_hex()}};
}

Status PortalAgent::sign_contract() {
  std::lock_guard lock(mutex_);
  CLOISTER_RETURN_IF_ERROR(client_.sign_contract(contract_, identity_));
  spdlog::info("portal {}: signed contract {}", identity_.name, contract_.hash_hex());
  return Status::ok();
}

Result<json> PortalAgent::party_status() const {
  CLOISTER_ASSIGN_OR_RETURN(json status, client_.call("GET", "/status"));
  if (!status.contains("parties") || !status["parties"].is_array())
    return Status(ErrorCode::decode_error, "the service's status has no parties");
  return status;
}

Result<json> PortalAgent::status() const {
  CLOISTER_ASSIGN_OR_RETURN(json status, party_status());
  bool ready = true;
  for (const json& party : status["parties"])
    ready = ready && party.value("signed", false) && party["upload"].is_object() &&
            party.value("key_released", false);
  status["ready"] = ready;
  status["you"] = identity_.name;
  status["have_model"] = exists(path("model.json"));
  return status;
}

Result<json> PortalAgent::upload(std::string_view csv) {
  std::lock_guard lock(mutex_);
  CLOISTER_ASSIGN_OR_RETURN(cleanroom::PreparedUpload prepared,
                            cleanroom::prepare_upload(contract_, identity_.name, csv));
  CLOISTER_ASSIGN_OR_RETURN(json status, party_status());
  bool replace = false;
  for (const json& party : status["parties"])
    if (party.value("name", "") == identity_.name) replace = party["upload"].is_object();
  CLOISTER_ASSIGN_OR_RETURN(json uploaded, client_.upload(identity_, prepared.sealed.file, replace));
  // Kept only once the service holds the same file: the key release names its hash.
  std::string key_text = to_base64url(prepared.sealed.data_key.view()) + "\n";
  Status kept = atomic_write_file(path("dataset.cds"), prepared.sealed.file, 0600);
  if (kept.is_ok()) kept = atomic_write_file(path("dataset.key"), as_bytes(key_text), 0600);
  secure_wipe(key_text.data(), key_text.size());
  if (!kept.is_ok()) return kept;
  const std::string alone = cleanroom::model_to_json(prepared.local_model).dump(2) + "\n";
  CLOISTER_RETURN_IF_ERROR(atomic_write_file(path("alone-model.json"), as_bytes(alone), 0600));
  spdlog::info("portal {}: uploaded {} rows, encrypted ({} bytes)", identity_.name, prepared.rows,
               prepared.sealed.file.size());
  return json{{"rows", prepared.rows},
              {"positives", prepared.positives},
              {"bytes", prepared.sealed.file.size()},
              {"sha256", to_hex(crypto::sha256(prepared.sealed.file))},
              {"replaced", replace},
              {"service_rows", uploaded.value("rows", 0)}};
}

Status PortalAgent::release_key() {
  std::lock_guard lock(mutex_);
  if (!exists(path("dataset.cds")) || !exists(path("dataset.key")))
    return Status(ErrorCode::failed_precondition,
                  "upload your CSV first: there is no data key to release yet");
  CLOISTER_ASSIGN_OR_RETURN(Bytes dataset, read_input_file(path("dataset.cds"), kMaxDataset));
  CLOISTER_ASSIGN_OR_RETURN(std::string key_text, read_input_text(path("dataset.key"), 1024));
  while (!key_text.empty() && std::isspace(static_cast<unsigned char>(key_text.back()))) key_text.pop_back();
  auto decoded = from_base64url(key_text);
  secure_wipe(key_text.data(), key_text.size());
  if (!decoded.is_ok()) return Status(ErrorCode::decode_error, path("dataset.key") + " is not a data key");
  const SecretBytes data_key(std::move(decoded).value());
  CLOISTER_ASSIGN_OR_RETURN(json status, party_status());
  bool replace = false;
  for (const json& party : status["parties"])
    if (party.value("name", "") == identity_.name) replace = party.value("key_released", false);
  CLOISTER_RETURN_IF_ERROR(
      client_.release_key(contract_, identity_, options_.policy, dataset, data_key, replace));
  spdlog::info("portal {}: data key released to the verified enclave", identity_.name);
  return Status::ok();
}

Result<json> PortalAgent::train() {
  CLOISTER_ASSIGN_OR_RETURN(json training, client_.train(identity_, false));
  spdlog::info("portal {}: training run {} done", identity_.name, training.value("run", 0));
  return training;
}

Result<json> PortalAgent::download_model() {
  std::lock_guard lock(mutex_);
  CLOISTER_ASSIGN_OR_RETURN(std::string text, client_.model(identity_));
  CLOISTER_ASSIGN_OR_RETURN(cleanroom::TrainedModel model,
                            cleanroom::model_from_json(json::parse(text, nullptr, false)));
  if (model.contract != contract_.hash_hex())
    return Status(ErrorCode::verification_failed,
                  "the model was trained under another contract (" + model.contract + ")");
  CLOISTER_RETURN_IF_ERROR(atomic_write_file(path("model.json"), as_bytes(text + "\n"), 0600));
  spdlog::info("portal {}: model downloaded and opened", identity_.name);
  return json{{"algorithm", model.model.algorithm}, {"parties", model.parties}, {"rows", model.rows}};
}

Result<json> PortalAgent::evaluation() const {
  std::lock_guard lock(mutex_);
  if (!test_rows_)
    return Status(ErrorCode::failed_precondition,
                  "no held-out test data: start the portal with --test-data FILE");
  if (!exists(path("alone-model.json")))
    return Status(ErrorCode::failed_precondition,
                  "upload your CSV first: the model trained on your rows alone is made then");
  if (!exists(path("model.json")))
    return Status(ErrorCode::failed_precondition,
                  "download the model first: training, then \"Download the model\"");
  CLOISTER_ASSIGN_OR_RETURN(cleanroom::TrainedModel alone, read_model(path("alone-model.json")));
  CLOISTER_ASSIGN_OR_RETURN(cleanroom::TrainedModel joint, read_model(path("model.json")));
  std::string together;
  for (const std::string& name : joint.parties) together += (together.empty() ? "" : " + ") + name;
  const cleanroom::ComparedModel models[] = {{identity_.name + " alone", &alone},
                                             {together + " (enclave)", &joint}};
  return cleanroom::compare_models(models, *test_rows_);
}

}  // namespace cloister::cli
