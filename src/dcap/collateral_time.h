// The timestamps Intel's collateral carries (issueDate, nextUpdate, tcbDate):
// ISO 8601 in the one form PCS writes, "2025-06-19T10:56:11Z".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cloister/result.h"

namespace cloister::dcap {

// Seconds since the epoch. Strict: exactly YYYY-MM-DDTHH:MM:SSZ (UTC), with
// an optional fraction of a second (".123", truncated), real calendar dates
// only (no 31 April, 29 February only in leap years), no leap second.
Result<std::int64_t> parse_iso8601(std::string_view text);

// The same form back, for messages: "2025-07-19T10:56:11Z".
std::string format_iso8601(std::int64_t seconds);

}  // namespace cloister::dcap
