#pragma once
// ExportRunner: how the task manager gets one export done. The production
// runner (MakeEngineRunner) completes the task's spec from the configuration
// (TaskRunSpec) and calls exporter::RunExportTask, which runs the S3
// pre-flight, opens the store and the cluster's source and exports; the
// manager only sees this interface, which keeps the state machine apart from
// the engine.

#include <atomic>
#include <memory>

#include "common/status.h"
#include "export/export.h"
#include "service/config.h"
#include "service/export_task.h"

namespace dbexport::service {

class ExportRunner {
 public:
  virtual ~ExportRunner() = default;

  // Runs `task` against `cluster` to its end, on the calling thread (the
  // task's worker thread; several tasks run at once, so implementations are
  // thread-safe). `progress` may be called from any thread until Run returns.
  // When `*cancel` becomes true, Run returns Cancelled within seconds.
  // A failure's message is the task's FailureCause, so it must read well to
  // a user (the spec's texts for pre-flight failures). When task.spec.attempt > 1
  // the output of the earlier attempt is removed first.
  virtual Result<exporter::ExportSummary> Run(const ExportTask& task, const ClusterConfig& cluster,
                                              const exporter::ProgressObserver& progress,
                                              const std::atomic<bool>* cancel) = 0;

  // Discards the writes that a process running `task` left open when it
  // died: the multipart uploads under the task's <prefix>/<id>/, which S3
  // keeps (and bills) until they are aborted. Returns how many were
  // discarded. REQUIRES: no Run of `task` is under way, in this process or
  // another (the manager calls it at start, for the tasks a previous run
  // left active, before it fails or restarts them). Thread-safe.
  virtual Result<int> DiscardIncompleteWrites(const ExportTask& task) = 0;
};

// The spec `task` runs with: task.spec (what StartExportTask asked for)
// completed from the configuration: the service's region, the [s3]
// endpoint and timeout, an STS session name naming the task, retries logged
// as warnings, and, when `cluster` is given, its source URL, source options
// (type mapping, lock waits) and parallelism.
exporter::ExportSpec TaskRunSpec(const ServiceConfig& config, const ExportTask& task, const ClusterConfig* cluster);

// The runner that exports to S3 (the configured endpoint and region) with
// exporter::RunExportTask; DiscardIncompleteWrites opens the task's S3 store
// (its role, no pre-flight) and aborts the uploads there.
std::unique_ptr<ExportRunner> MakeEngineRunner(const ServiceConfig& config);

}  // namespace dbexport::service
