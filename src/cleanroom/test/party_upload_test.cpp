// The portal agent's side of the clean room: a CSV from the page checked,
// sealed under a fresh key and trained on alone; models compared on
// held-out rows.
#include "cleanroom/party_upload.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cleanroom/model_comparison.h"
#include "jose/jose.h"

namespace cloister::cleanroom {
namespace {

using nlohmann::json;

Contract two_feature_contract() {
  const auto a = crypto::PrivateKey::generate(crypto::KeyType::ec_p256).value();
  const auto b = crypto::PrivateKey::generate(crypto::KeyType::ec_p256).value();
  const json doc = {
      {"contract", "cloister-cleanroom/1"},
      {"name", "screening"},
      {"parties",
       {{{"name", "hospital-a"}, {"public_key", *jose::public_jwk(a.public_key())}},
        {{"name", "hospital-b"}, {"public_key", *jose::public_jwk(b.public_key())}}}},
      {"schema",
       {{"features", {"radius", "texture"}}, {"label", "diagnosis"}, {"positive", "M"}, {"negative", "B"}}},
      {"algorithm", {{"name", "logistic_regression"}, {"epochs", 200}}},
      {"outputs", {{{"party", "hospital-a"}, {"receives", "model"}}}}};
  const std::string text = doc.dump();
  return parse_contract(as_bytes(text)).value();
}

// Malignant when radius is large: a model can learn it from these rows.
std::string csv(int rows, int first = 0) {
  std::string text = "radius,texture,diagnosis\n";
  for (int i = first; i < first + rows; ++i) {
    const bool malignant = i % 2 == 0;
    text += std::to_string(malignant ? 20 + i % 5 : 10 + i % 5) + "," + std::to_string(15 + i % 7) + "," +
            (malignant ? "M" : "B") + "\n";
  }
  return text;
}

TEST(PartyUpload, SealsTheRowsUnderAFreshKeyAndTrainsAlone) {
  const Contract contract = two_feature_contract();
  auto prepared = prepare_upload(contract, "hospital-a", csv(40));
  ASSERT_TRUE(prepared.is_ok()) << prepared.status().to_string();
  EXPECT_EQ(prepared->rows, 40u);
  EXPECT_EQ(prepared->positives, 20u);
  EXPECT_EQ(prepared->sealed.data_key.size(), kDataKeySize);
  auto header = read_dataset_header(prepared->sealed.file);
  ASSERT_TRUE(header.is_ok());
  EXPECT_EQ(header->party, "hospital-a");
  EXPECT_EQ(header->contract, contract.hash_hex());
  auto opened = open_dataset(prepared->sealed.file, prepared->sealed.data_key);
  ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
  EXPECT_EQ(opened->features.rows, 40u);
  EXPECT_EQ(opened->features.values[0], 20.0);
  EXPECT_EQ(prepared->local_model.parties, std::vector<std::string>{"hospital-a"});
  EXPECT_EQ(prepared->local_model.rows, 40u);
  EXPECT_EQ(prepared->local_model.contract, contract.hash_hex());

  auto again = prepare_upload(contract, "hospital-a", csv(40));
  ASSERT_TRUE(again.is_ok());
  EXPECT_FALSE(std::equal(again->sealed.data_key.view().begin(), again->sealed.data_key.view().end(),
                          prepared->sealed.data_key.view().begin()))
      << "every upload gets a fresh data key";
}

TEST(PartyUpload, SaysWhatIsWrongWithTheCsv) {
  const Contract contract = two_feature_contract();
  const auto message = [&](std::string_view text) {
    auto prepared = prepare_upload(contract, "hospital-a", text);
    EXPECT_FALSE(prepared.is_ok());
    return prepared.is_ok() ? std::string() : prepared.status().message();
  };
  EXPECT_NE(message("").find("the CSV is empty"), std::string::npos);
  EXPECT_NE(message(" \r\n\n").find("the CSV is empty"), std::string::npos);
  EXPECT_NE(message("radius,texture,diagnosis\n").find("a header but no rows"), std::string::npos);
  EXPECT_NE(message("radius,diagnosis\n1,M\n").find("texture"), std::string::npos);
  EXPECT_NE(message("radius,texture,diagnosis\n1,n/a,M\n").find("column texture: 'n/a' is not a number"),
            std::string::npos);
  EXPECT_NE(message("radius,texture,diagnosis\n1,2,X\n").find("diagnosis"), std::string::npos);
  EXPECT_NE(message("\x01\xff,,,\n\"").find("the CSV does not fit the contract"), std::string::npos);
  auto outsider = prepare_upload(contract, "hospital-c", csv(4));
  ASSERT_FALSE(outsider.is_ok());
  EXPECT_EQ(outsider.status().code(), ErrorCode::not_found);
}

TEST(ModelComparison, ScoresEveryModelOnTheSameRows) {
  const Contract contract = two_feature_contract();
  auto alone = prepare_upload(contract, "hospital-a", csv(40));
  ASSERT_TRUE(alone.is_ok());
  // A model that saw only benign rows cannot find a malignant one.
  std::string benign = "radius,texture,diagnosis\n";
  for (int i = 0; i < 20; ++i) benign += std::to_string(10 + i % 5) + ",15,B\n";
  auto blind = prepare_upload(contract, "hospital-a", benign);
  ASSERT_TRUE(blind.is_ok());
  const LabelledRows test = parse_labelled_csv(csv(30, 1), contract.schema).value();
  const ComparedModel models[] = {{"blind", &blind->local_model}, {"both classes", &alone->local_model}};
  auto compared = compare_models(models, test);
  ASSERT_TRUE(compared.is_ok()) << compared.status().to_string();
  EXPECT_EQ((*compared)["test_rows"], 30);
  EXPECT_EQ((*compared)["test_positives"], 15);
  ASSERT_EQ((*compared)["models"].size(), 2u);
  const json& first = (*compared)["models"][0];
  const json& second = (*compared)["models"][1];
  EXPECT_EQ(first["label"], "blind");
  EXPECT_EQ(first["confusion"]["true_positives"], 0);
  EXPECT_DOUBLE_EQ(first["accuracy"].get<double>(), 0.5);
  EXPECT_GT(second["accuracy"].get<double>(), 0.9);
  EXPECT_EQ(second["trained_on"]["rows"], 40);

  LabelledRows narrow;
  narrow.features = {.rows = 1, .cols = 1, .values = {1.0}};
  narrow.labels = {1.0};
  EXPECT_FALSE(compare_models(models, narrow).is_ok());
  EXPECT_FALSE(compare_models(models, LabelledRows{}).is_ok());
}

}  // namespace
}  // namespace cloister::cleanroom
