// The enclave's side of a collaboration, end to end in one process: two
// parties sign nothing here (contract signatures are the service's check)
// but release keys, load datasets and receive sealed models, with every
// refusal the issue names on the way.
#include "cleanroom/training_session.h"

#include <gtest/gtest.h>

#include <fstream>
#include <limits>
#include <sstream>

#include "cleanroom/encrypted_dataset.h"
#include "common/encoding.h"
#include "crypto/rng.h"
#include "crypto/sha.h"
#include "jose/jose.h"

namespace cloister::cleanroom {
namespace {

using nlohmann::json;

crypto::PrivateKey new_key() {
  return crypto::PrivateKey::generate(crypto::KeyType::ec_p256).value();
}

class TrainingSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ifstream in(std::string(CLOISTER_DATA_DIR) + "/wdbc.csv");
    std::stringstream text;
    text << in.rdbuf();
    const Schema schema = schema_from_header(text.str(), "diagnosis", "M", "B");
    features_ = schema.features;
    const LabelledRows all = parse_labelled_csv(text.str(), schema).value();
    // A: even rows 0..399, B: odd rows 0..399; the rest is the test set.
    for (std::size_t r = 0; r < all.features.rows; ++r) {
      LabelledRows& to = r >= 400 ? test_ : (r % 2 == 0 ? a_rows_ : b_rows_);
      to.features.values.insert(to.features.values.end(), all.features.row(r), all.features.row(r) + 30);
      to.labels.push_back(all.labels[r]);
    }
    for (LabelledRows* part : {&a_rows_, &b_rows_, &test_}) {
      part->features.cols = 30;
      part->features.rows = part->labels.size();
    }
    json contract = {
        {"contract", "cloister-cleanroom/1"},
        {"name", "screening"},
        {"parties",
         {{{"name", "hospital-a"}, {"public_key", *jose::public_jwk(a_.public_key())}},
          {{"name", "hospital-b"}, {"public_key", *jose::public_jwk(b_.public_key())}}}},
        {"schema", {{"features", features_}, {"label", "diagnosis"}, {"positive", "M"}, {"negative", "B"}}},
        {"algorithm", {{"name", "logistic_regression"}, {"epochs", 300}}},
        {"outputs", {{{"party", "hospital-a"}, {"receives", "model"}}}}};
    contract_text_ = contract.dump(2);
    session_ = std::make_unique<TrainingSession>(TrainingSession::open(as_bytes(contract_text_)).value());
  }

  Bytes sealed(const LabelledRows& rows, const std::string& party, const Bytes& key) {
    return seal_dataset(rows, {.contract = session_->contract().hash_hex(), .party = party}, key).value();
  }
  std::string release(const std::string& party, const crypto::PrivateKey& signer, const Bytes& file,
                      const Bytes& key) {
    return seal_data_key_release(session_->contract(), party, signer, to_hex(crypto::sha256(file)), key,
                                 enclave_.public_key())
        .value();
  }

  std::vector<std::string> features_;
  LabelledRows a_rows_, b_rows_, test_;
  crypto::PrivateKey a_ = new_key(), b_ = new_key(), enclave_ = new_key();
  std::string contract_text_;
  std::unique_ptr<TrainingSession> session_;
};

TEST_F(TrainingSessionTest, TrainsOnTheUnionAndSealsTheModelToRecipientsOnly) {
  const Bytes a_key = *crypto::random_bytes(32), b_key = *crypto::random_bytes(32);
  const Bytes a_file = sealed(a_rows_, "hospital-a", a_key), b_file = sealed(b_rows_, "hospital-b", b_key);

  EXPECT_EQ(session_->train().status().message(),
            "waiting for hospital-a, hospital-b (data key and dataset)");
  EXPECT_EQ(session_->load_dataset("hospital-a", a_file).code(), ErrorCode::failed_precondition);
  ASSERT_TRUE(session_->release(release("hospital-a", a_, a_file, a_key), enclave_).is_ok());
  ASSERT_TRUE(session_->load_dataset("hospital-a", a_file).is_ok());
  ASSERT_TRUE(session_->release(release("hospital-b", b_, b_file, b_key), enclave_).is_ok());
  EXPECT_EQ(session_->train().status().message(), "waiting for hospital-b (data key and dataset)");
  ASSERT_TRUE(session_->load_dataset("hospital-b", b_file).is_ok());
  EXPECT_EQ(session_->progress()["hospital-b"].rows, 200u);

  auto output = session_->train();
  ASSERT_TRUE(output.is_ok()) << output.status().to_string();
  EXPECT_EQ(output->rows, 400u);
  ASSERT_EQ(output->sealed_models.size(), 1u);  // B is not a recipient in this contract
  const std::string& sealed_model = output->sealed_models.at("hospital-a");
  EXPECT_FALSE(jose::decrypt_jwe(sealed_model, b_).is_ok());
  EXPECT_FALSE(jose::decrypt_jwe(sealed_model, enclave_).is_ok());
  auto plaintext = jose::decrypt_jwe(sealed_model, a_);
  ASSERT_TRUE(plaintext.is_ok());
  auto trained = model_from_json(json::parse(plaintext->view().begin(), plaintext->view().end()));
  ASSERT_TRUE(trained.is_ok()) << trained.status().to_string();
  EXPECT_EQ(trained->rows, 400u);
  EXPECT_EQ(trained->parties, (std::vector<std::string>{"hospital-a", "hospital-b"}));
  std::size_t right = 0;
  for (std::size_t r = 0; r < test_.features.rows; ++r)
    right += (trained->model.probability({test_.features.row(r), 30}) >= 0.5) == (test_.labels[r] == 1.0);
  EXPECT_GE(static_cast<double>(right) / static_cast<double>(test_.features.rows), 0.95);
}

TEST_F(TrainingSessionTest, RefusesForgedReleasesOtherFilesBadValuesAndSilentReplacement) {
  const Bytes a_key = *crypto::random_bytes(32);
  const Bytes a_file = sealed(a_rows_, "hospital-a", a_key);
  // B (or the service) releasing a key in A's name: not A's signature.
  EXPECT_EQ(session_->release(release("hospital-a", b_, a_file, a_key), enclave_).status().code(),
            ErrorCode::verification_failed);
  // Sealed to another enclave instance.
  const crypto::PrivateKey other_enclave = new_key();
  EXPECT_EQ(session_->release(release("hospital-a", a_, a_file, a_key), other_enclave).status().code(),
            ErrorCode::verification_failed);

  ASSERT_TRUE(session_->release(release("hospital-a", a_, a_file, a_key), enclave_).is_ok());
  // Another file than the one released (even sealed with the same key), or the same file altered.
  LabelledRows fewer = a_rows_;
  fewer.features.rows -= 1;
  fewer.labels.pop_back();
  fewer.features.values.resize(fewer.features.rows * 30);
  EXPECT_EQ(session_->load_dataset("hospital-a", sealed(fewer, "hospital-a", a_key)).code(),
            ErrorCode::verification_failed);
  Bytes altered = a_file;
  altered[altered.size() / 2] ^= 1;
  EXPECT_EQ(session_->load_dataset("hospital-a", altered).code(), ErrorCode::verification_failed);
  // A second release needs replace; with it, the earlier rows are dropped.
  LabelledRows poisoned = a_rows_;
  poisoned.features.values[7] = std::numeric_limits<double>::quiet_NaN();
  const Bytes poisoned_file = sealed(poisoned, "hospital-a", a_key);
  EXPECT_EQ(session_->release(release("hospital-a", a_, poisoned_file, a_key), enclave_).status().code(),
            ErrorCode::conflict);
  ASSERT_TRUE(session_->release(release("hospital-a", a_, poisoned_file, a_key), enclave_, true).is_ok());
  EXPECT_EQ(session_->load_dataset("hospital-a", poisoned_file).message(),
            "hospital-a's dataset holds a value that is not finite or a label that is not 0 or 1");
  LabelledRows bad_label = a_rows_;
  bad_label.labels[3] = 0.5;
  EXPECT_FALSE(values_are_valid(bad_label));
  EXPECT_TRUE(values_are_valid(a_rows_));

  session_->withdraw("hospital-a");
  EXPECT_FALSE(session_->progress()["hospital-a"].key_released);
}

}  // namespace
}  // namespace cloister::cleanroom
