#include "sql/console/dba_snapshot.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>

namespace cloister::sql::console {
namespace {

class DbaSnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() / ("dba_snapshot_" + std::to_string(getpid()) + ".db");
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    const char* sql =
        "CREATE TABLE cloister_column (table_name TEXT, column_name TEXT);"
        "INSERT INTO cloister_column VALUES ('Employees', 'salary');"
        "CREATE TABLE employees (id INTEGER PRIMARY KEY, name TEXT, salary TEXT, photo BLOB);"
        "INSERT INTO employees (name, salary, photo) VALUES ('Alice', 'AZ3xciphertext==', x'0102');"
        "INSERT INTO employees (name, salary, photo) VALUES ('Bob', NULL, NULL);";
    ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  void TearDown() override { std::filesystem::remove(path_); }
  std::filesystem::path path_;
};

TEST_F(DbaSnapshotTest, ShowsCellsAsTheFileStoresThemAndWhichAreEncrypted) {
  auto snapshot = read_dba_snapshot(path_.string(), "employees", 10);
  ASSERT_TRUE(snapshot.is_ok()) << snapshot.status().to_string();
  EXPECT_EQ(snapshot->columns, (std::vector<std::string>{"id", "name", "salary", "photo"}));
  EXPECT_EQ(snapshot->encrypted_columns, std::vector<std::string>{"salary"});
  EXPECT_EQ(snapshot->row_count, 2);
  ASSERT_EQ(snapshot->rows.size(), 2U);
  EXPECT_EQ(snapshot->rows[0], (std::vector<std::string>{"1", "Alice", "AZ3xciphertext==", "(2-byte blob)"}));
  EXPECT_EQ(snapshot->rows[1][2], "NULL");
  auto limited = read_dba_snapshot(path_.string(), "employees", 1);
  ASSERT_TRUE(limited.is_ok());
  EXPECT_EQ(limited->rows.size(), 1U);
  EXPECT_EQ(limited->row_count, 2);
}

TEST_F(DbaSnapshotTest, MissingTablesAndFilesAreClearErrors) {
  auto table = read_dba_snapshot(path_.string(), "nobody\"; DROP TABLE employees; --", 10);
  ASSERT_FALSE(table.is_ok());
  EXPECT_EQ(table.status().code(), ErrorCode::not_found);
  auto file = read_dba_snapshot((path_.string() + ".missing"), "employees", 10);
  ASSERT_FALSE(file.is_ok());
  EXPECT_NE(file.status().message().find("read-only"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(path_.string() + ".missing"));  // never created
}

}  // namespace
}  // namespace cloister::sql::console
