// End to end: the real signed training enclave, launched with the process
// backend. Two parties verify its evidence (which names their contract),
// release their data keys to the instance key it binds, their encrypted
// datasets go in in parts, and the model comes out sealed to the recipients.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cleanroom/data_key_release.h"
#include "cleanroom/enclave_calls.h"
#include "cleanroom/encrypted_dataset.h"
#include "cleanroom/model_json.h"
#include "cloister/host.h"
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

class CleanroomEnclave : public ::testing::Test {
 protected:
  void SetUp() override {
    EnclaveOptions options;
    options.backend = Backend::process;
    auto launched = Enclave::create(CLEANROOM_ENCLAVE_IMAGE, options);
    ASSERT_TRUE(launched.is_ok()) << launched.status().to_string();
    enclave_ = std::make_unique<Enclave>(std::move(launched).value());

    std::ifstream in(std::string(CLOISTER_DATA_DIR) + "/wdbc.csv");
    std::stringstream text;
    text << in.rdbuf();
    schema_ = schema_from_header(text.str(), "diagnosis", "M", "B");
    const LabelledRows all = parse_labelled_csv(text.str(), schema_).value();
    for (std::size_t r = 0; r < all.features.rows; ++r) {
      LabelledRows& to = r >= 400 ? test_ : (r < 150 ? a_rows_ : b_rows_);
      to.features.values.insert(to.features.values.end(), all.features.row(r), all.features.row(r) + 30);
      to.labels.push_back(all.labels[r]);
    }
    for (LabelledRows* part : {&a_rows_, &b_rows_, &test_}) {
      part->features.cols = 30;
      part->features.rows = part->labels.size();
    }
    contract_ =
        json{{"contract", "cloister-cleanroom/1"},
             {"name", "screening"},
             {"parties",
              {{{"name", "hospital-a"}, {"public_key", *jose::public_jwk(a_.public_key())}},
               {{"name", "hospital-b"}, {"public_key", *jose::public_jwk(b_.public_key())}}}},
             {"schema",
              {{"features", schema_.features}, {"label", "diagnosis"}, {"positive", "M"}, {"negative", "B"}}},
             {"algorithm", {{"name", "logistic_regression"}, {"epochs", 500}}},
             {"outputs",
              {{{"party", "hospital-a"}, {"receives", "model"}},
               {{"party", "hospital-b"}, {"receives", "model"}}}}}
            .dump(2);
    parsed_ = std::make_unique<Contract>(parse_contract(as_bytes(contract_)).value());
  }

  // What a party does before releasing anything: verify the evidence, check
  // that it names this contract and the nonce, and take the instance key.
  crypto::PublicKey verified_enclave_key() {
    const Bytes nonce = *crypto::random_bytes(16);
    auto reply = enclave_->call(CollaborationEvidence{.nonce = nonce});
    EXPECT_TRUE(reply.is_ok()) << reply.status().to_string();
    const auto digest = crypto::sha256(reply->runtime_data);
    Expectations expect;
    expect.allow_development_platform = true;
    expect.measurement = enclave_->identity().measurement;
    expect.report_data_prefix = Bytes(digest.begin(), digest.end());
    expect.report_data_prefix->resize(64, 0);
    auto verified = verify_evidence(reply->evidence, {enclave_->platform_ca_der()}, expect);
    EXPECT_TRUE(verified.is_ok()) << verified.status().to_string();
    EXPECT_FALSE(verified->report.identity.debug);
    const json runtime = json::parse(reply->runtime_data.begin(), reply->runtime_data.end());
    EXPECT_EQ(runtime.at("contract"), parsed_->hash_hex());
    EXPECT_EQ(runtime.at("nonce"), to_base64url(nonce));
    return jose::key_from_jwk(runtime.at("keys").at(0)).value();
  }

  // A party's whole upload: seal, release the key, send the file in parts.
  void take_part(const std::string& party, const crypto::PrivateKey& key, const LabelledRows& rows) {
    const Bytes data_key = *crypto::random_bytes(32);
    const Bytes file =
        *seal_dataset(rows, {.contract = parsed_->hash_hex(), .party = party, .chunk_rows = 64}, data_key);
    const std::string jwe = *seal_data_key_release(*parsed_, party, key, to_hex(crypto::sha256(file)),
                                                   data_key, verified_enclave_key());
    auto released = enclave_->call(ReleaseDataKey{.jwe = jwe, .replace = false});
    ASSERT_TRUE(released.is_ok()) << released.status().to_string();
    EXPECT_EQ(released->party, party);
    constexpr std::size_t kPart = 16 * 1024;
    for (std::size_t offset = 0; offset < file.size(); offset += kPart) {
      const std::size_t size = std::min(kPart, file.size() - offset);
      auto loaded =
          enclave_->call(LoadDatasetPart{.party = party,
                                         .offset = offset,
                                         .bytes = Bytes(file.begin() + static_cast<long>(offset),
                                                        file.begin() + static_cast<long>(offset + size)),
                                         .last = offset + size == file.size()});
      ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
      if (offset + size == file.size()) {
        EXPECT_EQ(loaded->rows, rows.features.rows);
      }
    }
  }

  std::unique_ptr<Enclave> enclave_;
  Schema schema_;
  LabelledRows a_rows_, b_rows_, test_;
  crypto::PrivateKey a_ = new_key(), b_ = new_key();
  std::string contract_;
  std::unique_ptr<Contract> parsed_;
};

TEST_F(CleanroomEnclave, TwoPartiesTrainTogetherAndEachGetsTheModel) {
  EXPECT_EQ(enclave_->call(CollaborationEvidence{.nonce = {}}).status().code(),
            ErrorCode::failed_precondition);
  auto opened = enclave_->call(OpenCollaboration{.contract = Bytes(contract_.begin(), contract_.end())});
  ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
  EXPECT_EQ(opened->contract_sha256, parsed_->hash_hex());
  const std::string other = json::parse(contract_).dump();  // same contract, other bytes
  EXPECT_EQ(enclave_->call(OpenCollaboration{.contract = Bytes(other.begin(), other.end())}).status().code(),
            ErrorCode::conflict);

  take_part("hospital-a", a_, a_rows_);
  EXPECT_EQ(enclave_->call(TrainModel{}).status().message(), "waiting for hospital-b (data key and dataset)");
  EXPECT_EQ(enclave_->call(LoadDatasetPart{.party = "hospital-b", .offset = 5, .bytes = {1}, .last = false})
                .status()
                .message(),
            "dataset parts must come in order: expected offset 0");
  take_part("hospital-b", b_, b_rows_);
  auto progress = enclave_->call(CollaborationProgress{});
  ASSERT_TRUE(progress.is_ok());
  ASSERT_EQ(progress->parties.size(), 2u);
  EXPECT_TRUE(progress->parties[1].data_loaded);

  auto trained = enclave_->call(TrainModel{});
  ASSERT_TRUE(trained.is_ok()) << trained.status().to_string();
  EXPECT_EQ(trained->rows, 400u);
  ASSERT_EQ(trained->models.size(), 2u);
  for (const auto& sealed : trained->models) {
    const crypto::PrivateKey& key = sealed.party == "hospital-a" ? a_ : b_;
    const crypto::PrivateKey& other_key = sealed.party == "hospital-a" ? b_ : a_;
    EXPECT_FALSE(jose::decrypt_jwe(sealed.jwe, other_key).is_ok()) << "one party read the other's copy";
    auto plaintext = jose::decrypt_jwe(sealed.jwe, key);
    ASSERT_TRUE(plaintext.is_ok());
    auto model = model_from_json(json::parse(plaintext->view().begin(), plaintext->view().end()));
    ASSERT_TRUE(model.is_ok()) << model.status().to_string();
    std::size_t right = 0;
    for (std::size_t r = 0; r < test_.features.rows; ++r)
      right += (model->model.probability({test_.features.row(r), 30}) >= 0.5) == (test_.labels[r] == 1.0);
    EXPECT_GE(static_cast<double>(right) / static_cast<double>(test_.features.rows), 0.95) << sealed.party;
  }
}

}  // namespace
}  // namespace cloister::cleanroom
