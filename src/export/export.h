#pragma once
// The export engine: one export task, from a Source to an ObjectStore.
//
//   ExportSpec -> RunExportTask(spec, observer, cancel) -> ExportSummary
//                                                          (or a Status with the failure cause)
//
// An ExportSpec describes one export completely; `dbexport run` builds it
// from its flags, the service from the StartExportTask request and its
// configuration, and both hand it to RunExportTask, which in order:
//   1. checks the spec (ValidateSpec; no I/O)
//   2. S3 destination: runs the pre-flight (storage/s3/preflight.h: role,
//      KMS key, bucket and region, a probe object <task_id>/_dbexport_preflight)
//      before the source is touched; it opens the store. A failure's
//      message is the user guide's FailureCause.
//   3. opens the source; a local directory is opened (created) only once
//      the source has listed its databases. attempt > 1: once the store is
//      open, what the earlier attempt left under <task_id>/ is deleted.
//   4. RunExport
// RunExport is step 4 alone, for callers (tests) that bring their own source
// or store: it takes the snapshot, plans tables into chunks, runs
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

// One export, completely. Plain data; copy it freely. Nothing else repeats
// its fields: the manifest echoes it, the service persists the part the API
// sets (service/task_store.h).
struct ExportSpec {
  // Identity.
  std::string task_id;     // ExportTaskIdentifier: the directory under the destination
  std::string source_arn;  // SourceArn, echoed in export_info_*.json
  int attempt = 1;         // > 1: a restart; the earlier attempt's files are deleted first

  // What to read.
  std::string source_url;  // postgresql://user[:password]@host[:port]/database
  // How to read, the type mapping included: its one home, which both the
  // data and the manifest's typeMapping follow.
  source::SourceOptions source_options;
  // The DB cluster identifier of the service's source, which the failure
  // cause names when the source cannot be opened; empty: the source's own
  // message is the cause.
  std::string source_cluster;
  std::vector<std::string> export_only;  // raw entries: db, db.schema, db.schema.table; empty: all

  // How hard to press on the source (docs/throttling.md). max_rate: source
  // wire bytes per second across all readers; 0: no limit. max_connections:
  // source connections open at once, the snapshot's own included;
  // parallelism is lowered to fit; 0: no limit.
  int64_t max_rate = 0;
  int max_connections = 0;

  // How to write.
  int parallelism = 4;
  int64_t chunk_rows = 1'000'000;
  parquet::WriterOptions writer;

  // Where: the directory or S3 bucket and prefix (the manifest's s3Bucket,
  // s3Prefix), and how to reach it (endpoint, region, IAM role, KMS key,
  // timeout, retry warnings).
  StoreLocation destination;
  StoreOptions store;
  // Writes <task_id>/_SUCCESS last, after the manifests, when the export
  // completed (docs/manifest.md).
  bool success_marker = true;
  // Writes catalog files (Athena DDL, a DuckDB script, Apache Iceberg
  // metadata) under <task_id>/_catalog/, after the manifests and before
  // _SUCCESS, when the export completed (docs/catalog.md).
  bool catalog = true;
  // After every chunk is written, counts each exported table's rows on the
  // export's snapshot and in its files as stored (Parquet footers), and
  // fails the task when they differ from the rows written
  // (dbexport run --verify-counts; docs/manifest.md, verifiedRowCount).
  bool verify_counts = false;
};

// Checks what the engine needs of a spec without any I/O: the task
// identifier (the RDS rule), the ExportOnly entries, parallelism and chunk
// rows of at least 1, max_rate 0 or at least 1 KiB/s, max_connections 0 or
// at least 2. InvalidArgument naming the bad value.
Status ValidateSpec(const ExportSpec& spec);

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
  int64_t max_rate = 0;           // ExportSpec::max_rate
  bool throttled = false;         // readers waited for max_rate since the last sample
};

struct SkippedTable {
  std::string target;  // database.schema.table
  std::string reason;  // kSkip* code
  std::string detail;
};

struct ExportSummary {
  std::string snapshot_time;
  source::SnapshotInfo snapshot;  // how the source took it
  std::string location;  // where the files are: <the store>/<task_id> (RunExportTask only)
  int64_t tables_exported = 0;
  int64_t rows_exported = 0;
  int64_t bytes_written = 0;
  std::vector<SkippedTable> skipped;
  std::string warning_message;  // WarningMessage JSON, as the RDS API returns it
  // --verify-counts: how long counting on the snapshot and reading back the
  // footers took, after the last chunk; -1: not run.
  int64_t verify_counts_ms = -1;
  int64_t files_verified = 0;  // data files whose footers were read back
};

// Called from worker threads, at least every second while work goes on.
using ProgressObserver = std::function<void(const ExportProgress&)>;

// Validates --export-only entries (spec limits: A-Z a-z 0-9 $ _, 1..3 parts).
// Returns InvalidArgument naming the bad entry.
Status ValidateExportOnly(const std::vector<std::string>& entries);

// The steps of RunExportTask, in order.
enum class TaskStep { kNone, kCheck, kPreflight, kSource, kStore, kExport };

// Why RunExportTask failed, beyond the Status it returns.
struct TaskFailure {
  TaskStep step = TaskStep::kNone;
  // The technical cause (operation, bucket, HTTP status, S3 code, request
  // id) when the returned Status is the user guide's FailureCause of a
  // pre-flight failure; else the returned Status.
  Status detail;
};

// Runs the export `spec` describes, steps 1-4 above, on the calling thread.
// Failures: the step's Status, with these messages:
//   pre-flight   the user guide's FailureCause, word for word
//   source       with spec.source_cluster set: "Failed to find or access
//                the source DB cluster: <cluster>. <why>"; else <why>
//   cancelled    Cancelled, from any step
// When `failure` is not null it says which step failed. `cancel` may be null.
Result<ExportSummary> RunExportTask(const ExportSpec& spec, const ProgressObserver& observer,
                                    const std::atomic<bool>* cancel, TaskFailure* failure = nullptr);

// Step 4 of RunExportTask: `source` is read and `store` written in place of
// those spec.source_url and spec.destination name (the manifest still echoes
// the destination, role and key).
// REQUIRES: `source` was opened with spec.source_options (the manifest's
// typeMapping is spec.source_options.type_mapping).
Result<ExportSummary> RunExport(const ExportSpec& spec, source::Source* source, ObjectStore* store,
                                const ProgressObserver& observer, const std::atomic<bool>* cancel);

}  // namespace dbexport::exporter
