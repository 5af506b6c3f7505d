// libFuzzer target: verify_quote on arbitrary bytes, and the PCK certificate
// SGX extension parser on arbitrary DER. Neither may crash, leak or read out
// of bounds. The first byte picks the target (even: quote, odd: extension),
// so one corpus holds both. Seeds in fuzz/corpus/dcap_quote_fuzz/ are small
// well-formed quotes (v3 SGX, v4 TDX, v5 TDX 1.5, an Open Enclave report)
// with zero signatures and an empty PEM, and one SGX extension, all written
// from scratch: no test vector is copied into the project.
#include <cstddef>
#include <cstdint>

#include "dcap/pck_extensions.h"
#include "dcap/quote_verify.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cloister;
  if (size == 0) return 0;
  const ByteView input(data + 1, size - 1);
  if ((data[0] & 1) == 0) {
    dcap::QuoteVerifyOptions options;
    options.now = 1'750'000'000;  // fixed, so a run is reproducible
    hwattest::Verdict verdict = dcap::verify_quote(input, options);
    // A quote that does not parse reports exactly that, and nothing after it ran.
    if (verdict.steps.empty() || verdict.steps.front().name != "parse") __builtin_trap();
    if (verdict.steps.front().outcome == hwattest::StepOutcome::failed) {
      for (std::size_t i = 1; i < verdict.steps.size(); ++i) {
        if (verdict.steps[i].outcome != hwattest::StepOutcome::skipped) __builtin_trap();
      }
    }
    (void)verdict.fields.dump();
  } else {
    auto extensions = dcap::parse_pck_extensions(input);
    if (extensions && extensions->fmspc.size() != 6) __builtin_trap();
  }
  return 0;
}
