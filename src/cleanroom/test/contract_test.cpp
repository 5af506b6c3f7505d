#include "cleanroom/contract.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "jose/jose.h"

namespace cloister::cleanroom {
namespace {

using nlohmann::json;

struct Parties {
  crypto::PrivateKey a = crypto::PrivateKey::generate(crypto::KeyType::ec_p256).value();
  crypto::PrivateKey b = crypto::PrivateKey::generate(crypto::KeyType::ec_p256).value();
};

json contract_json(const Parties& keys) {
  return {
      {"contract", "cloister-cleanroom/1"},
      {"name", "screening"},
      {"parties",
       {{{"name", "hospital-a"}, {"public_key", *jose::public_jwk(keys.a.public_key())}},
        {{"name", "hospital-b"}, {"public_key", *jose::public_jwk(keys.b.public_key())}}}},
      {"schema",
       {{"features", {"radius", "texture"}}, {"label", "diagnosis"}, {"positive", "M"}, {"negative", "B"}}},
      {"algorithm", {{"name", "mlp"}, {"hidden", 8}, {"epochs", 200}}},
      {"outputs",
       {{{"party", "hospital-a"}, {"receives", "model"}}, {{"party", "hospital-b"}, {"receives", "model"}}}}};
}

Result<Contract> parse(const json& doc) {
  const std::string text = doc.dump(2);
  return parse_contract(as_bytes(text));
}

TEST(Contract, ParsesSignsAndVerifies) {
  Parties keys;
  auto contract = parse(contract_json(keys));
  ASSERT_TRUE(contract.is_ok()) << contract.status().to_string();
  EXPECT_EQ(contract->parties.size(), 2u);
  EXPECT_EQ(contract->schema.features, (std::vector<std::string>{"radius", "texture"}));
  EXPECT_EQ(contract->algorithm_name(), "mlp");
  EXPECT_EQ(std::get<MlpParams>(contract->algorithm).hidden, 8);
  EXPECT_EQ(std::get<MlpParams>(contract->algorithm).learning_rate, MlpParams{}.learning_rate);
  EXPECT_EQ(contract->model_recipients, (std::vector<std::string>{"hospital-a", "hospital-b"}));
  EXPECT_EQ(contract->hash_hex().size(), 64u);

  auto signature = sign_contract(*contract, keys.a);
  ASSERT_TRUE(signature.is_ok());
  EXPECT_TRUE(verify_contract_signature(*contract, "hospital-a", *signature).is_ok());
  // B's name on A's signature, a stranger, and a contract changed by one byte.
  EXPECT_EQ(verify_contract_signature(*contract, "hospital-b", *signature).code(),
            ErrorCode::verification_failed);
  EXPECT_EQ(verify_contract_signature(*contract, "hospital-c", *signature).code(), ErrorCode::not_found);
  json changed = contract_json(keys);
  changed["algorithm"]["epochs"] = 201;
  auto other = parse(changed);
  ASSERT_TRUE(other.is_ok());
  EXPECT_NE(other->hash_hex(), contract->hash_hex());
  EXPECT_EQ(verify_contract_signature(*other, "hospital-a", *signature).code(),
            ErrorCode::verification_failed);
}

TEST(Contract, RefusesWhatIsMalformedNamingTheMember) {
  Parties keys;
  const auto refusal = [&](auto change) {
    json doc = contract_json(keys);
    change(doc);
    auto parsed = parse(doc);
    EXPECT_FALSE(parsed.is_ok());
    return parsed.status().message();
  };
  EXPECT_EQ(refusal([](json& d) { d["contract"] = "v2"; }),
            "contract: \"contract\" must be \"cloister-cleanroom/1\", not \"v2\"");
  EXPECT_EQ(refusal([](json& d) { d["extra"] = 1; }),
            "contract: the contract has an unknown member \"extra\"");
  EXPECT_EQ(refusal([](json& d) { d["parties"][1]["name"] = "hospital-a"; }),
            "contract: party hospital-a is listed twice");
  EXPECT_EQ(refusal([](json& d) { d["parties"][0]["name"] = "Hospital A"; }),
            "contract: parties[0].name must be 1-64 of a-z, 0-9 and -");
  EXPECT_EQ(refusal([&](json& d) {
              d["parties"][0]["public_key"] =
                  *jose::public_jwk(crypto::PrivateKey::generate(crypto::KeyType::ec_p384)->public_key());
            }),
            "contract: parties[0].public_key must be an EC P-256 key");
  EXPECT_EQ(refusal([](json& d) { d["schema"]["label"] = "radius"; }),
            "contract: schema.label is also a feature");
  EXPECT_EQ(refusal([](json& d) { d["schema"]["features"] = {"a,b"}; }),
            "contract: schema.features must be non-empty names without commas or newlines");
  EXPECT_EQ(refusal([](json& d) {
              d["algorithm"] = {{"name", "xgboost"}};
            }),
            "contract: algorithm.name must be \"logistic_regression\" or \"mlp\", not \"xgboost\"");
  EXPECT_EQ(refusal([](json& d) { d["algorithm"]["epochs"] = 0; }),
            "contract: algorithm.epochs must be between 1.0 and 100000.0");
  EXPECT_EQ(refusal([](json& d) { d["outputs"][0]["party"] = "hospital-z"; }),
            "contract: outputs[0].party hospital-z is not one of the parties");
  EXPECT_FALSE(parse_contract(as_bytes(std::string("{not json"))).is_ok());
  EXPECT_FALSE(parse_contract(Bytes(kMaxContractBytes + 1, ' ')).is_ok());
}

}  // namespace
}  // namespace cloister::cleanroom
