#include "platform/platform_identity.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <type_traits>

#include "common/test/temp_dir.h"
#include "crypto/x509.h"

namespace cloister::platform {
namespace {

using testing::TempDir;

static_assert(std::is_nothrow_move_constructible_v<PlatformIdentity>);
static_assert(!std::is_copy_constructible_v<PlatformIdentity>);
static_assert(!std::is_copy_assignable_v<PlatformIdentity>);

unsigned mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

EnclaveIdentity test_enclave() {
  EnclaveIdentity id;
  id.measurement.fill(0x11);
  id.signer.fill(0x22);
  id.product_id = 5;
  id.security_version = 2;
  return id;
}

std::array<std::uint8_t, 64> nonce() {
  std::array<std::uint8_t, 64> data{};
  data.fill(0x5A);
  return data;
}

TEST(PlatformIdentity, InitCreatesPrivateFilesAndLoadReadsThem) {
  TempDir tmp;
  const std::string dir = tmp.sub("data/platform");  // parents are created too
  auto created = PlatformIdentity::init(dir, {});
  ASSERT_TRUE(created) << created.status().to_string();
  EXPECT_FALSE(created->development());
  EXPECT_EQ(mode_of(dir), 0700u);
  for (const char* name : {"root_secret", "attestation_key.pem", "operator_ca_key.pem"}) {
    EXPECT_EQ(mode_of(dir + "/" + name), 0600u) << name;
  }
  EXPECT_TRUE(std::filesystem::exists(dir + "/operator_ca.pem"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/attestation_cert.pem"));
  EXPECT_EQ(std::filesystem::file_size(dir + "/root_secret"), 32u);

  auto loaded = PlatformIdentity::load(dir);
  ASSERT_TRUE(loaded) << loaded.status().to_string();
  EXPECT_EQ(loaded->platform_id(), created->platform_id());
  EXPECT_EQ(loaded->operator_ca_der(), created->operator_ca_der());
  EXPECT_NE(loaded->operator_ca_pem().find("BEGIN CERTIFICATE"), std::string::npos);

  auto cert = crypto::Certificate::from_der(loaded->attestation_cert_der());
  ASSERT_TRUE(cert);
  auto ext = cert->extension("1.3.6.1.4.1.57264.1.1");
  ASSERT_TRUE(ext.has_value());
  EXPECT_TRUE(std::equal(loaded->platform_id().begin(), loaded->platform_id().end(), ext->end() - 32));
}

TEST(PlatformIdentity, OperatorNameIsTheCaSubject) {
  TempDir tmp;
  PlatformIdentity::InitOptions options;
  options.operator_name = "EU operator";
  auto created = PlatformIdentity::init(tmp.sub("p"), options);
  ASSERT_TRUE(created) << created.status().to_string();
  auto ca = crypto::Certificate::from_der(created->operator_ca_der());
  ASSERT_TRUE(ca);
  EXPECT_NE(ca->subject().find("EU operator"), std::string::npos);
}

TEST(PlatformIdentity, LoadedIdentitySignsEvidenceThatDefaultExpectationsAccept) {
  TempDir tmp;
  ASSERT_TRUE(PlatformIdentity::init(tmp.sub("p"), {}));
  auto platform = PlatformIdentity::load(tmp.sub("p"));
  ASSERT_TRUE(platform) << platform.status().to_string();
  auto evidence = platform->sign_report(Backend::process, Isolation::process, test_enclave(), nonce());
  ASSERT_TRUE(evidence) << evidence.status().to_string();
  Expectations expect;
  expect.measurement = test_enclave().measurement;
  expect.report_data_prefix = Bytes(64, 0x5A);
  expect.max_age_seconds = 60;
  auto verified = verify_evidence(*evidence, {platform->operator_ca_der()}, expect);
  ASSERT_TRUE(verified) << verified.status().to_string();
  EXPECT_EQ(verified->report.platform_id, platform->platform_id());
  EXPECT_FALSE(verified->report.development_platform);
  EXPECT_EQ(verified->report.identity.product_id, 5);
}

TEST(PlatformIdentity, InitRefusesToOverwriteUnlessForced) {
  TempDir tmp;
  auto first = PlatformIdentity::init(tmp.sub("p"), {});
  ASSERT_TRUE(first);
  auto again = PlatformIdentity::init(tmp.sub("p"), {});
  ASSERT_FALSE(again);
  EXPECT_NE(again.status().message().find("already exists"), std::string::npos) << again.status().message();
  EXPECT_EQ(PlatformIdentity::load(tmp.sub("p"))->platform_id(), first->platform_id());

  PlatformIdentity::InitOptions force;
  force.force = true;
  auto replaced = PlatformIdentity::init(tmp.sub("p"), force);
  ASSERT_TRUE(replaced) << replaced.status().to_string();
  EXPECT_NE(replaced->platform_id(), first->platform_id());
  EXPECT_EQ(PlatformIdentity::load(tmp.sub("p"))->platform_id(), replaced->platform_id());
}

TEST(PlatformIdentity, LoadRefusesSecretsReadableByOthers) {
  TempDir tmp;
  const std::string dir = tmp.sub("p");
  ASSERT_TRUE(PlatformIdentity::init(dir, {}));
  for (const char* name : {"root_secret", "attestation_key.pem", "operator_ca_key.pem"}) {
    const std::string path = dir + "/" + name;
    ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
    auto loaded = PlatformIdentity::load(dir);
    ASSERT_FALSE(loaded) << name;
    EXPECT_EQ(loaded.status().code(), ErrorCode::permission_denied);
    EXPECT_NE(loaded.status().message().find("accessible by group or others (mode 0644)"), std::string::npos)
        << loaded.status().message();
    EXPECT_NE(loaded.status().message().find("chmod 600 " + path), std::string::npos);
    ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  }
  ASSERT_EQ(::chmod(dir.c_str(), 0755), 0);
  auto loaded = PlatformIdentity::load(dir);
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.status().message().find("chmod 700"), std::string::npos) << loaded.status().message();
  // init refuses a shared directory too rather than silently tightening it.
  PlatformIdentity::InitOptions force;
  force.force = true;
  EXPECT_FALSE(PlatformIdentity::init(dir, force));
  ASSERT_EQ(::chmod(dir.c_str(), 0700), 0);
  EXPECT_TRUE(PlatformIdentity::load(dir));
}

TEST(PlatformIdentity, LoadReportsMissingAndMismatchedFiles) {
  TempDir tmp;
  auto missing = PlatformIdentity::load(tmp.sub("nothing-here"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.status().code(), ErrorCode::not_found);

  ASSERT_TRUE(PlatformIdentity::init(tmp.sub("a"), {}));
  ASSERT_TRUE(PlatformIdentity::init(tmp.sub("b"), {}));
  std::filesystem::copy_file(tmp.sub("b/attestation_cert.pem"), tmp.sub("a/attestation_cert.pem"),
                             std::filesystem::copy_options::overwrite_existing);
  auto mixed = PlatformIdentity::load(tmp.sub("a"));
  ASSERT_FALSE(mixed);
  EXPECT_NE(mixed.status().message().find("does not certify"), std::string::npos) << mixed.status().message();

  std::filesystem::remove(tmp.sub("b/operator_ca_key.pem"));  // an offline CA key is fine
  EXPECT_TRUE(PlatformIdentity::load(tmp.sub("b")));
}

TEST(PlatformIdentity, DevelopmentPlatformIsMarkedAndRefusedByDefault) {
  auto dev = PlatformIdentity::create_development();
  ASSERT_TRUE(dev) << dev.status().to_string();
  EXPECT_TRUE(dev->development());
  auto ca = crypto::Certificate::from_der(dev->operator_ca_der());
  ASSERT_TRUE(ca);
  EXPECT_NE(ca->subject().find("Cloister DEVELOPMENT platform (untrusted)"), std::string::npos);

  auto evidence = dev->sign_report(Backend::process, Isolation::process, test_enclave(), nonce());
  ASSERT_TRUE(evidence);
  auto refused = verify_evidence(*evidence, {dev->operator_ca_der()}, {});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.status().message().find("development platform"), std::string::npos);
  Expectations allow;
  allow.allow_development_platform = true;
  auto accepted = verify_evidence(*evidence, {dev->operator_ca_der()}, allow);
  ASSERT_TRUE(accepted) << accepted.status().to_string();
  EXPECT_TRUE(accepted->report.development_platform);

  auto other = PlatformIdentity::create_development();
  EXPECT_NE(other->platform_id(), dev->platform_id());  // ephemeral
}

TEST(PlatformIdentity, MovedIdentityStillWorks) {
  auto dev = PlatformIdentity::create_development();
  ASSERT_TRUE(dev);
  PlatformIdentity moved = std::move(dev).value();
  PlatformIdentity assigned = std::move(moved);
  EXPECT_TRUE(assigned.sign_report(Backend::sim, Isolation::none, test_enclave(), nonce()));
  EXPECT_TRUE(assigned.derive_seal_key(test_enclave(), SealPolicy::unique, 0, {}));
}

}  // namespace
}  // namespace cloister::platform
