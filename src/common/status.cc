#include "common/status.h"

namespace dbexport {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "OK";
    case StatusCode::kCancelled: return "Cancelled";
    case StatusCode::kUnknown: return "Unknown";
    case StatusCode::kInvalidArgument: return "InvalidArgument";
    case StatusCode::kNotFound: return "NotFound";
    case StatusCode::kAlreadyExists: return "AlreadyExists";
    case StatusCode::kPermissionDenied: return "PermissionDenied";
    case StatusCode::kUnauthenticated: return "Unauthenticated";
    case StatusCode::kResourceExhausted: return "ResourceExhausted";
    case StatusCode::kFailedPrecondition: return "FailedPrecondition";
    case StatusCode::kAborted: return "Aborted";
    case StatusCode::kOutOfRange: return "OutOfRange";
    case StatusCode::kUnimplemented: return "Unimplemented";
    case StatusCode::kInternal: return "Internal";
    case StatusCode::kUnavailable: return "Unavailable";
    case StatusCode::kIoError: return "IoError";
    case StatusCode::kDataLoss: return "DataLoss";
  }
  return "Unknown";
}

Status::Status(StatusCode code, std::string message) {
  if (code != StatusCode::kOk) {
    state_ = std::make_shared<const State>(State{code, std::move(message)});
  }
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return ok() ? kEmpty : state_->message;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string msg(context);
  msg += ": ";
  msg += state_->message;
  return Status(state_->code, std::move(msg));
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(StatusCodeName(code()));
  out += ": ";
  out += message();
  return out;
}

std::ostream& operator<<(std::ostream& os, const Status& status) {
  return os << status.ToString();
}

#define DBX_DEFINE_STATUS_FACTORY(Name)                 \
  Status Name(std::string message) {                    \
    return Status(StatusCode::k##Name, std::move(message)); \
  }
DBX_DEFINE_STATUS_FACTORY(Cancelled)
DBX_DEFINE_STATUS_FACTORY(InvalidArgument)
DBX_DEFINE_STATUS_FACTORY(NotFound)
DBX_DEFINE_STATUS_FACTORY(AlreadyExists)
DBX_DEFINE_STATUS_FACTORY(PermissionDenied)
DBX_DEFINE_STATUS_FACTORY(Unauthenticated)
DBX_DEFINE_STATUS_FACTORY(ResourceExhausted)
DBX_DEFINE_STATUS_FACTORY(FailedPrecondition)
DBX_DEFINE_STATUS_FACTORY(Aborted)
DBX_DEFINE_STATUS_FACTORY(OutOfRange)
DBX_DEFINE_STATUS_FACTORY(Unimplemented)
DBX_DEFINE_STATUS_FACTORY(Internal)
DBX_DEFINE_STATUS_FACTORY(Unavailable)
DBX_DEFINE_STATUS_FACTORY(IoError)
DBX_DEFINE_STATUS_FACTORY(DataLoss)
#undef DBX_DEFINE_STATUS_FACTORY

}  // namespace dbexport
