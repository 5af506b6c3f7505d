// What the training enclave does for one collaboration, independent of the
// enclave boundary so it can be tested as is: it holds the contract, takes
// each party's data key release (data_key_release.h) and then that party's
// encrypted dataset, which must be exactly the file the release names; it
// trains on the union only when every party has done both, and seals the
// model to each recipient the contract names. Nobody gets rows out of it:
// not the service, not another party.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cleanroom/contract.h"
#include "cleanroom/data_key_release.h"
#include "cleanroom/labelled_csv.h"
#include "cleanroom/model_json.h"
#include "cloister/result.h"
#include "crypto/keys.h"

namespace cloister::cleanroom {

// The rows every party loaded, together, in doubles (features and labels):
// 768 MiB, what the training enclave's heap holds beside a copy for training.
inline constexpr std::size_t kMaxTrainingValues = std::size_t{96} << 20;

struct PartyProgress {
  bool key_released = false;
  bool data_loaded = false;
  std::uint64_t rows = 0;
};

struct TrainingOutput {
  std::map<std::string, std::string> sealed_models;  // recipient -> compact JWE of the model JSON
  std::uint64_t rows = 0;
};

class TrainingSession {
 public:
  static Result<TrainingSession> open(ByteView contract_bytes);

  [[nodiscard]] const Contract& contract() const { return *contract_; }
  [[nodiscard]] std::map<std::string, PartyProgress> progress() const;

  // A party's data key. A second release for the same party replaces the
  // first only with `replace` (and drops a dataset loaded under it).
  // Returns the releasing party's name; with `document`, also the opened
  // release, which the enclave seals so it survives a restart.
  Result<std::string> release(std::string_view jwe, const crypto::PrivateKey& enclave_key,
                              bool replace = false, SecretBytes* document = nullptr);
  // An opened release sealed before a restart and unsealed: checked as a
  // fresh one (the party's signature decides) and installed if the party
  // has released no key since.
  Result<std::string> restore(ByteView document);
  // The party's encrypted dataset: the file its release names (by SHA-256),
  // for this contract and party, with the contract's columns, every value
  // finite and every label 0 or 1. The rows stay in this session.
  Status load_dataset(std::string_view party, ByteView sealed);
  // Forgets the party's key and rows (a party may withdraw before training).
  void withdraw(std::string_view party);
  // failed_precondition naming who is missing until every party released
  // and loaded; then trains with the contract's algorithm on the union.
  Result<TrainingOutput> train();

 private:
  struct PartyData {
    std::optional<DataKeyRelease> release;
    std::optional<LabelledRows> rows;
  };
  explicit TrainingSession(std::unique_ptr<Contract> contract);
  Result<std::string> install(DataKeyRelease release, bool replace);

  std::unique_ptr<Contract> contract_;
  std::map<std::string, PartyData, std::less<>> parties_;
};

// Whether every feature is finite and every label exactly 0 or 1, computed
// without a branch on any value (one pass of bit arithmetic over all of
// them); only the verdict is data-dependent.
bool values_are_valid(const LabelledRows& rows);

}  // namespace cloister::cleanroom
