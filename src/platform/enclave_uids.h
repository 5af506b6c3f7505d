// A uid of its own for every enclave, as systemd's DynamicUser gives one to
// every service: allocated from a range the platform owns, never shared with
// another process, returned when the enclave has exited and been reaped.
//
// A uid that any process uses is a uid from which an enclave can be signalled,
// and (while it is dumpable) traced or read. So a uid is handed out only if
// no account names it and no running process holds it as its real,
// effective, saved or filesystem uid or gid.
#pragma once

#include <sys/types.h>

#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "cloister/result.h"

namespace cloister::platform {

struct UidRange {
  uid_t first = 0;
  uid_t last = 0;
};

// The default range: 65,536 uids in 0x70000000-0x7000FFFF, which systemd
// leaves unused (its dynamic users sit at 61184-65519, its containers at
// 524288-1879048191).
inline constexpr UidRange kDefaultEnclaveUids{0x70000000u, 0x7000FFFFu};

// "FIRST-LAST", both decimal.
Result<UidRange> parse_uid_range(const std::string& text);

class EnclaveUids;

// One enclave's uid (and gid of the same number), held until released.
class UidLease {
 public:
  UidLease() = default;
  UidLease(UidLease&& other) noexcept;
  UidLease& operator=(UidLease&& other) noexcept;
  UidLease(const UidLease&) = delete;
  UidLease& operator=(const UidLease&) = delete;
  ~UidLease();

  [[nodiscard]] bool valid() const { return owner_ != nullptr; }
  [[nodiscard]] uid_t uid() const { return uid_; }

 private:
  friend class EnclaveUids;
  UidLease(std::shared_ptr<EnclaveUids> owner, uid_t uid) : owner_(std::move(owner)), uid_(uid) {}
  void release();

  std::shared_ptr<EnclaveUids> owner_;
  uid_t uid_ = 0;
};

class EnclaveUids : public std::enable_shared_from_this<EnclaveUids> {
 public:
  // Refuses a range that holds a special id (root, nobody, 65535, -1) or
  // that an account or group of this machine uses.
  static Result<std::shared_ptr<EnclaveUids>> create(UidRange range);

  // A uid that no live enclave of ours, no account and no process uses.
  Result<UidLease> acquire();

  [[nodiscard]] UidRange range() const { return range_; }
  [[nodiscard]] std::size_t in_use() const;

 private:
  explicit EnclaveUids(UidRange range) : range_(range), next_(range.first) {}
  friend class UidLease;
  void release(uid_t uid);

  UidRange range_;
  mutable std::mutex mutex_;
  uid_t next_;  // round robin, so a uid just given back is the last to be reused
  std::set<uid_t> leased_;
};

// Every uid and gid that a process on this machine holds (real, effective,
// saved, filesystem), read from /proc/*/status.
std::set<std::uint32_t> ids_in_use_by_processes();

}  // namespace cloister::platform
