#pragma once
// TaskManager: the export task state machine.
//
//   Start  -> STARTING  (row written to the TaskStore before it returns)
//          -> IN_PROGRESS when the runner reports that the snapshot is taken
//          -> COMPLETE | FAILED when the runner returns
//   Cancel -> CANCELING (cancel flag set) -> CANCELED when the runner returns
//
// Each active task has its own worker thread running ExportRunner::Run. The
// manager enforces the limits (one active task per cluster, at most
// max_active tasks), keeps every task in memory (the API reads never touch
// the disk or wait for export work) and persists each change. On Make it
// finishes what a previous run left active: it discards the writes the
// dead process left open (ExportRunner::DiscardIncompleteWrites; a failure
// is logged, not fatal), then marks the task FAILED with a cause saying the
// service stopped, or restarts it (ResumePolicy::kRestart).
//
// Thread-safe: one mutex guards the task table; listener callbacks run under
// it, in order, and must not block (the webhook notifier only queues).

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "service/config.h"
#include "service/export_runner.h"
#include "service/export_task.h"
#include "service/task_store.h"

namespace dbexport::service {

// A status change, as the webhook receives it.
struct TaskEvent {
  std::string task_id;
  std::string source_arn;
  TaskStatus old_status = TaskStatus::kStarting;
  TaskStatus new_status = TaskStatus::kStarting;
  bool created = false;  // true for the first event of a task (old_status is meaningless)
  TimeMs time = 0;
  std::string failure_cause;
  int percent_progress = 0;
};
using TaskEventListener = std::function<void(const TaskEvent&)>;

// What StartExportTask asks for: the API's part of an export (see
// ExportTask::spec), spec.source_cluster naming a configured cluster (the
// API resolved SourceArn).
struct StartRequest {
  exporter::ExportSpec spec;
};

struct TaskManagerOptions {
  // At most this many tasks STARTING, IN_PROGRESS or CANCELING at once (the
  // RDS limit of concurrent export tasks per account).
  int max_active = 5;
  ResumePolicy resume = ResumePolicy::kFail;
  // Progress is written to the store at most this often per task; status
  // changes are written at once.
  int64_t progress_persist_interval_ms = 2000;
};

class TaskManager {
 public:
  // Loads every task from `store` and recovers the ones a previous run left
  // active. `config`, `store` and `runner` must outlive the manager.
  static Result<std::unique_ptr<TaskManager>> Make(const ServiceConfig* config, TaskStore* store,
                                                   ExportRunner* runner, TaskManagerOptions options,
                                                   TaskEventListener listener);
  ~TaskManager();  // Shutdown()

  // Creates the task (STARTING) and starts its worker. Errors:
  //   AlreadyExists       the id is taken (by any task, finished or not)
  //   NotFound            request.spec.source_cluster is not configured
  //   FailedPrecondition  another task of the cluster is active
  //   ResourceExhausted   max_active tasks are active
  //   IoError             the store could not record it (nothing started)
  Result<ExportTask> Start(const StartRequest& request);

  // Moves an active task to CANCELING and tells its worker to stop.
  //   NotFound            no such task
  //   FailedPrecondition  the task is COMPLETE, FAILED, CANCELED or already CANCELING
  Result<ExportTask> Cancel(const std::string& id);

  // NotFound when absent.
  Result<ExportTask> Get(const std::string& id) const;
  // Every task in creation order.
  std::vector<ExportTask> List() const;

  // Stops accepting work, cancels the workers and waits for them. Tasks they
  // were running end FAILED ("the service stopped") under ResumePolicy::kFail
  // or stay active in the store, to restart at the next start, under kRestart.
  // Idempotent.
  void Shutdown();

 private:
  struct Worker {
    std::atomic<bool> cancel{false};
    std::atomic<bool> done{false};
    std::thread thread;
  };

  TaskManager(const ServiceConfig* config, TaskStore* store, ExportRunner* runner, TaskManagerOptions options,
              TaskEventListener listener)
      : config_(config), store_(store), runner_(runner), options_(options), listener_(std::move(listener)) {}

  Status Recover();
  // Logs how many writes were discarded, or why none could be.
  void DiscardIncompleteWrites(const ExportTask& task);
  // REQUIRES: mu_ held. Persists `updated`, then publishes it and emits an
  // event when the status changed.
  Status CommitLocked(ExportTask updated);
  void LaunchLocked(const std::string& id);
  void ReapLocked();
  void RunWorker(const std::string& id, Worker* worker);
  void OnProgress(const std::string& id, const exporter::ExportProgress& progress);
  void Finish(const std::string& id, const Result<exporter::ExportSummary>& result);
  int ActiveCountLocked() const;
  const ExportTask* FindLocked(const std::string& id) const;

  const ServiceConfig* config_;
  TaskStore* store_;
  ExportRunner* runner_;
  const TaskManagerOptions options_;
  const TaskEventListener listener_;

  mutable std::mutex mu_;
  std::vector<ExportTask> tasks_;           // creation order
  std::map<std::string, size_t> index_;     // id -> position in tasks_
  std::map<std::string, TimeMs> last_persist_;  // id -> time of the last progress write
  std::map<std::string, std::unique_ptr<Worker>> workers_;
  bool stopping_ = false;
};

}  // namespace dbexport::service
