// The production ExportRunner: S3 pre-flight, S3 store, source, RunExport.

#include <nlohmann/json.hpp>
#include <string>

#include "service/export_runner.h"
#include "service/log.h"
#include "source/source.h"
#include "storage/s3/preflight.h"
#include "storage/s3/s3_store.h"

namespace dbexport::service {
namespace {

// The object the pre-flight writes under <task id>/ to prove that the role
// can write to the bucket with the key; it stays as a record of the check.
// Not named *.json: the engine refuses a task directory that already holds
// manifest or Parquet files.
constexpr char kPreflightObject[] = "_dbexport_preflight";
// STS RoleSessionName is at most 64 characters.
constexpr size_t kMaxRoleSessionName = 64;

std::string TrimSlashes(const std::string& s) {
  size_t begin = s.find_first_not_of('/');
  if (begin == std::string::npos) return "";
  size_t end = s.find_last_not_of('/');
  return s.substr(begin, end - begin + 1);
}

class EngineRunner : public ExportRunner {
 public:
  explicit EngineRunner(const ServiceConfig& config)
      : region_(config.region), endpoint_url_(config.s3_endpoint_url), store_timeout_ms_(config.s3_timeout_ms) {}

  Result<exporter::ExportSummary> Run(const ExportTask& task, const ClusterConfig& cluster,
                                      const exporter::ProgressObserver& progress,
                                      const std::atomic<bool>* cancel) override {
    DBX_ASSIGN_OR_RETURN(std::unique_ptr<ObjectStore> store, OpenStore(task, StoreOptions(task)));
    if (cancel->load()) return Cancelled("export task " + task.id + " canceled");
    if (task.attempt > 1) DBX_RETURN_IF_ERROR(RemovePreviousAttempt(task, store.get()));

    source::SourceOptions source_options;
    source_options.type_mapping = cluster.type_mapping;
    source_options.lock_wait_timeout_ms = cluster.lock_wait_timeout_ms;
    source_options.max_table_locks = cluster.max_table_locks;
    source_options.consistency = cluster.consistency;
    Result<std::unique_ptr<source::Source>> source = source::OpenSource(cluster.source_url, source_options);
    if (!source.ok()) {
      return Status(source.status().code(), "Failed to find or access the source DB cluster: " + cluster.name +
                                                ". " + source.status().message());
    }
    if (cancel->load()) return Cancelled("export task " + task.id + " canceled");

    exporter::ExportRequest request;
    request.task_id = task.id;
    request.export_only = task.export_only;
    request.type_mapping = cluster.type_mapping;
    request.parallelism = cluster.parallelism;
    request.source_arn = task.source_arn;
    request.s3_bucket = task.s3_bucket;
    request.s3_prefix = task.s3_prefix;
    request.iam_role_arn = task.iam_role_arn;
    request.kms_key_id = task.kms_key_id;
    LogInfo("task " + task.id + " (attempt " + std::to_string(task.attempt) + "): exporting cluster " + cluster.name +
            " to " + store->Describe());
    return exporter::RunExport(request, source->get(), store.get(), progress, cancel);
  }

  // The store is opened as for an export (same bucket, prefix and role) but
  // without the pre-flight: its probe object would be written again, and an
  // unreachable bucket is reported by the aborts themselves.
  Result<int> DiscardIncompleteWrites(const ExportTask& task) override {
    Result<std::unique_ptr<ObjectStore>> store = s3::OpenS3Store(StoreOptions(task));
    if (!store.ok()) return store.status().WithContext("opening " + task.OutputLocation());
    return (*store)->AbortIncompleteWrites(task.id + "/");
  }

 private:
  s3::S3StoreOptions StoreOptions(const ExportTask& task) const {
    s3::S3StoreOptions options;
    options.bucket = task.s3_bucket;
    options.prefix = TrimSlashes(task.s3_prefix);
    options.region = region_;
    options.endpoint_url = endpoint_url_;
    options.role_arn = task.iam_role_arn;
    options.role_session_name = ("dbexport-" + task.id).substr(0, kMaxRoleSessionName);
    options.kms_key_id = task.kms_key_id;
    options.retry.total_timeout = std::chrono::milliseconds(store_timeout_ms_);
    options.retry.on_retry = [id = task.id](const std::string& warning) { LogWarning("task " + id + ": " + warning); };
    return options;
  }

  // The pre-flight of the S3 issue: role, key, bucket and a metadata write,
  // each failure reported with the user guide's FailureCause.
  static Result<std::unique_ptr<ObjectStore>> OpenStore(const ExportTask& task, const s3::S3StoreOptions& options) {
    nlohmann::json probe = {{"exportTaskIdentifier", task.id},
                            {"sourceArn", task.source_arn},
                            {"checkedAt", FormatIso8601(NowMs())},
                            {"attempt", task.attempt}};
    s3::PreflightResult preflight = s3::RunPreflight(options, task.id + "/" + kPreflightObject, probe.dump());
    if (!preflight.ok()) {
      LogWarning("task " + task.id + ": pre-flight failed: " + preflight.status.ToString());
      std::string cause = preflight.failure_cause.empty() ? s3::kUnknownInternalErrorCause : preflight.failure_cause;
      return Status(preflight.status.code(), cause);
    }
    return std::move(preflight.store);
  }

  // A restarted task begins from a fresh snapshot: the files of the attempt
  // that was interrupted are removed first, so that no reader mixes them in.
  static Status RemovePreviousAttempt(const ExportTask& task, ObjectStore* store) {
    Result<std::vector<ObjectInfo>> objects = store->List(task.id + "/");
    if (!objects.ok()) {
      return objects.status().WithContext("removing the output of the interrupted attempt of " + task.id);
    }
    for (const ObjectInfo& object : *objects) {
      if (object.key == task.id + "/" + kPreflightObject) continue;
      Status s = store->Delete(object.key);
      if (!s.ok()) return s.WithContext("removing the output of the interrupted attempt of " + task.id);
    }
    LogInfo("task " + task.id + ": removed " + std::to_string(objects->size()) +
            " object(s) of the interrupted attempt");
    return Status::OK();
  }

  const std::string region_;
  const std::string endpoint_url_;
  const int64_t store_timeout_ms_;
};

}  // namespace

std::unique_ptr<ExportRunner> MakeEngineRunner(const ServiceConfig& config) {
  return std::make_unique<EngineRunner>(config);
}

}  // namespace dbexport::service
