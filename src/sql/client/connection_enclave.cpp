// The enclave session of a Connection: attesting the server's enclave
// against the policy, and releasing column keys sealed to its instance key.
#include <algorithm>
#include <chrono>

#include "common/encoding.h"
#include "crypto/rng.h"
#include "sql/client/session.h"
#include "sql/key_release.h"

namespace cloister::sql {
namespace {

using client::JsonReply;
using nlohmann::json;

constexpr std::size_t kNonceSize = 32;

}  // namespace

void Connection::Impl::forget_enclave() {
  enclave_key_.reset();
  attestation_.reset();
  released_.clear();
}

Status Connection::Impl::ensure_enclave(const std::vector<std::uint32_t>& cek_ids) {
  const bool all_held =
      std::all_of(cek_ids.begin(), cek_ids.end(), [&](auto id) { return released_.count(id); });
  if (enclave_key_ && all_held) return Status::ok();
  const bool attested_before = enclave_key_.has_value();
  if (!enclave_key_) CLOISTER_RETURN_IF_ERROR(attest_enclave());
  Status released = release_keys(cek_ids);
  if (released.is_ok() || !attested_before || is_connection_lost(released)) return released;
  // The enclave attested earlier is gone (restarted since, so the release
  // was sealed to a dead instance): attest the one that runs now, and once more.
  CLOISTER_RETURN_IF_ERROR(attest_enclave());
  return release_keys(cek_ids);
}

Status Connection::Impl::attest_enclave() {
  forget_enclave();
  if (!verifier_) {
    return verifier_error_.with_context(
        "this statement needs the server's enclave, which must be attested before it gets column keys");
  }
  CLOISTER_ASSIGN_OR_RETURN(Bytes nonce, crypto::random_bytes(kNonceSize));
  CLOISTER_ASSIGN_OR_RETURN(JsonReply reply, call("POST", "/enclave/evidence", {{"nonce", to_hex(nonce)}}));
  if (!reply.ok()) return server_error(reply, "getting the enclave's evidence");
  const json& body = reply.body;
  for (const char* field : {"evidence", "runtime_data", "instance"}) {
    if (!body.contains(field) || !body[field].is_string())
      return Status(ErrorCode::decode_error, std::string("the enclave evidence answer has no ") + field);
  }
  auto evidence = from_base64url(body["evidence"].get<std::string>());
  auto runtime_data = from_base64url(body["runtime_data"].get<std::string>());
  if (!evidence.is_ok() || !runtime_data.is_ok())
    return Status(ErrorCode::decode_error, "the enclave's evidence or runtime data is not base64url");
  CLOISTER_ASSIGN_OR_RETURN(client::AttestedEnclave attested,
                            verifier_->verify(*evidence, *runtime_data, nonce));
  enclave_key_ = std::move(attested.instance_key);
  attestation_ = EnclaveAttestation{
      body["instance"].get<std::string>(), attested.signer, attested.measurement, attested.verified_by,
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count()};
  return Status::ok();
}

Result<EnclaveAttestation> Connection::Impl::verify_enclave() {
  if (!enclave_key_) {
    if (Status attested = attest_enclave(); !attested.is_ok()) {
      // The server restarted since the last statement: a new session, and once more.
      if (!is_connection_lost(attested)) return attested;
      if (Status reopened = open_session(); !reopened.is_ok())
        return reopened.with_context("reconnecting after: " + attested.message());
      CLOISTER_RETURN_IF_ERROR(attest_enclave());
    }
  }
  return *attestation_;
}

Status Connection::Impl::release_keys(const std::vector<std::uint32_t>& cek_ids) {
  KeyRelease release;
  release.database_id = database_;
  for (auto id : cek_ids) {
    if (released_.count(id) != 0) continue;
    CLOISTER_ASSIGN_OR_RETURN(ReleasedKey key, keys_.release_entry(id));
    key.allow_decryption_to_host = options_.allow_decryption_to_host;
    release.keys.push_back(std::move(key));
  }
  if (release.keys.empty()) return Status::ok();
  CLOISTER_ASSIGN_OR_RETURN(std::string jwe, seal_key_release(release, *enclave_key_));
  CLOISTER_ASSIGN_OR_RETURN(JsonReply reply, call("POST", "/enclave/keys", {{"jwe", jwe}}));
  if (!reply.ok()) return server_error(reply, "releasing column keys to the enclave");
  std::set<std::uint32_t> installed;
  if (reply.body.contains("installed") && reply.body["installed"].is_array()) {
    for (const auto& id : reply.body["installed"]) {
      if (id.is_number_unsigned()) installed.insert(id.get<std::uint32_t>());
    }
  }
  for (const auto& key : release.keys) {
    if (installed.count(key.cek_id) == 0) {
      return Status(ErrorCode::internal, "the enclave did not install column encryption key " + key.cek_name);
    }
    released_.insert(key.cek_id);
  }
  return Status::ok();
}

}  // namespace cloister::sql
