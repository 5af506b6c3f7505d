// The service's state (collaboration_store.h) and its upload files
// (upload_files.h), on a real SQLite file and a real directory.
#include "cleanroom/service/collaboration_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "cleanroom/service/cleanroom_service.h"
#include "cleanroom/service/upload_files.h"
#include "common/encoding.h"
#include "crypto/sha.h"

namespace cloister::cleanroom {
namespace {

class ServiceStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cleanroom-state-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string db() const { return (dir_ / "state.db").string(); }

  std::filesystem::path dir_;
  const Bytes contract_{'{', '}'};
};

TEST_F(ServiceStateTest, ServesOneContractForGood) {
  ASSERT_TRUE(CollaborationStore::open(db(), contract_).is_ok());
  auto again = CollaborationStore::open(db(), {});
  ASSERT_TRUE(again.is_ok()) << again.status().to_string();
  EXPECT_EQ((*again)->contract(), contract_);
  const Bytes other{'[', ']'};
  auto refused = CollaborationStore::open(db(), other);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::conflict);
  auto empty = CollaborationStore::open((dir_ / "new.db").string(), {});
  EXPECT_EQ(empty.status().code(), ErrorCode::invalid_argument);
}

TEST_F(ServiceStateTest, ARunCutShortIsInterruptedAndKeepsNoModel) {
  std::int64_t done_run = 0, cut_run = 0;
  {
    auto store = CollaborationStore::open(db(), contract_).value();
    done_run = store->start_run().value();
    ASSERT_TRUE(store
                    ->finish_run({.id = done_run, .state = "done", .rows = 10, .seconds = 0.5},
                                 {{"hospital-a", "sealed-a"}, {"hospital-b", "sealed-b"}})
                    .is_ok());
    cut_run = store->start_run().value();  // the service dies here
  }
  auto store = CollaborationStore::open(db(), {}).value();
  auto last = store->last_run().value();
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->id, cut_run);
  EXPECT_EQ(last->state, "interrupted");
  auto model = store->model("hospital-b").value();
  ASSERT_TRUE(model.has_value());
  EXPECT_EQ(model->first, done_run);
  EXPECT_EQ(model->second, "sealed-b");
  EXPECT_FALSE(store->model("hospital-c").value().has_value());
  bool reported = false;
  const auto records = store->audit_records().value();
  for (const auto& record : records) reported |= record.event.action == "training-interrupted";
  EXPECT_TRUE(reported);
}

TEST_F(ServiceStateTest, WithdrawalForgetsSignatureAndUpload) {
  auto store = CollaborationStore::open(db(), contract_).value();
  ASSERT_TRUE(store->save_signature("hospital-a", Bytes(64, 1)).is_ok());
  ASSERT_TRUE(store->save_signature("hospital-b", Bytes(64, 2)).is_ok());
  ASSERT_TRUE(
      store->save_upload({.party = "hospital-a", .sha256 = "ab", .bytes = 5, .rows = 1, .time = 1}).is_ok());
  EXPECT_EQ(store->signed_parties().value(), (std::vector<std::string>{"hospital-a", "hospital-b"}));
  ASSERT_TRUE(store->forget_party("hospital-a").is_ok());
  EXPECT_EQ(store->signed_parties().value(), (std::vector<std::string>{"hospital-b"}));
  EXPECT_FALSE(store->upload("hospital-a").value().has_value());
}

TEST_F(ServiceStateTest, TheAuditLogChainsEveryRow) {
  auto store = CollaborationStore::open(db(), contract_).value();
  ASSERT_TRUE(store->audit("upload", "hospital-a", "ok", "sha256 ab").is_ok());
  ASSERT_TRUE(store->audit("request-refused", "hospital-c", "denied", "no such party").is_ok());
  const auto records = store->audit_records().value();
  ASSERT_EQ(records.size(), 2u);
  Bytes previous(32, 0);
  for (const auto& record : records) {
    const Bytes hash = kbs::audit::chain_hash(previous, record.seq, record.time, record.event);
    EXPECT_EQ(to_hex(hash), record.hash);
    previous = hash;
  }
}

TEST_F(ServiceStateTest, AnUploadLandsWholeOrNotAtAll) {
  auto files = UploadFiles::open((dir_ / "uploads").string()).value();
  struct stat info {};
  ASSERT_EQ(::stat((dir_ / "uploads").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  {
    auto abandoned = files.begin("hospital-a").value();
    ASSERT_TRUE(abandoned.append(as_bytes(std::string("half"))).is_ok());
  }  // dropped without commit
  EXPECT_FALSE(std::filesystem::exists(dir_ / "uploads" / "hospital-a.cds"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "uploads" / "hospital-a.cds.partial"));

  const std::string content(300'000, 'x');
  auto writer = files.begin("hospital-a").value();
  for (std::size_t at = 0; at < content.size(); at += 70'000)
    ASSERT_TRUE(writer.append(as_bytes(std::string_view(content).substr(at, 70'000))).is_ok());
  EXPECT_EQ(writer.finish_hash(), to_hex(crypto::sha256(as_bytes(content))));
  EXPECT_EQ(writer.head().size(), 64u * 1024);
  ASSERT_TRUE(writer.commit().is_ok());
  std::string read;
  std::vector<bool> lasts;
  ASSERT_TRUE(files
                  .read_parts("hospital-a", 128 * 1024,
                              [&](ByteView bytes, std::uint64_t offset, bool last) {
                                EXPECT_EQ(offset, read.size());
                                read.append(bytes.begin(), bytes.end());
                                lasts.push_back(last);
                                return Status::ok();
                              })
                  .is_ok());
  EXPECT_EQ(read, content);
  EXPECT_EQ(lasts, (std::vector<bool>{false, false, true}));

  // A partial file left by a killed service is removed and reported.
  std::ofstream(dir_ / "uploads" / "hospital-b.cds.partial") << "cut";
  EXPECT_EQ(files.remove_partials().value(), std::vector<std::string>{"hospital-b"});
  EXPECT_FALSE(std::filesystem::exists(dir_ / "uploads" / "hospital-b.cds.partial"));
  ASSERT_TRUE(files.remove("hospital-a").is_ok());
  EXPECT_FALSE(std::filesystem::exists(dir_ / "uploads" / "hospital-a.cds"));
}

TEST(RefusalBudget, AuditsAtMostSoManyRefusalsAMinuteAndCountsTheRest) {
  RefusalBudget budget(kRefusalRowsPerMinute);
  const std::int64_t minute = 1'800'000'000 / 60 * 60;
  int admitted = 0;
  for (int i = 0; i < 1000; ++i) admitted += budget.admit(minute + 30).write_row ? 1 : 0;
  EXPECT_EQ(admitted, kRefusalRowsPerMinute);
  // The next minute starts afresh, and hands over the count of the last.
  auto next = budget.admit(minute + 60);
  EXPECT_TRUE(next.write_row);
  EXPECT_EQ(next.counted_before, 1000 - kRefusalRowsPerMinute);
  for (int i = 0; i < kRefusalRowsPerMinute + 7; ++i) (void)budget.admit(minute + 61);
  EXPECT_EQ(budget.take_counted(), 8);
  EXPECT_EQ(budget.take_counted(), 0);
}

}  // namespace
}  // namespace cloister::cleanroom
