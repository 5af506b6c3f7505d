// Shared helpers for attestd tests: a private temporary directory, must().
#pragma once

#include <gtest/gtest.h>

#include "common/test/temp_dir.h"

namespace cloister::attestd::testing {

using cloister::testing::TempDir;

template <typename T>
T must(Result<T> result) {
  if (!result) {
    ADD_FAILURE() << result.status().to_string();
    std::abort();
  }
  return std::move(result).value();
}

}  // namespace cloister::attestd::testing
