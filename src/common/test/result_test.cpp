#include "cloister/result.h"

#include <gtest/gtest.h>

#include "cloister/bytes.h"

namespace cloister {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) return Status(ErrorCode::invalid_argument, "not positive");
  return v;
}

Result<int> doubled(int v) {
  CLOISTER_ASSIGN_OR_RETURN(int x, parse_positive(v));
  return 2 * x;
}

Status check(int v) {
  CLOISTER_RETURN_IF_ERROR(parse_positive(v));
  return Status::ok();
}

TEST(Result, CarriesValueOrError) {
  EXPECT_EQ(*doubled(4), 8);
  auto bad = doubled(-1);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::invalid_argument);
  EXPECT_EQ(bad.status().to_string(), "invalid argument: not positive");
  EXPECT_TRUE(check(1).is_ok());
  EXPECT_EQ(check(0).with_context("checking").message(), "checking: not positive");
}

TEST(SecretBytes, WipesOnReassignment) {
  SecretBytes secret(Bytes{1, 2, 3});
  EXPECT_EQ(secret.size(), 3u);
  secret = SecretBytes(Bytes{9});
  EXPECT_EQ(secret.size(), 1u);
  secret.wipe();
  EXPECT_TRUE(secret.empty());
}

}  // namespace
}  // namespace cloister
