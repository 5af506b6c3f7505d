// Signed party requests (party_request.h): only the contract's parties, each
// with its own key, over exactly the request sent, within the clock window,
// once.
#include "cleanroom/party_request.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/encoding.h"
#include "jose/jose.h"

namespace cloister::cleanroom {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;
const std::string kBody = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

class PartyRequestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string text =
        nlohmann::json{
            {"contract", "cloister-cleanroom/1"},
            {"name", "t"},
            {"parties",
             {{{"name", "hospital-a"}, {"public_key", *jose::public_jwk(a_.public_key())}},
              {{"name", "hospital-b"}, {"public_key", *jose::public_jwk(b_.public_key())}}}},
            {"schema", {{"features", {"x"}}, {"label", "y"}, {"positive", "M"}, {"negative", "B"}}},
            {"algorithm", {{"name", "logistic_regression"}}},
            {"outputs", {{{"party", "hospital-a"}, {"receives", "model"}}}}}
            .dump();
    contract_ = std::make_unique<Contract>(parse_contract(as_bytes(text)).value());
    verifier_ = std::make_unique<PartyRequestVerifier>(*contract_);
  }

  PartyRequestHeaders sign(const std::string& party, const crypto::PrivateKey& key,
                           std::int64_t time = kNow) {
    return sign_party_request(party, key, "POST", "/train", kBody, time).value();
  }

  crypto::PrivateKey a_ = crypto::PrivateKey::generate(crypto::KeyType::ec_p256).value();
  crypto::PrivateKey b_ = crypto::PrivateKey::generate(crypto::KeyType::ec_p256).value();
  std::unique_ptr<Contract> contract_;
  std::unique_ptr<PartyRequestVerifier> verifier_;
};

TEST_F(PartyRequestTest, AcceptsAPartysOwnRequestOnce) {
  const PartyRequestHeaders headers = sign("hospital-a", a_);
  auto party = verifier_->verify(headers, "POST", "/train", kBody, kNow + 10);
  ASSERT_TRUE(party.is_ok()) << party.status().to_string();
  EXPECT_EQ(*party, "hospital-a");
  auto replay = verifier_->verify(headers, "POST", "/train", kBody, kNow + 11);
  ASSERT_FALSE(replay.is_ok());
  EXPECT_NE(replay.status().message().find("replay"), std::string::npos);
  // The same request signed again (a new nonce) is a new request.
  EXPECT_TRUE(verifier_->verify(sign("hospital-a", a_), "POST", "/train", kBody, kNow).is_ok());
}

TEST_F(PartyRequestTest, RefusesAnotherRequestThanTheSignedOne) {
  const PartyRequestHeaders headers = sign("hospital-a", a_);
  EXPECT_FALSE(verifier_->verify(headers, "GET", "/train", kBody, kNow).is_ok());
  EXPECT_FALSE(verifier_->verify(headers, "POST", "/parties/hospital-a/withdraw", kBody, kNow).is_ok());
  EXPECT_FALSE(verifier_->verify(headers, "POST", "/train", std::string(64, '0'), kNow).is_ok());
  PartyRequestHeaders other_nonce = headers;
  other_nonce.nonce = "AAAAAAAAAAAAAAAAAAAAAA";
  EXPECT_FALSE(verifier_->verify(other_nonce, "POST", "/train", kBody, kNow).is_ok());
}

TEST_F(PartyRequestTest, RefusesOutsidersAndImpostors) {
  const crypto::PrivateKey outsider = crypto::PrivateKey::generate(crypto::KeyType::ec_p256).value();
  auto refused = verifier_->verify(sign("hospital-c", outsider), "POST", "/train", kBody, kNow);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::permission_denied);
  EXPECT_NE(refused.status().message().find("the contract has no party hospital-c"), std::string::npos);
  // A's key in B's name.
  refused = verifier_->verify(sign("hospital-b", a_), "POST", "/train", kBody, kNow);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("not hospital-b's"), std::string::npos);
}

TEST_F(PartyRequestTest, RefusesMissingOrMalformedHeadersAndSkewedClocks) {
  PartyRequestHeaders headers = sign("hospital-a", a_);
  for (auto PartyRequestHeaders::*member : {&PartyRequestHeaders::party, &PartyRequestHeaders::time,
                                            &PartyRequestHeaders::nonce, &PartyRequestHeaders::signature}) {
    PartyRequestHeaders missing = headers;
    missing.*member = "";
    EXPECT_EQ(verifier_->verify(missing, "POST", "/train", kBody, kNow).status().code(),
              ErrorCode::permission_denied);
  }
  PartyRequestHeaders bad_time = headers;
  bad_time.time = "12x";
  EXPECT_FALSE(verifier_->verify(bad_time, "POST", "/train", kBody, kNow).is_ok());
  PartyRequestHeaders long_nonce = headers;
  long_nonce.nonce = std::string(65, 'A');
  EXPECT_FALSE(verifier_->verify(long_nonce, "POST", "/train", kBody, kNow).is_ok());
  auto skewed = verifier_->verify(headers, "POST", "/train", kBody, kNow + kRequestClockSkewSeconds + 1);
  ASSERT_FALSE(skewed.is_ok());
  EXPECT_EQ(skewed.status().code(), ErrorCode::failed_precondition);
  EXPECT_TRUE(verifier_->verify(headers, "POST", "/train", kBody, kNow + kRequestClockSkewSeconds).is_ok());
}

// ECDSA signatures are malleable: (r, n - s) verifies too. The replay check
// is on what was signed, so the twin is a replay as well.
TEST_F(PartyRequestTest, TheMalleableTwinOfASignatureIsAReplay) {
  const PartyRequestHeaders headers = sign("hospital-a", a_);
  ASSERT_TRUE(verifier_->verify(headers, "POST", "/train", kBody, kNow).is_ok());
  Bytes signature = from_base64url(headers.signature).value();
  // n of P-256, big-endian.
  const Bytes n = from_hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551").value();
  Bytes twin = signature;
  int borrow = 0;
  for (int i = 31; i >= 0; --i) {
    int value = n[static_cast<std::size_t>(i)] - signature[32 + static_cast<std::size_t>(i)] - borrow;
    borrow = value < 0 ? 1 : 0;
    twin[32 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(value + (borrow ? 256 : 0));
  }
  PartyRequestHeaders malleated = headers;
  malleated.signature = to_base64url(twin);
  auto replay = verifier_->verify(malleated, "POST", "/train", kBody, kNow);
  ASSERT_FALSE(replay.is_ok());
  EXPECT_NE(replay.status().message().find("replay"), std::string::npos) << replay.status().message();
}

}  // namespace
}  // namespace cloister::cleanroom
