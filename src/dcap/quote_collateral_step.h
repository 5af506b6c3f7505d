// The collateral step of verify_quote, in its own file because the evaluator
// (collateral_eval.cpp) is a separate unit: this is the only place the quote
// verifier calls into it.
#pragma once

#include <cstdint>

#include "dcap/quote_verify.h"
#include "dcap/tcb_facts.h"
#include "hwattest/verdict.h"

namespace cloister::dcap {

// Evaluates the collateral when the caller supplied it, else records a
// skipped "collateral" step saying what was not checked.
void run_collateral_step(const TcbFacts& facts, const QuoteVerifyOptions& options, std::int64_t now,
                         hwattest::Verdict& verdict);

}  // namespace cloister::dcap
