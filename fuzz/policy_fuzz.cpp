// libFuzzer target: parse arbitrary bytes as MAA policy text and, when they
// parse, evaluate the policy against a fixed small claim set. Neither step may
// crash, leak, read out of bounds or run unbounded; seeds in
// fuzz/corpus/policy_fuzz/ are valid policies so mutations reach the evaluator.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "policy/policy_eval.h"
#include "policy/policy_hash.h"
#include "policy/policy_parser.h"

namespace {

const std::vector<cloister::policy::Claim>& claims() {
  using cloister::policy::Claim;
  static const std::vector<Claim> set = {
      {"x-ms-sgx-is-debuggable", false, "AttestationService"},
      {"x-ms-sgx-product-id", std::int64_t{1}, "AttestationService"},
      {"x-ms-sgx-svn", std::int64_t{3}, "AttestationService"},
      {"x-ms-sgx-mrsigner", std::string("83d719e77deaca1470f6baf62a4d774303c899db69020f9c70ee1dfc08c7ce9e"),
       "AttestationService"},
      {"OSName", std::string("Windows"), "CustomClaim"},
      {"OSName", std::string("Windows"), "AttestationService"},
  };
  return set;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto policy = cloister::policy::parse_policy(text);
  if (!policy.is_ok()) return 0;
  auto outcome = cloister::policy::evaluate(*policy, claims());
  (void)outcome;
  (void)cloister::policy::policy_hash(text);
  return 0;
}
