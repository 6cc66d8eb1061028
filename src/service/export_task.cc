#include "service/export_task.h"

#include <chrono>
#include <cstdio>
#include <ctime>

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

std::string FormatIso8601(TimeMs t) {
  time_t seconds = static_cast<time_t>(t / 1000);
  int millis = static_cast<int>(t % 1000);
  if (millis < 0) {
    millis += 1000;
    --seconds;
  }
  struct tm tm {};
  gmtime_r(&seconds, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

std::optional<TimeMs> ParseIso8601(const std::string& text) {
  int year, month, day, hour, minute, second, consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%*1[T ]%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute, &second,
                  &consumed) != 6) {
    return std::nullopt;
  }
  size_t pos = static_cast<size_t>(consumed);
  int millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 3) millis = millis * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 3; ++digits) millis *= 10;
  }
  int offset_minutes = 0;
  std::string zone = text.substr(pos);
  if (zone.empty() || zone == "Z") {
    offset_minutes = 0;
  } else if (zone[0] == '+' || zone[0] == '-') {
    int oh = 0, om = 0;
    if (std::sscanf(zone.c_str() + 1, "%2d:%2d", &oh, &om) < 1 && std::sscanf(zone.c_str() + 1, "%2d%2d", &oh, &om) < 1) {
      return std::nullopt;
    }
    offset_minutes = (zone[0] == '+' ? 1 : -1) * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  struct tm tm {};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  time_t seconds = timegm(&tm);
  return (static_cast<TimeMs>(seconds) - offset_minutes * 60) * 1000 + millis;
}

std::string ExportTask::OutputLocation() const {
  size_t begin = s3_prefix.find_first_not_of('/');
  size_t end = s3_prefix.find_last_not_of('/');
  std::string prefix = begin == std::string::npos ? "" : s3_prefix.substr(begin, end - begin + 1) + "/";
  return "s3://" + s3_bucket + "/" + prefix + id + "/";
}

}  // namespace dbexport::service
