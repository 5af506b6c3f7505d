#include "sql/key_file_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

namespace cloister::sql {
namespace {

class KeyFileStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/cloister-sql-store-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    root_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::string root_;
};

mode_t mode_of(const std::string& path) {
  struct stat info {};
  ::stat(path.c_str(), &info);
  return info.st_mode & 0777;
}

TEST_F(KeyFileStoreTest, CreateLoadList) {
  const std::string dir = root_ + "/store";
  EXPECT_EQ(KeyFileStore::open(dir, false).status().code(), ErrorCode::not_found);
  auto store = KeyFileStore::open(dir, true);
  ASSERT_TRUE(store.is_ok()) << store.status().to_string();
  EXPECT_EQ(mode_of(dir), 0700u);

  auto created = store->create_key("orders-cmk", 2048);
  ASSERT_TRUE(created.is_ok()) << created.status().to_string();
  EXPECT_EQ(mode_of(dir + "/orders-cmk"), 0600u);
  EXPECT_EQ(store->create_key("orders-cmk", 2048).status().code(), ErrorCode::conflict);
  ASSERT_TRUE(store->create_key("a.key", 2048).is_ok());

  auto loaded = store->load("orders-cmk");
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  EXPECT_EQ(*loaded->public_key().to_der(), *created->public_key().to_der());
  EXPECT_EQ(store->load("missing").status().code(), ErrorCode::not_found);

  auto names = store->list();
  ASSERT_TRUE(names.is_ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"a.key", "orders-cmk"}));
}

TEST_F(KeyFileStoreTest, RefusesBadNamesSizesAndOpenDirectories) {
  auto store = KeyFileStore::open(root_ + "/s", true);
  ASSERT_TRUE(store.is_ok());
  for (const char* name : {"", "../x", ".hidden", "a/b", "sp ace"}) {
    EXPECT_EQ(store->create_key(name, 2048).status().code(), ErrorCode::invalid_argument) << name;
  }
  EXPECT_EQ(store->create_key("k", 1024).status().code(), ErrorCode::invalid_argument);
  ::chmod((root_ + "/s").c_str(), 0755);
  EXPECT_EQ(KeyFileStore::open(root_ + "/s", false).status().code(), ErrorCode::permission_denied);
}

}  // namespace
}  // namespace cloister::sql
