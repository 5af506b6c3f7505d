#include "tools/time_argument.h"

#include <cstdio>
#include <ctime>

namespace cloister::cli {

Result<std::int64_t> parse_time_argument(const std::string& text) {
  const Status bad(ErrorCode::invalid_argument,
                   "a time is YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ (UTC) or seconds since the epoch, not \"" +
                       text.substr(0, 40) + "\"");
  if (!text.empty() && text.size() <= 12 && text.find_first_not_of("0123456789") == std::string::npos)
    return static_cast<std::int64_t>(std::stoll(text));
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &consumed) != 3)
    return bad;
  const std::string rest = text.substr(static_cast<std::size_t>(consumed));
  char zone = 0;
  if (!rest.empty() &&
      (std::sscanf(rest.c_str(), "T%2d:%2d:%2d%c", &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &zone) != 4 ||
       zone != 'Z'))
    return bad;
  if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
      tm.tm_min > 59 || tm.tm_sec > 60)
    return bad;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::int64_t>(timegm(&tm));
}

}  // namespace cloister::cli
