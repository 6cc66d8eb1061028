#pragma once
// TaskStore: the durable record of export tasks, one SQLite database
// (<state_dir>/tasks.db, WAL journal, synchronous=FULL) with one table,
// `export_tasks` (schema in docs/service.md and task_store.cc). A write
// returns after it is on disk, so a task the API acknowledged survives a
// kill -9 or a power cut. Thread-safe (one internal mutex).

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "service/export_task.h"

struct sqlite3;

namespace dbexport::service {

class TaskStore {
 public:
  // Opens <state_dir>/tasks.db, creating the directory, the file and the
  // table as needed. Fails with FailedPrecondition when the file was written
  // by a newer schema version.
  static Result<std::unique_ptr<TaskStore>> Open(const std::string& state_dir);
  ~TaskStore();
  TaskStore(const TaskStore&) = delete;
  TaskStore& operator=(const TaskStore&) = delete;

  // Adds a new task. AlreadyExists when its id (or seq) is taken.
  Status Insert(const ExportTask& task);
  // Overwrites every mutable field of the task with this id. NotFound when absent.
  Status Update(const ExportTask& task);
  // Every task, in creation order (seq).
  Result<std::vector<ExportTask>> LoadAll();

  const std::string& path() const { return path_; }

 private:
  TaskStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Status Exec(const char* sql, const char* what);
  Status SqliteError(const std::string& what) const;

  std::mutex mu_;
  sqlite3* db_;
  std::string path_;
};

}  // namespace dbexport::service
