// The clean room's training enclave (enclave_calls.h): one collaboration per
// instance, run by a TrainingSession (training_session.h). The host (the
// service) only carries sealed documents and encrypted files in and sealed
// models out.
#include "cloister/enclave.h"

#include <chrono>
#include <mutex>
#include <optional>

#include "cleanroom/enclave_calls.h"
#include "cleanroom/training_session.h"
#include "cloister/seal.h"

namespace {

using namespace cloister;
using namespace cloister::cleanroom;

// A party's dataset parts on their way in, joined once at the last part.
struct Loading {
  std::vector<SecretBytes> parts;
  std::size_t size = 0;
};

// One collaboration; calls are serialised (training is one long call).
struct State {
  std::mutex mutex;
  std::optional<TrainingSession> session;
  std::map<std::string, Loading> loading;  // per party
};

State& state() {
  static State instance;
  return instance;
}

Status no_collaboration() {
  return Status(ErrorCode::failed_precondition,
                "no collaboration is open in this enclave: open its contract first");
}

Result<OpenCollaboration::Reply> open_collaboration(const OpenCollaboration& request) {
  std::lock_guard lock(state().mutex);
  auto& session = state().session;
  if (session) {
    if (session->contract().bytes != request.contract)
      return Status(ErrorCode::conflict, "this enclave serves contract " + session->contract().hash_hex() +
                                             "; start another enclave for another contract");
    return OpenCollaboration::Reply{.contract_sha256 = session->contract().hash_hex()};
  }
  CLOISTER_ASSIGN_OR_RETURN(TrainingSession opened, TrainingSession::open(request.contract));
  session.emplace(std::move(opened));
  return OpenCollaboration::Reply{.contract_sha256 = session->contract().hash_hex()};
}

Result<CollaborationEvidence::Reply> collaboration_evidence(const CollaborationEvidence& request) {
  std::string contract;
  {
    std::lock_guard lock(state().mutex);
    if (!state().session) return no_collaboration();
    contract = state().session->contract().hash_hex();
  }
  // The runtime's own document (instance key, nonce; compact, members
  // sorted, nonce bounded) with the contract's hash as its first member.
  CLOISTER_ASSIGN_OR_RETURN(std::string keys_and_nonce, enclave::runtime_data_json(request.nonce));
  const std::string runtime = R"({"contract":")" + contract + R"(",)" + keys_and_nonce.substr(1);
  CLOISTER_ASSIGN_OR_RETURN(Bytes evidence, enclave::get_evidence_for(as_bytes(runtime)));
  return CollaborationEvidence::Reply{.evidence = std::move(evidence),
                                      .runtime_data = Bytes(runtime.begin(), runtime.end())};
}

// What a sealed release is bound to besides this enclave build.
Bytes sealed_release_aad(const Contract& contract) {
  const std::string aad = "cloister-cleanroom-sealed-release/1\n" + contract.hash_hex();
  return Bytes(aad.begin(), aad.end());
}

Result<ReleaseDataKey::Reply> release_data_key(const ReleaseDataKey& request) {
  std::lock_guard lock(state().mutex);
  if (!state().session) return no_collaboration();
  const crypto::PrivateKey& key = enclave::instance_key();
  SecretBytes document;
  CLOISTER_ASSIGN_OR_RETURN(std::string party,
                            state().session->release(request.jwe, key, request.replace, &document));
  CLOISTER_ASSIGN_OR_RETURN(Bytes sealed, enclave::seal(SealPolicy::unique, document.view(),
                                                        sealed_release_aad(state().session->contract())));
  return ReleaseDataKey::Reply{.party = std::move(party), .sealed_release = std::move(sealed)};
}

Result<RestoreDataKey::Reply> restore_data_key(const RestoreDataKey& request) {
  std::lock_guard lock(state().mutex);
  if (!state().session) return no_collaboration();
  if (request.sealed_release.size() > kMaxSealedRelease)
    return Status(ErrorCode::invalid_argument,
                  "a sealed release is at most " + std::to_string(kMaxSealedRelease) + " bytes");
  auto document = enclave::unseal(request.sealed_release, sealed_release_aad(state().session->contract()));
  if (!document.is_ok())
    return Status(ErrorCode::verification_failed,
                  "the sealed key release does not open in this enclave (another build, platform or "
                  "contract): the party must release its key again");
  CLOISTER_ASSIGN_OR_RETURN(std::string party, state().session->restore(document->view()));
  return RestoreDataKey::Reply{.party = std::move(party)};
}

Result<LoadDatasetPart::Reply> load_dataset_part(const LoadDatasetPart& request) {
  std::lock_guard lock(state().mutex);
  if (!state().session) return no_collaboration();
  if (request.bytes.size() > kMaxDatasetPart)
    return Status(ErrorCode::invalid_argument,
                  "a dataset part is at most " + std::to_string(kMaxDatasetPart) + " bytes");
  if (state().session->contract().party(request.party) == nullptr)
    return Status(ErrorCode::not_found, "the contract has no party " + request.party.substr(0, 64));
  Loading& file = state().loading[request.party];
  if (request.offset == 0) file = Loading{};
  if (request.offset != file.size)
    return Status(ErrorCode::invalid_argument,
                  "dataset parts must come in order: expected offset " + std::to_string(file.size));
  // Bounded across parties, so uploads cannot outgrow the enclave's heap.
  std::size_t loading_bytes = 0;
  for (const auto& [name, parts] : state().loading) loading_bytes += parts.size;
  if (loading_bytes + request.bytes.size() > kMaxLoadedDatasetBytes)
    return Status(ErrorCode::out_of_range, "datasets being loaded hold at most " +
                                               std::to_string(kMaxLoadedDatasetBytes >> 20) +
                                               " MiB at once: load one party's file before the next");
  file.parts.emplace_back(ByteView(request.bytes));
  file.size += request.bytes.size();
  if (!request.last) return LoadDatasetPart::Reply{};
  SecretBytes complete(file.size);
  std::size_t at = 0;
  for (const SecretBytes& part : file.parts) {
    if (part.size() != 0) std::copy(part.data(), part.data() + part.size(), complete.data() + at);
    at += part.size();
  }
  state().loading.erase(request.party);
  CLOISTER_RETURN_IF_ERROR(state().session->load_dataset(request.party, complete.view()));
  return LoadDatasetPart::Reply{.rows = state().session->progress()[request.party].rows};
}

Result<WithdrawParty::Reply> withdraw_party(const WithdrawParty& request) {
  std::lock_guard lock(state().mutex);
  if (!state().session) return no_collaboration();
  state().session->withdraw(request.party);
  state().loading.erase(request.party);
  return WithdrawParty::Reply{};
}

Result<CollaborationProgress::Reply> collaboration_progress(const CollaborationProgress&) {
  std::lock_guard lock(state().mutex);
  if (!state().session) return no_collaboration();
  CollaborationProgress::Reply reply;
  for (const auto& [name, progress] : state().session->progress()) {
    reply.parties.push_back({.name = name,
                             .key_released = progress.key_released,
                             .data_loaded = progress.data_loaded,
                             .rows = progress.rows});
  }
  return reply;
}

Result<TrainModel::Reply> train_model(const TrainModel&) {
  std::lock_guard lock(state().mutex);
  if (!state().session) return no_collaboration();
  const auto start = std::chrono::steady_clock::now();
  CLOISTER_ASSIGN_OR_RETURN(TrainingOutput output, state().session->train());
  TrainModel::Reply reply;
  reply.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  reply.rows = output.rows;
  for (auto& [party, jwe] : output.sealed_models)
    reply.models.push_back({.party = party, .jwe = std::move(jwe)});
  return reply;
}

}  // namespace

CLOISTER_ENCLAVE(cleanroom_enclave) {
  enclave.on<OpenCollaboration>(open_collaboration);
  enclave.on<CollaborationEvidence>(collaboration_evidence);
  enclave.on<ReleaseDataKey>(release_data_key);
  enclave.on<LoadDatasetPart>(load_dataset_part);
  enclave.on<WithdrawParty>(withdraw_party);
  enclave.on<CollaborationProgress>(collaboration_progress);
  enclave.on<TrainModel>(train_model);
  enclave.on<RestoreDataKey>(restore_data_key);
}
