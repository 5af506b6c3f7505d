// The collateral directory: add then find, the not-found message, re-reading
// a changed file.
#include "dcap/collateral_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "dcap/test/collateral_vectors.h"

namespace cloister::dcap {
namespace {

class CollateralDir : public ::testing::Test {
 protected:
  void SetUp() override {
    root = std::filesystem::temp_directory_path() /
           ("cloister-collateral-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root);
  }
  void TearDown() override { std::filesystem::remove_all(root); }

  std::filesystem::path root;
};

TEST_F(CollateralDir, NotFoundNamesTheFile) {
  CollateralDirectory dir((root / "store").string());
  auto missing = dir.find(TeeType::tdx, Bytes{0xb0, 0xc0, 0x6f, 0, 0, 0});
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::not_found);
  EXPECT_NE(missing.status().message().find((root / "store/tdx/b0c06f000000.json").string()),
            std::string::npos)
      << missing.status().message();
  EXPECT_NE(missing.status().message().find("add"), std::string::npos);
}

TEST_F(CollateralDir, AddThenFind) {
  CLOISTER_REQUIRE_VECTORS();
  for (const char* quote : {"sgx/phala/sgx_quote", "tdx/phala/tdx_quote"}) {
    auto vector = testing::load_vector(quote);
    ASSERT_TRUE(vector.is_ok()) << vector.status().to_string();
    CollateralDirectory dir((root / "a/b").string());
    auto path = dir.add(vector->collateral);
    ASSERT_TRUE(path.is_ok()) << path.status().to_string();
    EXPECT_EQ(*path, dir.path_for(vector->facts.tee, vector->facts.fmspc));
    struct stat info {};
    ASSERT_EQ(::stat((root / "a/b").c_str(), &info), 0);
    EXPECT_TRUE(S_ISDIR(info.st_mode));

    auto found = dir.find(vector->facts.tee, vector->facts.fmspc);
    ASSERT_TRUE(found.is_ok()) << found.status().to_string();
    EXPECT_EQ(found->tcb_info_json, vector->collateral.tcb_info_json);
    EXPECT_EQ(found->qe_identity_signature, vector->collateral.qe_identity_signature);
    // Cached: the same answer again; a fresh directory object reads the file.
    EXPECT_EQ(dir.find(vector->facts.tee, vector->facts.fmspc)->pck_crl, vector->collateral.pck_crl);
    CollateralDirectory again((root / "a/b").string());
    EXPECT_EQ(again.find(vector->facts.tee, vector->facts.fmspc)->root_ca_crl,
              vector->collateral.root_ca_crl);
  }
  // No temporary files are left behind.
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root))
    EXPECT_EQ(entry.path().string().find(".tmp-"), std::string::npos) << entry.path();
}

TEST_F(CollateralDir, ChangedFileIsReRead) {
  CLOISTER_REQUIRE_VECTORS();
  auto vector = testing::load_vector("sgx/phala/sgx_quote");
  ASSERT_TRUE(vector.is_ok()) << vector.status().to_string();
  CollateralDirectory dir(root.string());
  auto path = dir.add(vector->collateral);
  ASSERT_TRUE(path.is_ok()) << path.status().to_string();
  ASSERT_TRUE(dir.find(TeeType::sgx, vector->facts.fmspc).is_ok());
  std::ofstream(*path, std::ios::trunc) << "{\"not\":\"a bundle\"}";
  auto broken = dir.find(TeeType::sgx, vector->facts.fmspc);
  ASSERT_FALSE(broken.is_ok());
  EXPECT_NE(broken.status().message().find(*path), std::string::npos) << broken.status().message();
}

}  // namespace
}  // namespace cloister::dcap
