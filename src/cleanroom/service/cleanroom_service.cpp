#include "cleanroom/service/cleanroom_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>
#include <filesystem>

#include "cleanroom/encrypted_dataset.h"
#include "common/encoding.h"
#include "crypto/sha.h"

namespace cloister::cleanroom {

namespace {

using nlohmann::json;

std::int64_t now() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

PartyRequestHeaders headers_of(const httplib::Request& request) {
  return {.party = request.get_header_value(std::string(kPartyHeader)),
          .time = request.get_header_value(std::string(kTimeHeader)),
          .nonce = request.get_header_value(std::string(kNonceHeader)),
          .signature = request.get_header_value(std::string(kSignatureHeader))};
}

std::string path_party(const httplib::Request& request) {
  return request.matches.size() > 1 ? request.matches[1].str() : std::string();
}

bool is_sha256_hex(const std::string& text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

Status conflict_training() {
  return Status(ErrorCode::conflict, "a training run is in progress: wait for it (party status)");
}

}  // namespace

Result<std::unique_ptr<CleanroomService>> CleanroomService::create(const CleanroomServiceOptions& options) {
  if (options.data_dir.empty()) return Status(ErrorCode::invalid_argument, "--data-dir is required");
  std::error_code error;
  std::filesystem::create_directories(options.data_dir, error);
  if (error) return Status(ErrorCode::io_error, "cannot create " + options.data_dir + ": " + error.message());
  CLOISTER_ASSIGN_OR_RETURN(auto store,
                            CollaborationStore::open(options.data_dir + "/state.db", options.contract));
  auto parsed = parse_contract(store->contract());
  if (!parsed.is_ok()) return parsed.status().with_context("the contract");
  auto contract = std::make_unique<Contract>(std::move(parsed).value());
  CLOISTER_ASSIGN_OR_RETURN(UploadFiles uploads, UploadFiles::open(options.data_dir + "/uploads"));
  CLOISTER_ASSIGN_OR_RETURN(std::vector<std::string> cut_short, uploads.remove_partials());
  for (const std::string& party : cut_short) {
    CLOISTER_RETURN_IF_ERROR(store->audit("upload-interrupted", party, "error",
                                          "the service stopped during this upload; the partial file was "
                                          "removed: upload again"));
  }
  auto enclave = Enclave::create(options.enclave_image, options.enclave);
  if (!enclave.is_ok()) return enclave.status().with_context("the training enclave " + options.enclave_image);
  auto opened = enclave->call(OpenCollaboration{.contract = contract->bytes});
  if (!opened.is_ok()) return opened.status().with_context("the training enclave refused the contract");
  http::ServerOptions http_options{.host = options.host,
                                   .port = options.port,
                                   .max_body_bytes = kMaxUploadBytes + 4096,
                                   .service_name = "cleanroom"};
  CLOISTER_ASSIGN_OR_RETURN(auto http, http::Server::create(http_options));
  std::unique_ptr<CleanroomService> service(
      new CleanroomService(std::move(contract), std::move(store), std::move(uploads),
                           std::move(enclave).value(), std::move(http)));
  service->install_routes();
  CLOISTER_RETURN_IF_ERROR(service->http_->bind());
  const EnclaveIdentity& identity = service->enclave_.identity();
  CLOISTER_RETURN_IF_ERROR(
      service->store_->audit("service-started", "", "ok",
                             "contract " + service->contract_->hash_hex() + ", enclave measurement " +
                                 to_hex(identity.measurement) + ", signer " + to_hex(identity.signer)));
  CLOISTER_RETURN_IF_ERROR(service->restore_released_keys());
  return service;
}

CleanroomService::CleanroomService(std::unique_ptr<Contract> contract,
                                   std::unique_ptr<CollaborationStore> store, UploadFiles uploads,
                                   Enclave enclave, std::unique_ptr<http::Server> http)
    : contract_(std::move(contract)),
      store_(std::move(store)),
      uploads_(std::move(uploads)),
      verifier_(*contract_),
      enclave_(std::move(enclave)),
      http_(std::move(http)) {}

CleanroomService::~CleanroomService() {
  http_->stop();
  if (trainer_.joinable()) trainer_.join();
  audit_counted_refusals(refusals_.take_counted());
}

void CleanroomService::audit_counted_refusals(std::int64_t count) {
  if (count <= 0) return;
  (void)store_->audit("requests-refused", "", "denied",
                      std::to_string(count) + " refused requests (over " +
                          std::to_string(kRefusalRowsPerMinute) +
                          " a minute) counted, not logged one by one");
}

bool CleanroomService::training() const {
  std::lock_guard lock(progress_mutex_);
  return running_.has_value();
}

std::optional<std::string> CleanroomService::authenticate(const httplib::Request& request,
                                                          httplib::Response& response,
                                                          std::string_view body_sha256_hex,
                                                          const std::string& expected_party) {
  const PartyRequestHeaders headers = headers_of(request);
  auto party = verifier_.verify(headers, request.method, request.path, body_sha256_hex, now());
  if (party.is_ok() && !expected_party.empty() && *party != expected_party) {
    party = Status(ErrorCode::permission_denied,
                   *party + " cannot act for " + expected_party + ": each party acts only for itself");
  }
  if (!party.is_ok()) {
    refuse_request(request, response, party.status());
    return std::nullopt;
  }
  return *party;
}

void CleanroomService::refuse_request(const httplib::Request& request, httplib::Response& response,
                                      const Status& refusal) {
  const std::string claimed = request.get_header_value(std::string(kPartyHeader));
  auto admission = refusals_.admit(now());
  audit_counted_refusals(admission.counted_before);
  if (admission.write_row)
    (void)store_->audit("request-refused", contract_->party(claimed) ? claimed : "", "denied",
                        request.method + " " + request.path + ": " + refusal.message());
  http::send_status(response, refusal);
}

Status CleanroomService::refresh_progress() {
  CLOISTER_ASSIGN_OR_RETURN(auto progress, enclave_.call(CollaborationProgress{}));
  std::lock_guard lock(progress_mutex_);
  progress_ = std::move(progress.parties);
  return Status::ok();
}

void CleanroomService::receive_dataset(const httplib::Request& request, httplib::Response& response,
                                       const httplib::ContentReader& reader, bool replacement) {
  const std::string party = path_party(request);
  // Checked before a byte is stored: the signature over the hash the request
  // says its body has (X-Cloister-Content-SHA256), the party's name and its
  // right to this path; the body must then hash to what was signed.
  const std::string signed_hash = request.get_header_value(std::string(kContentHashHeader));
  if (!is_sha256_hex(signed_hash)) {
    refuse_request(
        request, response,
        Status(ErrorCode::permission_denied, "an upload must carry " + std::string(kContentHashHeader) +
                                                 ": the hex SHA-256 of its body, as signed"));
    return;
  }
  if (!authenticate(request, response, signed_hash, party)) return;
  if (training()) return http::send_status(response, conflict_training());
  // One upload per party at a time: both would write the same partial file.
  {
    std::lock_guard lock(progress_mutex_);
    if (!uploads_in_progress_.insert(party).second)
      return http::send_status(
          response,
          Status(ErrorCode::conflict, "an upload for " + party + " is in progress: wait for it to finish"));
  }
  struct Done {
    CleanroomService& service;
    const std::string& party;
    ~Done() {
      std::lock_guard lock(service.progress_mutex_);
      service.uploads_in_progress_.erase(party);
    }
  } done{*this, party};
  auto existing = store_->upload(party);
  if (!existing.is_ok()) return http::send_status(response, existing.status());
  if (existing->has_value() && !replacement) {
    return http::send_status(response,
                             Status(ErrorCode::conflict, party + " already uploaded a dataset (sha256 " +
                                                             (*existing)->sha256.substr(0, 16) +
                                                             "...): to replace it, upload with --replace"));
  }
  auto writer = uploads_.begin(party);
  if (!writer.is_ok()) return http::send_status(response, writer.status());
  Status written = Status::ok();
  reader([&](const char* data, std::size_t length) {
    if (writer->size() + length > kMaxUploadBytes) {
      written = Status(ErrorCode::out_of_range,
                       "an upload is at most " + std::to_string(kMaxUploadBytes >> 20) + " MiB");
      return false;
    }
    written = writer->append(ByteView(reinterpret_cast<const std::uint8_t*>(data), length));
    return written.is_ok();
  });
  if (!written.is_ok()) return http::send_status(response, written);
  const std::string sha256 = writer->finish_hash();
  if (sha256 != signed_hash) {
    const Status mismatch(ErrorCode::invalid_argument,
                          "the body's SHA-256 " + sha256.substr(0, 16) + "... is not the signed " +
                              signed_hash.substr(0, 16) + "...: the upload was cut or changed on the way");
    (void)store_->audit("upload-refused", party, "denied", mismatch.message());
    return http::send_status(response, mismatch);
  }
  auto header = read_dataset_header(writer->head());
  Status checked = header.status();
  if (header.is_ok() && header->contract != contract_->hash_hex())
    checked = Status(ErrorCode::invalid_argument, "the dataset was encrypted for contract " +
                                                      header->contract.substr(0, 16) + "..., not this one (" +
                                                      contract_->hash_hex().substr(0, 16) + "...)");
  if (checked.is_ok() && header->party != party)
    checked =
        Status(ErrorCode::invalid_argument,
               "the dataset says it is " +
                   (contract_->party(header->party) ? header->party + "'s" : std::string("another party's")) +
                   ", not " + party + "'s: encrypt it as " + party);
  if (!checked.is_ok()) {
    (void)store_->audit("upload-refused", party, "error", checked.message());
    return http::send_status(response,
                             checked.with_context("the upload is not a dataset for this collaboration"));
  }
  if (Status committed = writer->commit(); !committed.is_ok()) return http::send_status(response, committed);
  const StoredUpload stored{.party = party,
                            .sha256 = sha256,
                            .bytes = static_cast<std::int64_t>(writer->size()),
                            .rows = static_cast<std::int64_t>(header->rows),
                            .time = now()};
  Status saved = store_->save_upload(stored);
  if (saved.is_ok() && replacement) saved = withdraw_from_enclave(party);
  if (saved.is_ok())
    saved = store_->audit(replacement ? "upload-replaced" : "upload", party, "ok",
                          "sha256 " + sha256 + ", " + std::to_string(stored.bytes) + " bytes, " +
                              std::to_string(stored.rows) + " rows");
  if (!saved.is_ok()) return http::send_status(response, saved);
  http::send_json(response, 201,
                  {{"party", party}, {"sha256", sha256}, {"bytes", stored.bytes}, {"rows", stored.rows}});
}

Status CleanroomService::withdraw_from_enclave(const std::string& party) {
  CLOISTER_RETURN_IF_ERROR(store_->forget_sealed_release(party));
  std::lock_guard lock(enclave_mutex_);
  CLOISTER_RETURN_IF_ERROR(enclave_.call(WithdrawParty{.party = party}).status());
  return refresh_progress();
}

Status CleanroomService::load_dataset(const std::string& party) {
  return uploads_.read_parts(party, kMaxDatasetPart, [&](ByteView bytes, std::uint64_t offset, bool last) {
    return enclave_
        .call(LoadDatasetPart{
            .party = party, .offset = offset, .bytes = Bytes(bytes.begin(), bytes.end()), .last = last})
        .status();
  });
}

Status CleanroomService::restore_released_keys() {
  CLOISTER_ASSIGN_OR_RETURN(auto sealed, store_->sealed_releases());
  std::lock_guard lock(enclave_mutex_);
  for (const auto& [party, blob] : sealed) {
    // The enclave opens the release only if it is this build on this
    // platform, checks it as a fresh one, and the file must be the one it names.
    auto restored = enclave_.call(RestoreDataKey{.sealed_release = blob});
    Status outcome = restored.status();
    if (outcome.is_ok() && restored->party != party)
      outcome = Status(ErrorCode::verification_failed, "the sealed release is " + restored->party + "'s");
    if (outcome.is_ok()) outcome = load_dataset(party);
    if (outcome.is_ok()) {
      CLOISTER_RETURN_IF_ERROR(store_->audit("key-restored", party, "ok",
                                             "the key released before the restart, unsealed by the enclave; "
                                             "dataset loaded again"));
      continue;
    }
    (void)enclave_.call(WithdrawParty{.party = party});
    CLOISTER_RETURN_IF_ERROR(store_->forget_sealed_release(party));
    CLOISTER_RETURN_IF_ERROR(store_->audit("key-restore-failed", party, "error",
                                           outcome.message() + "; the party must release its key again"));
  }
  return refresh_progress();
}

Status CleanroomService::release_key(const std::string& party, const std::string& jwe, bool replace) {
  if (training()) return conflict_training();
  CLOISTER_ASSIGN_OR_RETURN(auto upload, store_->upload(party));
  if (!upload)
    return Status(ErrorCode::failed_precondition,
                  "upload " + party + "'s dataset before releasing its key (party upload)");
  std::lock_guard lock(enclave_mutex_);
  auto released = enclave_.call(ReleaseDataKey{.jwe = jwe, .replace = replace});
  if (!released.is_ok()) {
    (void)refresh_progress();
    return released.status().with_context("the enclave refused " + party + "'s key release");
  }
  if (released->party != party) {
    (void)enclave_.call(WithdrawParty{.party = released->party});
    (void)refresh_progress();
    return Status(ErrorCode::permission_denied, "the release is " + released->party + "'s, not " + party +
                                                    "'s: each party releases its own key");
  }
  if (Status loaded = load_dataset(party); !loaded.is_ok()) {
    // The key does not open this file (a wrong key, a changed or truncated
    // file): forget it, so the party can release the right one.
    (void)enclave_.call(WithdrawParty{.party = party});
    (void)store_->forget_sealed_release(party);
    (void)refresh_progress();
    return loaded.with_context("the enclave could not open " + party + "'s upload (sha256 " +
                               upload->sha256.substr(0, 16) + "...) with the released key; the key was " +
                               "dropped: release the key this file was encrypted with, or upload again");
  }
  CLOISTER_RETURN_IF_ERROR(store_->save_sealed_release(party, released->sealed_release));
  return refresh_progress();
}

Status CleanroomService::withdraw(const std::string& party) {
  if (training()) return conflict_training();
  CLOISTER_RETURN_IF_ERROR(withdraw_from_enclave(party));
  CLOISTER_RETURN_IF_ERROR(uploads_.remove(party));
  return store_->forget_party(party);
}

Result<std::int64_t> CleanroomService::start_training(const std::string& party) {
  if (training()) return conflict_training();  // before waiting for the enclave, which the run holds
  std::lock_guard lock(enclave_mutex_);        // no release or load may slip in between the check and the run
  if (training()) return conflict_training();
  CLOISTER_ASSIGN_OR_RETURN(std::vector<std::string> signed_parties, store_->signed_parties());
  std::vector<std::string> waiting;
  for (const Party& member : contract_->parties) {
    const bool has_signed =
        std::find(signed_parties.begin(), signed_parties.end(), member.name) != signed_parties.end();
    bool ready = false;
    {
      std::lock_guard progress_lock(progress_mutex_);
      for (const auto& progress : progress_)
        ready |= progress.name == member.name && progress.key_released && progress.data_loaded;
    }
    if (!has_signed)
      waiting.push_back(member.name + " to sign the contract");
    else if (!ready)
      waiting.push_back(member.name + " to upload its dataset and release its key");
  }
  if (!waiting.empty()) {
    std::string message = "not every party is in yet: waiting for ";
    for (std::size_t i = 0; i < waiting.size(); ++i) message += (i ? "; " : "") + waiting[i];
    return Status(ErrorCode::failed_precondition, message);
  }
  CLOISTER_ASSIGN_OR_RETURN(std::int64_t run, store_->start_run());
  CLOISTER_RETURN_IF_ERROR(store_->audit("training-started", party, "ok",
                                         "run " + std::to_string(run) + ", " + contract_->algorithm_name()));
  {
    std::lock_guard progress_lock(progress_mutex_);
    running_ = run;
  }
  if (trainer_.joinable()) trainer_.join();
  trainer_ = std::thread([this, run] { train(run); });
  return run;
}

void CleanroomService::train(std::int64_t run) {
  TrainingRun finished{.id = run};
  std::vector<std::pair<std::string, std::string>> models;
  {
    std::lock_guard lock(enclave_mutex_);
    auto output = enclave_.call(TrainModel{});
    if (output.is_ok()) {
      finished.state = "done";
      finished.rows = static_cast<std::int64_t>(output->rows);
      finished.seconds = output->seconds;
      for (auto& model : output->models) models.emplace_back(model.party, std::move(model.jwe));
    } else {
      finished.state = "failed";
      finished.detail = output.status().message();
    }
  }
  Status saved = store_->finish_run(finished, models);
  std::string detail = finished.state == "done"
                           ? "run " + std::to_string(run) + ": " + std::to_string(finished.rows) +
                                 " rows in " + std::to_string(finished.seconds) + " s, models sealed to " +
                                 std::to_string(models.size()) + " recipients"
                           : "run " + std::to_string(run) + ": " + finished.detail;
  if (!saved.is_ok()) detail += "; the result could not be stored: " + saved.message();
  (void)store_->audit(finished.state == "done" && saved.is_ok() ? "training-done" : "training-failed", "",
                      finished.state == "done" && saved.is_ok() ? "ok" : "error", detail);
  spdlog::info("cleanroom: training run {} {}", run, finished.state);
  std::lock_guard lock(progress_mutex_);
  running_.reset();
}

json CleanroomService::status_json() {
  json parties = json::array();
  auto signed_parties = store_->signed_parties();
  std::lock_guard lock(progress_mutex_);
  for (const Party& member : contract_->parties) {
    json entry = {
        {"name", member.name},
        {"signed", signed_parties.is_ok() && std::find(signed_parties->begin(), signed_parties->end(),
                                                       member.name) != signed_parties->end()},
        {"receives_model", std::find(contract_->model_recipients.begin(), contract_->model_recipients.end(),
                                     member.name) != contract_->model_recipients.end()},
        {"upload", nullptr},
        {"key_released", false},
        {"data_loaded", false},
        {"rows_loaded", 0}};
    if (auto upload = store_->upload(member.name); upload.is_ok() && upload->has_value()) {
      entry["upload"] = {{"sha256", (*upload)->sha256},
                         {"bytes", (*upload)->bytes},
                         {"rows", (*upload)->rows},
                         {"time", (*upload)->time}};
    }
    for (const auto& progress : progress_) {
      if (progress.name != member.name) continue;
      entry["key_released"] = progress.key_released;
      entry["data_loaded"] = progress.data_loaded;
      entry["rows_loaded"] = progress.rows;
    }
    parties.push_back(std::move(entry));
  }
  json training = {{"state", "idle"}};
  if (auto run = store_->last_run(); run.is_ok() && run->has_value()) {
    training = {{"state", (*run)->state},
                {"run", (*run)->id},
                {"rows", (*run)->rows},
                {"seconds", (*run)->seconds},
                {"detail", (*run)->detail}};
  }
  const EnclaveIdentity& identity = enclave_.identity();
  return {{"contract",
           {{"name", contract_->name},
            {"sha256", contract_->hash_hex()},
            {"algorithm", contract_->algorithm_name()}}},
          {"parties", std::move(parties)},
          {"training", std::move(training)},
          {"enclave",
           {{"measurement", to_hex(identity.measurement)},
            {"signer", to_hex(identity.signer)},
            {"debug", identity.debug},
            {"development_platform", enclave_.development_platform()}}}};
}

}  // namespace cloister::cleanroom
