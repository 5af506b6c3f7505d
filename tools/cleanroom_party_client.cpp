#include "tools/cleanroom_party_client.h"

#include <chrono>
#include <ctime>
#include <iostream>
#include <thread>

#include "cleanroom/data_key_release.h"
#include "cleanroom/party_request.h"
#include "common/encoding.h"
#include "crypto/rng.h"
#include "crypto/sha.h"
#include "jose/jose.h"
#include "kbs/audit_log.h"
#include "sql/client/attestation.h"
#include "tools/http_client.h"
#include "tools/input_file.h"

namespace cloister::cli {

namespace {

using nlohmann::json;

ErrorCode code_for(int status) {
  switch (status) {
    case 400:
      return ErrorCode::invalid_argument;
    case 403:
      return ErrorCode::permission_denied;
    case 404:
      return ErrorCode::not_found;
    case 409:
      return ErrorCode::conflict;
    case 412:
      return ErrorCode::failed_precondition;
    case 413:
      return ErrorCode::out_of_range;
    case 401:
      return ErrorCode::unauthenticated;
    default:
      return ErrorCode::io_error;
  }
}

// The verifier speaks of column keys (it was the SQL driver's first); here
// it is a data key going to the training enclave.
Status for_data_key(const Status& refused) {
  std::string message = refused.message();
  const std::string from = "refusing to release column keys to the server's enclave";
  if (message.starts_with(from))
    message = "refusing to release the data key to the training enclave" + message.substr(from.size());
  return Status(refused.code(), message);
}

}  // namespace

Result<cleanroom::Contract> load_contract(const std::string& path) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes bytes, read_input_file(path, cleanroom::kMaxContractBytes));
  auto contract = cleanroom::parse_contract(bytes);
  if (!contract.is_ok()) return contract.status().with_context(path);
  return contract;
}

Result<PartyIdentity> load_party(const std::string& name, const std::string& key_file) {
  CLOISTER_ASSIGN_OR_RETURN(std::string pem, read_input_text(key_file, 64 * 1024));
  auto key = crypto::PrivateKey::from_pem(pem);
  secure_wipe(pem.data(), pem.size());
  if (!key.is_ok()) return key.status().with_context("--key " + key_file);
  return PartyIdentity{.name = name, .key = std::move(key).value()};
}

Result<json> CleanroomClient::call(const std::string& method, const std::string& path,
                                   const std::string& body, const PartyIdentity* as) const {
  httplib::Headers headers;
  if (as != nullptr) {
    CLOISTER_ASSIGN_OR_RETURN(
        auto signed_headers,
        cleanroom::sign_party_request(as->name, as->key, method, path, to_hex(crypto::sha256(as_bytes(body))),
                                      static_cast<std::int64_t>(std::time(nullptr))));
    headers = {{std::string(cleanroom::kPartyHeader), signed_headers.party},
               {std::string(cleanroom::kTimeHeader), signed_headers.time},
               {std::string(cleanroom::kNonceHeader), signed_headers.nonce},
               {std::string(cleanroom::kSignatureHeader), signed_headers.signature},
               {std::string(cleanroom::kContentHashHeader), signed_headers.content_sha256}};
  }
  const bool binary = path.find("/dataset") != std::string::npos;
  CLOISTER_ASSIGN_OR_RETURN(
      HttpReply reply,
      http_call(url_, method, path, body, binary ? "application/octet-stream" : "application/json", headers));
  if (reply.status < 200 || reply.status >= 300) {
    auto parsed = json::parse(reply.body, nullptr, false);
    std::string message = reply.body.substr(0, 500);
    if (!parsed.is_discarded() && parsed.contains("error") && parsed["error"].contains("message"))
      message = parsed["error"]["message"].get<std::string>();
    return Status(code_for(reply.status), message);
  }
  if (path == "/contract") return json(reply.body);
  auto parsed = json::parse(reply.body, nullptr, false);
  if (parsed.is_discarded()) return Status(ErrorCode::decode_error, "the service's answer is not JSON");
  return parsed;
}

Status CleanroomClient::sign_contract(const cleanroom::Contract& contract, const PartyIdentity& party) const {
  CLOISTER_ASSIGN_OR_RETURN(Bytes signature, cleanroom::sign_contract(contract, party.key));
  return call("PUT", "/parties/" + party.name + "/signature",
              json{{"signature", to_base64url(signature)}}.dump())
      .status();
}

Result<json> CleanroomClient::upload(const PartyIdentity& party, ByteView dataset, bool replace) const {
  return call("PUT", "/parties/" + party.name + (replace ? "/dataset/replacement" : "/dataset"),
              std::string(dataset.begin(), dataset.end()), &party);
}

Result<CleanroomClient::VerifiedEnclave> CleanroomClient::verify_enclave(
    const cleanroom::Contract& contract, const sql::AttestationOptions& policy) const {
  auto verifier = sql::client::EnclaveVerifier::create(policy);
  if (!verifier.is_ok()) return verifier.status();
  CLOISTER_ASSIGN_OR_RETURN(Bytes nonce, crypto::random_bytes(32));
  CLOISTER_ASSIGN_OR_RETURN(json answer,
                            call("POST", "/evidence", json{{"nonce", to_base64url(nonce)}}.dump()));
  if (!answer.contains("evidence") || !answer["evidence"].is_string() || !answer.contains("runtime_data") ||
      !answer["runtime_data"].is_string())
    return Status(ErrorCode::decode_error, "the service's evidence answer lacks evidence or runtime_data");
  CLOISTER_ASSIGN_OR_RETURN(Bytes evidence, from_base64url(answer["evidence"].get<std::string>()));
  CLOISTER_ASSIGN_OR_RETURN(Bytes runtime_data, from_base64url(answer["runtime_data"].get<std::string>()));
  auto attested = verifier->verify(evidence, runtime_data, nonce);
  if (!attested.is_ok()) return for_data_key(attested.status());
  // The evidence binds the runtime data, and the runtime data names the
  // contract this enclave instance enforces: it must be the party's own.
  const json runtime = json::parse(runtime_data.begin(), runtime_data.end(), nullptr, false);
  const std::string enforced =
      runtime.is_object() && runtime.contains("contract") && runtime["contract"].is_string()
          ? runtime["contract"].get<std::string>()
          : std::string("(none)");
  if (enforced != contract.hash_hex())
    return Status(ErrorCode::verification_failed,
                  "refusing to release the data key to the training enclave: it enforces contract " +
                      enforced.substr(0, 64) + ", not yours (" + contract.hash_hex() +
                      "); check that the service runs your contract");
  return VerifiedEnclave{
      .instance_key = std::move(attested->instance_key),
      .summary = attested->summary + ", contract " + contract.hash_hex().substr(0, 16) + "...",
      .signer = attested->signer,
      .measurement = attested->measurement};
}

Status CleanroomClient::release_key(const cleanroom::Contract& contract, const PartyIdentity& party,
                                    const sql::AttestationOptions& policy, ByteView dataset,
                                    ByteView data_key, bool replace) const {
  CLOISTER_ASSIGN_OR_RETURN(VerifiedEnclave enclave, verify_enclave(contract, policy));
  CLOISTER_ASSIGN_OR_RETURN(
      std::string jwe,
      cleanroom::seal_data_key_release(contract, party.name, party.key, to_hex(crypto::sha256(dataset)),
                                       data_key, enclave.instance_key));
  return call("POST", "/parties/" + party.name + "/key", json{{"jwe", jwe}, {"replace", replace}}.dump(),
              &party)
      .status();
}

Result<json> CleanroomClient::train(const PartyIdentity& party, bool show_progress) const {
  CLOISTER_ASSIGN_OR_RETURN(json started, call("POST", "/train", "", &party));
  const auto run = started.value("run", std::int64_t{0});
  const auto begin = std::chrono::steady_clock::now();
  while (true) {
    CLOISTER_ASSIGN_OR_RETURN(json status, call("GET", "/status"));
    const json& training = status["training"];
    if (training.value("run", std::int64_t{0}) == run && training.value("state", "") != "running") {
      if (show_progress) std::cerr << "\r" << std::string(40, ' ') << "\r";
      if (training.value("state", "") != "done")
        return Status(ErrorCode::internal, "training run " + std::to_string(run) + " " +
                                               training.value("state", "") + ": " +
                                               training.value("detail", ""));
      return training;
    }
    if (show_progress) {
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
      std::cerr << "\rtraining run " << run << " in the enclave: " << static_cast<int>(seconds) << " s"
                << std::flush;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

Result<std::string> CleanroomClient::model(const PartyIdentity& party) const {
  CLOISTER_ASSIGN_OR_RETURN(json answer, call("GET", "/parties/" + party.name + "/model", "", &party));
  if (!answer.contains("jwe") || !answer["jwe"].is_string())
    return Status(ErrorCode::decode_error, "the service's model answer has no jwe");
  auto opened = jose::decrypt_jwe(answer["jwe"].get<std::string>(), party.key);
  if (!opened.is_ok())
    return Status(ErrorCode::verification_failed,
                  "the model is not sealed to " + party.name + "'s key: " + opened.status().message());
  return std::string(opened->view().begin(), opened->view().end());
}

Result<json> CleanroomClient::audit(const PartyIdentity& party) const {
  CLOISTER_ASSIGN_OR_RETURN(json answer, call("GET", "/audit", "", &party));
  if (!answer.contains("records") || !answer["records"].is_array())
    return Status(ErrorCode::decode_error, "the service's audit answer has no records");
  Bytes previous(32, 0);
  std::int64_t expected = 1;
  for (const json& record : answer["records"]) {
    if (!record.is_object()) return Status(ErrorCode::decode_error, "an audit record is not an object");
    const kbs::AuditRecord row{.seq = record.value("seq", std::int64_t{0}),
                               .time = record.value("time", std::int64_t{0}),
                               .event = {.action = record.value("action", ""),
                                         .key = record.value("party", ""),
                                         .outcome = record.value("outcome", ""),
                                         .reason = record.value("detail", "")}};
    auto decoded = from_hex(record.value("hash", ""));  // not hex: no hash, so "altered"
    const Bytes stored = decoded.is_ok() ? std::move(decoded).value() : Bytes{};
    CLOISTER_ASSIGN_OR_RETURN(previous, kbs::audit::check_link(previous, expected, row, stored));
    ++expected;
  }
  answer["head"] = to_hex(previous);
  return answer;
}

}  // namespace cloister::cli
