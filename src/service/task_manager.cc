#include "service/task_manager.h"

#include <algorithm>

#include "common/secrets.h"
#include "service/log.h"

namespace dbexport::service {
namespace {

std::string StoppedCause(const ExportTask& task) {
  return "The export service stopped while the task was " + std::string(TaskStatusName(task.status)) + " (" +
         std::to_string(task.percent_progress) + "% done). The files written so far were left in " +
         task.OutputLocation() +
         " and are incomplete. Start a new export task.";
}

}  // namespace

Result<std::unique_ptr<TaskManager>> TaskManager::Make(const ServiceConfig* config, TaskStore* store,
                                                       ExportRunner* runner, TaskManagerOptions options,
                                                       TaskEventListener listener) {
  std::unique_ptr<TaskManager> manager(new TaskManager(config, store, runner, options, std::move(listener)));
  DBX_RETURN_IF_ERROR(manager->Recover());
  return manager;
}

TaskManager::~TaskManager() { Shutdown(); }

Status TaskManager::Recover() {
  DBX_ASSIGN_OR_RETURN(std::vector<ExportTask> loaded, store_->LoadAll());
  // Before any status changes: if this process dies too, the tasks are still
  // active at the next start and their writes are discarded then. Outside
  // the lock, as it waits for S3.
  for (const ExportTask& task : loaded) {
    if (IsActive(task.status)) DiscardIncompleteWrites(task);
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& task : loaded) {
    index_[task.id()] = tasks_.size();
    tasks_.push_back(std::move(task));
  }
  std::vector<std::string> restart;
  for (const ExportTask& task : std::vector<ExportTask>(tasks_)) {
    if (!IsActive(task.status)) continue;
    ExportTask updated = task;
    const ClusterConfig* cluster = config_->FindCluster(task.cluster());
    if (task.status == TaskStatus::kCanceling) {
      // The user asked to stop it and it has stopped.
      updated.status = TaskStatus::kCanceled;
      updated.task_end_time = NowMs();
    } else if (options_.resume == ResumePolicy::kRestart && cluster != nullptr) {
      updated.status = TaskStatus::kStarting;
      updated.spec.attempt = task.spec.attempt + 1;
      updated.percent_progress = 0;
      updated.extracted_bytes = 0;
      updated.rows_exported = 0;
      updated.bytes_written = 0;
      updated.snapshot_time.reset();
      updated.task_start_time = NowMs();
      updated.warning_message.clear();
      restart.push_back(task.id());
    } else {
      updated.status = TaskStatus::kFailed;
      updated.failure_cause = cluster == nullptr
                                  ? "The export service restarted and the DB cluster " + task.cluster() +
                                        " is no longer configured. " + StoppedCause(task)
                                  : StoppedCause(task);
      updated.task_end_time = NowMs();
    }
    LogInfo("recovering task " + task.id() + ": " + std::string(TaskStatusName(task.status)) + " -> " +
            std::string(TaskStatusName(updated.status)));
    // A restart keeps the STARTING status but is still reported.
    TaskStatus old_status = task.status;
    DBX_RETURN_IF_ERROR(CommitLocked(updated));
    if (old_status == updated.status && listener_) {
      TaskEvent event{task.id(), task.spec.source_arn, old_status, updated.status, false, NowMs(), "", 0};
      listener_(event);
    }
  }
  for (const auto& id : restart) LaunchLocked(id);
  return Status::OK();
}

void TaskManager::DiscardIncompleteWrites(const ExportTask& task) {
  Result<int> discarded = runner_->DiscardIncompleteWrites(task);
  if (!discarded.ok()) {
    LogWarning("recovering task " + task.id() + ": could not discard the incomplete uploads in " +
               task.OutputLocation() + " (they stay, invisible, until aborted or removed by a bucket lifecycle "
               "rule): " + discarded.status().ToString());
    return;
  }
  LogInfo("recovering task " + task.id() + ": discarded " + std::to_string(*discarded) + " incomplete upload(s) in " +
          task.OutputLocation());
}

const ExportTask* TaskManager::FindLocked(const std::string& id) const {
  auto it = index_.find(id);
  return it == index_.end() ? nullptr : &tasks_[it->second];
}

int TaskManager::ActiveCountLocked() const {
  int n = 0;
  for (const auto& t : tasks_) n += IsActive(t.status) ? 1 : 0;
  return n;
}

Status TaskManager::CommitLocked(ExportTask updated) {
  auto it = index_.find(updated.id());
  if (it == index_.end()) return Internal("committing unknown task " + updated.id());
  ExportTask& current = tasks_[it->second];
  // Everything that leaves the task (DescribeExportTasks, the task store,
  // webhooks, the log) goes through here.
  updated.failure_cause = RedactSecrets(updated.failure_cause);
  updated.warning_message = RedactSecrets(updated.warning_message);
  DBX_RETURN_IF_ERROR(store_->Update(updated));
  last_persist_[updated.id()] = NowMs();
  TaskStatus old_status = current.status;
  current = std::move(updated);
  if (old_status != current.status && listener_) {
    listener_(TaskEvent{current.id(), current.spec.source_arn, old_status, current.status, false, NowMs(),
                        current.failure_cause, current.percent_progress});
  }
  return Status::OK();
}

Result<ExportTask> TaskManager::Start(const StartRequest& request) {
  const std::string& id = request.spec.task_id;
  const std::string& cluster = request.spec.source_cluster;
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return Unavailable("the export service is shutting down");
  if (FindLocked(id) != nullptr) {
    return AlreadyExists("The export task with the ID " + id + " already exists.");
  }
  if (config_->FindCluster(cluster) == nullptr) {
    return NotFound("DBCluster " + cluster + " not found.");
  }
  for (const auto& t : tasks_) {
    if (IsActive(t.status) && t.cluster() == cluster) {
      return FailedPrecondition("The DB cluster " + cluster + " already has an export task in progress (" +
                                t.id() + ", " + std::string(TaskStatusName(t.status)) +
                                "). Only one export task can run per DB cluster at a time.");
    }
  }
  if (ActiveCountLocked() >= options_.max_active) {
    std::string running;
    for (const auto& t : tasks_) {
      if (IsActive(t.status)) running += (running.empty() ? "" : ", ") + t.id();
    }
    return ResourceExhausted("You have reached the maximum number of concurrent export tasks (" +
                             std::to_string(options_.max_active) + ") for account " + config_->account_id +
                             ": " + running + ". Wait for one to finish or cancel one, then retry.");
  }

  ExportTask task;
  task.spec = request.spec;
  task.status = TaskStatus::kStarting;
  task.seq = tasks_.empty() ? 1 : tasks_.back().seq + 1;
  task.create_time = NowMs();
  task.task_start_time = task.create_time;
  DBX_RETURN_IF_ERROR(store_->Insert(task));

  index_[id] = tasks_.size();
  tasks_.push_back(task);
  last_persist_[id] = task.create_time;
  if (listener_) {
    listener_(TaskEvent{id, task.spec.source_arn, TaskStatus::kStarting, TaskStatus::kStarting, true,
                        task.create_time, "", 0});
  }
  LogInfo("task " + id + " created for cluster " + cluster + " -> s3://" + task.spec.destination.s3_bucket + "/" +
          task.spec.destination.s3_prefix);
  ReapLocked();
  LaunchLocked(id);
  return task;
}

Result<ExportTask> TaskManager::Cancel(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  const ExportTask* task = FindLocked(id);
  if (task == nullptr) return NotFound("Cannot find export task with ID " + id + ".");
  if (task->status != TaskStatus::kStarting && task->status != TaskStatus::kInProgress) {
    return FailedPrecondition("Cannot cancel export task " + id + " because its status is " +
                              std::string(TaskStatusName(task->status)) +
                              ". Only STARTING or IN_PROGRESS tasks can be canceled.");
  }
  ExportTask updated = *task;
  updated.status = TaskStatus::kCanceling;
  DBX_RETURN_IF_ERROR(CommitLocked(updated));
  auto worker = workers_.find(id);
  if (worker != workers_.end()) worker->second->cancel.store(true);
  LogInfo("task " + id + " canceling");
  return *FindLocked(id);
}

Result<ExportTask> TaskManager::Get(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  const ExportTask* task = FindLocked(id);
  if (task == nullptr) return NotFound("Cannot find export task with ID " + id + ".");
  return *task;
}

std::vector<ExportTask> TaskManager::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  return tasks_;
}

void TaskManager::LaunchLocked(const std::string& id) {
  auto worker = std::make_unique<Worker>();
  Worker* raw = worker.get();
  workers_[id] = std::move(worker);
  raw->thread = std::thread([this, id, raw] { RunWorker(id, raw); });
}

void TaskManager::ReapLocked() {
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (it->second->done.load()) {
      it->second->thread.join();
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
}

void TaskManager::RunWorker(const std::string& id, Worker* worker) {
  ExportTask task;
  ClusterConfig cluster;
  {
    std::lock_guard<std::mutex> lock(mu_);
    task = *FindLocked(id);
    cluster = *config_->FindCluster(task.cluster());
  }
  auto observer = [this, id](const exporter::ExportProgress& p) { OnProgress(id, p); };
  Result<exporter::ExportSummary> result = runner_->Run(task, cluster, observer, &worker->cancel);
  Finish(id, result);
  worker->done.store(true);
}

void TaskManager::OnProgress(const std::string& id, const exporter::ExportProgress& p) {
  std::lock_guard<std::mutex> lock(mu_);
  const ExportTask* current = FindLocked(id);
  if (current == nullptr || !IsActive(current->status)) return;
  ExportTask updated = *current;
  updated.percent_progress = std::clamp(std::max(updated.percent_progress, p.percent), 0, 100);
  updated.extracted_bytes = std::max(updated.extracted_bytes, p.bytes_read);
  updated.rows_exported = std::max(updated.rows_exported, p.rows_exported);
  updated.bytes_written = std::max(updated.bytes_written, p.bytes_written);
  if (!updated.snapshot_time && !p.snapshot_time.empty()) updated.snapshot_time = ParseIso8601(p.snapshot_time);
  if (updated.status == TaskStatus::kStarting && p.phase != exporter::ExportProgress::Phase::kStarting) {
    updated.status = TaskStatus::kInProgress;
  }
  bool status_changed = updated.status != current->status;
  bool due = NowMs() - last_persist_[id] >= options_.progress_persist_interval_ms;
  if (status_changed || due) {
    Status s = CommitLocked(updated);
    if (!s.ok()) LogError("task " + id + ": saving progress: " + s.ToString());
    if (s.ok()) return;
  }
  // Not persisted yet: visible to the API now, written with the next change.
  tasks_[index_[id]] = std::move(updated);
}

void TaskManager::Finish(const std::string& id, const Result<exporter::ExportSummary>& result) {
  std::lock_guard<std::mutex> lock(mu_);
  const ExportTask* current = FindLocked(id);
  if (current == nullptr) return;
  ExportTask updated = *current;
  bool cancelled = !result.ok() && result.status().code() == StatusCode::kCancelled;
  if (stopping_ && current->status != TaskStatus::kCanceling && !result.ok()) {
    if (options_.resume == ResumePolicy::kRestart) {
      // Left active in the store: the next start restarts it.
      LogInfo("task " + id + " interrupted by shutdown; it restarts at the next start");
      return;
    }
    updated.status = TaskStatus::kFailed;
    updated.failure_cause = StoppedCause(*current);
  } else if (result.ok()) {
    // A cancel that arrived after the last file was written does not undo a
    // complete export: the status says what the bucket holds.
    updated.status = TaskStatus::kComplete;
    updated.percent_progress = 100;
    updated.rows_exported = result->rows_exported;
    updated.bytes_written = result->bytes_written;
    updated.warning_message = result->warning_message;
    if (!updated.snapshot_time && !result->snapshot_time.empty()) {
      updated.snapshot_time = ParseIso8601(result->snapshot_time);
    }
  } else if (current->status == TaskStatus::kCanceling || cancelled) {
    updated.status = TaskStatus::kCanceled;
  } else {
    updated.status = TaskStatus::kFailed;
    updated.failure_cause = result.status().message();
  }
  updated.task_end_time = NowMs();
  Status s = CommitLocked(updated);
  if (!s.ok()) {
    LogError("task " + id + ": saving final status " + std::string(TaskStatusName(updated.status)) + ": " +
             s.ToString());
    tasks_[index_[id]] = updated;
  }
  LogInfo("task " + id + " " + std::string(TaskStatusName(updated.status)) +
          (updated.failure_cause.empty() ? "" : ": " + updated.failure_cause));
}

void TaskManager::Shutdown() {
  std::map<std::string, std::unique_ptr<Worker>> workers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
    for (auto& [id, worker] : workers_) worker->cancel.store(true);
    workers.swap(workers_);
  }
  for (auto& [id, worker] : workers) worker->thread.join();
}

}  // namespace dbexport::service
