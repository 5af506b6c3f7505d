// libFuzzer target: the attested certificate's evidence extension parser and
// Verifier::verify_certificate on arbitrary bytes. Nothing may crash, leak or
// read out of bounds; an extension that decodes must re-encode to the same
// bytes (one encoding per value). Seeds in fuzz/corpus/ratls_cert_fuzz/ are
// a real extension and a real certificate from the sample server.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "cloister/ratls.h"
#include "crypto/keys.h"
#include "crypto/x509.h"

namespace {

const cloister::ratls::Verifier& verifier() {
  static const cloister::ratls::Verifier instance = [] {
    using namespace cloister;
    auto key = crypto::PrivateKey::generate(crypto::KeyType::ec_p256);
    crypto::CertificateRequest request;
    request.subject_common_name = "Fuzz operator CA";
    request.is_ca = true;
    auto cert = crypto::issue_certificate(request, key->public_key(), *key, nullptr);
    Expectations expect;
    expect.allow_debug = true;
    expect.allow_development_platform = true;
    return ratls::Verifier({cert->to_der().value()}, expect);
  }();
  return instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const cloister::ByteView input(data, size);
  auto evidence = cloister::ratls::decode_evidence_extension(input);
  if (evidence.is_ok() &&
      cloister::ratls::encode_evidence_extension(*evidence) != cloister::Bytes(data, data + size)) {
    std::abort();
  }
  (void)verifier().verify_certificate(input);
  return 0;
}
