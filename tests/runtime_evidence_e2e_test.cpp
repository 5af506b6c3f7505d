// End to end: the runtime evidence every enclave answers binds its instance
// key, the key is really held inside, and each launch has its own.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cloister/host.h"
#include "common/encoding.h"
#include "crypto/keys.h"
#include "crypto/sha.h"
#include "enclave/test_calls.h"

namespace cloister {
namespace {

using namespace test_enclave;

Enclave launch(Backend backend = Backend::process) {
  EnclaveOptions options;
  options.backend = backend;
  auto enclave = Enclave::create(TEST_ENCLAVE_IMAGE, options);
  EXPECT_TRUE(enclave.is_ok()) << enclave.status().to_string();
  return std::move(enclave).value();
}

Bytes binding(ByteView runtime_data) {
  auto digest = crypto::sha256(runtime_data);
  Bytes prefix(digest.begin(), digest.end());
  prefix.resize(64, 0);
  return prefix;
}

Bytes jwk_point(ByteView runtime_data) {
  auto document = nlohmann::json::parse(runtime_data.begin(), runtime_data.end());
  const auto& jwk = document.at("keys").at(0);
  EXPECT_EQ(jwk.at("kid"), "enclave-instance");
  EXPECT_EQ(jwk.at("use"), "enc");
  Bytes point{0x04};
  for (const char* coordinate : {"x", "y"}) {
    auto bytes = from_base64url(jwk.at(coordinate).get<std::string>());
    EXPECT_TRUE(bytes.is_ok());
    point.insert(point.end(), bytes->begin(), bytes->end());
  }
  return point;
}

Expectations bound_to(ByteView runtime_data) {
  Expectations expect;
  expect.allow_development_platform = true;
  expect.report_data_prefix = binding(runtime_data);
  return expect;
}

TEST(RuntimeEvidence, BindsTheRuntimeDataAndTheNonce) {
  Enclave enclave = launch();
  const Bytes nonce = {0xde, 0xad, 0xbe, 0xef};
  auto runtime = enclave.runtime_evidence(nonce);
  ASSERT_TRUE(runtime.is_ok()) << runtime.status().to_string();
  auto document = nlohmann::json::parse(runtime->runtime_data.begin(), runtime->runtime_data.end());
  EXPECT_EQ(document.at("nonce"), to_base64url(nonce));

  Expectations expect = bound_to(runtime->runtime_data);
  expect.measurement = enclave.identity().measurement;
  auto verified = verify_evidence(runtime->evidence, {enclave.platform_ca_der()}, expect);
  ASSERT_TRUE(verified.is_ok()) << verified.status().to_string();

  // One changed byte of runtime data no longer matches the evidence.
  Bytes edited = runtime->runtime_data;
  edited[edited.size() / 2] ^= 1;
  auto refused = verify_evidence(runtime->evidence, {enclave.platform_ca_der()}, bound_to(edited));
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("report data"), std::string::npos);
}

TEST(RuntimeEvidence, TheBoundKeyIsHeldInsideTheEnclave) {
  Enclave enclave = launch();
  auto runtime = enclave.runtime_evidence({});
  ASSERT_TRUE(runtime.is_ok()) << runtime.status().to_string();
  auto enclave_key =
      crypto::PublicKey::from_ec_point(crypto::KeyType::ec_p256, jwk_point(runtime->runtime_data));
  ASSERT_TRUE(enclave_key.is_ok()) << enclave_key.status().to_string();

  auto peer = crypto::PrivateKey::generate(crypto::KeyType::ec_p256);
  ASSERT_TRUE(peer.is_ok());
  auto inside = enclave.call(InstanceKeyAgree{.peer_point = *peer->public_key().ec_point()});
  ASSERT_TRUE(inside.is_ok()) << inside.status().to_string();
  auto outside = peer->ecdh(*enclave_key);
  ASSERT_TRUE(outside.is_ok());
  EXPECT_EQ(inside->shared_secret, Bytes(outside->view().begin(), outside->view().end()));

  // The key is stable for the life of the instance.
  auto again = enclave.runtime_evidence({});
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(jwk_point(again->runtime_data), jwk_point(runtime->runtime_data));
}

TEST(RuntimeEvidence, EveryInstanceHasItsOwnKey) {
  Enclave first = launch();
  Enclave second = launch();
  Enclave sim_a = launch(Backend::sim);
  Enclave sim_b = launch(Backend::sim);
  std::vector<Bytes> points;
  for (Enclave* enclave : {&first, &second, &sim_a, &sim_b}) {
    auto runtime = enclave->runtime_evidence({});
    ASSERT_TRUE(runtime.is_ok()) << runtime.status().to_string();
    points.push_back(jwk_point(runtime->runtime_data));
  }
  for (std::size_t i = 0; i < points.size(); ++i) {
    for (std::size_t j = i + 1; j < points.size(); ++j) EXPECT_NE(points[i], points[j]) << i << " vs " << j;
  }
}

TEST(RuntimeEvidence, OversizeNonceIsRefused) {
  Enclave enclave = launch();
  auto runtime = enclave.runtime_evidence(Bytes(kMaxRuntimeNonceSize + 1, 7));
  ASSERT_FALSE(runtime.is_ok());
  EXPECT_EQ(runtime.status().code(), ErrorCode::invalid_argument);
  EXPECT_TRUE(enclave.runtime_evidence(Bytes(kMaxRuntimeNonceSize, 7)).is_ok());
}

}  // namespace
}  // namespace cloister
