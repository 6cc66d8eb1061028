#pragma once
// Internals of the export engine shared by its files: the per-table result
// the manifest is built from, the manifest builders, the progress counters
// and the chunk worker.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "export/export.h"
#include "export/rate_limiter.h"

namespace dbexport::exporter {

using Clock = std::chrono::system_clock;

// Splits entries already checked by ValidateExportOnly.
std::vector<source::ExportFilterEntry> ParseExportOnly(const std::vector<std::string>& entries);

// Per-table status in export_tables_info_*.json.
inline constexpr char kTableComplete[] = "COMPLETE";
inline constexpr char kTableFailed[] = "FAILED";
inline constexpr char kTableSkipped[] = "SKIPPED";
inline constexpr char kTableCanceled[] = "CANCELED";

// Task status in export_info_*.json (the RDS ExportTask status values).
inline constexpr char kTaskComplete[] = "COMPLETE";
inline constexpr char kTaskFailed[] = "FAILED";
inline constexpr char kTaskCanceled[] = "CANCELED";

// Reason code of an --export-only entry that matched no table.
inline constexpr char kObjectiveNotFound[] = "OBJECT_NOT_FOUND";

// Tables per export_tables_info_* file: keeps each file small enough to open
// in an editor for exports of thousands of tables.
inline constexpr int kTablesPerManifestFile = 100;

// A Parquet file the export wrote.
struct DataFile {
  std::string key;   // under the store's root
  int64_t size = 0;
  int64_t rows = -1;  // -1: unknown (found in the store, not written by this run)
  std::string sha256;  // hex digest of the bytes written; empty: unknown (as rows)
  // Per schema field, from the writer (catalog metrics); empty: unknown.
  std::vector<parquet::ColumnSummary> columns;
};

// What the manifest says about one table.
struct TableResult {
  source::TableInfo info;
  // Where its files go: DistinctTablePrefixes(), "<task>/<db>/<schema>.<table>/"
  // unless sanitizing gave another table the same folder.
  std::string prefix;
  std::vector<source::Chunk> chunks;
  parquet::Schema schema;     // of its Parquet files (set by FinalTables)
  std::string status;         // kTable*
  std::string failure_cause;  // kTableFailed / kTableCanceled
  int completed_chunks = 0;
  int64_t rows = 0;
  int64_t bytes_written = 0;  // Parquet bytes of closed files
  int files = 0;
  std::vector<DataFile> data_files;   // of completed chunks, in completion order
  std::vector<std::string> warnings;  // from the chunk readers, deduplicated
  int chunk_retries = 0;      // chunk reads started again after a source failure
  int64_t verified_rows = -1;  // --verify-counts: the count all three agree on; -1: not verified
  std::optional<Clock::time_point> start;  // first chunk started
  std::optional<Clock::time_point> end;    // last chunk finished
};

struct SkippedObjective {
  std::string target;  // the --export-only entry
  std::string reason;  // kObjective*
};

// What export_info_*.json says about the task.
struct TaskResult {
  std::string status;  // kTask*
  std::string failure_cause;
  int percent = 0;
  Clock::time_point start;
  Clock::time_point end;
  std::string snapshot_time;
  source::SnapshotInfo snapshot;
  std::string warning_message;  // WarningMessageJson(), or empty
};

// Reason code of a general warning about values a table's reader could not
// represent (ChunkReader::warnings()).
inline constexpr char kWarningValuesChanged[] = "VALUES_EXPORTED_AS_NULL";

struct GeneralWarning {
  std::string target;  // database.schema.table
  std::string reason;  // kWarning*
  std::string detail;
};

// The WarningMessage JSON of the RDS API:
// {"skippedTables":[{"target":..,"reason":..}],"skippedObjectives":[..],
//  "general":[{"reason":..,"target":..,"detail":..}]},
// or "" when there is nothing to warn about.
std::string WarningMessageJson(const std::vector<SkippedTable>& skipped_tables,
                               const std::vector<SkippedObjective>& skipped_objectives,
                               const std::vector<GeneralWarning>& general);

struct ManifestFile {
  std::string key;
  std::string contents;
};

// export_tables_info_* files: tables numbered from 1 in the given order, at
// most kTablesPerManifestFile per file. No tables: one file "_from_0_to_0".
std::vector<ManifestFile> TablesInfoFiles(const std::string& task_id, const std::vector<TableResult>& tables);

// export_info_<task_id>.json. `tables_info_keys` are the keys TablesInfoFiles made.
ManifestFile ExportInfoFile(const ExportSpec& spec, const TaskResult& task,
                            const std::vector<TableResult>& tables,
                            const std::vector<std::string>& tables_info_keys);

// Counters the workers bump and the engine samples for the observer.
// Thread-safe; Sample() is called from one thread.
class ProgressTracker {
 public:
  void Plan(int tables_total, int64_t chunks_total, int64_t rows_estimated, int64_t bytes_estimated);
  void set_snapshot_time(std::string t) { snapshot_time_ = std::move(t); }

  void AddBytesRead(int64_t n) { bytes_read_.fetch_add(n, std::memory_order_relaxed); }
  void AddRows(int64_t n) { rows_.fetch_add(n, std::memory_order_relaxed); }
  void AddBytesWritten(int64_t n) { bytes_written_.fetch_add(n, std::memory_order_relaxed); }
  void ChunkStarted() { chunks_started_.fetch_add(1, std::memory_order_relaxed); }
  void ChunkDone() { chunks_done_.fetch_add(1, std::memory_order_relaxed); }
  void TableDone() { tables_done_.fetch_add(1, std::memory_order_relaxed); }

  // Percent: bytes read of the estimated bytes, kept between the share of
  // chunks done and the share of chunks started (catalog estimates can be
  // far off), capped at 99 and never decreasing.
  ExportProgress Sample(ExportProgress::Phase phase);
  // The final sample: 100 percent.
  ExportProgress Finished();

 private:
  std::mutex mu_;
  int last_percent_ = 0;
  std::string snapshot_time_;
  int tables_total_ = 0;
  int64_t chunks_total_ = 0;
  int64_t rows_estimated_ = 0;
  int64_t bytes_estimated_ = 0;
  std::atomic<int> tables_done_{0};
  std::atomic<int64_t> chunks_started_{0};
  std::atomic<int64_t> chunks_done_{0};
  std::atomic<int64_t> rows_{0};
  std::atomic<int64_t> bytes_read_{0};
  std::atomic<int64_t> bytes_written_{0};
};

// What one chunk worker needs besides the chunk.
struct ChunkContext {
  ObjectStore* store = nullptr;
  const parquet::WriterOptions* writer_options = nullptr;
  const parquet::Schema* schema = nullptr;  // built from the table's columns
  std::string table_prefix;                  // TablePrefix(...)
  ProgressTracker* progress = nullptr;
  // Set when the export stops (cancel or another chunk's failure); the reader
  // returns Cancelled soon after.
  const std::atomic<bool>* stop = nullptr;
  // Charged with the source bytes the reader consumes (--max-rate); null: no limit.
  RateLimiter* limiter = nullptr;
};

struct ChunkOutput {
  int64_t rows = 0;
  int64_t bytes_written = 0;
  int files = 0;
  std::vector<DataFile> data_files;
  std::vector<std::string> warnings;  // ChunkReader::warnings()
};

// Exports one chunk: a reader thread pulls batches from the source while the
// calling thread encodes them into part files under
// <table_prefix><chunk.index>/, rolling over at the writer's max file size.
// An empty chunk writes no file. On error (or stop) the open file is
// aborted and the chunk's files already closed are deleted (a partition is
// exported whole or not at all; a file the store would not delete is found
// by the export's final listing); returns the cause without table context
// (the caller adds it). `read_failed`, when not null, is set to whether the
// failure came from the source (opening or reading the chunk) rather than
// from encoding or the store.
Result<ChunkOutput> ExportChunk(source::Snapshot* snapshot, const source::TableInfo& table,
                                const source::Chunk& chunk, const ChunkContext& context,
                                bool* read_failed = nullptr);

// How often a chunk whose read failed is read again from its start on a new
// session of the same snapshot, when the source allows it
// (Snapshot::CanRetryChunk), and the pause before the first retry (doubled
// before each next one).
inline constexpr int kMaxChunkRetries = 3;
inline constexpr std::chrono::milliseconds kChunkRetryBackoff{500};

// --verify-counts (verify_counts.cc): after every chunk was written and
// while the snapshot is open, counts the rows of each COMPLETE table among
// `tables` on the snapshot and in its data files as stored (the Parquet
// footers' num_rows, read back from `store`, where the files are under
// `task_dir`), with up to `parallelism`
// counts at once. Sets each table's verified_rows when the source count,
// the rows written and the stored rows agree; otherwise the table becomes
// FAILED with a cause naming the three numbers, and so does the result
// (DataLoss). `tick` is called from the calling thread at least every
// 250 ms; `stop` set: returns Cancelled soon after.
Status VerifyRowCounts(source::Snapshot* snapshot, ObjectStore* store, const std::string& task_dir,
                       const std::vector<TableResult*>& tables, int parallelism, const std::function<void()>& tick, const std::atomic<bool>* stop);

}  // namespace dbexport::exporter
