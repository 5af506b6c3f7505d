#include "tools/time_argument.h"

#include <charconv>

#include "dcap/collateral_time.h"

namespace cloister::cli {

Result<std::int64_t> parse_time_argument(const std::string& text) {
  const Status bad(ErrorCode::invalid_argument,
                   "a time is YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ (UTC) or seconds since the epoch, not \"" +
                       text.substr(0, 40) + "\"");
  if (!text.empty() && text.size() <= 12 && text.find_first_not_of("0123456789") == std::string::npos) {
    std::int64_t seconds = 0;
    std::from_chars(text.data(), text.data() + text.size(), seconds);
    return seconds;
  }
  // The strict form Intel's collateral uses; a bare date means its midnight.
  auto seconds = dcap::parse_iso8601(text.size() == 10 ? text + "T00:00:00Z" : text);
  if (!seconds) return bad;
  return *seconds;
}

}  // namespace cloister::cli
