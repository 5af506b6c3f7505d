#include "cleanroom/data_key_release.h"

#include <nlohmann/json.hpp>

#include "cleanroom/encrypted_dataset.h"
#include "common/encoding.h"
#include "crypto/sha.h"
#include "jose/jose.h"

namespace cloister::cleanroom {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxReleaseBytes = 16 * 1024;

// What the party signs: one line per field, the key only by its hash.
std::string signed_text(std::string_view contract, std::string_view party, std::string_view dataset,
                        ByteView data_key) {
  return "cloister-cleanroom-release/1\n" + std::string(contract) + "\n" + std::string(party) + "\n" +
         std::string(dataset) + "\n" + to_hex(crypto::sha256(data_key)) + "\n";
}

bool is_sha256_hex(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Status refused(const std::string& why) {
  return Status(ErrorCode::verification_failed, "data key release refused: " + why);
}

}  // namespace

Result<std::string> seal_data_key_release(const Contract& contract, std::string_view party,
                                          const crypto::PrivateKey& party_key,
                                          std::string_view dataset_sha256, ByteView data_key,
                                          const crypto::PublicKey& enclave_key) {
  if (contract.party(party) == nullptr)
    return Status(ErrorCode::invalid_argument, "the contract has no party " + std::string(party));
  if (data_key.size() != kDataKeySize) return Status(ErrorCode::invalid_argument, "a data key is 32 bytes");
  if (!is_sha256_hex(dataset_sha256))
    return Status(ErrorCode::invalid_argument, "the dataset hash must be 64 lower-case hex digits");
  const std::string text = signed_text(contract.hash_hex(), party, dataset_sha256, data_key);
  CLOISTER_ASSIGN_OR_RETURN(Bytes signature, party_key.sign_raw(as_bytes(text)));
  std::string key_text = to_base64url(data_key);
  std::string document = json{{"contract", contract.hash_hex()},
                              {"party", party},
                              {"dataset", dataset_sha256},
                              {"data_key", key_text},
                              {"signature", to_base64url(signature)}}
                             .dump();
  auto jwe = jose::encrypt_jwe(as_bytes(document), enclave_key);
  secure_wipe(key_text.data(), key_text.size());
  secure_wipe(document.data(), document.size());
  return jwe;
}

Result<DataKeyRelease> open_data_key_release(std::string_view jwe, const crypto::PrivateKey& enclave_key,
                                             const Contract& contract, SecretBytes* document) {
  if (jwe.size() > kMaxReleaseBytes)
    return refused("larger than " + std::to_string(kMaxReleaseBytes) + " bytes");
  auto plaintext = jose::decrypt_jwe(jwe, enclave_key);
  if (!plaintext.is_ok())
    return refused("it is not sealed to this enclave instance (" + plaintext.status().message() + ")");
  CLOISTER_ASSIGN_OR_RETURN(DataKeyRelease release, parse_data_key_release(plaintext->view(), contract));
  if (document != nullptr) *document = std::move(plaintext).value();
  return release;
}

Result<DataKeyRelease> parse_data_key_release(ByteView document, const Contract& contract) {
  if (document.size() > kMaxReleaseBytes)
    return refused("larger than " + std::to_string(kMaxReleaseBytes) + " bytes");
  json doc = json::parse(document.begin(), document.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return refused("its contents are not a JSON object");
  struct Wipe {
    json& doc;
    ~Wipe() {
      if (doc.contains("data_key") && doc["data_key"].is_string()) {
        auto& text = doc["data_key"].get_ref<std::string&>();
        secure_wipe(text.data(), text.size());
      }
    }
  } wipe{doc};
  for (const char* name : {"contract", "party", "dataset", "data_key", "signature"}) {
    if (!doc.contains(name) || !doc[name].is_string())
      return refused(std::string("\"") + name + "\" is missing");
  }
  const std::string& contract_hash = doc["contract"].get_ref<const std::string&>();
  const std::string& party = doc["party"].get_ref<const std::string&>();
  const std::string& dataset = doc["dataset"].get_ref<const std::string&>();
  if (contract_hash != contract.hash_hex()) return refused("it is for another contract");
  const Party* signer = contract.party(party);
  if (signer == nullptr) return refused("\"" + party.substr(0, 64) + "\" is not a party to the contract");
  if (!is_sha256_hex(dataset)) return refused("\"dataset\" is not a SHA-256 in hex");
  auto key = from_base64url(doc["data_key"].get_ref<const std::string&>());
  if (!key.is_ok() || key->size() != kDataKeySize)
    return refused("\"data_key\" is not 32 bytes of base64url");
  DataKeyRelease release{.party = party, .dataset_sha256 = dataset, .data_key = SecretBytes(std::move(*key))};
  auto signature = from_base64url(doc["signature"].get_ref<const std::string&>());
  if (!signature.is_ok()) return refused("\"signature\" is not base64url");
  const std::string text = signed_text(contract_hash, party, dataset, release.data_key.view());
  if (!signer->public_key.verify_raw(as_bytes(text), *signature, crypto::HashAlgorithm::sha256).is_ok())
    return refused("it is not signed by " + party + "'s key in the contract");
  return release;
}

}  // namespace cloister::cleanroom
