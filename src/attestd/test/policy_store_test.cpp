#include "attestd/policy_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "attestd/test/test_util.h"
#include "policy/policy_hash.h"

namespace cloister::attestd {
namespace {

using testing::must;
using testing::TempDir;

std::string policy_with_claim(int i) {
  return "version= 1.0; authorizationrules { => permit(); }; issuancerules { => issue(type=\"n\", value=" +
         std::to_string(i) + "); };";
}

std::vector<std::string> lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(PolicyStore, StartsWithTheDefaultAndPersistsChanges) {
  TempDir dir;
  auto store = must(PolicyStore::open(dir.path(), "Cloister", dir.path() + "/changes.log"));
  EXPECT_TRUE(store->current()->is_default);
  EXPECT_EQ(store->current()->hash, policy::policy_hash(kDefaultPolicy));
  ASSERT_TRUE(store->set(policy_with_claim(1), std::nullopt));

  auto reopened = must(PolicyStore::open(dir.path(), "Cloister", dir.path() + "/changes.log"));
  EXPECT_EQ(reopened->current()->text, policy_with_claim(1));
  EXPECT_FALSE(reopened->current()->is_default);
  ASSERT_TRUE(reopened->reset(std::nullopt));
  EXPECT_TRUE(reopened->current()->is_default);

  auto log = lines(dir.path() + "/changes.log");
  ASSERT_EQ(log.size(), 2u);
  EXPECT_NE(log[0].find("\"old_hash\":\"" + policy::policy_hash(kDefaultPolicy) + "\""), std::string::npos);
  EXPECT_NE(log[0].find("\"new_hash\":\"" + policy::policy_hash(policy_with_claim(1)) + "\""),
            std::string::npos);
  EXPECT_NE(log[1].find("\"action\":\"reset\""), std::string::npos);
}

TEST(PolicyStore, SyntaxErrorNamesLineAndColumnAndChangesNothing) {
  TempDir dir;
  auto store = must(PolicyStore::open(dir.path(), "Cloister", dir.path() + "/changes.log"));
  auto result = store->set("version= 1.0;\nauthorizationrules {\n  => permit()\n};", std::nullopt);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.status().code(), ErrorCode::invalid_argument);
  EXPECT_NE(result.status().message().find("line 4, column"), std::string::npos) << result.status().message();
  EXPECT_TRUE(store->current()->is_default);
  EXPECT_TRUE(lines(dir.path() + "/changes.log").empty());
}

TEST(PolicyStore, IfMatchRefusesAStaleHash) {
  TempDir dir;
  auto store = must(PolicyStore::open(dir.path(), "Cloister", dir.path() + "/changes.log"));
  const std::string first = store->current()->hash;
  ASSERT_TRUE(store->set(policy_with_claim(1), first));
  auto stale = store->set(policy_with_claim(2), first);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.status().code(), ErrorCode::conflict);
  EXPECT_EQ(store->current()->text, policy_with_claim(1));
}

// Every thread reads the hash, then updates with If-Match: exactly the
// updates that won are in the log, chained old -> new without a gap, and the
// file holds the last one.
TEST(PolicyStore, ConcurrentUpdatesNeverLoseOrInterleave) {
  TempDir dir;
  const std::string log_path = dir.path() + "/changes.log";
  auto store = must(PolicyStore::open(dir.path(), "Cloister", log_path));
  std::atomic<int> won{0};
  std::vector<std::thread> threads;
  threads.reserve(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        const std::string seen = store->current()->hash;
        if (store->set(policy_with_claim(t * 100 + i), seen)) ++won;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  auto log = lines(log_path);
  ASSERT_EQ(static_cast<int>(log.size()), won.load());
  ASSERT_GT(won.load(), 0);
  std::string previous = policy::policy_hash(kDefaultPolicy);
  for (const auto& line : log) {
    auto entry = nlohmann::json::parse(line);
    EXPECT_EQ(entry["old_hash"], previous);
    previous = entry["new_hash"].get<std::string>();
  }
  EXPECT_EQ(store->current()->hash, previous);
  auto reopened = must(PolicyStore::open(dir.path(), "Cloister", log_path));
  EXPECT_EQ(reopened->current()->hash, previous);
}

}  // namespace
}  // namespace cloister::attestd
