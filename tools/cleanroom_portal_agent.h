// A party's own agent in the clean room, as `cloister cleanroom portal`
// runs it for one hospital: it holds the party's contract key, verifies the
// training enclave against the party's policy and contract, checks and
// encrypts the party's CSV here (never in the service), keeps the data key
// and the locally trained "alone" model in its data directory, and opens
// the model sealed to the party. Every step is one method, called by the
// portal's HTTP routes (cleanroom_portal_routes.h); the steps that touch the
// data directory run one at a time, while reads (status, verification) and
// a training run in progress do not block each other.
//
// The data directory (mode 0700) holds dataset.cds (the upload),
// dataset.key (its data key, base64url, 0600), alone-model.json and
// model.json (the enclave's model, opened).
#pragma once

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "cleanroom/contract.h"
#include "cleanroom/labelled_csv.h"
#include "cloister/result.h"
#include "cloister/sql_client.h"
#include "tools/cleanroom_party_client.h"

namespace cloister::cli {

struct PortalAgentOptions {
  std::string contract_file;
  std::string party;
  std::string key_file;
  std::string service;
  std::string data_dir;
  std::string test_data;  // labelled held-out rows (CSV); empty: no evaluation
  sql::AttestationOptions policy;
};

class PortalAgent {
 public:
  // Reads the contract, the party's key (which must be its key in the
  // contract) and the test data; makes the data directory.
  static Result<std::unique_ptr<PortalAgent>> create(const PortalAgentOptions& options);

  [[nodiscard]] const std::string& party() const { return identity_.name; }
  // The contract as the page shows it, and who this agent is.
  [[nodiscard]] nlohmann::json overview() const;
  // The enclave verified now (fresh nonce): measurement, signer, how, when.
  Result<nlohmann::json> verify_enclave();
  Status sign_contract();
  // The CSV checked, encrypted under a fresh data key and uploaded (as a
  // replacement when the service already holds one from this party).
  Result<nlohmann::json> upload(std::string_view csv);
  // The enclave verified again, then the data key released to it alone.
  Status release_key();
  // The service's status, with "ready": every party signed, uploaded and released.
  Result<nlohmann::json> status() const;
  Result<nlohmann::json> train();
  // The model sealed to this party, opened and kept.
  Result<nlohmann::json> download_model();
  // The alone model and the enclave's model on the held-out rows.
  Result<nlohmann::json> evaluation() const;

 private:
  PortalAgent(cleanroom::Contract contract, PartyIdentity identity, PortalAgentOptions options);
  [[nodiscard]] std::string path(const char* name) const { return options_.data_dir + "/" + name; }
  [[nodiscard]] std::string how_verified() const;
  Result<nlohmann::json> party_status() const;

  cleanroom::Contract contract_;
  PartyIdentity identity_;
  PortalAgentOptions options_;
  CleanroomClient client_;
  std::optional<cleanroom::LabelledRows> test_rows_;
  mutable std::mutex mutex_;  // the files in the data directory: one step at a time
};

}  // namespace cloister::cli
