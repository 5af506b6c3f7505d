#include "platform/enclave_uids.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <set>
#include <vector>

namespace cloister::platform {
namespace {

// A range of the tests' own, away from the default one that the daemons of
// end-to-end tests running beside these hand out.
uid_t test_base() {
  return 0x71000000u + static_cast<uid_t>(::getpid() % 4096) * 16u;
}

TEST(EnclaveUids, ParsesARangeAndRefusesMalformedOnes) {
  auto range = parse_uid_range("1879048192-1879113727");
  ASSERT_TRUE(range.is_ok()) << range.status().to_string();
  EXPECT_EQ(range->first, 1879048192u);
  EXPECT_EQ(range->last, 1879113727u);
  for (const char* bad : {"", "5", "5-", "-5", "9-5", "1-x", "1-4294967295", "0x10-0x20", "1-2-3", " 1-2"}) {
    EXPECT_FALSE(parse_uid_range(bad).is_ok()) << bad;
  }
}

TEST(EnclaveUids, RefusesRangesWithSpecialOrAccountIds) {
  EXPECT_FALSE(EnclaveUids::create({0, 10}).is_ok()) << "root";
  EXPECT_FALSE(EnclaveUids::create({65000, 65534}).is_ok()) << "nobody";
  EXPECT_FALSE(EnclaveUids::create({65535, 65535}).is_ok());
  EXPECT_FALSE(EnclaveUids::create({0xFFFFFF00u, 0xFFFFFFFFu}).is_ok());
  // Every machine has an account for uid 0..; one for the running user, too.
  uid_t me = ::getuid();
  if (me != 0) {
    auto mine = EnclaveUids::create({me, me});
    EXPECT_FALSE(mine.is_ok()) << "the running user's own uid was accepted";
  }
  EXPECT_TRUE(EnclaveUids::create(kDefaultEnclaveUids).is_ok());
}

TEST(EnclaveUids, HandsOutDistinctUidsAndReusesThemLast) {
  auto pool = EnclaveUids::create({test_base(), test_base() + 2});
  ASSERT_TRUE(pool.is_ok()) << pool.status().to_string();
  std::vector<UidLease> leases;
  std::set<uid_t> seen;
  for (int i = 0; i < 3; ++i) {
    auto lease = (*pool)->acquire();
    ASSERT_TRUE(lease.is_ok()) << lease.status().to_string();
    EXPECT_TRUE(seen.insert(lease->uid()).second) << "uid " << lease->uid() << " handed out twice";
    leases.push_back(std::move(lease).value());
  }
  EXPECT_EQ((*pool)->in_use(), 3u);
  auto exhausted = (*pool)->acquire();
  ASSERT_FALSE(exhausted.is_ok());
  EXPECT_NE(exhausted.status().message().find("--enclave-uids"), std::string::npos);

  uid_t returned = leases[1].uid();
  leases.erase(leases.begin() + 1);
  EXPECT_EQ((*pool)->in_use(), 2u);
  auto again = (*pool)->acquire();
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(again->uid(), returned);
}

TEST(EnclaveUids, SkipsAUidThatARunningProcessHolds) {
  // This test's own process holds its uid: a range made of it alone (when it
  // has no account, as in a container) must never hand it out.
  std::set<std::uint32_t> ids = ids_in_use_by_processes();
  EXPECT_TRUE(ids.contains(static_cast<std::uint32_t>(::getuid())));
  EXPECT_TRUE(ids.contains(static_cast<std::uint32_t>(::getgid())));
}

TEST(EnclaveUids, ALeaseMovedKeepsItsUidTaken) {
  auto pool = EnclaveUids::create({test_base(), test_base()});
  ASSERT_TRUE(pool.is_ok());
  auto lease = (*pool)->acquire();
  ASSERT_TRUE(lease.is_ok());
  UidLease moved = std::move(lease).value();
  UidLease target;
  target = std::move(moved);
  EXPECT_TRUE(target.valid());
  EXPECT_FALSE((*pool)->acquire().is_ok());
  target = UidLease();
  EXPECT_TRUE((*pool)->acquire().is_ok());
}

}  // namespace
}  // namespace cloister::platform
