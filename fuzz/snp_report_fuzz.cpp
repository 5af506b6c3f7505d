// libFuzzer target: the SEV-SNP report and Azure HCL parsers, verify_report
// with no certificates (only a version-3 report's CPUID brings in a builtin
// ARK and ASK, and no leaf is ever present), and the VCEK/VLEK extension
// reader when the input happens to be a certificate.
// Nothing may crash, leak or read out of bounds, and the parsers must agree
// with the verdict. Seeds in fuzz/corpus/snp_report_fuzz/ are hand-made: a
// zeroed version-2 report, an HCL wrapper around it, and a self-signed
// certificate carrying AMD's extensions.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "crypto/x509.h"
#include "snp/amd_cert_ext.h"
#include "snp/amd_roots.h"
#include "snp/hcl_report.h"
#include "snp/report_format.h"
#include "snp/snp_verify.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cloister;
  const ByteView input(data, size);

  auto report = snp::parse_report(input);
  if (report.is_ok() && report->signed_bytes.size() != snp::kSignedSize) std::abort();
  auto hcl = snp::parse_hcl_report(input);
  if (hcl.is_ok()) {
    (void)snp::parse_report(hcl->hardware_report);
    (void)snp::runtime_claims_digest(*hcl);
  }

  snp::ReportVerifyOptions options;
  options.now = 1704067200;  // fixed, so runs reproduce
  const hwattest::Verdict verdict = snp::verify_report(input, options);
  // Without certificates nothing can verify, and parse must come first.
  if (verdict.verified() || verdict.steps.empty() || verdict.steps[0].name != "parse") std::abort();
  // A raw report that parses on its own must parse in the verifier too.
  if (report.is_ok() && verdict.steps[0].outcome != hwattest::StepOutcome::passed) std::abort();

  if (auto cert = crypto::Certificate::from_der(input); cert.is_ok()) {
    (void)snp::read_amd_extensions(*cert);
    (void)snp::check_amd_signature_algorithm(*cert);
    (void)snp::product_from_ca_name(*cert);
  }
  return 0;
}
