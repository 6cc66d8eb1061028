#pragma once
// Status and Result<T>: errors as values. No exception crosses a component
// boundary. The code tells the caller whether a retry can help:
//   kUnavailable        transient (network, 5xx, throttling): retry the call
//   kAborted            retry at a higher level (e.g. a new snapshot)
//   kCancelled          the operation was cancelled by the user
//   kInvalidArgument    bad input: do not retry until the input is fixed
//   kFailedPrecondition the system is not in a state to do this
//   kNotFound, kAlreadyExists, kPermissionDenied, kUnauthenticated,
//   kResourceExhausted, kOutOfRange, kUnimplemented, kInternal, kIoError

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace dbexport {

enum class StatusCode : int {
  kOk = 0,
  kCancelled,
  kUnknown,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kPermissionDenied,
  kUnauthenticated,
  kResourceExhausted,
  kFailedPrecondition,
  kAborted,
  kOutOfRange,
  kUnimplemented,
  kInternal,
  kUnavailable,
  kIoError,
  // What the operation needed is gone (a table rewritten after the export's
  // snapshot): retrying it cannot help, a new export can.
  kDataLoss,
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message);

  static Status OK() { return Status(); }

  bool ok() const { return state_ == nullptr; }
  StatusCode code() const { return ok() ? StatusCode::kOk : state_->code; }
  const std::string& message() const;

  // Returns a copy whose message is "<context>: <message>", same code.
  Status WithContext(std::string_view context) const;

  // "InvalidArgument: message", or "OK".
  std::string ToString() const;

  // Marks a status as intentionally unchecked.
  void IgnoreError() const {}

  bool operator==(const Status& other) const {
    return code() == other.code() && message() == other.message();
  }

 private:
  struct State {
    StatusCode code;
    std::string message;
  };
  std::shared_ptr<const State> state_;
};

std::ostream& operator<<(std::ostream& os, const Status& status);

Status Cancelled(std::string message);
Status InvalidArgument(std::string message);
Status NotFound(std::string message);
Status AlreadyExists(std::string message);
Status PermissionDenied(std::string message);
Status Unauthenticated(std::string message);
Status ResourceExhausted(std::string message);
Status FailedPrecondition(std::string message);
Status Aborted(std::string message);
Status OutOfRange(std::string message);
Status Unimplemented(std::string message);
Status Internal(std::string message);
Status Unavailable(std::string message);
Status IoError(std::string message);
Status DataLoss(std::string message);

// Result<T>: a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    if (status_.ok()) status_ = Internal("Result constructed from OK status without a value");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T ValueOr(T fallback) const& { return ok() ? *value_ : std::move(fallback); }

  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace dbexport

#define DBX_CONCAT_INNER(a, b) a##b
#define DBX_CONCAT(a, b) DBX_CONCAT_INNER(a, b)

#define DBX_RETURN_IF_ERROR(expr)                 \
  do {                                            \
    ::dbexport::Status _dbx_status = (expr);      \
    if (!_dbx_status.ok()) return _dbx_status;    \
  } while (0)

#define DBX_ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                              \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()

#define DBX_ASSIGN_OR_RETURN(lhs, rexpr) \
  DBX_ASSIGN_OR_RETURN_IMPL(DBX_CONCAT(_dbx_result_, __LINE__), lhs, rexpr)
