#include "service/task_manager.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "unit/service/scripted_runner.h"
#include "support/test_env.h"

namespace dbexport::service {
namespace {

using testing::ScriptedRunner;

ServiceConfig TestConfig() {
  ServiceConfig config;
  config.access_keys.push_back({"AK", "secret"});
  for (const char* name : {"shop", "billing", "c3", "c4", "c5", "c6"}) {
    ClusterConfig c;
    c.name = name;
    c.source_url = "postgresql://u@h/db";
    config.clusters.push_back(c);
  }
  return config;
}

StartRequest Request(const std::string& id, const std::string& cluster = "shop") {
  StartRequest r;
  r.spec.task_id = id;
  r.spec.source_cluster = cluster;
  r.spec.source_arn = "arn:aws:rds:us-east-1:123456789012:cluster:" + cluster;
  r.spec.destination.s3_bucket = "bucket";
  r.spec.destination.s3_prefix = "pre";
  r.spec.store.iam_role_arn = "arn:aws:iam::123456789012:role/export";
  r.spec.store.kms_key_id = "alias/export";
  return r;
}

class ServiceTaskManager : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = dbexport::testing::MakeTempDir("task_manager");
    config_ = TestConfig();
    Open();
  }
  void TearDown() override { manager_.reset(); }

  void Open(ResumePolicy resume = ResumePolicy::kFail) {
    manager_.reset();
    store_.reset();
    auto store = TaskStore::Open(dir_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(store).value();
    TaskManagerOptions options;
    options.resume = resume;
    options.progress_persist_interval_ms = 0;
    auto manager = TaskManager::Make(&config_, store_.get(), &runner_, options, [this](const TaskEvent& e) {
      std::lock_guard<std::mutex> lock(events_mu_);
      events_.push_back(e);
    });
    ASSERT_TRUE(manager.ok()) << manager.status();
    manager_ = std::move(manager).value();
  }

  ExportTask WaitForStatus(const std::string& id, TaskStatus status) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    Result<ExportTask> task = manager_->Get(id);
    while (std::chrono::steady_clock::now() < deadline) {
      task = manager_->Get(id);
      if (task.ok() && task->status == status) return *task;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << "task " << id << " never reached " << TaskStatusName(status) << "; it is "
                  << (task.ok() ? TaskStatusName(task->status) : task.status().ToString());
    return task.ok() ? *task : ExportTask{};
  }

  ExportTask Stored(const std::string& id) {
    auto tasks = store_->LoadAll();
    EXPECT_TRUE(tasks.ok());
    for (const auto& t : *tasks) {
      if (t.id() == id) return t;
    }
    ADD_FAILURE() << "task " << id << " not stored";
    return {};
  }

  std::vector<std::string> Transitions(const std::string& id) {
    std::lock_guard<std::mutex> lock(events_mu_);
    std::vector<std::string> out;
    for (const auto& e : events_) {
      if (e.task_id != id) continue;
      out.push_back(e.created ? "created:" + std::string(TaskStatusName(e.new_status))
                              : std::string(TaskStatusName(e.old_status)) + "->" +
                                    std::string(TaskStatusName(e.new_status)));
    }
    return out;
  }

  std::string dir_;
  ServiceConfig config_;
  ScriptedRunner runner_;
  std::unique_ptr<TaskStore> store_;
  std::unique_ptr<TaskManager> manager_;
  std::mutex events_mu_;
  std::vector<TaskEvent> events_;
};

TEST_F(ServiceTaskManager, StartIsDurableAndStarting) {
  auto task = manager_->Start(Request("t1"));
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(task->status, TaskStatus::kStarting);
  EXPECT_EQ(task->seq, 1);
  EXPECT_EQ(task->percent_progress, 0);
  EXPECT_TRUE(task->task_start_time.has_value());
  EXPECT_FALSE(task->task_end_time.has_value());
  EXPECT_EQ(Stored("t1").status, TaskStatus::kStarting);
  ASSERT_TRUE(runner_.WaitStarted("t1").has_value());
  runner_.Complete("t1", exporter::ExportSummary{});
  WaitForStatus("t1", TaskStatus::kComplete);
}

TEST_F(ServiceTaskManager, RunsThroughEveryStateToComplete) {
  ASSERT_TRUE(manager_->Start(Request("t1")).ok());
  ASSERT_TRUE(runner_.WaitStarted("t1").has_value());
  EXPECT_EQ(manager_->Get("t1")->status, TaskStatus::kStarting);
  runner_.AllowSnapshot("t1");
  ExportTask running = WaitForStatus("t1", TaskStatus::kInProgress);
  EXPECT_EQ(running.percent_progress, 10);
  EXPECT_EQ(running.total_extracted_gb(), 3);
  ASSERT_TRUE(running.snapshot_time.has_value());
  EXPECT_EQ(FormatIso8601(*running.snapshot_time), testing::kScriptedSnapshotTime);
  EXPECT_EQ(Stored("t1").status, TaskStatus::kInProgress);

  exporter::ExportSummary summary;
  summary.rows_exported = 77;
  summary.bytes_written = 4096;
  summary.warning_message = R"({"skippedTables":[{"target":"db.public.t","reason":"UNLOGGED_TABLE"}],"skippedObjectives":[],"general":[]})";
  runner_.Complete("t1", summary);
  ExportTask done = WaitForStatus("t1", TaskStatus::kComplete);
  EXPECT_EQ(done.percent_progress, 100);
  EXPECT_EQ(done.rows_exported, 77);
  EXPECT_EQ(done.bytes_written, 4096);
  EXPECT_EQ(done.warning_message, summary.warning_message);
  EXPECT_TRUE(done.task_end_time.has_value());
  EXPECT_EQ(done.failure_cause, "");
  ExportTask stored = Stored("t1");
  EXPECT_EQ(stored.status, TaskStatus::kComplete);
  EXPECT_EQ(stored.rows_exported, 77);
  manager_->Shutdown();
  EXPECT_EQ(Transitions("t1"),
            (std::vector<std::string>{"created:STARTING", "STARTING->IN_PROGRESS", "IN_PROGRESS->COMPLETE"}));
}

TEST_F(ServiceTaskManager, FailureCauseComesFromTheRunner) {
  ASSERT_TRUE(manager_->Start(Request("t1")).ok());
  runner_.Complete("t1", Status(StatusCode::kNotFound, "The S3 bucket nope isn't valid. Either it isn't located in "
                                                       "the current AWS Region or it doesn't exist. Review your S3 "
                                                       "bucket name and retry the export."));
  ExportTask failed = WaitForStatus("t1", TaskStatus::kFailed);
  EXPECT_EQ(failed.failure_cause,
            "The S3 bucket nope isn't valid. Either it isn't located in the current AWS Region or it doesn't exist. "
            "Review your S3 bucket name and retry the export.");
  EXPECT_EQ(Stored("t1").failure_cause, failed.failure_cause);
}

TEST_F(ServiceTaskManager, CancelStopsTheWorkerAndEndsCanceled) {
  ASSERT_TRUE(manager_->Start(Request("t1")).ok());
  runner_.AllowSnapshot("t1");
  WaitForStatus("t1", TaskStatus::kInProgress);
  auto canceling = manager_->Cancel("t1");
  ASSERT_TRUE(canceling.ok()) << canceling.status();
  EXPECT_EQ(canceling->status, TaskStatus::kCanceling);
  ExportTask canceled = WaitForStatus("t1", TaskStatus::kCanceled);
  EXPECT_TRUE(canceled.task_end_time.has_value());
  EXPECT_EQ(canceled.percent_progress, 10);
  EXPECT_EQ(Stored("t1").status, TaskStatus::kCanceled);
  manager_->Shutdown();
  EXPECT_EQ(Transitions("t1"), (std::vector<std::string>{"created:STARTING", "STARTING->IN_PROGRESS",
                                                         "IN_PROGRESS->CANCELING", "CANCELING->CANCELED"}));
}

TEST_F(ServiceTaskManager, CancelErrors) {
  auto missing = manager_->Cancel("nope");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "Cannot find export task with ID nope.");
  ASSERT_TRUE(manager_->Start(Request("t1")).ok());
  runner_.Complete("t1", exporter::ExportSummary{});
  WaitForStatus("t1", TaskStatus::kComplete);
  auto finished = manager_->Cancel("t1");
  EXPECT_EQ(finished.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(finished.status().message(),
            "Cannot cancel export task t1 because its status is COMPLETE. Only STARTING or IN_PROGRESS tasks can be "
            "canceled.");
}

TEST_F(ServiceTaskManager, IdentifiersAreNeverReused) {
  ASSERT_TRUE(manager_->Start(Request("t1")).ok());
  runner_.Complete("t1", exporter::ExportSummary{});
  WaitForStatus("t1", TaskStatus::kComplete);
  auto again = manager_->Start(Request("t1", "billing"));
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(again.status().message(), "The export task with the ID t1 already exists.");
}

TEST_F(ServiceTaskManager, OneActiveTaskPerCluster) {
  ASSERT_TRUE(manager_->Start(Request("t1", "shop")).ok());
  auto busy = manager_->Start(Request("t2", "shop"));
  EXPECT_EQ(busy.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(busy.status().message(),
            "The DB cluster shop already has an export task in progress (t1, STARTING). Only one export task can run "
            "per DB cluster at a time.");
  EXPECT_TRUE(manager_->Start(Request("t3", "billing")).ok());
  runner_.Complete("t1", exporter::ExportSummary{});
  WaitForStatus("t1", TaskStatus::kComplete);
  EXPECT_TRUE(manager_->Start(Request("t2", "shop")).ok());
}

TEST_F(ServiceTaskManager, AtMostFiveActiveTasks) {
  const char* clusters[] = {"shop", "billing", "c3", "c4", "c5"};
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(manager_->Start(Request("t" + std::to_string(i), clusters[i])).ok());
  auto sixth = manager_->Start(Request("t5", "c6"));
  EXPECT_EQ(sixth.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(sixth.status().message(),
            "You have reached the maximum number of concurrent export tasks (5) for account 123456789012: t0, t1, t2, "
            "t3, t4. Wait for one to finish or cancel one, then retry.");
  EXPECT_FALSE(manager_->Get("t5").ok());
  runner_.Complete("t2", exporter::ExportSummary{});
  WaitForStatus("t2", TaskStatus::kComplete);
  EXPECT_TRUE(manager_->Start(Request("t5", "c6")).ok());
}

TEST_F(ServiceTaskManager, UnknownClusterIsNotFound) {
  auto task = manager_->Start(Request("t1", "ghost"));
  EXPECT_EQ(task.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(task.status().message(), "DBCluster ghost not found.");
}

TEST_F(ServiceTaskManager, ListIsInCreationOrder) {
  runner_.auto_complete = true;
  for (int i = 0; i < 25; ++i) {
    std::string id = "t" + std::to_string(i);
    ASSERT_TRUE(manager_->Start(Request(id)).ok());
    WaitForStatus(id, TaskStatus::kComplete);
  }
  auto tasks = manager_->List();
  ASSERT_EQ(tasks.size(), 25u);
  for (int i = 0; i < 25; ++i) {
    EXPECT_EQ(tasks[i].id(), "t" + std::to_string(i));
    EXPECT_EQ(tasks[i].seq, i + 1);
  }
}

TEST_F(ServiceTaskManager, ARestartFailsTasksTheCrashLeftRunning) {
  // What a kill -9 leaves behind: rows still STARTING / IN_PROGRESS / CANCELING.
  ExportTask t;
  t.spec.source_cluster = "shop";
  t.spec.source_arn = "arn:aws:rds:us-east-1:123456789012:cluster:shop";
  t.spec.destination.s3_bucket = "bucket";
  t.spec.destination.s3_prefix = "pre";
  t.create_time = NowMs();
  const TaskStatus statuses[] = {TaskStatus::kStarting, TaskStatus::kInProgress, TaskStatus::kCanceling,
                                 TaskStatus::kComplete};
  for (int i = 0; i < 4; ++i) {
    t.seq = i + 1;
    t.spec.task_id = "crash" + std::to_string(i);
    t.status = statuses[i];
    t.percent_progress = 20 * i;
    ASSERT_TRUE(store_->Insert(t).ok());
  }
  Open(ResumePolicy::kFail);
  ExportTask starting = *manager_->Get("crash0");
  EXPECT_EQ(starting.status, TaskStatus::kFailed);
  EXPECT_EQ(starting.failure_cause,
            "The export service stopped while the task was STARTING (0% done). The files written so far were left "
            "in s3://bucket/pre/crash0/ and are incomplete. Start a new export task.");
  EXPECT_TRUE(starting.task_end_time.has_value());
  ExportTask in_progress = *manager_->Get("crash1");
  EXPECT_EQ(in_progress.status, TaskStatus::kFailed);
  EXPECT_EQ(in_progress.failure_cause,
            "The export service stopped while the task was IN_PROGRESS (20% done). The files written so far were "
            "left in s3://bucket/pre/crash1/ and are incomplete. Start a new export task.");
  EXPECT_EQ(in_progress.percent_progress, 20);
  EXPECT_EQ(manager_->Get("crash2")->status, TaskStatus::kCanceled);
  EXPECT_EQ(manager_->Get("crash3")->status, TaskStatus::kComplete);
  EXPECT_EQ(Stored("crash1").status, TaskStatus::kFailed);
  EXPECT_EQ(Transitions("crash1"), (std::vector<std::string>{"IN_PROGRESS->FAILED"}));
  EXPECT_EQ(Transitions("crash3"), (std::vector<std::string>{}));
}

TEST_F(ServiceTaskManager, ARestartDiscardsTheWritesOfTasksTheCrashLeftActive) {
  ExportTask t;
  t.spec.source_cluster = "shop";
  t.spec.source_arn = "arn:aws:rds:us-east-1:123456789012:cluster:shop";
  t.spec.destination.s3_bucket = "bucket";
  t.spec.destination.s3_prefix = "pre";
  t.create_time = NowMs();
  const TaskStatus statuses[] = {TaskStatus::kStarting, TaskStatus::kInProgress, TaskStatus::kCanceling,
                                 TaskStatus::kComplete, TaskStatus::kFailed, TaskStatus::kCanceled};
  for (int i = 0; i < 6; ++i) {
    t.seq = i + 1;
    t.spec.task_id = "crash" + std::to_string(i);
    t.status = statuses[i];
    ASSERT_TRUE(store_->Insert(t).ok());
  }
  Open(ResumePolicy::kFail);
  // Only the active ones, as they were stored: before recovery changed them.
  std::vector<ExportTask> discarded = runner_.discarded();
  ASSERT_EQ(discarded.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(discarded[i].id(), "crash" + std::to_string(i));
    EXPECT_EQ(discarded[i].status, statuses[i]);
    EXPECT_EQ(discarded[i].spec.destination.s3_prefix, "pre");
  }
  EXPECT_EQ(manager_->Get("crash1")->status, TaskStatus::kFailed);
}

TEST_F(ServiceTaskManager, AFailedDiscardDoesNotStopRecovery) {
  ExportTask t;
  t.seq = 1;
  t.spec.task_id = "unreachable";
  t.spec.source_cluster = "shop";
  t.spec.source_arn = "arn:aws:rds:us-east-1:123456789012:cluster:shop";
  t.status = TaskStatus::kInProgress;
  t.create_time = NowMs();
  ASSERT_TRUE(store_->Insert(t).ok());
  runner_.discard_result = Unavailable("ListMultipartUploads s3://bucket/pre/unreachable/: connection refused");
  Open(ResumePolicy::kRestart);
  ASSERT_EQ(runner_.discarded().size(), 1u);
  std::optional<ExportTask> received = runner_.WaitStarted("unreachable");
  ASSERT_TRUE(received.has_value());
  EXPECT_EQ(received->spec.attempt, 2);
  runner_.Complete("unreachable", exporter::ExportSummary{});
  WaitForStatus("unreachable", TaskStatus::kComplete);
}

TEST_F(ServiceTaskManager, ARestartRerunsTasksUnderResumeRestart) {
  ExportTask t;
  t.seq = 1;
  t.spec.task_id = "again";
  t.spec.source_cluster = "shop";
  t.spec.source_arn = "arn:aws:rds:us-east-1:123456789012:cluster:shop";
  t.status = TaskStatus::kInProgress;
  t.percent_progress = 60;
  t.snapshot_time = 1700000000000;
  t.rows_exported = 999;
  t.create_time = NowMs();
  ASSERT_TRUE(store_->Insert(t).ok());
  Open(ResumePolicy::kRestart);
  std::optional<ExportTask> received = runner_.WaitStarted("again");
  ASSERT_TRUE(received.has_value());
  EXPECT_EQ(received->spec.attempt, 2);
  EXPECT_EQ(received->status, TaskStatus::kStarting);
  EXPECT_EQ(received->percent_progress, 0);
  EXPECT_FALSE(received->snapshot_time.has_value());
  EXPECT_EQ(received->rows_exported, 0);
  runner_.AllowSnapshot("again");
  ExportTask running = WaitForStatus("again", TaskStatus::kInProgress);
  EXPECT_EQ(running.percent_progress, 10);  // progress restarted from 0, not 60
  runner_.Complete("again", exporter::ExportSummary{});
  WaitForStatus("again", TaskStatus::kComplete);
  EXPECT_EQ(Stored("again").spec.attempt, 2);
}

TEST_F(ServiceTaskManager, ShutdownFailsRunningTasks) {
  ASSERT_TRUE(manager_->Start(Request("t1")).ok());
  runner_.AllowSnapshot("t1");
  WaitForStatus("t1", TaskStatus::kInProgress);
  manager_->Shutdown();
  ExportTask stored = Stored("t1");
  EXPECT_EQ(stored.status, TaskStatus::kFailed);
  EXPECT_EQ(stored.failure_cause,
            "The export service stopped while the task was IN_PROGRESS (10% done). The files written so far were "
            "left in s3://bucket/pre/t1/ and are incomplete. Start a new export task.");
  auto refused = manager_->Start(Request("t2"));
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);
}

TEST_F(ServiceTaskManager, ShutdownLeavesRunningTasksToRestartUnderResumeRestart) {
  Open(ResumePolicy::kRestart);
  ASSERT_TRUE(manager_->Start(Request("t1")).ok());
  runner_.AllowSnapshot("t1");
  WaitForStatus("t1", TaskStatus::kInProgress);
  manager_->Shutdown();
  EXPECT_EQ(Stored("t1").status, TaskStatus::kInProgress);
}

TEST_F(ServiceTaskManager, PercentProgressIsMonotone) {
  class BackwardsRunner : public ExportRunner {
   public:
    Result<exporter::ExportSummary> Run(const ExportTask&, const ClusterConfig&,
                                        const exporter::ProgressObserver& progress, const std::atomic<bool>*) override {
      exporter::ExportProgress p;
      p.phase = exporter::ExportProgress::Phase::kInProgress;
      p.percent = 50;
      progress(p);
      p.percent = 30;
      progress(p);
      return Status(StatusCode::kInternal, "boom");
    }
    Result<int> DiscardIncompleteWrites(const ExportTask&) override { return 0; }
  } runner;
  auto store = TaskStore::Open(dir_ + "/mono");
  ASSERT_TRUE(store.ok());
  auto manager = TaskManager::Make(&config_, store->get(), &runner, TaskManagerOptions{}, nullptr);
  ASSERT_TRUE(manager.ok());
  ASSERT_TRUE((*manager)->Start(Request("m")).ok());
  for (int i = 0; i < 500 && (*manager)->Get("m")->status != TaskStatus::kFailed; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ExportTask t = *(*manager)->Get("m");
  EXPECT_EQ(t.status, TaskStatus::kFailed);
  EXPECT_EQ(t.percent_progress, 50);
  EXPECT_EQ(t.failure_cause, "boom");
}

}  // namespace
}  // namespace dbexport::service
