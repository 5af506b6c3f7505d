// Errors are values: every module boundary returns Status or Result<T>.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace cloister {

enum class ErrorCode {
  ok = 0,
  invalid_argument,     // the caller passed something malformed
  out_of_range,         // a length or index past its bound
  decode_error,         // bytes that do not parse
  crypto_error,         // OpenSSL failed, or a signature/tag did not verify
  verification_failed,  // evidence, signature or policy check failed
  not_found,
  permission_denied,
  unauthenticated,  // no or wrong credential
  conflict,         // the request clashes with current state (exists, concurrent change)
  io_error,
  enclave_terminated,  // the enclave process died
  enclave_busy,        // all enclave threads are in use
  unknown_call,        // no handler for that call id
  internal,
  failed_precondition,  // the call needs state that is not there yet (e.g. a key not yet installed)
};
// The highest code: a peer's status code past it is unknown here.
inline constexpr ErrorCode kLastErrorCode = ErrorCode::failed_precondition;

const char* to_string(ErrorCode code);

class Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }
  [[nodiscard]] bool is_ok() const { return code_ == ErrorCode::ok; }
  explicit operator bool() const { return is_ok(); }
  [[nodiscard]] ErrorCode code() const { return code_; }
  [[nodiscard]] const std::string& message() const { return message_; }
  // "verification_failed: evidence signature does not verify"
  [[nodiscard]] std::string to_string() const;

  // Prefixes context, keeping the code: "loading enclave: file not found".
  [[nodiscard]] Status with_context(const std::string& context) const {
    return {code_, context + ": " + message_};
  }

 private:
  ErrorCode code_ = ErrorCode::ok;
  std::string message_;
};

inline Status error(ErrorCode code, std::string message) {
  return {code, std::move(message)};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!status_.is_ok() && "a Result built from a Status must carry an error");
    if (status_.is_ok()) status_ = Status(ErrorCode::internal, "Result built from an ok Status");
  }

  [[nodiscard]] bool is_ok() const { return value_.has_value(); }
  explicit operator bool() const { return is_ok(); }
  [[nodiscard]] const Status& status() const { return status_; }

  T& value() & {
    assert(is_ok());
    return *value_;
  }
  const T& value() const& {
    assert(is_ok());
    return *value_;
  }
  T&& value() && {
    assert(is_ok());
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace cloister

// Propagates an error Status or Result from an expression returning one.
#define CLOISTER_CONCAT_INNER(a, b) a##b
#define CLOISTER_CONCAT(a, b) CLOISTER_CONCAT_INNER(a, b)

#define CLOISTER_RETURN_IF_ERROR(expr)                                                     \
  do {                                                                                     \
    auto cloister_status_ = (expr);                                                        \
    if (!cloister_status_.is_ok()) return ::cloister::detail::status_of(cloister_status_); \
  } while (false)

// NOLINTBEGIN(bugprone-macro-parentheses): `lhs` is a declaration, `tmp` a name
#define CLOISTER_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.is_ok()) return tmp.status();               \
  lhs = std::move(tmp).value()

#define CLOISTER_ASSIGN_OR_RETURN(lhs, expr) \
  CLOISTER_ASSIGN_OR_RETURN_IMPL(CLOISTER_CONCAT(cloister_result_, __LINE__), lhs, expr)
// NOLINTEND(bugprone-macro-parentheses)

namespace cloister::detail {
inline const Status& status_of(const Status& s) {
  return s;
}
template <typename T>
const Status& status_of(const Result<T>& r) {
  return r.status();
}
}  // namespace cloister::detail
