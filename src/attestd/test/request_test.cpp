#include "attestd/request.h"

#include <gtest/gtest.h>

#include "attestd/routes.h"
#include "common/encoding.h"

namespace cloister::attestd {
namespace {

nlohmann::json body(const std::string& data = "{\"k\":1}", const std::string& type = "JSON") {
  return {{"evidence", to_base64url(to_bytes("EVIDENCE"))},
          {"runtimeData", {{"data", to_base64url(to_bytes(data))}, {"dataType", type}}}};
}

std::string refusal(const nlohmann::json& json) {
  auto result = parse_attest_request(json);
  EXPECT_FALSE(result.is_ok());
  if (result) return {};
  EXPECT_EQ(result.status().code(), ErrorCode::invalid_argument);
  return result.status().message();
}

TEST(AttestRequest, ParsesMaaShape) {
  auto json = body();
  json["nonce"] = "n-1";
  auto request = parse_attest_request(json);
  ASSERT_TRUE(request) << request.status().message();
  EXPECT_EQ(request->evidence, to_bytes("EVIDENCE"));
  EXPECT_EQ(request->runtime_data, to_bytes("{\"k\":1}"));
  EXPECT_EQ(request->data_type, RuntimeDataType::json);
  EXPECT_EQ(request->runtime_json["k"], 1);
  EXPECT_EQ(request->nonce, "n-1");
  auto binary = parse_attest_request(body("\x01\x02", "Binary"));
  ASSERT_TRUE(binary);
  EXPECT_EQ(binary->data_type, RuntimeDataType::binary);
  EXPECT_FALSE(binary->nonce);
}

TEST(AttestRequest, EveryMalformedFieldGetsAMessageNamingIt) {
  EXPECT_NE(refusal(nlohmann::json::array()).find("JSON object"), std::string::npos);
  auto json = body();
  json.erase("evidence");
  EXPECT_NE(refusal(json).find("missing \"evidence\""), std::string::npos);
  json = body();
  json["evidence"] = 42;
  EXPECT_NE(refusal(json).find("\"evidence\" must be a base64url string"), std::string::npos);
  json["evidence"] = "not base64url!";
  EXPECT_NE(refusal(json).find("not valid base64url"), std::string::npos);
  json["evidence"] = "";
  EXPECT_NE(refusal(json).find("empty"), std::string::npos);
  json["evidence"] = std::string(200'000, 'A');
  EXPECT_NE(refusal(json).find("larger than"), std::string::npos);
  json = body();
  json.erase("runtimeData");
  EXPECT_NE(refusal(json).find("missing \"runtimeData\""), std::string::npos);
  json["runtimeData"] = "abc";
  EXPECT_NE(refusal(json).find("must be an object"), std::string::npos);
  json["runtimeData"] = nlohmann::json::object();
  EXPECT_NE(refusal(json).find("runtimeData.data"), std::string::npos);
  EXPECT_NE(refusal(body("{}", "XML")).find("\"Binary\" or \"JSON\""), std::string::npos);
  EXPECT_NE(refusal(body("{not json", "JSON")).find("not valid JSON"), std::string::npos);
  EXPECT_NE(refusal(body("[1,2]", "JSON")).find("JSON object"), std::string::npos);
  EXPECT_NE(refusal(body(std::string(100, '[') + std::string(100, ']'), "JSON")).find("deeper"),
            std::string::npos);
  json = body();
  json["nonce"] = 7;
  EXPECT_NE(refusal(json).find("\"nonce\" must be a string"), std::string::npos);
  json["nonce"] = std::string(2000, 'n');
  EXPECT_NE(refusal(json).find("\"nonce\" must be 1 to"), std::string::npos);
}

TEST(PolicyBody, AcceptsTextOrMaaJwsEnvelope) {
  const std::string text = "version= 1.0; authorizationrules { => permit(); };";
  EXPECT_EQ(*policy_from_body(text), text);
  const std::string header = to_base64url(to_bytes("{\"alg\":\"none\"}"));
  const std::string payload =
      to_base64url(to_bytes(nlohmann::json{{"AttestationPolicy", to_base64url(to_bytes(text))}}.dump()));
  auto unwrapped = policy_from_body(header + "." + payload + ".");
  ASSERT_TRUE(unwrapped) << unwrapped.status().message();
  EXPECT_EQ(*unwrapped, text);
  EXPECT_FALSE(policy_from_body(header + "." + to_base64url(to_bytes("{}")) + "."));
  EXPECT_FALSE(policy_from_body("  \n"));
}

}  // namespace
}  // namespace cloister::attestd
