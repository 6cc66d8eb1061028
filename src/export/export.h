#pragma once
// The export engine: one export task, from a Source to an ObjectStore.
//
//   ExportRequest  -> RunExport(request, source, store, observer, cancel)
//                  -> ExportSummary (or a Status with the failure cause)
//
// RunExport takes the snapshot, plans tables into chunks, runs
// `parallelism` workers (each chunk: ChunkReader -> parquet::FileWriter ->
// store->OpenWrite), and writes the manifest files
//   <task_id>/export_info_<task_id>.json
//   <task_id>/export_tables_info_<task_id>_from_<n>_to_<m>.json
// under the store's root (spec/reference.md section 2). It reports progress
// to the observer from worker threads. Setting *cancel stops the workers
// within seconds; RunExport then returns Cancelled after aborting open
// writers; files already closed stay.

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "parquet/file_writer.h"
#include "source/source.h"
#include "storage/object_store.h"

namespace dbexport::exporter {

struct ExportRequest {
  std::string task_id;                   // ExportTaskIdentifier
  std::vector<std::string> export_only;  // raw entries: db, db.schema, db.schema.table
  source::TypeMapping type_mapping = source::TypeMapping::kAws;
  int parallelism = 4;
  int64_t chunk_rows = 1'000'000;
  parquet::WriterOptions writer;
  // Echoed into export_info_*.json.
  std::string source_arn;
  std::string s3_bucket;
  std::string s3_prefix;
  std::string iam_role_arn;
  std::string kms_key_id;
};

struct ExportProgress {
  enum class Phase { kStarting, kInProgress, kFinishing };
  Phase phase = Phase::kStarting;
  std::string snapshot_time;  // ISO 8601, once taken
  int tables_total = 0;
  int tables_done = 0;
  int64_t chunks_total = 0;
  int64_t chunks_done = 0;
  int64_t rows_exported = 0;
  int64_t rows_estimated = 0;     // planned rows (catalog estimate)
  int64_t bytes_read = 0;         // source wire bytes
  int64_t bytes_estimated = 0;    // planned source bytes
  int64_t bytes_written = 0;      // Parquet bytes written
  int percent = 0;                // 0..100, monotone
};

struct SkippedTable {
  std::string target;  // database.schema.table
  std::string reason;  // kSkip* code
  std::string detail;
};

struct ExportSummary {
  std::string snapshot_time;
  source::SnapshotInfo snapshot;  // how the source took it
  int64_t tables_exported = 0;
  int64_t rows_exported = 0;
  int64_t bytes_written = 0;
  std::vector<SkippedTable> skipped;
  std::string warning_message;  // WarningMessage JSON, as the RDS API returns it
};

// Called from worker threads, at least every second while work goes on.
using ProgressObserver = std::function<void(const ExportProgress&)>;

// Validates --export-only entries (spec limits: A-Z a-z 0-9 $ _, 1..3 parts).
// Returns InvalidArgument naming the bad entry.
Status ValidateExportOnly(const std::vector<std::string>& entries);

Result<ExportSummary> RunExport(const ExportRequest& request, source::Source* source,
                                ObjectStore* store, const ProgressObserver& observer,
                                const std::atomic<bool>* cancel);

}  // namespace dbexport::exporter
