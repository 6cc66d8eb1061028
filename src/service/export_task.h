#pragma once
// ExportTask: one export task as the service stores it and the RDS API
// returns it (botocore rds 2014-10-31 shape "ExportTask"): the export as
// requested (an exporter::ExportSpec), its state, and the bookkeeping the
// service needs (creation order, rows).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/time_format.h"
#include "export/export.h"

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
  // The export as StartExportTask asked for it: task_id, source_arn,
  // export_only, destination.s3_bucket and s3_prefix, store.iam_role_arn and
  // kms_key_id, source_cluster (the configured cluster SourceArn names) and
  // attempt (> 1 after a restart under resume = "restart"). The task store
  // keeps these; the rest of the spec (source URL and options, parallelism,
  // S3 endpoint, region and timeout) comes from the configuration each time
  // the task runs (TaskRunSpec in export_runner.h).
  exporter::ExportSpec spec;

  // State, as the API returns it.
  std::optional<TimeMs> snapshot_time;
  std::optional<TimeMs> task_start_time;
  std::optional<TimeMs> task_end_time;
  TaskStatus status = TaskStatus::kStarting;
  int percent_progress = 0;
  int64_t extracted_bytes = 0;  // TotalExtractedDataInGB = extracted_bytes / 2^30
  std::string failure_cause;
  std::string warning_message;  // JSON text, empty when none

  // Service bookkeeping.
  int64_t seq = 0;           // creation order, 1-based; pagination key
  TimeMs create_time = 0;
  int64_t rows_exported = 0;
  int64_t bytes_written = 0;  // Parquet bytes written

  const std::string& id() const { return spec.task_id; }  // ExportTaskIdentifier
  const std::string& cluster() const { return spec.source_cluster; }
  int64_t total_extracted_gb() const { return extracted_bytes >> 30; }
  // Where the task writes: s3://<bucket>/<prefix>/<id>/ (no doubled slashes).
  std::string OutputLocation() const;
};

}  // namespace dbexport::service
