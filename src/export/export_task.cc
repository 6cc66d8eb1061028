// RunExportTask: the one way from an ExportSpec to an export, for
// `dbexport run` and the service alike. What it adds to RunExport is
// everything between a spec and an open source and store: the S3
// pre-flight and its failure causes, the order in which source and
// destination are opened, and the restart of an interrupted task.

#include <chrono>
#include <nlohmann/json.hpp>

#include "common/time_format.h"
#include "export/export.h"
#include "export/naming.h"
#include "export/rate_limiter.h"
#include "storage/s3/preflight.h"
#include "storage/s3/s3_store.h"

namespace dbexport::exporter {
namespace {

// The object the pre-flight writes under <task id>/ to prove that the role
// can write to the bucket with the key; it stays as a record of the check.
// Not named *.json: the engine refuses a task directory that already holds
// manifest or Parquet files.
constexpr char kPreflightObject[] = "_dbexport_preflight";

std::string TaskDir(const ExportSpec& spec) { return SanitizePathSegment(spec.task_id) + "/"; }

// The pre-flight of an S3 destination: role, key, bucket and the probe
// object, each failure with the user guide's FailureCause.
Result<std::unique_ptr<ObjectStore>> Preflight(const ExportSpec& spec, TaskFailure* failure) {
  Result<s3::S3StoreOptions> options = s3::S3StoreOptionsFor(spec.destination, spec.store);
  if (!options.ok()) {
    failure->detail = options.status();
    return Status(options.status().code(), s3::kUnknownInternalErrorCause);
  }
  nlohmann::json probe = {{"exportTaskIdentifier", spec.task_id},
                          {"sourceArn", spec.source_arn},
                          {"checkedAt", FormatIso8601(std::chrono::system_clock::now())},
                          {"attempt", spec.attempt}};
  s3::PreflightResult preflight = s3::RunPreflight(*options, TaskDir(spec) + kPreflightObject, probe.dump());
  if (!preflight.ok()) {
    failure->detail = preflight.status;
    const std::string& cause = preflight.failure_cause;
    return Status(preflight.status.code(), cause.empty() ? s3::kUnknownInternalErrorCause : cause);
  }
  return std::move(preflight.store);
}

// The source's failure as the task reports it.
Status SourceFailure(const ExportSpec& spec, const Status& status) {
  if (spec.source_cluster.empty()) return status;
  return Status(status.code(),
                "Failed to find or access the source DB cluster: " + spec.source_cluster + ". " + status.message());
}

// A restarted task (attempt > 1) begins from a fresh snapshot: the files of
// the attempt that was interrupted are removed first, so that no reader
// mixes them in. A first attempt leaves the directory alone: the engine
// refuses one that holds an export's files.
Status RemoveEarlierAttempt(const ExportSpec& spec, ObjectStore* store) {
  if (spec.attempt <= 1) return Status::OK();
  const std::string context = "removing the output of the interrupted attempt of " + spec.task_id;
  Result<std::vector<ObjectInfo>> objects = store->List(TaskDir(spec));
  if (!objects.ok()) return objects.status().WithContext(context);
  for (const ObjectInfo& object : *objects) {
    if (object.key == TaskDir(spec) + kPreflightObject) continue;
    Status s = store->Delete(object.key);
    if (!s.ok()) return s.WithContext(context);
  }
  return Status::OK();
}

}  // namespace

Status ValidateSpec(const ExportSpec& spec) {
  DBX_RETURN_IF_ERROR(ValidateTaskIdentifier(spec.task_id));
  DBX_RETURN_IF_ERROR(ValidateExportOnly(spec.export_only));
  if (spec.parallelism < 1) {
    return InvalidArgument("parallelism must be at least 1, got " + std::to_string(spec.parallelism));
  }
  if (spec.chunk_rows < 1) {
    return InvalidArgument("chunk rows must be at least 1, got " + std::to_string(spec.chunk_rows));
  }
  if (spec.max_rate != 0 && spec.max_rate < 1024) {
    return InvalidArgument("max rate must be at least 1024 bytes per second (or 0: no limit), got " +
                           std::to_string(spec.max_rate));
  }
  if (spec.max_connections != 0 && spec.max_connections < 2) {
    return InvalidArgument("max connections must be at least 2 (the snapshot's connection and one reader's), or 0: "
                           "no limit; got " + std::to_string(spec.max_connections));
  }
  return Status::OK();
}

Result<ExportSummary> RunExportTask(const ExportSpec& spec, const ProgressObserver& observer,
                                    const std::atomic<bool>* cancel, TaskFailure* failure) {
  TaskFailure unused;
  TaskFailure* f = failure != nullptr ? failure : &unused;
  *f = TaskFailure{};
  // Records the failed step; detail defaults to the returned status.
  auto fail = [f](TaskStep step, Status status) {
    f->step = step;
    if (f->detail.ok()) f->detail = status;
    return status;
  };
  auto cancelled = [&] { return cancel != nullptr && cancel->load(); };
  const Status cancelled_status = Cancelled("export task " + spec.task_id + " canceled");

  // 1. The spec.
  if (Status s = ValidateSpec(spec); !s.ok()) return fail(TaskStep::kCheck, s);

  // 2. An S3 destination is checked before the source is touched, as the
  // hosted export does.
  std::unique_ptr<ObjectStore> store;
  if (spec.destination.is_s3()) {
    Result<std::unique_ptr<ObjectStore>> checked = Preflight(spec, f);
    if (!checked.ok()) return fail(TaskStep::kPreflight, checked.status());
    store = std::move(checked).value();
    if (cancelled()) return fail(TaskStep::kPreflight, cancelled_status);
    if (Status s = RemoveEarlierAttempt(spec, store.get()); !s.ok()) return fail(TaskStep::kStore, s);
  }

  // 3. The source; a local directory is created only once the source has
  // answered, so that a mistyped URL leaves nothing behind.
  source::SourceOptions source_options = spec.source_options;
  if (spec.max_rate > 0) {
    source_options.batch_bytes = ThrottledBatchBytes(spec.max_rate, spec.parallelism, source_options.batch_bytes);
  }
  Result<std::unique_ptr<source::Source>> source = source::OpenSource(spec.source_url, source_options);
  if (!source.ok()) return fail(TaskStep::kSource, SourceFailure(spec, source.status()));
  if (store == nullptr) {
    Result<std::vector<std::string>> databases = (*source)->ListDatabases();
    if (!databases.ok()) return fail(TaskStep::kSource, SourceFailure(spec, databases.status()));
    Result<std::unique_ptr<ObjectStore>> local = OpenStore(spec.destination, spec.store);
    if (!local.ok()) return fail(TaskStep::kStore, local.status());
    store = std::move(local).value();
    if (Status s = RemoveEarlierAttempt(spec, store.get()); !s.ok()) return fail(TaskStep::kStore, s);
  }
  if (cancelled()) return fail(TaskStep::kSource, cancelled_status);

  // 4. The export.
  Result<ExportSummary> summary = RunExport(spec, source->get(), store.get(), observer, cancel);
  if (!summary.ok()) return fail(TaskStep::kExport, summary.status());
  summary->location = store->Describe() + "/" + SanitizePathSegment(spec.task_id);
  return summary;
}

}  // namespace dbexport::exporter
