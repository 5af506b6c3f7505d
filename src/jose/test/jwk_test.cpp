#include <gtest/gtest.h>

#include "crypto/x509.h"
#include "jose/jose.h"
#include "jose/test/test_keys.h"

namespace cloister::jose {
namespace {

using crypto::KeyType;
using nlohmann::json;
using testing::kRfc7638RsaN;
using testing::test_key;

json rfc7638_jwk() {
  return {{"kty", "RSA"}, {"n", kRfc7638RsaN}, {"e", "AQAB"}, {"alg", "RS256"}, {"kid", "2011-04-29"}};
}

TEST(Thumbprint, Rfc7638Example) {
  auto key = key_from_jwk(rfc7638_jwk());
  ASSERT_TRUE(key.is_ok()) << key.status().to_string();
  auto print = thumbprint(*key);
  ASSERT_TRUE(print.is_ok()) << print.status().to_string();
  EXPECT_EQ(*print, testing::kRfc7638Thumbprint);
  // public_jwk reproduces the RFC's members exactly.
  auto jwk = public_jwk(*key, "2011-04-29", {{"alg", "RS256"}});
  ASSERT_TRUE(jwk.is_ok());
  EXPECT_EQ(*jwk, rfc7638_jwk());
}

TEST(Jwk, RoundTripsEveryKeyType) {
  for (KeyType type : {KeyType::ec_p256, KeyType::ec_p384, KeyType::rsa}) {
    const crypto::PublicKey key = test_key(type).public_key();
    auto jwk = public_jwk(key, "", {{"use", "sig"}});
    ASSERT_TRUE(jwk.is_ok()) << jwk.status().to_string();
    EXPECT_EQ((*jwk)["kid"], *thumbprint(key)) << "an empty kid becomes the thumbprint";
    EXPECT_EQ((*jwk)["use"], "sig");
    EXPECT_EQ((*jwk)["kty"], type == KeyType::rsa ? "RSA" : "EC");
    auto back = key_from_jwk(*jwk);
    ASSERT_TRUE(back.is_ok()) << back.status().to_string();
    EXPECT_EQ(*back->to_der(), *key.to_der());
    EXPECT_EQ(*thumbprint(*back), *thumbprint(key));
  }
  EXPECT_NE(*thumbprint(test_key(KeyType::ec_p256).public_key()),
            *thumbprint(test_key(KeyType::ec_p384).public_key()));
}

TEST(Jwk, ExtraMembersCannotReplaceKeyMembers) {
  const crypto::PublicKey key = test_key(KeyType::ec_p256).public_key();
  for (const char* member : {"kty", "x", "crv", "kid", "d"}) {
    EXPECT_EQ(public_jwk(key, "k", {{member, "AAAA"}}).status().code(), ErrorCode::invalid_argument)
        << member;
  }
  EXPECT_EQ(public_jwk(key, "k", json::array()).status().code(), ErrorCode::invalid_argument);
  EXPECT_FALSE(public_jwk(crypto::PublicKey(), "k").is_ok());
}

json p256_jwk() {
  return *public_jwk(test_key(KeyType::ec_p256).public_key(), "ec");
}

TEST(Jwk, MalformedKeysAreRefused) {
  auto expect_refused = [](const json& jwk, ErrorCode code, const char* fragment) {
    auto key = key_from_jwk(jwk);
    ASSERT_FALSE(key.is_ok()) << jwk.dump();
    EXPECT_EQ(key.status().code(), code) << key.status().to_string();
    EXPECT_NE(key.status().message().find(fragment), std::string::npos) << key.status().to_string();
  };
  expect_refused(json::array(), ErrorCode::invalid_argument, "not a JSON object");
  json with_d = p256_jwk();
  with_d["d"] = "jpsQnnGQmL-YBIffH1136cLV_4qHDMIclmyNLn7H-IM";
  expect_refused(with_d, ErrorCode::invalid_argument, "private member \"d\"");
  json no_kty = p256_jwk();
  no_kty.erase("kty");
  expect_refused(no_kty, ErrorCode::decode_error, "no \"kty\"");
  json oct = {{"kty", "oct"}, {"kid", "x"}};
  expect_refused(oct, ErrorCode::invalid_argument, "is not EC or RSA");
  json p521 = p256_jwk();
  p521["crv"] = "P-521";
  expect_refused(p521, ErrorCode::invalid_argument, "P-521");
  json numeric_x = p256_jwk();
  numeric_x["x"] = 5;
  expect_refused(numeric_x, ErrorCode::decode_error, "\"x\" is not a string");
  json short_x = p256_jwk();
  short_x["x"] = to_base64url(Bytes(31, 1));
  expect_refused(short_x, ErrorCode::decode_error, "32 bytes");
  json padded = p256_jwk();
  padded["x"] = padded["x"].get<std::string>() + "=";
  expect_refused(padded, ErrorCode::decode_error, "padded");
  json off_curve = p256_jwk();
  Bytes y = testing::b64url(off_curve["y"].get<std::string>());
  y.back() ^= 1;
  off_curve["y"] = to_base64url(y);
  expect_refused(off_curve, ErrorCode::decode_error, "P-256");
  json bad_kid = p256_jwk();
  bad_kid["kid"] = 7;
  expect_refused(bad_kid, ErrorCode::decode_error, "\"kid\" is not a string");

  json rsa = rfc7638_jwk();
  rsa["n"] = "AA" + rsa["n"].get<std::string>().substr(2);  // a leading zero byte
  expect_refused(rsa, ErrorCode::decode_error, "leading zero");
  json small_rsa = rfc7638_jwk();
  small_rsa["n"] = to_base64url(Bytes(128, 0xc5));  // 1024 bits
  expect_refused(small_rsa, ErrorCode::decode_error, "1024 bits");
  json even_e = rfc7638_jwk();
  even_e["e"] = "AQAA";
  expect_refused(even_e, ErrorCode::decode_error, "exponent");
}

TEST(KeySet, FromJwksSkipsForeignKeysAndIndexesByKid) {
  const crypto::PublicKey rsa = test_key(KeyType::rsa).public_key();
  json no_kid = *public_jwk(test_key(KeyType::ec_p384).public_key());
  no_kid.erase("kid");
  const json jwks = {{"keys",
                      {p256_jwk(),
                       *public_jwk(rsa, "rsa-1"),
                       no_kid,
                       {{"kty", "oct"}, {"k", "c2VjcmV0"}, {"kid", "hmac"}},
                       {{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", "AAAA"}},
                       {{"kty", "EC"}, {"crv", "P-521"}, {"x", "AAAA"}, {"y", "AAAA"}},
                       *public_jwk(test_key(KeyType::ec_p256).public_key(), "enc-key", {{"use", "enc"}})}}};
  auto set = KeySet::from_jwks(jwks);
  ASSERT_TRUE(set.is_ok()) << set.status().to_string();
  EXPECT_EQ(set->size(), 3u);
  ASSERT_NE(set->find("ec"), nullptr);
  ASSERT_NE(set->find("rsa-1"), nullptr);
  EXPECT_EQ(*set->find("rsa-1")->to_der(), *rsa.to_der());
  EXPECT_NE(set->find(*thumbprint(test_key(KeyType::ec_p384).public_key())), nullptr)
      << "a JWK without kid is found by its thumbprint";
  EXPECT_EQ(set->find("hmac"), nullptr);
  EXPECT_EQ(set->find("enc-key"), nullptr);
  EXPECT_EQ(set->certificates("ec"), nullptr);
}

TEST(KeySet, MalformedSetsAreRefused) {
  EXPECT_EQ(KeySet::from_jwks(json::array()).status().code(), ErrorCode::decode_error);
  EXPECT_EQ(KeySet::from_jwks(json::object()).status().code(), ErrorCode::decode_error);
  EXPECT_EQ(KeySet::from_jwks({{"keys", "none"}}).status().code(), ErrorCode::decode_error);
  EXPECT_EQ(KeySet::from_jwks({{"keys", {7}}}).status().code(), ErrorCode::decode_error);
  EXPECT_EQ(KeySet::from_jwks({{"keys", {{{"kid", "no kty"}}}}}).status().code(), ErrorCode::decode_error);
  auto duplicate = KeySet::from_jwks({{"keys", {p256_jwk(), p256_jwk()}}});
  EXPECT_EQ(duplicate.status().code(), ErrorCode::decode_error);
  EXPECT_NE(duplicate.status().message().find("appears twice"), std::string::npos);
  json broken = p256_jwk();
  broken["y"] = "AAAA";
  auto refused =
      KeySet::from_jwks({{"keys", {*public_jwk(test_key(KeyType::rsa).public_key(), "r"), broken}}});
  EXPECT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("JWKS key 1"), std::string::npos) << refused.status().to_string();
  json with_private = p256_jwk();
  with_private["d"] = "AAAA";
  EXPECT_EQ(KeySet::from_jwks({{"keys", {with_private}}}).status().code(), ErrorCode::invalid_argument);
}

crypto::Certificate self_signed(const crypto::PrivateKey& key) {
  crypto::CertificateRequest request;
  request.subject_common_name = "jose test";
  return std::move(crypto::issue_certificate(request, key.public_key(), key, nullptr)).value();
}

TEST(KeySet, X5cLeafMustHoldTheJwkKey) {
  const crypto::PrivateKey& signer = test_key(KeyType::ec_p256);
  const Bytes leaf = *self_signed(signer).to_der();
  json jwk = p256_jwk();
  jwk["x5c"] = {to_base64(leaf)};
  auto set = KeySet::from_jwks({{"keys", {jwk}}});
  ASSERT_TRUE(set.is_ok()) << set.status().to_string();
  ASSERT_NE(set->certificates("ec"), nullptr);
  EXPECT_EQ(*set->certificates("ec"), std::vector<Bytes>{leaf});

  json other = p256_jwk();
  other["x5c"] = {to_base64(*self_signed(test_key(KeyType::ec_p384)).to_der())};
  auto mismatch = KeySet::from_jwks({{"keys", {other}}});
  EXPECT_EQ(mismatch.status().code(), ErrorCode::verification_failed);
  EXPECT_NE(mismatch.status().message().find("different key"), std::string::npos);

  for (const json& bad :
       {json("not an array"), json::array(), json{to_base64(leaf).substr(4)}, json{"AAAA"}, json{1}}) {
    json broken = p256_jwk();
    broken["x5c"] = bad;
    EXPECT_FALSE(KeySet::from_jwks({{"keys", {broken}}}).is_ok()) << bad.dump();
  }
}

TEST(KeySet, AddReplacesByKid) {
  KeySet set;
  set.add("k", test_key(KeyType::ec_p256).public_key());
  set.add("k", test_key(KeyType::rsa).public_key());
  EXPECT_EQ(set.size(), 1u);
  EXPECT_EQ(*set.find("k")->type(), KeyType::rsa);
  EXPECT_EQ(set.find("other"), nullptr);
}

}  // namespace
}  // namespace cloister::jose
