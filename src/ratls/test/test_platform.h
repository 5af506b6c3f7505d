// A development platform that signs evidence in-process, for the unit tests.
#pragma once

#include <gtest/gtest.h>

#include "cloister/ratls.h"
#include "crypto/x509.h"
#include "platform/platform_identity.h"

namespace cloister::ratls::test {

inline EnclaveIdentity test_identity() {
  EnclaveIdentity identity;
  identity.measurement.fill(0xA1);
  identity.signer.fill(0xB2);
  identity.product_id = 7;
  identity.security_version = 3;
  return identity;
}

inline Expectations development_ok() {
  Expectations expect;
  expect.allow_development_platform = true;
  return expect;
}

// A certificate for `key` carrying evidence for `bound_key`'s SPKI.
inline Bytes attested_certificate(const platform::PlatformIdentity& platform, const crypto::PrivateKey& key,
                                  const crypto::PublicKey& bound_key) {
  auto spki = bound_key.to_der();
  EXPECT_TRUE(spki.is_ok());
  auto evidence =
      platform.sign_report(Backend::process, Isolation::process, test_identity(), report_data_for_key(*spki));
  EXPECT_TRUE(evidence.is_ok()) << evidence.status().to_string();
  crypto::CertificateRequest request;
  request.subject_common_name = "test server";
  request.extensions.emplace_back(kEvidenceExtensionOid, encode_evidence_extension(*evidence));
  auto certificate = crypto::issue_certificate(request, key.public_key(), key, nullptr);
  EXPECT_TRUE(certificate.is_ok()) << certificate.status().to_string();
  return *certificate->to_der();
}

}  // namespace cloister::ratls::test
