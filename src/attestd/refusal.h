// Why a request got no token: an HTTP status, a stable code, a message.
#pragma once

#include <string>

namespace cloister::attestd {

struct Refusal {
  int http_status = 400;
  std::string code;
  std::string message;
};

}  // namespace cloister::attestd
