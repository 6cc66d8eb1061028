#include "service/export_task.h"

#include <chrono>

namespace dbexport::service {

std::string_view TaskStatusName(TaskStatus status) {
  switch (status) {
    case TaskStatus::kStarting: return "STARTING";
    case TaskStatus::kInProgress: return "IN_PROGRESS";
    case TaskStatus::kComplete: return "COMPLETE";
    case TaskStatus::kFailed: return "FAILED";
    case TaskStatus::kCanceling: return "CANCELING";
    case TaskStatus::kCanceled: return "CANCELED";
  }
  return "UNKNOWN";
}

std::optional<TaskStatus> ParseTaskStatus(std::string_view name) {
  for (TaskStatus s : {TaskStatus::kStarting, TaskStatus::kInProgress, TaskStatus::kComplete, TaskStatus::kFailed,
                       TaskStatus::kCanceling, TaskStatus::kCanceled}) {
    if (TaskStatusName(s) == name) return s;
  }
  return std::nullopt;
}

bool IsActive(TaskStatus status) {
  return status == TaskStatus::kStarting || status == TaskStatus::kInProgress || status == TaskStatus::kCanceling;
}

TimeMs NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string ExportTask::OutputLocation() const {
  const std::string& s3_prefix = spec.destination.s3_prefix;
  size_t begin = s3_prefix.find_first_not_of('/');
  size_t end = s3_prefix.find_last_not_of('/');
  std::string prefix = begin == std::string::npos ? "" : s3_prefix.substr(begin, end - begin + 1) + "/";
  return "s3://" + spec.destination.s3_bucket + "/" + prefix + id() + "/";
}

}  // namespace dbexport::service
