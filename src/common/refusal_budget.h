// How many refusals of unauthenticated requests a service writes to its
// audit log one by one: at most `per_minute` rows a minute; the rest are
// counted, and the count is handed over (to be written as one row) at the
// first refusal of a later minute or when the service stops. So anyone who
// can reach a service can make it refuse, but not grow its append-only log
// without bound.
#pragma once

#include <cstdint>
#include <mutex>

namespace cloister {

class RefusalBudget {
 public:
  explicit RefusalBudget(int per_minute) : per_minute_(per_minute) {}

  struct Admission {
    bool write_row = false;           // write this refusal's own row
    std::int64_t counted_before = 0;  // refusals counted, not written, in earlier minutes
  };
  Admission admit(std::int64_t unix_seconds);
  // The refusals counted but not yet handed over (at stop).
  std::int64_t take_counted();
  [[nodiscard]] std::int64_t counted() const;

 private:
  const int per_minute_;
  mutable std::mutex mutex_;
  std::int64_t minute_ = -1;
  int written_ = 0;
  std::int64_t counted_ = 0;
};

}  // namespace cloister
