// The production ExportRunner: the task's spec, completed from the
// configuration, handed to exporter::RunExportTask.

#include <string>

#include "service/export_runner.h"
#include "service/log.h"
#include "storage/s3/sts.h"

namespace dbexport::service {
namespace {

class EngineRunner : public ExportRunner {
 public:
  explicit EngineRunner(const ServiceConfig& config) : config_(config) {}

  Result<exporter::ExportSummary> Run(const ExportTask& task, const ClusterConfig& cluster,
                                      const exporter::ProgressObserver& progress,
                                      const std::atomic<bool>* cancel) override {
    exporter::ExportSpec spec = TaskRunSpec(config_, task, &cluster);
    LogInfo("task " + task.id() + " (attempt " + std::to_string(spec.attempt) + "): exporting cluster " +
            cluster.name + " to " + task.OutputLocation() +
            (spec.attempt > 1 ? ", after removing the output of the interrupted attempt" : ""));
    exporter::TaskFailure failure;
    Result<exporter::ExportSummary> summary = exporter::RunExportTask(spec, progress, cancel, &failure);
    if (!summary.ok() && failure.step == exporter::TaskStep::kPreflight) {
      LogWarning("task " + task.id() + ": pre-flight failed: " + failure.detail.ToString());
    }
    return summary;
  }

  // The store is opened as for an export (same bucket, prefix and role) but
  // without the pre-flight: its probe object would be written again, and an
  // unreachable bucket is reported by the aborts themselves.
  Result<int> DiscardIncompleteWrites(const ExportTask& task) override {
    exporter::ExportSpec spec = TaskRunSpec(config_, task, nullptr);
    Result<std::unique_ptr<ObjectStore>> store = OpenStore(spec.destination, spec.store);
    if (!store.ok()) return store.status().WithContext("opening " + task.OutputLocation());
    return (*store)->AbortIncompleteWrites(task.id() + "/");
  }

 private:
  const ServiceConfig config_;
};

}  // namespace

exporter::ExportSpec TaskRunSpec(const ServiceConfig& config, const ExportTask& task, const ClusterConfig* cluster) {
  exporter::ExportSpec spec = task.spec;
  spec.store.region = config.region;
  spec.store.endpoint_url = config.s3_endpoint_url;
  spec.store.timeout = std::chrono::milliseconds(config.s3_timeout_ms);
  spec.store.role_session_name = s3::RoleSessionName(task.id());
  spec.store.on_retry = [id = task.id()](const std::string& warning) { LogWarning("task " + id + ": " + warning); };
  if (cluster != nullptr) {
    spec.source_url = cluster->source_url;
    spec.source_options = cluster->source_options;
    spec.parallelism = cluster->parallelism;
    spec.max_rate = cluster->max_rate;
    spec.max_connections = cluster->max_connections;
    spec.verify_counts = cluster->verify_counts;
  }
  return spec;
}

std::unique_ptr<ExportRunner> MakeEngineRunner(const ServiceConfig& config) {
  return std::make_unique<EngineRunner>(config);
}

}  // namespace dbexport::service
