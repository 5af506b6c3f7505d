#include "common/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <cstdlib>

namespace cloister::log {

void init(const char* program) {
  auto logger = spdlog::stderr_color_mt(program);
  const char* level = std::getenv("CLOISTER_LOG");  // NOLINT(concurrency-mt-unsafe): start-up, one thread
  logger->set_level(level != nullptr ? spdlog::level::from_str(level) : spdlog::level::info);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %n %^%l%$ %v");
  spdlog::set_default_logger(logger);
}

}  // namespace cloister::log
