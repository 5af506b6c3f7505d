#include "attestd/replay_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace cloister::attestd {
namespace {

TEST(ReplayCache, RefusesANonceSeenWithinTheLifetime) {
  ReplayCache cache(100, 1000);
  EXPECT_TRUE(cache.check_and_insert("n1", 0).is_ok());
  EXPECT_TRUE(cache.check_and_insert("n2", 10).is_ok());
  Status again = cache.check_and_insert("n1", 999);
  EXPECT_EQ(again.code(), ErrorCode::conflict);
  EXPECT_NE(again.message().find("used before"), std::string::npos);
}

TEST(ReplayCache, ForgetsANonceOnlyAfterItsLifetime) {
  ReplayCache cache(100, 1000);
  ASSERT_TRUE(cache.check_and_insert("n1", 0).is_ok());
  EXPECT_FALSE(cache.check_and_insert("n1", 999).is_ok());
  EXPECT_TRUE(cache.check_and_insert("n1", 1000).is_ok());  // the token it bought has expired
  EXPECT_EQ(cache.size(), 1u);
}

TEST(ReplayCache, WhenFullRefusesNewNoncesInsteadOfForgettingLiveOnes) {
  ReplayCache cache(3, 1000);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(cache.check_and_insert("n" + std::to_string(i), 0).is_ok());
  EXPECT_EQ(cache.check_and_insert("n3", 1).code(), ErrorCode::enclave_busy);
  EXPECT_EQ(cache.check_and_insert("n0", 1).code(), ErrorCode::conflict);  // still remembered
  EXPECT_TRUE(cache.check_and_insert("n3", 1000).is_ok());                 // room once they expire
  EXPECT_EQ(cache.size(), 1u);
}

TEST(ReplayCache, ConcurrentSubmissionsOfOneNonceGetExactlyOneSuccess) {
  ReplayCache cache(10'000, 60'000);
  std::atomic<int> successes{0};
  std::vector<std::thread> threads;
  threads.reserve(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        if (cache.check_and_insert("nonce-" + std::to_string(i), 5).is_ok()) ++successes;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(successes.load(), 200);
}

}  // namespace
}  // namespace cloister::attestd
