#include "crypto/signature_memo.h"

#include <gtest/gtest.h>

namespace cloister::crypto {
namespace {

TEST(SignatureMemo, RemembersOnlySuccessesForTheExactBytes) {
  clear_signature_memo();
  int checks = 0;
  auto succeed = [&] {
    ++checks;
    return Status::ok();
  };
  auto refuse = [&] {
    ++checks;
    return Status(ErrorCode::verification_failed, "signature does not verify");
  };
  const Bytes signer = {1, 2, 3};
  const Bytes object = {4, 5, 6};
  EXPECT_TRUE(verify_memoized("x509", signer, object, succeed).is_ok());
  EXPECT_TRUE(verify_memoized("x509", signer, object, refuse).is_ok());  // remembered: not run again
  EXPECT_EQ(checks, 1);

  // Any other signer, object or kind runs the check.
  EXPECT_FALSE(verify_memoized("x509", signer, Bytes{4, 5, 7}, refuse).is_ok());
  EXPECT_FALSE(
      verify_memoized("x509", Bytes{1, 2}, Bytes{3, 4, 5, 6}, refuse).is_ok());  // same concatenation
  EXPECT_FALSE(verify_memoized("crl", signer, object, refuse).is_ok());
  EXPECT_EQ(checks, 4);

  // A failure is not remembered: the next call checks again.
  EXPECT_FALSE(verify_memoized("crl", signer, object, refuse).is_ok());
  EXPECT_EQ(checks, 5);

  clear_signature_memo();
  EXPECT_FALSE(verify_memoized("x509", signer, object, refuse).is_ok());
  EXPECT_EQ(checks, 6);
}

}  // namespace
}  // namespace cloister::crypto
