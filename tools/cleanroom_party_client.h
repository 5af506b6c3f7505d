// What a party's machine does against the clean-room service: signed
// requests (cleanroom/party_request.h), the enclave verified before a data
// key leaves (its evidence, the party's policy, and the contract hash the
// evidence binds), and the key release sealed to the verified instance key.
// Used by `cloister cleanroom party ...` and by `cloister cleanroom demo`.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "cleanroom/contract.h"
#include "cloister/result.h"
#include "cloister/sql_client.h"
#include "crypto/keys.h"

namespace cloister::cli {

struct PartyIdentity {
  std::string name;
  crypto::PrivateKey key;
};

// A contract file, parsed; errors name the file.
Result<cleanroom::Contract> load_contract(const std::string& path);

Result<PartyIdentity> load_party(const std::string& name, const std::string& key_file);

class CleanroomClient {
 public:
  explicit CleanroomClient(std::string url) : url_(std::move(url)) {}

  // The JSON answer, or the service's error as a Status (its code and message).
  Result<nlohmann::json> call(const std::string& method, const std::string& path,
                              const std::string& body = "", const PartyIdentity* as = nullptr) const;

  Status sign_contract(const cleanroom::Contract& contract, const PartyIdentity& party) const;
  Result<nlohmann::json> upload(const PartyIdentity& party, ByteView dataset, bool replace) const;
  // The enclave's evidence verified against `policy`, naming `contract`;
  // returns its instance key and a one-line summary.
  struct VerifiedEnclave {
    crypto::PublicKey instance_key;
    std::string summary;
    std::string signer;       // hex, as verified
    std::string measurement;  // hex, as verified
  };
  Result<VerifiedEnclave> verify_enclave(const cleanroom::Contract& contract,
                                         const sql::AttestationOptions& policy) const;
  // Verifies the enclave, then releases the data key that encrypted `dataset`.
  Status release_key(const cleanroom::Contract& contract, const PartyIdentity& party,
                     const sql::AttestationOptions& policy, ByteView dataset, ByteView data_key,
                     bool replace) const;
  // Starts a run and waits for it, printing progress to stderr when asked.
  Result<nlohmann::json> train(const PartyIdentity& party, bool show_progress) const;
  // The model sealed to this party, opened with its key: the model's JSON.
  Result<std::string> model(const PartyIdentity& party) const;
  // The audit log, its hash chain recomputed here: {records, head}.
  Result<nlohmann::json> audit(const PartyIdentity& party) const;

 private:
  std::string url_;
};

}  // namespace cloister::cli
