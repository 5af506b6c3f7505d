// The instance key, the runtime data document and the built-in runtime
// evidence call, against a fake context whose "evidence" is the report data.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cloister/enclave.h"
#include "common/encoding.h"
#include "crypto/sha.h"
#include "enclave/context.h"

namespace cloister::enclave {
namespace {

class ReportDataContext final : public EnclaveContext {
 public:
  [[nodiscard]] const EnclaveIdentity& identity() const override { return identity_; }
  [[nodiscard]] Backend backend() const override { return Backend::process; }
  [[nodiscard]] const Bytes& platform_ca_der() const override { return ca_; }
  [[nodiscard]] bool development_platform() const override { return false; }
  Result<Bytes> ocall(std::uint32_t, ByteView) override { return Status(ErrorCode::unknown_call, "none"); }
  Result<Bytes> evidence(const std::array<std::uint8_t, 64>& report_data) override {
    return Bytes(report_data.begin(), report_data.end());
  }
  Result<SecretBytes> seal_key(SealPolicy, std::uint16_t, ByteView) override {
    return Status(ErrorCode::permission_denied, "no keys");
  }

 private:
  EnclaveIdentity identity_;
  Bytes ca_;
};

// The public key a runtime data document names, read back from its JWK.
crypto::PublicKey key_in(const std::string& json) {
  auto document = nlohmann::json::parse(json);
  const auto& jwk = document.at("keys").at(0);
  Bytes point{0x04};
  for (const char* coordinate : {"x", "y"}) {
    auto bytes = from_base64url(jwk.at(coordinate).get<std::string>());
    EXPECT_TRUE(bytes.is_ok());
    EXPECT_EQ(bytes->size(), 32u);
    point.insert(point.end(), bytes->begin(), bytes->end());
  }
  auto key = crypto::PublicKey::from_ec_point(crypto::KeyType::ec_p256, point);
  EXPECT_TRUE(key.is_ok()) << key.status().to_string();
  return std::move(key).value();
}

TEST(RuntimeData, DocumentIsCompactSortedAndNamesTheInstanceKey) {
  ReportDataContext context;
  ContextScope scope(&context);
  auto json = runtime_data_json(to_bytes("nonce-1"));
  ASSERT_TRUE(json.is_ok()) << json.status().to_string();
  EXPECT_EQ(
      json->rfind(R"({"keys":[{"crv":"P-256","kid":"enclave-instance","kty":"EC","use":"enc","x":")", 0), 0u)
      << *json;
  EXPECT_NE(json->find(R"("nonce":")" + to_base64url(to_bytes("nonce-1")) + "\"}"), std::string::npos)
      << *json;
  EXPECT_EQ(json->find(' '), std::string::npos);
  // Deterministic: the same nonce gives the same bytes.
  EXPECT_EQ(*runtime_data_json(to_bytes("nonce-1")), *json);
  EXPECT_NE(*runtime_data_json(to_bytes("nonce-2")), *json);

  auto own = instance_key().public_key().ec_point();
  ASSERT_TRUE(own.is_ok());
  EXPECT_EQ(*key_in(*json).ec_point(), *own);
}

TEST(RuntimeData, EvidenceBindsTheHashOfTheRuntimeData) {
  ReportDataContext context;
  ContextScope scope(&context);
  auto runtime = get_runtime_evidence(to_bytes("n"));
  ASSERT_TRUE(runtime.is_ok()) << runtime.status().to_string();
  auto digest = crypto::sha256(runtime->runtime_data);
  Bytes expected(digest.begin(), digest.end());
  expected.resize(64, 0);
  EXPECT_EQ(runtime->evidence, expected);
}

TEST(RuntimeData, TheJwkKeyAgreesWithTheKeyInside) {
  ReportDataContext context;
  ContextScope scope(&context);
  auto json = runtime_data_json({});
  ASSERT_TRUE(json.is_ok());
  auto peer = crypto::PrivateKey::generate(crypto::KeyType::ec_p256);
  ASSERT_TRUE(peer.is_ok());
  auto outside = peer->ecdh(key_in(*json));
  auto inside = instance_key().ecdh(peer->public_key());
  ASSERT_TRUE(outside.is_ok() && inside.is_ok());
  EXPECT_EQ(Bytes(outside->view().begin(), outside->view().end()),
            Bytes(inside->view().begin(), inside->view().end()));
}

TEST(RuntimeData, EachContextHasItsOwnStableKey) {
  ReportDataContext first;
  ReportDataContext second;
  Bytes first_point;
  {
    ContextScope scope(&first);
    first_point = *instance_key().public_key().ec_point();
    EXPECT_EQ(*instance_key().public_key().ec_point(), first_point);
  }
  ContextScope scope(&second);
  EXPECT_NE(*instance_key().public_key().ec_point(), first_point);
}

TEST(RuntimeData, BuiltInCallIsAnsweredByEveryEnclave) {
  ReportDataContext context;
  ContextScope scope(&context);
  Handlers handlers;  // no handlers of its own
  auto reply =
      handlers.dispatch(RuntimeEvidenceRequest::id, wire::encode(RuntimeEvidenceRequest{.nonce = {1, 2}}));
  ASSERT_TRUE(reply.is_ok()) << reply.status().to_string();
  auto decoded = wire::decode<RuntimeEvidence>(*reply);
  ASSERT_TRUE(decoded.is_ok());
  EXPECT_EQ(decoded->runtime_data, to_bytes(*runtime_data_json(Bytes{1, 2})));

  // A raw handler on a reserved id never runs; unknown reserved ids are unknown calls.
  handlers.add(RuntimeEvidenceRequest::id, [](ByteView) -> Result<Bytes> { return to_bytes("hijacked"); });
  auto again = handlers.dispatch(RuntimeEvidenceRequest::id, wire::encode(RuntimeEvidenceRequest{}));
  ASSERT_TRUE(again.is_ok());
  EXPECT_NE(to_string(*again), "hijacked");
  auto unknown = handlers.dispatch(kReservedCallIdBase + 999, {});
  ASSERT_FALSE(unknown.is_ok());
  EXPECT_EQ(unknown.status().code(), ErrorCode::unknown_call);
  auto malformed = handlers.dispatch(RuntimeEvidenceRequest::id, Bytes{0xFF});
  ASSERT_FALSE(malformed.is_ok());
  EXPECT_EQ(malformed.status().code(), ErrorCode::decode_error);
}

TEST(RuntimeData, RefusesOversizeNoncesAndCallsOutsideAnEnclave) {
  EXPECT_FALSE(instance_key().valid());
  auto outside = get_runtime_evidence({});
  ASSERT_FALSE(outside.is_ok());
  EXPECT_NE(outside.status().message().find("outside an enclave"), std::string::npos);

  ReportDataContext context;
  ContextScope scope(&context);
  auto too_long = runtime_data_json(Bytes(kMaxRuntimeNonceSize + 1, 0));
  ASSERT_FALSE(too_long.is_ok());
  EXPECT_EQ(too_long.status().code(), ErrorCode::invalid_argument);
  EXPECT_TRUE(runtime_data_json(Bytes(kMaxRuntimeNonceSize, 0)).is_ok());
}

}  // namespace
}  // namespace cloister::enclave
