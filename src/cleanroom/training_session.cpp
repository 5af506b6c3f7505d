#include "cleanroom/training_session.h"

#include <bit>
#include <cstring>

#include "cleanroom/contract_training.h"
#include "cleanroom/encrypted_dataset.h"
#include "common/encoding.h"
#include "crypto/sha.h"
#include "jose/jose.h"

namespace cloister::cleanroom {

bool values_are_valid(const LabelledRows& rows) {
  std::uint64_t bad = 0;
  for (double value : rows.features.values) {
    const auto bits = std::bit_cast<std::uint64_t>(value);
    // The exponent is all ones only for infinities and NaNs: adding 1 carries into bit 11.
    bad |= (((bits >> 52) & 0x7ff) + 1) >> 11;
  }
  for (double label : rows.labels) {
    const auto bits = std::bit_cast<std::uint64_t>(label);
    const std::uint64_t from_one = bits ^ 0x3FF0000000000000ull;
    // Neither 0.0 (bits zero) nor 1.0: (x | -x) >> 63 is 1 for any nonzero x.
    bad |= ((bits | (0 - bits)) >> 63) & ((from_one | (0 - from_one)) >> 63);
  }
  return bad == 0 && rows.labels.size() == rows.features.rows &&
         rows.features.values.size() == rows.features.rows * rows.features.cols;
}

TrainingSession::TrainingSession(std::unique_ptr<Contract> contract) : contract_(std::move(contract)) {
  for (const Party& party : contract_->parties) parties_[party.name];
}

Result<TrainingSession> TrainingSession::open(ByteView contract_bytes) {
  CLOISTER_ASSIGN_OR_RETURN(Contract contract, parse_contract(contract_bytes));
  return TrainingSession(std::make_unique<Contract>(std::move(contract)));
}

std::map<std::string, PartyProgress> TrainingSession::progress() const {
  std::map<std::string, PartyProgress> out;
  for (const auto& [name, data] : parties_) {
    out[name] = PartyProgress{.key_released = data.release.has_value(),
                              .data_loaded = data.rows.has_value(),
                              .rows = data.rows ? data.rows->features.rows : 0};
  }
  return out;
}

Result<std::string> TrainingSession::release(std::string_view jwe, const crypto::PrivateKey& enclave_key,
                                             bool replace, SecretBytes* document) {
  CLOISTER_ASSIGN_OR_RETURN(DataKeyRelease release,
                            open_data_key_release(jwe, enclave_key, *contract_, document));
  return install(std::move(release), replace);
}

Result<std::string> TrainingSession::restore(ByteView document) {
  CLOISTER_ASSIGN_OR_RETURN(DataKeyRelease release, parse_data_key_release(document, *contract_));
  return install(std::move(release), false);
}

Result<std::string> TrainingSession::install(DataKeyRelease release, bool replace) {
  PartyData& party = parties_.find(release.party)->second;
  if (party.release && !replace)
    return Status(ErrorCode::conflict, release.party +
                                           " has already released a data key: release again with replace to "
                                           "use another dataset");
  std::string name = release.party;
  party.release = std::move(release);
  party.rows.reset();
  return name;
}

Status TrainingSession::load_dataset(std::string_view name, ByteView sealed) {
  auto found = parties_.find(name);
  if (found == parties_.end())
    return Status(ErrorCode::not_found, "the contract has no party " + std::string(name.substr(0, 64)));
  PartyData& party = found->second;
  if (!party.release)
    return Status(ErrorCode::failed_precondition, std::string(name) + " has not released its data key yet");
  if (to_hex(crypto::sha256(sealed)) != party.release->dataset_sha256)
    return Status(ErrorCode::verification_failed,
                  "the dataset stored for " + std::string(name) +
                      " is not the file its key release names (a different or altered upload)");
  CLOISTER_ASSIGN_OR_RETURN(DatasetHeader header, read_dataset_header(sealed));
  if (header.contract != contract_->hash_hex() || header.party != name)
    return Status(ErrorCode::verification_failed, "the dataset is for another contract or party");
  if (header.columns != contract_->schema.features.size())
    return Status(ErrorCode::invalid_argument, "the dataset has " + std::to_string(header.columns) +
                                                   " feature columns, the contract " +
                                                   std::to_string(contract_->schema.features.size()));
  std::size_t held = 0;
  for (const auto& [other, data] : parties_) {
    if (data.rows && other != name) held += data.rows->features.values.size() + data.rows->labels.size();
  }
  if (held + header.rows * (header.columns + 1) > kMaxTrainingValues)
    return Status(ErrorCode::out_of_range, "the parties' datasets together would exceed " +
                                               std::to_string(kMaxTrainingValues >> 20) + "Mi values");
  CLOISTER_ASSIGN_OR_RETURN(LabelledRows rows, open_dataset(sealed, party.release->data_key.view()));
  if (!values_are_valid(rows))
    return Status(
        ErrorCode::invalid_argument,
        std::string(name) + "'s dataset holds a value that is not finite or a label that is not 0 or 1");
  party.rows = std::move(rows);
  return Status::ok();
}

void TrainingSession::withdraw(std::string_view name) {
  auto found = parties_.find(name);
  if (found == parties_.end()) return;
  found->second.release.reset();
  found->second.rows.reset();
}

Result<TrainingOutput> TrainingSession::train() {
  std::string missing;
  for (const auto& [name, data] : parties_) {
    if (!data.release || !data.rows) missing += (missing.empty() ? "" : ", ") + name;
  }
  if (!missing.empty())
    return Status(ErrorCode::failed_precondition, "waiting for " + missing + " (data key and dataset)");
  // The union, in the contract's order of parties.
  LabelledRows all;
  all.features.cols = contract_->schema.features.size();
  std::vector<std::string> names;
  for (const Party& party : contract_->parties) {
    const LabelledRows& rows = *parties_.find(party.name)->second.rows;
    all.features.values.insert(all.features.values.end(), rows.features.values.begin(),
                               rows.features.values.end());
    all.labels.insert(all.labels.end(), rows.labels.begin(), rows.labels.end());
    names.push_back(party.name);
  }
  all.features.rows = all.labels.size();
  const TrainedModel trained = train_under_contract(*contract_, all, names);
  secure_wipe(all.features.values.data(), all.features.values.size() * sizeof(double));
  secure_wipe(all.labels.data(), all.labels.size() * sizeof(double));

  const std::string model = model_to_json(trained).dump();
  TrainingOutput out;
  out.rows = trained.rows;
  for (const std::string& recipient : contract_->model_recipients) {
    CLOISTER_ASSIGN_OR_RETURN(out.sealed_models[recipient],
                              jose::encrypt_jwe(as_bytes(model), contract_->party(recipient)->public_key));
  }
  return out;
}

}  // namespace cloister::cleanroom
