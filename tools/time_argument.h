// A point in time given on the command line.
#pragma once

#include <cstdint>
#include <string>

#include "cloister/result.h"

namespace cloister::cli {

// "2025-07-01", "2025-07-01T12:00:00Z" or seconds since the epoch (UTC).
Result<std::int64_t> parse_time_argument(const std::string& text);

}  // namespace cloister::cli
