#include "sql/enclave/plaintext_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "crypto/rng.h"
#include "sql/enclave/key_table.h"

namespace cloister::sql {
namespace {

Bytes cell(std::uint32_t n) {
  // Cells are random-looking: a random prefix, then the number.
  Bytes bytes = *crypto::random_bytes(61);
  for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
  return bytes;
}

PlaintextCache::Plaintext plaintext(std::uint32_t n) {
  return std::make_shared<const SecretBytes>(
      Bytes{static_cast<std::uint8_t>(n), static_cast<std::uint8_t>(n >> 8)});
}

TEST(PlaintextCache, FindsWhatWasInsertedUnderTheSameKeyGeneration) {
  PlaintextCache cache(PlaintextCache::Limits{.seen_slots = 0});
  const Bytes a = cell(1);
  EXPECT_EQ(cache.find(1, a), nullptr);
  cache.insert(1, a, plaintext(1));
  auto found = cache.find(1, a);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->view()[0], 1);
  EXPECT_EQ(cache.find(2, a), nullptr) << "another key generation never sees it";
  Bytes other = a;
  other.back() ^= 1;
  EXPECT_EQ(cache.find(1, other), nullptr);
  EXPECT_EQ(cache.size(), 1u);
  cache.clear();
  EXPECT_EQ(cache.find(1, a), nullptr);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);
  EXPECT_EQ(found->view()[0], 1) << "a reader's reference outlives the entry";
}

TEST(PlaintextCache, StaysWithinItsBoundsEvictingTheOldest) {
  PlaintextCache cache(
      PlaintextCache::Limits{.max_entries = 1600, .max_bytes = std::size_t{1} << 30, .seen_slots = 0});
  std::vector<Bytes> cells;
  for (std::uint32_t i = 0; i < 5000; ++i) {
    cells.push_back(cell(i));
    cache.insert(1, cells.back(), plaintext(i));
  }
  EXPECT_LE(cache.size(), 1600u);
  EXPECT_GT(cache.size(), 1000u);
  EXPECT_NE(cache.find(1, cells.back()), nullptr) << "the newest is kept";
  std::size_t old_kept = 0;
  for (std::uint32_t i = 0; i < 1000; ++i) old_kept += cache.find(1, cells[i]) != nullptr ? 1 : 0;
  EXPECT_EQ(old_kept, 0u) << "the oldest went first";

  PlaintextCache small(
      PlaintextCache::Limits{.max_entries = 1'000'000, .max_bytes = 16 * 4096, .seen_slots = 0});
  for (std::uint32_t i = 0; i < 5000; ++i) small.insert(1, cell(i), plaintext(i));
  EXPECT_LE(small.bytes(), std::size_t{16} * 4096);
  EXPECT_GT(small.size(), 100u);
}

TEST(PlaintextCache, ConcurrentReadersAndWriters) {
  PlaintextCache cache(
      PlaintextCache::Limits{.max_entries = 2000, .max_bytes = std::size_t{1} << 30, .seen_slots = 0});
  std::vector<Bytes> cells;
  for (std::uint32_t i = 0; i < 4000; ++i) cells.push_back(cell(i));
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (std::uint32_t round = 0; round < 3; ++round) {
        for (std::uint32_t i = static_cast<std::uint32_t>(t); i < cells.size(); i += 3) {
          if (auto hit = cache.find(1, cells[i])) {
            if (hit->view()[0] != static_cast<std::uint8_t>(i)) ++wrong;
          } else {
            cache.insert(1, cells[i], plaintext(i));
          }
        }
        if (t == 0 && round == 1) cache.clear();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(cache.size(), 2000u);
}

TEST(PlaintextCache, AdmitsACellTheSecondTimeItIsOffered) {
  PlaintextCache cache;  // the default: admission on second sight
  const Bytes a = cell(1);
  cache.insert(1, a, plaintext(1));
  EXPECT_EQ(cache.find(1, a), nullptr) << "a cell decrypted once is not cached";
  cache.insert(1, a, plaintext(1));
  ASSERT_NE(cache.find(1, a), nullptr);
  EXPECT_EQ(cache.find(1, a)->view()[0], 1);
  const Bytes b = cell(2);
  cache.insert(1, b, plaintext(2));
  cache.insert(2, b, plaintext(2));  // another key generation is another cell
  EXPECT_EQ(cache.find(2, b), nullptr);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(KeyTable, InstallsAddsAndReplaces) {
  KeyTable table;
  EXPECT_TRUE(table.ids().empty());
  EXPECT_EQ(table.find(1).key, nullptr);
  auto make = [](std::uint8_t fill) { return std::move(CellDecryptor::create(Bytes(32, fill))).value(); };

  std::vector<KeyToInstall> first;
  first.push_back({1, make(1), true});
  first.push_back({2, make(2)});
  EXPECT_EQ(table.install("aa", std::move(first)), (std::vector<std::uint32_t>{1, 2}));
  const HeldKey one = table.find(1);
  ASSERT_NE(one.key, nullptr);
  EXPECT_TRUE(one.allow_decryption_to_host);
  EXPECT_FALSE(table.find(2).allow_decryption_to_host);

  std::vector<KeyToInstall> more;
  more.push_back({1, make(9)});
  more.push_back({3, make(3)});
  EXPECT_EQ(table.install("aa", std::move(more)), (std::vector<std::uint32_t>{1, 2, 3}));
  const HeldKey replaced = table.find(1);
  EXPECT_NE(replaced.generation, one.generation) << "a replaced key gets a new generation";
  EXPECT_NE(replaced.key, one.key);
  EXPECT_FALSE(replaced.allow_decryption_to_host) << "the permission goes with the release, not the id";

  std::vector<KeyToInstall> other_database;
  other_database.push_back({5, make(5)});
  EXPECT_EQ(table.install("bb", std::move(other_database)), (std::vector<std::uint32_t>{5}));
  EXPECT_EQ(table.find(1).key, nullptr);
  EXPECT_EQ(table.ids(), (std::vector<std::uint32_t>{5}));
}

}  // namespace
}  // namespace cloister::sql
