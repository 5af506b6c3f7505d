// libFuzzer target: parse_evidence and verify_evidence on arbitrary bytes.
// Neither may crash, leak or read out of bounds, whatever the input; seeds in
// fuzz/corpus/evidence_fuzz/ are real evidence so mutations reach the
// certificate and signature checks.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "attest/evidence_format.h"
#include "cloister/evidence.h"
#include "crypto/keys.h"
#include "crypto/x509.h"

namespace {

// One trusted root for the whole run; inputs that chain to it are unlikely,
// but the verifier must walk its whole path without one.
const std::vector<cloister::Bytes>& roots() {
  static const std::vector<cloister::Bytes> der = [] {
    using namespace cloister;
    auto key = crypto::PrivateKey::generate(crypto::KeyType::ec_p256);
    crypto::CertificateRequest request;
    request.subject_common_name = "Fuzz operator CA";
    request.is_ca = true;
    auto cert = crypto::issue_certificate(request, key->public_key(), *key, nullptr);
    return std::vector<Bytes>{cert->to_der().value()};
  }();
  return der;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cloister;
  const ByteView input(data, size);
  auto parsed = attest::parse_evidence(input);
  if (parsed) {
    // Whatever parses must re-encode to the same bytes: the format is canonical.
    if (wire::encode(*parsed) != Bytes(input.begin(), input.end())) __builtin_trap();
    (void)describe(parsed->report);
  }
  Expectations lax;
  lax.allow_debug = lax.allow_isolation_none = lax.allow_development_platform = true;
  (void)verify_evidence(input, roots(), {});
  (void)verify_evidence(input, roots(), lax);
  // Its own chain as the trusted root exercises the signature and policy paths.
  if (parsed && parsed->certificate_chain.size() == 1) {
    (void)verify_evidence(input, parsed->certificate_chain, lax);
  }
  return 0;
}
