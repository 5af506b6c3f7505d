#include "attest/test/test_platform.h"

#include <gtest/gtest.h>

#include <chrono>

namespace cloister::attest::testing {

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

template <typename T>
T must(Result<T> result) {
  if (!result) {
    ADD_FAILURE() << result.status().to_string();
    std::abort();
  }
  return std::move(result).value();
}

}  // namespace

TestPlatform TestPlatform::create(const std::string& ca_name, bool with_intermediate,
                                  bool with_id_extension) {
  TestPlatform p;
  p.ca_key = must(crypto::PrivateKey::generate(crypto::KeyType::ec_p256));
  crypto::CertificateRequest ca_request;
  ca_request.subject_common_name = ca_name;
  ca_request.is_ca = true;
  p.ca = must(crypto::issue_certificate(ca_request, p.ca_key.public_key(), p.ca_key, nullptr));
  p.ca_der = must(p.ca.to_der());

  p.key = must(crypto::PrivateKey::generate(crypto::KeyType::ec_p256));
  p.id = must(platform_id_of(p.key.public_key()));
  crypto::CertificateRequest leaf_request;
  leaf_request.subject_common_name = "Test platform";
  if (with_id_extension) leaf_request.extensions.emplace_back(kPlatformIdOid, platform_id_extension(p.id));

  if (with_intermediate) {
    auto mid_key = must(crypto::PrivateKey::generate(crypto::KeyType::ec_p256));
    crypto::CertificateRequest mid_request;
    mid_request.subject_common_name = "Test intermediate CA";
    mid_request.is_ca = true;
    auto mid = must(crypto::issue_certificate(mid_request, mid_key.public_key(), p.ca_key, &p.ca));
    auto leaf = must(crypto::issue_certificate(leaf_request, p.key.public_key(), mid_key, &mid));
    p.cert_der = must(leaf.to_der());
    p.chain = {p.cert_der, must(mid.to_der())};
  } else {
    auto leaf = must(crypto::issue_certificate(leaf_request, p.key.public_key(), p.ca_key, &p.ca));
    p.cert_der = must(leaf.to_der());
    p.chain = {p.cert_der};
  }
  return p;
}

Report TestPlatform::good_report() const {
  Report r;
  r.backend = Backend::process;
  r.isolation = Isolation::process;
  r.development_platform = false;
  r.identity.measurement.fill(0xA1);
  r.identity.signer.fill(0xB2);
  r.identity.product_id = 7;
  r.identity.security_version = 3;
  r.identity.debug = false;
  for (std::size_t i = 0; i < r.report_data.size(); ++i) r.report_data[i] = static_cast<std::uint8_t>(i);
  r.platform_id = id;
  r.timestamp_ms = static_cast<std::uint64_t>(unix_ms_now());
  return r;
}

Bytes TestPlatform::sign(const Report& report) const {
  return must(sign_evidence(report, key, chain));
}

Expectations matching_expectations(const Report& report) {
  Expectations e;
  e.measurement = report.identity.measurement;
  e.signer = report.identity.signer;
  e.product_id = report.identity.product_id;
  e.min_security_version = report.identity.security_version;
  e.report_data_prefix = Bytes(report.report_data.begin(), report.report_data.begin() + 32);
  e.max_age_seconds = 60;
  return e;
}

}  // namespace cloister::attest::testing
