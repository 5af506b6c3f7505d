// `cloister cleanroom serve`: the clean-room service (docs/cleanroom.md). It
// carries ciphertext and sealed documents between the parties and one
// training enclave (process backend) that serves one contract; it stores
// uploads encrypted on disk, its state in SQLite and a hash-chained audit
// log. It never holds a data key or a row: the enclave opens the releases
// and the datasets, and seals the model to each recipient. Released keys
// survive a restart sealed by the enclave (enclave_calls.h, RestoreDataKey).
//
//   GET  /contract                        the contract's exact bytes
//   GET  /status                          parties, uploads, keys, training
//   POST /evidence {nonce}                -> {evidence, runtime_data} (base64url)
//   PUT  /parties/{p}/signature {signature}   the party's signature on the contract
//   PUT  /parties/{p}/dataset             the encrypted file (signed request)
//   PUT  /parties/{p}/dataset/replacement     replaces an earlier upload (signed)
//   POST /parties/{p}/key {jwe, replace}  a data key release; loads the dataset (signed)
//   POST /parties/{p}/withdraw            before training: forgets the party (signed)
//   POST /train                           starts a run once every party is in (signed)
//   GET  /parties/{p}/model               the model sealed to p (signed)
//   GET  /audit                           the audit log (signed by any party)
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "cleanroom/contract.h"
#include "cleanroom/enclave_calls.h"
#include "cleanroom/party_request.h"
#include "cleanroom/service/collaboration_store.h"
#include "cleanroom/service/upload_files.h"
#include "cloister/host.h"
#include "common/refusal_budget.h"
#include "http/http_server.h"

namespace cloister::cleanroom {

struct CleanroomServiceOptions {
  std::string data_dir;
  Bytes contract;  // needed the first time; empty later: the data dir's own
  std::string host = "127.0.0.1";
  int port = 0;
  std::string enclave_image;
  EnclaveOptions enclave;
};

inline constexpr std::size_t kMaxUploadBytes = kMaxLoadedDatasetBytes;
inline constexpr std::string_view kPartyPathPattern = R"(/parties/([a-z0-9-]{1,64}))";

// Refused requests are audited, but anyone can send them: at most this many
// rows a minute, the rest as one row that counts them.
inline constexpr int kRefusalRowsPerMinute = 120;

class CleanroomService {
 public:
  static Result<std::unique_ptr<CleanroomService>> create(const CleanroomServiceOptions& options);
  ~CleanroomService();
  CleanroomService(const CleanroomService&) = delete;
  CleanroomService& operator=(const CleanroomService&) = delete;

  http::Server& http() { return *http_; }
  [[nodiscard]] const Contract& contract() const { return *contract_; }
  [[nodiscard]] const Enclave& enclave() const { return enclave_; }

 private:
  CleanroomService(std::unique_ptr<Contract> contract, std::unique_ptr<CollaborationStore> store,
                   UploadFiles uploads, Enclave enclave, std::unique_ptr<http::Server> http);

  void install_routes();
  void audit_counted_refusals(std::int64_t count);
  // Answers a refused request, auditing it within the refusal budget.
  void refuse_request(const httplib::Request& request, httplib::Response& response, const Status& refusal);
  // The party whose signed request this is, checked against the path's
  // party when the route names one; the error is already sent otherwise.
  std::optional<std::string> authenticate(const httplib::Request& request, httplib::Response& response,
                                          std::string_view body_sha256_hex, const std::string& path_party);
  void receive_dataset(const httplib::Request& request, httplib::Response& response,
                       const httplib::ContentReader& reader, bool replacement);
  Status release_key(const std::string& party, const std::string& jwe, bool replace);
  Status load_dataset(const std::string& party);
  Status withdraw(const std::string& party);
  Status withdraw_from_enclave(const std::string& party);
  Result<std::int64_t> start_training(const std::string& party);
  void train(std::int64_t run);
  nlohmann::json status_json();
  Status refresh_progress();  // with enclave_mutex_ held
  // After a restart: the releases the enclave sealed go back in, and each
  // party's file is loaded again; what does not open is reported.
  Status restore_released_keys();
  [[nodiscard]] bool training() const;

  std::unique_ptr<Contract> contract_;
  std::unique_ptr<CollaborationStore> store_;
  UploadFiles uploads_;
  PartyRequestVerifier verifier_;
  RefusalBudget refusals_{kRefusalRowsPerMinute};
  std::mutex enclave_mutex_;  // one call at a time; training holds it throughout
  Enclave enclave_;
  mutable std::mutex progress_mutex_;
  std::vector<CollaborationProgress::Party> progress_;  // as of the last change, for /status
  std::optional<std::int64_t> running_;                 // the run in progress
  std::set<std::string> uploads_in_progress_;
  std::unique_ptr<http::Server> http_;
  std::thread trainer_;
};

}  // namespace cloister::cleanroom
