#include <cstring>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "common/errno_text.h"

namespace cloister {

const char* to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::ok:
      return "ok";
    case ErrorCode::invalid_argument:
      return "invalid argument";
    case ErrorCode::out_of_range:
      return "out of range";
    case ErrorCode::decode_error:
      return "decode error";
    case ErrorCode::crypto_error:
      return "crypto error";
    case ErrorCode::verification_failed:
      return "verification failed";
    case ErrorCode::not_found:
      return "not found";
    case ErrorCode::permission_denied:
      return "permission denied";
    case ErrorCode::io_error:
      return "I/O error";
    case ErrorCode::enclave_terminated:
      return "enclave terminated";
    case ErrorCode::enclave_busy:
      return "enclave busy";
    case ErrorCode::unknown_call:
      return "unknown call";
    case ErrorCode::unauthenticated:
      return "unauthenticated";
    case ErrorCode::conflict:
      return "conflict";
    case ErrorCode::internal:
      return "internal error";
    case ErrorCode::failed_precondition:
      return "failed precondition";
  }
  return "unknown error";
}

std::string Status::to_string() const {
  if (is_ok()) return "ok";
  std::string name = cloister::to_string(code_);
  if (message_.rfind(name, 0) == 0) return message_;  // the message already names it
  return name + ": " + message_;
}

std::string errno_text(int error_number) {
  char buffer[256];
  // GNU strerror_r returns the message, possibly not in `buffer`.
  return ::strerror_r(error_number, buffer, sizeof buffer);
}

void secure_wipe(void* data, std::size_t size) {
  if (data != nullptr && size != 0) explicit_bzero(data, size);
}

}  // namespace cloister
