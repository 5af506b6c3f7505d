// The service end to end without HTTP: real evidence signed by an in-process
// test platform, a real token verified with the JOSE module.
#include "attestd/service.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "attest/test/test_platform.h"
#include "attestd/test/test_util.h"
#include "common/encoding.h"
#include "crypto/sha.h"
#include "jose/jose.h"

namespace cloister::attestd {
namespace {

using attest::testing::TestPlatform;
using testing::must;
using testing::TempDir;

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    platform_ = TestPlatform::create("EU operator CA");
    ASSERT_TRUE(edit_registry(dir_.path() + "/platforms.json", [&](Registry& r) {
      return r.add("eu-1", must(platform_.ca.to_pem()), {{"region", "eu-west"}});
    }));
    auto data_dir = must(DataDir::open(dir_.path(), {}));
    ServiceOptions options;
    options.issuer = "https://attestd.test";
    service_ = must(AttestationService::create(std::move(data_dir), options));
  }

  // A report binding SHA-256(runtime) as attestd expects.
  Report bound_report(const std::string& runtime) const {
    Report report = platform_.good_report();
    report.report_data.fill(0);
    const auto digest = crypto::sha256(as_bytes(runtime));
    std::copy(digest.begin(), digest.end(), report.report_data.begin());
    return report;
  }

  AttestRequest request(const Bytes& evidence, const std::string& runtime, bool json = false) const {
    AttestRequest r;
    r.evidence = evidence;
    r.runtime_data = to_bytes(runtime);
    if (json) {
      r.data_type = RuntimeDataType::json;
      r.runtime_json = nlohmann::json::parse(runtime);
    }
    return r;
  }

  nlohmann::json verify(const std::string& token) const {
    auto keys = must(jose::KeySet::from_jwks(service_->signer().jwks()));
    jose::ValidationOptions options;
    options.issuer = "https://attestd.test";
    return must(jose::verify_jwt(token, keys, options));
  }

  void expect_refused(const AttestOutcome& outcome, int status, const std::string& code,
                      const std::string& text) {
    ASSERT_TRUE(outcome.refusal) << "a token was issued";
    EXPECT_EQ(outcome.refusal->http_status, status);
    EXPECT_EQ(outcome.refusal->code, code);
    EXPECT_NE(outcome.refusal->message.find(text), std::string::npos) << outcome.refusal->message;
    EXPECT_TRUE(outcome.token.empty());
  }

  TempDir dir_;
  TestPlatform platform_;
  std::unique_ptr<AttestationService> service_;
};

TEST_F(ServiceTest, IssuesATokenWithEveryClaim) {
  const std::string runtime = R"({"pub":"abc","n":3})";
  const Report report = bound_report(runtime);
  auto r = request(platform_.sign(report), runtime, /*json=*/true);
  r.nonce = "nonce-1";
  AttestOutcome outcome = service_->attest(r);
  ASSERT_FALSE(outcome.refusal) << outcome.refusal->message;
  auto header = must(jose::decode_jwt(outcome.token)).header;
  EXPECT_EQ(header["alg"], "ES256");
  EXPECT_EQ(header["kid"], service_->signer().kid());
  ASSERT_TRUE(header.contains("x5c"));

  auto claims = verify(outcome.token);
  EXPECT_EQ(claims["iss"], "https://attestd.test");
  EXPECT_EQ(claims["exp"].get<std::int64_t>() - claims["iat"].get<std::int64_t>(), 8 * 3600);
  EXPECT_EQ(claims["nbf"], claims["iat"]);
  EXPECT_EQ(claims["jti"].get<std::string>().size(), 64u);
  EXPECT_EQ(claims["nonce"], "nonce-1");
  EXPECT_EQ(claims["x-ms-attestation-type"], "cloister");
  EXPECT_EQ(claims["x-ms-ver"], "1.0");
  EXPECT_EQ(claims["x-ms-policy-hash"], service_->policies().current()->hash);
  EXPECT_EQ(claims["x-ms-runtime"], nlohmann::json::parse(runtime));
  EXPECT_EQ(claims["x-ms-sgx-mrenclave"], to_hex(report.identity.measurement));
  EXPECT_EQ(claims["x-ms-sgx-mrsigner"], to_hex(report.identity.signer));
  EXPECT_EQ(claims["x-ms-sgx-product-id"], 7);
  EXPECT_EQ(claims["x-ms-sgx-svn"], 3);
  EXPECT_EQ(claims["x-ms-sgx-is-debuggable"], false);
  EXPECT_EQ(claims["x-ms-sgx-ehd"], to_base64url(to_bytes(runtime)));
  EXPECT_EQ(claims["x-ms-sgx-report-data"], to_hex(report.report_data));
  EXPECT_EQ(claims["x-cloister-backend"], "process");
  EXPECT_EQ(claims["x-cloister-isolation"], "process");
  EXPECT_EQ(claims["x-cloister-development-platform"], false);
  EXPECT_EQ(claims["x-cloister-platform-id"], to_hex(platform_.id));
  EXPECT_EQ(claims["x-cloister-platform-name"], "eu-1");
  EXPECT_EQ(claims["x-cloister-platform-region"], "eu-west");
  EXPECT_EQ(claims["x-cloister-evidence-time"], static_cast<std::int64_t>(report.timestamp_ms / 1000));
}

TEST_F(ServiceTest, BinaryRuntimeDataHasNoRuntimeObject) {
  const std::string runtime("\x00\xff\x10", 3);
  AttestOutcome outcome = service_->attest(request(platform_.sign(bound_report(runtime)), runtime));
  ASSERT_FALSE(outcome.refusal) << outcome.refusal->message;
  auto claims = verify(outcome.token);
  EXPECT_FALSE(claims.contains("x-ms-runtime"));
  EXPECT_FALSE(claims.contains("nonce"));
}

TEST_F(ServiceTest, DefaultPolicyRefusesDebugSimAndDevelopmentEvidence) {
  Report debug = bound_report("rt");
  debug.identity.debug = true;
  expect_refused(service_->attest(request(platform_.sign(debug), "rt")), 403, "PolicyDenied",
                 "x-ms-sgx-is-debuggable");
  Report sim = bound_report("rt");
  sim.backend = Backend::sim;
  sim.isolation = Isolation::none;
  expect_refused(service_->attest(request(platform_.sign(sim), "rt")), 403, "PolicyDenied",
                 "x-cloister-isolation");
  Report development = bound_report("rt");
  development.development_platform = true;
  expect_refused(service_->attest(request(platform_.sign(development), "rt")), 403, "PolicyDenied",
                 "x-cloister-development-platform");
}

TEST_F(ServiceTest, RefusesEvidenceItCannotTrust) {
  const Bytes good = platform_.sign(bound_report("rt"));
  Bytes truncated(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(good.size() / 2));
  expect_refused(service_->attest(request(truncated, "rt")), 400, "MalformedEvidence",
                 "truncated or malformed");
  expect_refused(service_->attest(request(to_bytes("junk"), "rt")), 400, "MalformedEvidence", "malformed");

  auto stranger = TestPlatform::create("Stranger CA");
  expect_refused(service_->attest(request(stranger.sign(bound_report("rt")), "rt")), 403, "UntrustedPlatform",
                 "untrusted platform");
  // Same CA name, different key: the name alone buys nothing.
  auto impostor = TestPlatform::create("EU operator CA");
  expect_refused(service_->attest(request(impostor.sign(bound_report("rt")), "rt")), 403, "UntrustedPlatform",
                 "untrusted platform");

  Report stale = bound_report("rt");
  stale.timestamp_ms -= 11 * 60 * 1000;
  expect_refused(service_->attest(request(platform_.sign(stale), "rt")), 403, "EvidenceRejected",
                 "older than");
  Bytes forged = good;
  forged[20] ^= 1;  // inside the measurement: the signature no longer covers it
  expect_refused(service_->attest(request(forged, "rt")), 403, "EvidenceRejected", "signature");
}

TEST_F(ServiceTest, RefusesMismatchedRuntimeDataAndReplayedNonces) {
  const Bytes evidence = platform_.sign(bound_report("rt"));
  expect_refused(service_->attest(request(evidence, "other")), 400, "RuntimeDataMismatch", "SHA-256");
  Report tail = bound_report("rt");
  tail.report_data[40] = 1;
  expect_refused(service_->attest(request(platform_.sign(tail), "rt")), 400, "RuntimeDataMismatch", "zero");

  auto r = request(evidence, "rt");
  r.nonce = "once";
  EXPECT_FALSE(service_->attest(r).refusal);
  expect_refused(service_->attest(r), 409, "ReplayedNonce", "used before");
}

TEST_F(ServiceTest, PolicyIssuesClaimsButCannotOverwriteTheServices) {
  ASSERT_TRUE(service_->policies().set(R"(version= 1.0;
authorizationrules { c:[type=="x-cloister-platform-region", value=="eu-west"] => permit(); };
issuancerules {
  c:[type=="x-ms-sgx-mrsigner"] => issue(type="signer", value=c.value);
  => issue(type="x-ms-sgx-is-debuggable", value=true);
  => issue(type="iss", value="evil");
};)",
                                       std::nullopt));
  AttestOutcome outcome = service_->attest(request(platform_.sign(bound_report("rt")), "rt"));
  ASSERT_FALSE(outcome.refusal) << outcome.refusal->message;
  auto claims = verify(outcome.token);
  EXPECT_EQ(claims["signer"], to_hex(platform_.good_report().identity.signer));
  EXPECT_EQ(claims["x-ms-sgx-is-debuggable"], false);
  EXPECT_EQ(claims["iss"], "https://attestd.test");
}

TEST_F(ServiceTest, AdminCredentialIsComparedExactly) {
  auto credential = must(read_credential(dir_.path() + "/admin_credential"));
  EXPECT_TRUE(service_->is_admin(credential));
  EXPECT_FALSE(service_->is_admin(""));
  EXPECT_FALSE(service_->is_admin(credential + "x"));
  EXPECT_FALSE(service_->is_admin(credential.substr(1)));
}

TEST(DataDirTest, CreatesPrivateStateOnceAndRsaOnRequest) {
  TempDir dir;
  const std::string path = dir.path() + "/attestd";
  DataDirOptions options;
  options.key_type = crypto::KeyType::rsa;
  auto first = must(DataDir::open(path, options));
  EXPECT_TRUE(first.created);
  auto signer = must(TokenSigner::create(std::move(first.signing_key), first.certificate_chain));
  EXPECT_EQ(signer.algorithm(), jose::Algorithm::RS256);
  auto again = must(DataDir::open(path, {}));  // the key stays RSA: it already exists
  EXPECT_FALSE(again.created);
  EXPECT_EQ(must(TokenSigner::create(std::move(again.signing_key), again.certificate_chain)).kid(),
            signer.kid());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  for (const char* secret : {"/signing_key.pem", "/admin_credential"}) {
    ASSERT_EQ(::stat((path + secret).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << secret;
  }
}

TEST(DataDirTest, RegistersALocalPlatformOnFirstStartOnly) {
  TempDir dir;
  const std::string platform_dir = dir.path() + "/platform";
  ASSERT_EQ(::mkdir(platform_dir.c_str(), 0700), 0);
  auto platform = TestPlatform::create("Local operator CA");
  std::ofstream(platform_dir + "/operator_ca.pem") << must(platform.ca.to_pem());
  DataDirOptions options;
  options.local_platform_dir = platform_dir;
  auto first = must(DataDir::open(dir.path() + "/attestd", options));
  auto registry = must(Registry::load(first.registry_path()));
  ASSERT_EQ(registry.entries().size(), 1u);
  EXPECT_EQ(registry.entries()[0].name, "local");
  EXPECT_EQ(registry.entries()[0].ca_der, platform.ca_der);
  // Removed by the operator: a restart does not bring it back.
  ASSERT_TRUE(edit_registry(first.registry_path(), [](Registry& r) { return r.remove("local"); }));
  auto again = must(DataDir::open(dir.path() + "/attestd", options));
  EXPECT_TRUE(must(Registry::load(again.registry_path())).entries().empty());
}

}  // namespace
}  // namespace cloister::attestd
