// RunExport: snapshot and plan every database, run the chunk workers, write
// the manifests.
//
// All databases are planned before any chunk runs, so every snapshot is
// taken at the start (the hosted export's clone) and one worker pool serves
// all tables, largest first. The calling thread samples progress, watches
// the cancel flag and waits for the workers.

#include <algorithm>
#include <condition_variable>
#include <system_error>
#include <thread>

#include "common/secrets.h"
#include "export/export.h"
#include "export/export_internal.h"
#include "export/naming.h"
#include "lake/catalog.h"

namespace dbexport::exporter {
namespace {

// How often the observer hears from the engine (the contract: at least
// every second) and how fast a cancel reaches the workers.
constexpr auto kProgressInterval = std::chrono::milliseconds(250);

// GZIP level when the request leaves it to the codec: ISA-L level 2. On the
// lineitem benchmark (bench/export_bench) it compresses about 3x faster than
// libdeflate's level 5 for files about 7% larger, which keeps an export
// within 1.3x of PostgreSQL's raw binary COPY instead of 3-4x.
constexpr int kExportGzipLevel = 2;

parquet::WriterOptions EffectiveWriterOptions(const parquet::WriterOptions& requested) {
  parquet::WriterOptions options = requested;
  if (options.codec == parquet::Codec::kGzip && options.compression_level < 0) {
    options.compression_level = kExportGzipLevel;
  }
  return options;
}

struct TableState {
  TableResult result;  // guarded by mu while workers run
  parquet::Schema schema;
  std::mutex mu;
};

struct Job {
  TableState* table;
  int chunk;
};

std::string EntryText(const source::ExportFilterEntry& e) {
  std::string s = e.database;
  if (!e.schema.empty()) s += "." + e.schema;
  if (!e.table.empty()) s += "." + e.table;
  return s;
}

// The state one RunExport shares with its workers.
class ExportRun {
 public:
  ExportRun(const ExportSpec& request, ObjectStore* store, const ProgressObserver& observer,
            const std::atomic<bool>* cancel)
      : request_(request),
        writer_options_(EffectiveWriterOptions(request.writer)),
        store_(store),
        observer_(observer),
        cancel_(cancel),
        limiter_(request.max_rate > 0 ? std::make_unique<RateLimiter>(request.max_rate) : nullptr),
        readers_(request.parallelism) {}

  Result<ExportSummary> Run(source::Source* source);

 private:
  Status CheckRequest();
  Status Plan(source::Source* source);
  // The readers that fit in max_connections beside the snapshot's own
  // connections; InvalidArgument when not even one does.
  Result<int> ReadersFor(const source::Source& source, size_t databases) const;
  Status PlanDatabase(const std::string& database, const std::vector<source::ExportFilterEntry>& filter);
  // Gives every exported table a folder of its own (DistinctTablePrefixes).
  void AssignFolders();
  void MakeJobs();
  void RunWorkers();
  void Worker();
  void ExportOne(const Job& job);
  // Waits `pause`, less when the export stops; false if it did.
  bool SleepUnlessStopped(std::chrono::milliseconds pause);
  // --verify-counts, after the workers and before the snapshot closes.
  void VerifyCounts();
  void Fail(const Status& status);
  Status FailureOfTables();
  std::string SweepAndReconcile(std::vector<TableResult>* tables, bool failed);
  bool UserCancelled() const { return cancel_ != nullptr && cancel_->load(std::memory_order_relaxed); }
  void Report(ExportProgress::Phase phase);
  void CloseSnapshots();
  std::vector<TableResult> FinalTables(bool cancelled) const;
  Status WriteManifests(const std::vector<TableResult>& tables, const TaskResult& task);
  Status WriteCatalog(const std::vector<TableResult>& tables, const TaskResult& task);

  const ExportSpec& request_;
  const parquet::WriterOptions writer_options_;
  ObjectStore* store_;
  const ProgressObserver& observer_;
  const std::atomic<bool>* cancel_;
  const std::unique_ptr<RateLimiter> limiter_;  // null: no max_rate
  int readers_;  // chunk readers at once: parallelism, lowered to fit max_connections

  Clock::time_point start_ = Clock::now();
  std::string snapshot_time_;
  std::unique_ptr<source::Snapshot> snapshot_;  // of every database exported
  source::SnapshotInfo snapshot_info_;
  std::vector<std::unique_ptr<TableState>> tables_;  // manifest order
  std::vector<SkippedObjective> skipped_objectives_;
  std::vector<Job> jobs_;  // largest tables first
  ProgressTracker progress_;

  std::atomic<size_t> next_job_{0};
  std::atomic<bool> stop_{false};  // cancel or failure: workers stop
  std::mutex mu_;
  std::condition_variable done_cv_;
  int workers_running_ = 0;  // guarded by mu_
  Status failure_;           // the first failure, guarded by mu_
  // Tables that failed alone (DataLoss: the snapshot lost their rows) while
  // the others went on; guarded by mu_.
  std::vector<std::string> table_failures_;
  int64_t verify_counts_ms_ = -1;  // VerifyCounts(), once run
  int64_t files_verified_ = 0;
};

Status ExportRun::CheckRequest() {
  DBX_RETURN_IF_ERROR(ValidateSpec(request_));
  // One task's files never mix with another's: refuse an identifier whose
  // directory already holds an export's files: data, manifests, catalog
  // files or the _SUCCESS marker (other objects, such as a caller's pre-flight probe, are
  // allowed).
  std::string task_dir = SanitizePathSegment(request_.task_id) + "/";
  Result<std::vector<ObjectInfo>> existing = store_->List(task_dir);
  if (!existing.ok()) return existing.status().WithContext("listing " + store_->Describe() + "/" + task_dir);
  const std::string marker = SuccessMarkerKey(request_.task_id);
  int64_t exported_files = std::count_if(existing->begin(), existing->end(), [&](const ObjectInfo& o) {
    return o.key.ends_with(".parquet") || o.key.ends_with(".json") || o.key == marker ||
           o.key.starts_with(task_dir + "_catalog/");
  });
  if (exported_files > 0) {
    return AlreadyExists("The export task with the ID " + request_.task_id + " already exists: " +
                         store_->Describe() + "/" + task_dir + " holds " + std::to_string(exported_files) +
                         " exported files");
  }
  return Status::OK();
}

Status ExportRun::Plan(source::Source* source) {
  Result<std::vector<std::string>> databases = source->ListDatabases();
  if (!databases.ok()) return databases.status().WithContext("listing databases");
  std::vector<source::ExportFilterEntry> filter = ParseExportOnly(request_.export_only);
  for (const source::ExportFilterEntry& e : filter) {
    if (source->engine() == "mysql" && !e.table.empty()) {
      return InvalidArgument("export-only entry '" + EntryText(e) +
                             "' has three parts: a MySQL entry is database or database.table");
    }
    if (std::find(databases->begin(), databases->end(), e.database) == databases->end()) {
      return NotFound("export-only entry '" + EntryText(e) + "': database " + e.database +
                      " does not exist or cannot be exported from this source");
    }
  }
  std::vector<std::string> wanted;
  for (const std::string& database : *databases) {
    bool named = std::any_of(filter.begin(), filter.end(),
                             [&](const source::ExportFilterEntry& e) { return e.database == database; });
    if (filter.empty() || named) wanted.push_back(database);
  }
  if (wanted.empty()) return Status::OK();
  if (UserCancelled()) return Cancelled("export cancelled");
  DBX_ASSIGN_OR_RETURN(readers_, ReadersFor(*source, wanted.size()));
  // Every database is snapshotted before any row is read (the hosted
  // export's clone).
  Result<std::unique_ptr<source::Snapshot>> snapshot = source->BeginSnapshot({wanted, readers_});
  if (!snapshot.ok()) return snapshot.status();
  snapshot_ = std::move(snapshot).value();
  snapshot_time_ = snapshot_->snapshot_time();
  snapshot_info_ = snapshot_->info();
  progress_.set_snapshot_time(snapshot_time_);
  for (const std::string& database : wanted) {
    std::vector<source::ExportFilterEntry> entries;
    for (const source::ExportFilterEntry& e : filter) {
      if (e.database == database) entries.push_back(e);
    }
    if (UserCancelled()) return Cancelled("export cancelled");
    DBX_RETURN_IF_ERROR(PlanDatabase(database, entries));
    Report(ExportProgress::Phase::kStarting);
  }
  AssignFolders();
  return Status::OK();
}

Result<int> ExportRun::ReadersFor(const source::Source& source, size_t databases) const {
  if (request_.max_connections <= 0) return request_.parallelism;
  const int held = source.SnapshotConnections(databases);
  if (request_.max_connections <= held) {
    std::string why = source.engine() == "mysql"
                          ? "the snapshot holds 1 connection (its coordinating session)"
                          : "the snapshot holds " + std::to_string(held) + " connection" + (held == 1 ? "" : "s") +
                                " (one per database exported)";
    return InvalidArgument("max connections " + std::to_string(request_.max_connections) +
                           " is too small for this export: " + why +
                           " and each chunk reader needs one more; set it to at least " + std::to_string(held + 1));
  }
  return std::min(request_.parallelism, request_.max_connections - held);
}

Status ExportRun::PlanDatabase(const std::string& database, const std::vector<source::ExportFilterEntry>& filter) {
  Result<std::vector<source::TableInfo>> tables = snapshot_->ListTables(database, filter);
  if (!tables.ok()) return tables.status().WithContext("listing the tables of database " + database);

  for (const source::ExportFilterEntry& e : filter) {
    if (e.schema.empty()) continue;
    bool matched = std::any_of(tables->begin(), tables->end(),
                               [&](const source::TableInfo& t) { return e.Selects(t.database, t.schema, t.name, t.schema_is_database); });
    if (!matched) skipped_objectives_.push_back({EntryText(e), kObjectiveNotFound});
  }
  for (source::TableInfo& info : *tables) {
    if (UserCancelled()) return Cancelled("export cancelled");
    auto state = std::make_unique<TableState>();
    if (info.skip_reason.empty()) {
      Result<std::vector<source::Chunk>> chunks = snapshot_->PlanChunks(info, request_.chunk_rows);
      if (!chunks.ok()) return chunks.status().WithContext("planning table " + info.target());
      state->result.chunks = std::move(chunks).value();
      for (const source::ColumnInfo& c : info.columns) state->schema.fields.push_back(c.field);
    } else {
      state->result.status = kTableSkipped;
    }
    state->result.info = std::move(info);
    tables_.push_back(std::move(state));
  }
  return Status::OK();
}

void ExportRun::AssignFolders() {
  std::vector<TableState*> exported;
  std::vector<TableName> names;
  for (auto& t : tables_) {
    if (t->result.status == kTableSkipped) continue;
    const source::TableInfo& info = t->result.info;
    exported.push_back(t.get());
    names.push_back({info.database, info.schema, info.name});
  }
  std::vector<std::string> prefixes = DistinctTablePrefixes(request_.task_id, names);
  for (size_t i = 0; i < exported.size(); ++i) {
    TableResult& r = exported[i]->result;
    r.prefix = std::move(prefixes[i]);
    const std::string plain = TablePrefix(request_.task_id, r.info.database, r.info.schema, r.info.name);
    if (r.prefix != plain) {
      r.warnings.push_back("another table's name also becomes the folder " + plain +
                           ", so this table's files are under " + r.prefix);
    }
  }
}

void ExportRun::MakeJobs() {
  std::vector<TableState*> exported;
  int64_t rows = 0, bytes = 0;
  for (auto& t : tables_) {
    if (t->result.status == kTableSkipped) continue;
    exported.push_back(t.get());
    rows += t->result.info.estimated_rows;
    bytes += t->result.info.estimated_bytes;
  }
  std::stable_sort(exported.begin(), exported.end(), [](const TableState* a, const TableState* b) {
    return a->result.info.estimated_bytes > b->result.info.estimated_bytes;
  });
  for (TableState* t : exported) {
    for (size_t i = 0; i < t->result.chunks.size(); ++i) jobs_.push_back({t, static_cast<int>(i)});
  }
  progress_.Plan(static_cast<int>(exported.size()), static_cast<int64_t>(jobs_.size()), rows, bytes);
  // A table planned with no chunk has nothing to read: complete already.
  for (TableState* t : exported) {
    if (!t->result.chunks.empty()) continue;
    t->result.status = kTableComplete;
    t->result.start = t->result.end = Clock::now();
    progress_.TableDone();
  }
}

void ExportRun::RunWorkers() {
  int n = static_cast<int>(std::min<size_t>(static_cast<size_t>(readers_), jobs_.size()));
  std::vector<std::thread> workers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    workers_running_ = n;
  }
  for (int i = 0; i < n; ++i) {
    try {
      workers.emplace_back([this] { Worker(); });
    } catch (const std::system_error& e) {
      // Run with the workers that did start; none: the export fails.
      std::lock_guard<std::mutex> lock(mu_);
      workers_running_ -= n - i;
      if (i == 0) {
        failure_ = ResourceExhausted(std::string("starting export workers: ") + e.what());
        stop_.store(true);
      }
      break;
    }
  }
  std::unique_lock<std::mutex> lock(mu_);
  while (workers_running_ > 0) {
    done_cv_.wait_for(lock, kProgressInterval);
    if (UserCancelled()) {
      stop_.store(true);
      if (limiter_ != nullptr) limiter_->Cancel();
    }
    lock.unlock();
    Report(ExportProgress::Phase::kInProgress);
    lock.lock();
  }
  lock.unlock();
  for (std::thread& w : workers) w.join();
}

bool ExportRun::SleepUnlessStopped(std::chrono::milliseconds pause) {
  std::unique_lock<std::mutex> lock(mu_);
  done_cv_.wait_for(lock, pause, [&] { return stop_.load(); });
  return !stop_.load();
}

void ExportRun::Worker() {
  while (!stop_.load(std::memory_order_relaxed)) {
    size_t i = next_job_.fetch_add(1);
    if (i >= jobs_.size()) break;
    ExportOne(jobs_[i]);
  }
  std::lock_guard<std::mutex> lock(mu_);
  --workers_running_;
  done_cv_.notify_all();
}

void ExportRun::ExportOne(const Job& job) {
  TableState& t = *job.table;
  const source::Chunk& chunk = t.result.chunks[job.chunk];
  {
    std::lock_guard<std::mutex> lock(t.mu);
    if (t.result.status == kTableFailed) {  // another chunk found the table's rows gone
      progress_.ChunkDone();
      return;
    }
    if (!t.result.start) t.result.start = Clock::now();
  }
  progress_.ChunkStarted();
  ChunkContext context;
  context.store = store_;
  context.writer_options = &writer_options_;
  context.schema = &t.schema;
  context.table_prefix = t.result.prefix;
  context.progress = &progress_;
  context.stop = &stop_;
  context.limiter = limiter_.get();
  bool read_failed = false;
  Result<ChunkOutput> out = ExportChunk(snapshot_.get(), t.result.info, chunk, context, &read_failed);
  // A read that failed on its session (a lost connection, a recovery
  // conflict on a hot standby) starts again on a new session of the same
  // snapshot; ExportChunk has deleted what the failed attempt wrote.
  int retries = 0;
  while (!out.ok() && read_failed && !stop_.load()) {
    Status verdict = snapshot_->CanRetryChunk(t.result.info, out.status());
    if (!verdict.ok()) {
      out = verdict;
      break;
    }
    if (retries == kMaxChunkRetries) {
      out = Status(out.status().code(), out.status().message() + " (read " + std::to_string(retries + 1) +
                                            " times, on a new session of the same snapshot each time; "
                                            "every attempt failed)");
      break;
    }
    if (!SleepUnlessStopped(kChunkRetryBackoff * (1 << retries))) {
      out = Cancelled("export stopped");
      break;
    }
    ++retries;
    {
      std::lock_guard<std::mutex> lock(t.mu);
      t.result.chunk_retries += 1;
    }
    out = ExportChunk(snapshot_.get(), t.result.info, chunk, context, &read_failed);
  }

  if (!out.ok()) {
    // A reader stopped by the stop flag reports Cancelled: not a cause.
    if (stop_.load() && out.status().code() == StatusCode::kCancelled) return;
    Status cause = out.status().WithContext("exporting table " + t.result.info.target() + " partition " +
                                            std::to_string(chunk.index));
    bool first = false;
    {
      std::lock_guard<std::mutex> lock(t.mu);
      first = t.result.status != kTableFailed;
      if (first) {
        t.result.status = kTableFailed;
        t.result.failure_cause = RedactSecrets(cause.message());
        t.result.end = Clock::now();
      }
    }
    if (out.status().code() == StatusCode::kDataLoss) {
      // This table cannot be exported from the snapshot; the others can.
      progress_.ChunkDone();
      if (first) {
        progress_.TableDone();
        std::lock_guard<std::mutex> lock(mu_);
        table_failures_.push_back(cause.message());
      }
      return;
    }
    Fail(cause);
    return;
  }
  std::lock_guard<std::mutex> lock(t.mu);
  t.result.rows += out->rows;
  t.result.bytes_written += out->bytes_written;
  t.result.files += out->files;
  for (DataFile& f : out->data_files) t.result.data_files.push_back(std::move(f));
  for (std::string& w : out->warnings) {
    if (std::find(t.result.warnings.begin(), t.result.warnings.end(), w) == t.result.warnings.end()) {
      t.result.warnings.push_back(std::move(w));
    }
  }
  t.result.completed_chunks += 1;
  progress_.ChunkDone();
  if (t.result.status.empty() && t.result.completed_chunks == static_cast<int>(t.result.chunks.size())) {
    t.result.end = Clock::now();
    t.result.status = kTableComplete;
    progress_.TableDone();
  }
}

void ExportRun::VerifyCounts() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!failure_.ok() || stop_.load()) return;  // a failed or cancelled export has nothing to verify
  }
  std::vector<TableResult*> tables;
  for (auto& t : tables_) {
    if (t->result.status != kTableComplete) continue;
    tables.push_back(&t->result);
    files_verified_ += static_cast<int64_t>(t->result.data_files.size());
  }
  const auto started = std::chrono::steady_clock::now();
  Status verified = VerifyRowCounts(
      // readers_: the counts' sessions stay within max_connections too.
      snapshot_.get(), store_, SanitizePathSegment(request_.task_id) + "/", tables, readers_,
      [this] {
        if (UserCancelled()) stop_.store(true);
        Report(ExportProgress::Phase::kFinishing);
      },
      &stop_);
  verify_counts_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  if (!verified.ok() && !(verified.code() == StatusCode::kCancelled && stop_.load())) Fail(verified);
}

Status ExportRun::FailureOfTables() {
  std::lock_guard<std::mutex> lock(mu_);
  if (table_failures_.empty()) return Status::OK();
  if (table_failures_.size() == 1) return DataLoss(table_failures_.front());
  return DataLoss(std::to_string(table_failures_.size()) + " tables could not be exported; the first: " +
                  table_failures_.front());
}

// After the workers: discards what they left unfinished in the store (open
// multipart uploads, including those a request that timed out created
// after all; temporary files) and, when the export failed, makes each
// table's file list what the store really holds. Returns what could not be
// done, for the failure message ("" when everything was).
std::string ExportRun::SweepAndReconcile(std::vector<TableResult>* tables, bool failed) {
  const std::string task_dir = SanitizePathSegment(request_.task_id) + "/";
  std::string problems;
  Result<int> swept = store_->AbortIncompleteWrites(task_dir);
  if (!swept.ok()) {
    problems += "; unfinished writes under " + store_->Describe() + "/" + task_dir +
                " could not be discarded (" + swept.status().message() + ")";
  }
  if (!failed) return problems;
  Result<std::vector<ObjectInfo>> listed = store_->List(task_dir);
  if (!listed.ok()) {
    return problems + "; the files in " + store_->Describe() + "/" + task_dir + " could not be listed (" +
           listed.status().message() + "), so the manifest lists the files as written, unchecked";
  }
  for (TableResult& t : *tables) {
    if (t.status == kTableSkipped) continue;
    const std::string& prefix = t.prefix;
    std::vector<DataFile> found;
    for (const ObjectInfo& o : *listed) {
      if (!o.key.starts_with(prefix)) continue;
      auto known = std::find_if(t.data_files.begin(), t.data_files.end(),
                                [&](const DataFile& f) { return f.key == o.key; });
      if (known != t.data_files.end()) {
        found.push_back({o.key, o.size, known->rows, known->sha256, known->columns});
      } else if (!store_->Delete(o.key).ok()) {
        found.push_back({o.key, o.size, -1, "", {}});  // of a partition that did not complete, and it stays
      }
    }
    t.data_files = std::move(found);
    t.files = static_cast<int>(t.data_files.size());
    t.bytes_written = 0;
    t.rows = 0;
    for (const DataFile& f : t.data_files) {
      t.bytes_written += f.size;
      if (f.rows > 0) t.rows += f.rows;
    }
  }
  return problems;
}

void ExportRun::Fail(const Status& status) {
  std::lock_guard<std::mutex> lock(mu_);
  if (failure_.ok()) failure_ = status;
  stop_.store(true);
  if (limiter_ != nullptr) limiter_->Cancel();
}

void ExportRun::Report(ExportProgress::Phase phase) {
  if (!observer_) return;
  ExportProgress p = progress_.Sample(phase);
  p.max_rate = request_.max_rate;
  p.throttled = limiter_ != nullptr && limiter_->TakeThrottled();
  observer_(p);
}

void ExportRun::CloseSnapshots() {
  // The snapshot is read-only: a failed close loses nothing.
  if (snapshot_ != nullptr) snapshot_->Close().IgnoreError();
  snapshot_.reset();
}

std::vector<TableResult> ExportRun::FinalTables(bool cancelled) const {
  std::vector<TableResult> out;
  out.reserve(tables_.size());
  for (const auto& t : tables_) {
    TableResult r = t->result;
    r.schema = t->schema;
    if (r.status.empty()) {
      r.status = cancelled ? kTableCanceled : kTableFailed;
      r.failure_cause = cancelled ? "the export was cancelled before this table finished"
                                  : "the export failed before this table finished";
    }
    out.push_back(std::move(r));
  }
  return out;
}

Status ExportRun::WriteManifests(const std::vector<TableResult>& tables, const TaskResult& task) {
  std::vector<ManifestFile> files = TablesInfoFiles(request_.task_id, tables);
  std::vector<std::string> keys;
  for (const ManifestFile& f : files) keys.push_back(f.key);
  files.push_back(ExportInfoFile(request_, task, tables, keys));
  for (const ManifestFile& f : files) {
    Status s = store_->Put(f.key, f.contents);
    if (!s.ok()) return s.WithContext("writing manifest " + f.key);
  }
  return Status::OK();
}

// The catalog files (docs/catalog.md) of the tables exported.
Status ExportRun::WriteCatalog(const std::vector<TableResult>& tables, const TaskResult& task) {
  lake::CatalogOptions options;
  options.task_id = request_.task_id;
  StoreLocation where = request_.destination;
  if (!where.is_s3() && where.directory.empty()) {  // a caller's own store: where it says it is
    Result<StoreLocation> described = ParseStoreUrl(store_->Describe());
    if (!described.ok()) return described.status().WithContext("locating the store for the catalog");
    where = *described;
  }
  options.root_url = lake::RootUrl(where);
  options.compression = request_.writer.codec == parquet::Codec::kGzip     ? "GZIP"
                        : request_.writer.codec == parquet::Codec::kSnappy ? "SNAPPY"
                        : request_.writer.codec == parquet::Codec::kZstd   ? "ZSTD"
                                                                           : "UNCOMPRESSED";
  options.timestamp_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(task.end.time_since_epoch()).count();
  std::vector<lake::TableFiles> catalog_tables;
  for (const TableResult& t : tables) {
    if (t.status != kTableComplete) continue;
    lake::TableFiles c{.database = t.info.database, .schema = t.info.schema, .table = t.info.name,
                       .prefix = t.prefix, .parquet_schema = t.schema, .files = {}};
    for (const DataFile& f : t.data_files) c.files.push_back({f.key, f.size, f.rows, f.columns});
    catalog_tables.push_back(std::move(c));
  }
  return lake::WriteCatalog(options, catalog_tables, store_);
}

Result<ExportSummary> ExportRun::Run(source::Source* source) {
  DBX_RETURN_IF_ERROR(CheckRequest());
  Report(ExportProgress::Phase::kStarting);
  Status planned = Plan(source);
  if (!planned.ok()) {
    CloseSnapshots();
    return planned;
  }
  MakeJobs();
  RunWorkers();
  if (request_.verify_counts) VerifyCounts();
  CloseSnapshots();

  Status failure;
  {
    std::lock_guard<std::mutex> lock(mu_);
    failure = failure_;
  }
  bool cancelled = failure.ok() && stop_.load();
  if (failure.ok() && !cancelled) failure = FailureOfTables();
  std::vector<TableResult> tables = FinalTables(cancelled);
  std::string left = SweepAndReconcile(&tables, !failure.ok() || cancelled);

  ExportSummary summary;
  summary.snapshot_time = snapshot_time_;
  summary.snapshot = snapshot_info_;
  summary.verify_counts_ms = verify_counts_ms_;
  summary.files_verified = files_verified_;
  std::vector<GeneralWarning> general;
  for (const TableResult& t : tables) {
    for (const std::string& w : t.warnings) general.push_back({t.info.target(), kWarningValuesChanged, w});
    if (t.status == kTableComplete) summary.tables_exported += 1;
    if (t.status == kTableSkipped) {
      summary.skipped.push_back({t.info.target(), t.info.skip_reason, t.info.skip_detail});
    }
    summary.rows_exported += t.rows;
    summary.bytes_written += t.bytes_written;
  }
  summary.warning_message = WarningMessageJson(summary.skipped, skipped_objectives_, general);

  TaskResult task;
  task.status = !failure.ok() ? kTaskFailed : cancelled ? kTaskCanceled : kTaskComplete;
  task.failure_cause = !failure.ok() ? RedactSecrets(failure.message()) : cancelled ? "export cancelled" : "";
  task.start = start_;
  task.end = Clock::now();
  task.snapshot_time = snapshot_time_;
  task.snapshot = snapshot_info_;
  task.warning_message = summary.warning_message;
  task.percent = task.status == kTaskComplete ? 100 : progress_.Sample(ExportProgress::Phase::kFinishing).percent;
  Status manifest = WriteManifests(tables, task);
  if (!manifest.ok()) {
    // Say what is there without a manifest to describe it.
    int64_t files = 0, bytes = 0;
    for (const TableResult& t : tables) {
      files += t.files;
      bytes += t.bytes_written;
    }
    left += "; the manifest was not written (" + manifest.message() + "): " + std::to_string(files) +
            " data files (" + std::to_string(bytes) + " bytes) are in " + store_->Describe() + "/" +
            SanitizePathSegment(request_.task_id) + "/ with no manifest to describe them";
  }
  if (!failure.ok() || cancelled) {
    Report(ExportProgress::Phase::kFinishing);
    Status result = !failure.ok() ? failure : Cancelled("export cancelled");
    return left.empty() ? result : Status(result.code(), result.message() + left);
  }
  if (!manifest.ok()) return Status(manifest.code(), "the export read every table" + left);
  if (request_.catalog) {
    Status catalog = WriteCatalog(tables, task);
    if (!catalog.ok()) {
      return Status(catalog.code(), "the export read every table and wrote its manifest, but not its catalog files: " +
                                        catalog.message());
    }
  }
  if (request_.success_marker) {
    // Last, so that its presence says the manifests and every file they list
    // are complete.
    const std::string key = SuccessMarkerKey(request_.task_id);
    Status marked = store_->Put(key, "");
    if (!marked.ok()) {
      return Status(marked.code(), "the export read every table and wrote its manifest, but not the marker " +
                                       store_->Describe() + "/" + key + ": " + marked.message());
    }
  }
  if (observer_) {
    ExportProgress p = progress_.Finished();
    p.max_rate = request_.max_rate;
    observer_(p);
  }
  return summary;
}

}  // namespace

Result<ExportSummary> RunExport(const ExportSpec& request, source::Source* source, ObjectStore* store,
                                const ProgressObserver& observer, const std::atomic<bool>* cancel) {
  if (source == nullptr || store == nullptr) return InvalidArgument("RunExport: source and store are required");
  ExportRun run(request, store, observer, cancel);
  return run.Run(source);
}

}  // namespace dbexport::exporter
