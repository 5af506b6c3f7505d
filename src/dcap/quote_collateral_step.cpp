#include "dcap/quote_collateral_step.h"

namespace cloister::dcap {

void run_collateral_step(const TcbFacts& facts, const QuoteVerifyOptions& options, std::int64_t now,
                         hwattest::Verdict& verdict) {
  if (options.collateral == nullptr) {
    verdict.skip("collateral",
                 "no collateral supplied: TCB status, CRLs and QE identity not checked; supply it with "
                 "--collateral (a QuoteCollateralV3 JSON bundle or a collateral directory)");
    return;
  }
  evaluate_collateral(facts, *options.collateral, now, verdict);
}

}  // namespace cloister::dcap
