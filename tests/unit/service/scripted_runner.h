#pragma once
// ScriptedRunner: an ExportRunner whose exports the test drives step by
// step, to exercise the task manager's state machine without a database:
//   Run(task) -> reports STARTING progress -> waits for AllowSnapshot(id)
//   -> reports IN_PROGRESS progress (snapshot time, 10%) -> waits for
//   Complete(id, result) or the cancel flag -> returns.
// With auto_complete set, every run completes at once with `summary`.
// DiscardIncompleteWrites records the task it is given and returns
// `discard_result`.

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "service/export_runner.h"

namespace dbexport::service::testing {

inline constexpr char kScriptedSnapshotTime[] = "2024-05-01T10:00:00.123Z";

class ScriptedRunner : public ExportRunner {
 public:
  bool auto_complete = false;
  exporter::ExportSummary summary;
  Result<int> discard_result = 0;

  Result<exporter::ExportSummary> Run(const ExportTask& task, const ClusterConfig& cluster,
                                      const exporter::ProgressObserver& progress,
                                      const std::atomic<bool>* cancel) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      started_[task.id()] = task;
      cv_.notify_all();
    }
    exporter::ExportProgress p;
    progress(p);
    if (auto_complete) return summary;
    if (!WaitFor(task.id(), snapshot_allowed_, cancel)) return Cancelled("export task " + task.id() + " canceled");
    p.phase = exporter::ExportProgress::Phase::kInProgress;
    p.snapshot_time = kScriptedSnapshotTime;
    p.percent = 10;
    p.bytes_read = 3ll << 30;
    p.rows_exported = 5;
    p.bytes_written = 1000;
    progress(p);
    if (!WaitFor(task.id(), results_, cancel)) return Cancelled("export task " + task.id() + " canceled");
    std::lock_guard<std::mutex> lock(mu_);
    return results_.at(task.id());
  }

  Result<int> DiscardIncompleteWrites(const ExportTask& task) override {
    std::lock_guard<std::mutex> lock(mu_);
    discarded_.push_back(task);
    return discard_result;
  }
  // The tasks DiscardIncompleteWrites received, in call order.
  std::vector<ExportTask> discarded() {
    std::lock_guard<std::mutex> lock(mu_);
    return discarded_;
  }

  void AllowSnapshot(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    snapshot_allowed_.emplace(id, Status::OK());
    cv_.notify_all();
  }
  void Complete(const std::string& id, Result<exporter::ExportSummary> result) {
    std::lock_guard<std::mutex> lock(mu_);
    snapshot_allowed_.emplace(id, Status::OK());
    results_.emplace(id, std::move(result));
    cv_.notify_all();
  }
  // The task as Run last received it; nullopt if Run was not called within 5 s.
  std::optional<ExportTask> WaitStarted(const std::string& id) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, std::chrono::seconds(5), [&] { return started_.count(id) > 0; })) return std::nullopt;
    return started_.at(id);
  }

 private:
  template <typename Map>
  bool WaitFor(const std::string& id, const Map& map, const std::atomic<bool>* cancel) {
    std::unique_lock<std::mutex> lock(mu_);
    while (!map.count(id)) {
      if (cancel->load()) return false;
      cv_.wait_for(lock, std::chrono::milliseconds(10));
    }
    return true;
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, ExportTask> started_;
  std::vector<ExportTask> discarded_;
  std::map<std::string, Status> snapshot_allowed_;
  std::map<std::string, Result<exporter::ExportSummary>> results_;
};

}  // namespace dbexport::service::testing
