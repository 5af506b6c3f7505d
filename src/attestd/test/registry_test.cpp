#include "attestd/registry.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <thread>
#include <vector>

#include "attest/test/test_platform.h"
#include "attestd/test/test_util.h"

namespace cloister::attestd {
namespace {

using attest::testing::TestPlatform;
using testing::must;
using testing::TempDir;

std::string ca_pem(const TestPlatform& platform) {
  return must(platform.ca.to_pem());
}

TEST(Registry, AddListRemoveRoundTripsThroughTheFile) {
  TempDir dir;
  const std::string path = dir.path() + "/platforms.json";
  auto eu = TestPlatform::create("EU operator CA");
  auto us = TestPlatform::create("US operator CA");
  ASSERT_TRUE(edit_registry(path, [&](Registry& r) {
    return r.add("eu", ca_pem(eu), {{"region", "eu-west"}});
  }));
  ASSERT_TRUE(edit_registry(path, [&](Registry& r) { return r.add("us", ca_pem(us), {}); }));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  auto loaded = must(Registry::load(path));
  ASSERT_EQ(loaded.entries().size(), 2u);
  EXPECT_EQ(loaded.entries()[0].name, "eu");
  EXPECT_EQ(loaded.entries()[0].claims.at("region"), "eu-west");
  EXPECT_EQ(loaded.entries()[0].ca_der, eu.ca_der);
  ASSERT_EQ(loaded.by_subject(eu.ca.subject()).size(), 1u);
  EXPECT_EQ(loaded.by_subject(eu.ca.subject())[0]->name, "eu");
  EXPECT_TRUE(loaded.by_subject("CN=nobody").empty());

  ASSERT_TRUE(edit_registry(path, [](Registry& r) { return r.remove("eu"); }));
  loaded = must(Registry::load(path));
  ASSERT_EQ(loaded.entries().size(), 1u);
  EXPECT_EQ(loaded.entries()[0].name, "us");
}

TEST(Registry, RefusesBadNamesClaimsCasAndDuplicates) {
  Registry registry;
  auto platform = TestPlatform::create();
  EXPECT_EQ(registry.add("bad name", ca_pem(platform), {}).code(), ErrorCode::invalid_argument);
  EXPECT_EQ(registry.add("", ca_pem(platform), {}).code(), ErrorCode::invalid_argument);
  EXPECT_EQ(registry.add("p", ca_pem(platform), {{"Region", "x"}}).code(), ErrorCode::invalid_argument);
  EXPECT_EQ(registry.add("p", ca_pem(platform), {{"region", std::string(300, 'x')}}).code(),
            ErrorCode::invalid_argument);
  EXPECT_EQ(registry.add("p", "not a certificate", {}).code(), ErrorCode::invalid_argument);
  ASSERT_TRUE(registry.add("p", ca_pem(platform), {}));
  EXPECT_EQ(registry.add("p", ca_pem(TestPlatform::create()), {}).code(), ErrorCode::conflict);
  EXPECT_EQ(registry.add("q", ca_pem(platform), {}).code(), ErrorCode::conflict);  // same CA twice
  EXPECT_EQ(registry.remove("nope").code(), ErrorCode::not_found);
}

TEST(Registry, MissingFileIsEmptyAndACorruptOneIsAnError) {
  TempDir dir;
  EXPECT_TRUE(must(Registry::load(dir.path() + "/none.json")).entries().empty());
  const std::string path = dir.path() + "/bad.json";
  FILE* f = std::fopen(path.c_str(), "w");
  std::fputs("{\"platforms\": [{\"name\": 3}]}", f);
  std::fclose(f);
  EXPECT_FALSE(Registry::load(path).is_ok());
}

TEST(Registry, ConcurrentEditorsLoseNoUpdate) {
  TempDir dir;
  const std::string path = dir.path() + "/platforms.json";
  std::vector<TestPlatform> platforms;
  platforms.reserve(8);
  for (int i = 0; i < 8; ++i) platforms.push_back(TestPlatform::create("CA " + std::to_string(i)));
  std::vector<std::thread> threads;
  threads.reserve(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      EXPECT_TRUE(edit_registry(path, [&](Registry& r) {
        return r.add("p" + std::to_string(i), ca_pem(platforms[static_cast<std::size_t>(i)]), {});
      }));
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(must(Registry::load(path)).entries().size(), 8u);
}

TEST(RegistryWatcher, SeesChangesMadeByAnotherWriter) {
  TempDir dir;
  const std::string path = dir.path() + "/platforms.json";
  RegistryWatcher watcher(path);
  EXPECT_TRUE(must(watcher.current())->entries().empty());
  auto platform = TestPlatform::create();
  ASSERT_TRUE(edit_registry(path, [&](Registry& r) { return r.add("p", ca_pem(platform), {}); }));
  EXPECT_EQ(must(watcher.current())->entries().size(), 1u);
}

}  // namespace
}  // namespace cloister::attestd
