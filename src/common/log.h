// Logging for host-side code (services, tools): one line per event on stderr.
// Enclave code does not log: it has no file descriptors to log to.
#pragma once

#include <spdlog/spdlog.h>

namespace cloister::log {

// Sets the level from CLOISTER_LOG (trace, debug, info, warn, error, off); default info.
void init(const char* program);

}  // namespace cloister::log
