// The text for an errno value.
#pragma once

#include <string>

namespace cloister {

// Thread-safe, unlike std::strerror.
std::string errno_text(int error_number);

}  // namespace cloister
