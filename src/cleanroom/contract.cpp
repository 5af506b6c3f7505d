#include "cleanroom/contract.h"

#include <nlohmann/json.hpp>
#include <set>

#include "common/encoding.h"
#include "crypto/sha.h"
#include "jose/jose.h"

namespace cloister::cleanroom {
namespace {

using nlohmann::json;

Status bad(const std::string& what) {
  return Status(ErrorCode::invalid_argument, "contract: " + what);
}

Status not_a_party(const std::string& where, const std::string& party) {
  return bad(where + ".party " + party + " is not one of the parties");
}

bool valid_party_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

Status only_members(const json& object, std::initializer_list<const char*> allowed,
                    const std::string& where) {
  for (const auto& [key, value] : object.items()) {
    bool known = false;
    for (const char* name : allowed) known = known || key == name;
    if (!known) return bad(where + " has an unknown member \"" + key.substr(0, 40) + "\"");
  }
  return Status::ok();
}

Result<std::string> string_member(const json& object, const char* name, const std::string& where,
                                  std::size_t max_size = 256) {
  if (!object.contains(name) || !object[name].is_string() ||
      object[name].get_ref<const std::string&>().empty())
    return bad(where + "." + name + " must be a non-empty string");
  const auto& text = object[name].get_ref<const std::string&>();
  if (text.size() > max_size) return bad(where + "." + name + " is longer than " + std::to_string(max_size));
  return text;
}

Result<double> number_member(const json& object, const char* name, double lo, double hi, double fallback) {
  if (!object.contains(name)) return fallback;
  if (!object[name].is_number()) return bad("algorithm." + std::string(name) + " must be a number");
  const double value = object[name].get<double>();
  if (!(value >= lo && value <= hi))
    return bad("algorithm." + std::string(name) + " must be between " + json(lo).dump() + " and " +
               json(hi).dump());
  return value;
}

Result<Algorithm> parse_algorithm(const json& spec) {
  if (!spec.is_object()) return bad("algorithm must be an object");
  CLOISTER_ASSIGN_OR_RETURN(std::string name, string_member(spec, "name", "algorithm"));
  if (name == "logistic_regression") {
    CLOISTER_RETURN_IF_ERROR(only_members(spec, {"name", "epochs", "learning_rate", "l2"}, "algorithm"));
    LogisticRegressionParams params;
    CLOISTER_ASSIGN_OR_RETURN(double epochs, number_member(spec, "epochs", 1, 100000, params.epochs));
    CLOISTER_ASSIGN_OR_RETURN(params.learning_rate,
                              number_member(spec, "learning_rate", 1e-6, 10, params.learning_rate));
    CLOISTER_ASSIGN_OR_RETURN(params.l2, number_member(spec, "l2", 0, 10, params.l2));
    params.epochs = static_cast<int>(epochs);
    return Algorithm(params);
  }
  if (name == "mlp") {
    CLOISTER_RETURN_IF_ERROR(
        only_members(spec, {"name", "hidden", "epochs", "learning_rate", "l2", "seed"}, "algorithm"));
    MlpParams params;
    CLOISTER_ASSIGN_OR_RETURN(double hidden, number_member(spec, "hidden", 1, 256, params.hidden));
    CLOISTER_ASSIGN_OR_RETURN(double epochs, number_member(spec, "epochs", 1, 100000, params.epochs));
    CLOISTER_ASSIGN_OR_RETURN(params.learning_rate,
                              number_member(spec, "learning_rate", 1e-6, 10, params.learning_rate));
    CLOISTER_ASSIGN_OR_RETURN(params.l2, number_member(spec, "l2", 0, 10, params.l2));
    CLOISTER_ASSIGN_OR_RETURN(double seed, number_member(spec, "seed", 0, 9007199254740992.0, 1));
    params.hidden = static_cast<int>(hidden);
    params.epochs = static_cast<int>(epochs);
    params.seed = static_cast<std::uint64_t>(seed);
    return Algorithm(params);
  }
  return bad("algorithm.name must be \"logistic_regression\" or \"mlp\", not \"" + name.substr(0, 40) + "\"");
}

}  // namespace

std::string Contract::hash_hex() const {
  return to_hex(hash);
}

const Party* Contract::party(std::string_view party_name) const {
  for (const Party& p : parties) {
    if (p.name == party_name) return &p;
  }
  return nullptr;
}

std::string Contract::algorithm_name() const {
  return std::holds_alternative<MlpParams>(algorithm) ? "mlp" : "logistic_regression";
}

Result<Contract> parse_contract(ByteView bytes) {
  if (bytes.size() > kMaxContractBytes)
    return bad("larger than " + std::to_string(kMaxContractBytes / 1024) + " KiB");
  const json doc = json::parse(bytes.begin(), bytes.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return bad("not a JSON object");
  CLOISTER_RETURN_IF_ERROR(
      only_members(doc, {"contract", "name", "parties", "schema", "algorithm", "outputs"}, "the contract"));
  CLOISTER_ASSIGN_OR_RETURN(std::string format, string_member(doc, "contract", "the contract"));
  if (format != kContractFormat)
    return bad("\"contract\" must be \"" + std::string(kContractFormat) + "\", not \"" +
               format.substr(0, 40) + "\"");
  Contract contract;
  CLOISTER_ASSIGN_OR_RETURN(contract.name, string_member(doc, "name", "the contract"));

  if (!doc.contains("parties") || !doc["parties"].is_array() || doc["parties"].empty() ||
      doc["parties"].size() > kMaxParties)
    return bad("parties must be a list of 1 to " + std::to_string(kMaxParties) + " parties");
  for (std::size_t i = 0; i < doc["parties"].size(); ++i) {
    const json& entry = doc["parties"][i];
    const std::string where = "parties[" + std::to_string(i) + "]";
    if (!entry.is_object()) return bad(where + " must be an object");
    CLOISTER_RETURN_IF_ERROR(only_members(entry, {"name", "public_key"}, where));
    CLOISTER_ASSIGN_OR_RETURN(std::string name, string_member(entry, "name", where));
    if (!valid_party_name(name)) return bad(where + ".name must be 1-64 of a-z, 0-9 and -");
    if (contract.party(name) != nullptr) return bad("party " + name + " is listed twice");
    if (!entry.contains("public_key") || !entry["public_key"].is_object())
      return bad(where + ".public_key must be a JWK");
    auto key = jose::key_from_jwk(entry["public_key"]);
    if (!key.is_ok()) return bad(where + ".public_key: " + key.status().message());
    auto type = key->type();
    if (!type.is_ok() || *type != crypto::KeyType::ec_p256)
      return bad(where + ".public_key must be an EC P-256 key");
    contract.parties.push_back(Party{std::move(name), std::move(key).value()});
  }

  if (!doc.contains("schema") || !doc["schema"].is_object()) return bad("schema must be an object");
  const json& schema = doc["schema"];
  CLOISTER_RETURN_IF_ERROR(only_members(schema, {"features", "label", "positive", "negative"}, "schema"));
  if (!schema.contains("features") || !schema["features"].is_array() || schema["features"].empty() ||
      schema["features"].size() > kMaxFeatures)
    return bad("schema.features must list 1 to " + std::to_string(kMaxFeatures) + " column names");
  std::set<std::string> names;
  for (const json& feature : schema["features"]) {
    if (!feature.is_string() || feature.get_ref<const std::string&>().empty() ||
        feature.get_ref<const std::string&>().size() > 128 ||
        feature.get_ref<const std::string&>().find_first_of(",\r\n") != std::string::npos)
      return bad("schema.features must be non-empty names without commas or newlines");
    if (!names.insert(feature.get<std::string>()).second)
      return bad("schema.features names " + feature.get<std::string>() + " twice");
    contract.schema.features.push_back(feature.get<std::string>());
  }
  CLOISTER_ASSIGN_OR_RETURN(contract.schema.label, string_member(schema, "label", "schema", 128));
  CLOISTER_ASSIGN_OR_RETURN(contract.schema.positive, string_member(schema, "positive", "schema", 64));
  CLOISTER_ASSIGN_OR_RETURN(contract.schema.negative, string_member(schema, "negative", "schema", 64));
  if (names.contains(contract.schema.label)) return bad("schema.label is also a feature");
  if (contract.schema.positive == contract.schema.negative)
    return bad("schema.positive and schema.negative must differ");

  if (!doc.contains("algorithm")) return bad("algorithm is missing");
  CLOISTER_ASSIGN_OR_RETURN(contract.algorithm, parse_algorithm(doc["algorithm"]));

  if (!doc.contains("outputs") || !doc["outputs"].is_array() || doc["outputs"].empty())
    return bad("outputs must list who receives the model");
  for (std::size_t i = 0; i < doc["outputs"].size(); ++i) {
    const json& entry = doc["outputs"][i];
    const std::string where = "outputs[" + std::to_string(i) + "]";
    if (!entry.is_object()) return bad(where + " must be an object");
    CLOISTER_RETURN_IF_ERROR(only_members(entry, {"party", "receives"}, where));
    CLOISTER_ASSIGN_OR_RETURN(std::string party, string_member(entry, "party", where));
    CLOISTER_ASSIGN_OR_RETURN(std::string receives, string_member(entry, "receives", where));
    if (contract.party(party) == nullptr) return not_a_party(where, party);
    if (receives != "model") return bad(where + ".receives must be \"model\"");
    if (std::find(contract.model_recipients.begin(), contract.model_recipients.end(), party) ==
        contract.model_recipients.end())
      contract.model_recipients.push_back(party);
  }
  contract.bytes.assign(bytes.begin(), bytes.end());
  contract.hash = crypto::sha256(bytes);
  return contract;
}

Result<Bytes> sign_contract(const Contract& contract, const crypto::PrivateKey& party_key) {
  return party_key.sign_raw(contract.bytes);
}

Status verify_contract_signature(const Contract& contract, std::string_view party, ByteView signature) {
  const Party* signer = contract.party(party);
  if (signer == nullptr)
    return Status(ErrorCode::not_found, "the contract has no party " + std::string(party.substr(0, 64)));
  Status verified = signer->public_key.verify_raw(contract.bytes, signature, crypto::HashAlgorithm::sha256);
  if (!verified.is_ok())
    return Status(ErrorCode::verification_failed, "the signature of " + signer->name + " on contract " +
                                                      contract.hash_hex().substr(0, 16) +
                                                      "... does not verify");
  return Status::ok();
}

}  // namespace cloister::cleanroom
