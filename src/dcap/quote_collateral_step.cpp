#include "dcap/quote_collateral_step.h"

#include "dcap/collateral_dir.h"

namespace cloister::dcap {

void run_collateral_step(const TcbFacts& facts, const QuoteVerifyOptions& options, std::int64_t now,
                         hwattest::Verdict& verdict) {
  if (options.collateral == nullptr && options.collateral_dir != nullptr) {
    auto found = options.collateral_dir->find(facts.tee, facts.fmspc);
    if (found) {
      evaluate_collateral(facts, *found, now, verdict);
      return;
    }
    if (found.status().code() == ErrorCode::not_found) {
      verdict.skip("collateral", "TCB status, CRLs and QE identity not checked: " + found.status().message());
    } else {
      verdict.fail("collateral", "the stored collateral does not load: " + found.status().message());
    }
    return;
  }
  if (options.collateral == nullptr) {
    verdict.skip("collateral",
                 "no collateral supplied: TCB status, CRLs and QE identity not checked; supply it with "
                 "--collateral (a QuoteCollateralV3 JSON bundle or a collateral directory)");
    return;
  }
  evaluate_collateral(facts, *options.collateral, now, verdict);
}

}  // namespace cloister::dcap
