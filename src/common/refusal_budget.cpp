#include "common/refusal_budget.h"

#include <utility>

namespace cloister {

RefusalBudget::Admission RefusalBudget::admit(std::int64_t unix_seconds) {
  std::lock_guard lock(mutex_);
  Admission admission;
  if (unix_seconds / 60 != minute_) {
    admission.counted_before = std::exchange(counted_, 0);
    minute_ = unix_seconds / 60;
    written_ = 0;
  }
  if (written_ < per_minute_) {
    ++written_;
    admission.write_row = true;
  } else {
    ++counted_;
  }
  return admission;
}

std::int64_t RefusalBudget::take_counted() {
  std::lock_guard lock(mutex_);
  return std::exchange(counted_, 0);
}

std::int64_t RefusalBudget::counted() const {
  std::lock_guard lock(mutex_);
  return counted_;
}

}  // namespace cloister
