#include "policy/policy_hash.h"

#include <gtest/gtest.h>

namespace cloister::policy {
namespace {

// Expected values computed independently (Python hashlib/base64) as
// BASE64URL(SHA256(BASE64URL(policy text))), the formula in MAA's claim-sets doc.
TEST(PolicyHash, EmptyText) {
  EXPECT_EQ(policy_hash(""), "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
}

TEST(PolicyHash, SmallPolicy) {
  EXPECT_EQ(policy_hash("version= 1.0;authorizationrules{=> permit();};"),
            "9NY0VnTQ-IiBriBplVUpFbczcDaEBUwsiFYAzHu_gco");
}

TEST(PolicyHash, DiffersOnAnyByte) {
  EXPECT_NE(policy_hash("version=1.0;"), policy_hash("version=1.0; "));
}

}  // namespace
}  // namespace cloister::policy
