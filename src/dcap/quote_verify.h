// Verifies an Intel DCAP quote (SGX v3, TDX v4/v5, or an Open Enclave report
// wrapping an SGX quote) from the public specifications: Intel's "SGX ECDSA
// Quote Library API" and "TDX DCAP Quoting Library API".
#pragma once

#include <cstdint>

#include "cloister/bytes.h"
#include "dcap/collateral.h"
#include "hwattest/verdict.h"

namespace cloister::dcap {

class CollateralDirectory;

struct QuoteVerifyOptions {
  std::int64_t now = 0;                    // seconds since the epoch; 0: the system clock
  const Collateral* collateral = nullptr;  // explicit collateral, else:
  CollateralDirectory* collateral_dir =
      nullptr;  // looked up by TEE and FMSPC; neither: the steps are skipped
};

// Never fails as a call: a bad quote gives a verdict whose first failed step
// names what is wrong ("parse" for malformed bytes). Steps, in order:
//   parse, quote_signature, qe_report_data, qe_report_signature, pck_chain,
//   then evaluate_collateral's steps (or one skipped "collateral" step).
hwattest::Verdict verify_quote(ByteView evidence, const QuoteVerifyOptions& options);

}  // namespace cloister::dcap
