#pragma once
// Errors are values: Status for operations without a result, Result<T> for
// those with one. Exceptions from third-party libraries are caught at the
// folder that wraps them and turned into a Status.

#include <string>
#include <utility>
#include <variant>

#include "common/base/assert.h"

namespace sluice {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad user input: job spec, flags, message fields
  kNotFound,
  kAlreadyExists,
  kIoError,
  kDataError,    // the input data is bad beyond what rejects can absorb
  kAborted,      // the job was cancelled or failed
  kUnavailable,  // a peer is not reachable; retry later
  kInternal,
};

const char* status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return Status(); }
  bool is_ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string to_string() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status invalid_argument(std::string message) {
  return Status(StatusCode::kInvalidArgument, std::move(message));
}
inline Status io_error(std::string message) {
  return Status(StatusCode::kIoError, std::move(message));
}
inline Status data_error(std::string message) {
  return Status(StatusCode::kDataError, std::move(message));
}
inline Status not_found(std::string message) {
  return Status(StatusCode::kNotFound, std::move(message));
}
inline Status internal_error(std::string message) {
  return Status(StatusCode::kInternal, std::move(message));
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : state_(std::move(status)) {  // NOLINT: implicit by design
    SLUICE_ASSERT(!std::get<Status>(state_).is_ok(), "a Result built from a Status needs an error");
  }

  bool is_ok() const { return std::holds_alternative<T>(state_); }
  const Status& status() const {
    static const Status kOk;
    return is_ok() ? kOk : std::get<Status>(state_);
  }
  T& value() & {
    SLUICE_ASSERT(is_ok(), "value() on an error: {}", std::get<Status>(state_).to_string());
    return std::get<T>(state_);
  }
  const T& value() const& {
    SLUICE_ASSERT(is_ok(), "value() on an error: {}", std::get<Status>(state_).to_string());
    return std::get<T>(state_);
  }
  T&& value() && {
    SLUICE_ASSERT(is_ok(), "value() on an error: {}", std::get<Status>(state_).to_string());
    return std::get<T>(std::move(state_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace sluice

// Returns early from the enclosing function when `expr` is an error.
#define SLUICE_RETURN_IF_ERROR(expr)                    \
  do {                                                  \
    ::sluice::Status sluice_status_ = (expr);           \
    if (!sluice_status_.is_ok()) return sluice_status_; \
  } while (0)

#define SLUICE_CONCAT_INNER(a, b) a##b
#define SLUICE_CONCAT(a, b) SLUICE_CONCAT_INNER(a, b)
// SLUICE_ASSIGN_OR_RETURN(auto x, compute()); returns the error if any.
#define SLUICE_ASSIGN_OR_RETURN(lhs, expr) \
  SLUICE_ASSIGN_OR_RETURN_IMPL(SLUICE_CONCAT(sluice_result_, __LINE__), lhs, expr)
#define SLUICE_ASSIGN_OR_RETURN_IMPL(result, lhs, expr) \
  auto result = (expr);                                 \
  if (!result.is_ok()) return result.status();          \
  lhs = std::move(result).value()
