#pragma once
// ExportTask: one export task as the service stores it and the RDS API
// returns it (botocore rds 2014-10-31 shape "ExportTask"), plus the
// bookkeeping the service needs (cluster, creation order, attempt, rows).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time_format.h"

namespace dbexport::service {

// STARTING -> IN_PROGRESS -> COMPLETE | FAILED; STARTING | IN_PROGRESS ->
// CANCELING -> CANCELED. STARTING may also go straight to FAILED (pre-flight).
enum class TaskStatus { kStarting, kInProgress, kComplete, kFailed, kCanceling, kCanceled };

// "STARTING", "IN_PROGRESS", ... as on the wire.
std::string_view TaskStatusName(TaskStatus status);
std::optional<TaskStatus> ParseTaskStatus(std::string_view name);
// True while a worker is (or may be) running for the task.
bool IsActive(TaskStatus status);

// Milliseconds since the Unix epoch, UTC.
using TimeMs = int64_t;
TimeMs NowMs();
// FormatIso8601(TimeMs) and ParseIso8601 (the forms the export engine
// reports) come from common/time_format.h.

struct ExportTask {
  // API fields.
  std::string id;  // ExportTaskIdentifier
  std::string source_arn;
  std::vector<std::string> export_only;
  std::optional<TimeMs> snapshot_time;
  std::optional<TimeMs> task_start_time;
  std::optional<TimeMs> task_end_time;
  std::string s3_bucket;
  std::string s3_prefix;
  std::string iam_role_arn;
  std::string kms_key_id;
  TaskStatus status = TaskStatus::kStarting;
  int percent_progress = 0;
  int64_t extracted_bytes = 0;  // TotalExtractedDataInGB = extracted_bytes / 2^30
  std::string failure_cause;
  std::string warning_message;  // JSON text, empty when none

  // Service bookkeeping.
  std::string cluster;       // the configured cluster the ARN names
  int64_t seq = 0;           // creation order, 1-based; pagination key
  TimeMs create_time = 0;
  int attempt = 1;           // > 1 after a restart under resume = "restart"
  int64_t rows_exported = 0;
  int64_t bytes_written = 0;  // Parquet bytes written

  int64_t total_extracted_gb() const { return extracted_bytes >> 30; }
  // Where the task writes: s3://<bucket>/<prefix>/<id>/ (no doubled slashes).
  std::string OutputLocation() const;
};

}  // namespace dbexport::service
