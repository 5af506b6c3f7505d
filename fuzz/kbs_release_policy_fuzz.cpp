// libFuzzer target: arbitrary bytes as a Key Vault release policy
// (kbs::ReleasePolicy). Parsing may refuse but never crash; a policy that
// parses is evaluated against a fixed claim set for its own authorities and
// for a stranger, and must parse again, evaluating the same way, from both its
// JSON and its serialised text: the key store keeps policy.dump() and
// re-parses it at every release, so a policy accepted when set but refused
// when read back would lock its key. Seeds in
// fuzz/corpus/kbs_release_policy_fuzz/ are valid policies so mutations reach
// the evaluator.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "kbs/release_policy.h"
#include "kbs/test/release_claims_fixture.h"

namespace {

const nlohmann::json& claims() {
  return cloister::kbs::testing::release_claims();
}

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "kbs_release_policy_fuzz: %s\n", what);
  std::abort();
}

void evaluate_all(const cloister::kbs::ReleasePolicy& policy, std::vector<cloister::Status>& out) {
  for (const auto& rule : policy.rules()) out.push_back(policy.evaluate(rule.authority, claims()));
  out.push_back(policy.evaluate("https://stranger.example", claims()));
  out.push_back(policy.evaluate("", claims()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using cloister::kbs::ReleasePolicy;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto policy = ReleasePolicy::parse_text(text);
  if (!policy.is_ok()) {
    if (policy.status().message().empty()) fail("a refusal without a reason");
    return 0;
  }
  std::vector<cloister::Status> first;
  evaluate_all(*policy, first);
  for (const auto& rule : policy->rules()) {
    if (!policy->names_authority(rule.authority)) fail("a policy does not name its own authority");
    if (!rule.authority.ends_with("/") &&
        !cloister::kbs::same_authority(rule.authority, rule.authority + "/"))
      fail("same_authority does not ignore a trailing slash");
  }

  // What the key store does: keep dump(), parse it back at release time.
  const std::string stored = policy->json().dump();
  auto again = ReleasePolicy::parse_text(stored);
  if (!again.is_ok()) {
    std::fprintf(stderr, "stored: %s\nrefused: %s\n", stored.c_str(), again.status().message().c_str());
    fail("a validated policy does not validate again once serialised");
  }
  auto from_json = ReleasePolicy::parse(policy->json());
  if (!from_json.is_ok()) fail("a validated policy's JSON does not validate again");
  std::vector<cloister::Status> second;
  evaluate_all(*again, second);
  if (first.size() != second.size()) fail("the re-parsed policy has other authorities");
  for (std::size_t i = 0; i < first.size(); ++i) {
    if (first[i].is_ok() != second[i].is_ok() || first[i].message() != second[i].message()) {
      std::fprintf(stderr, "stored: %s\nbefore: %s\nafter: %s\n", stored.c_str(),
                   first[i].to_string().c_str(), second[i].to_string().c_str());
      fail("the re-parsed policy evaluates differently");
    }
  }
  return 0;
}
