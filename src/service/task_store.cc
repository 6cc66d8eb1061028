#include "service/task_store.h"
#include "service/private_files.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

namespace dbexport::service {
namespace {

// PRAGMA user_version of the schema below; bump with a migration.
constexpr int kSchemaVersion = 1;
// How long a statement waits for a lock held by another connection (a
// backup tool reading the file, say) before failing.
constexpr int kBusyTimeoutMs = 5000;

constexpr const char* kCreateTable = R"sql(
CREATE TABLE IF NOT EXISTS export_tasks (
  seq              INTEGER PRIMARY KEY,  -- creation order, 1-based
  id               TEXT NOT NULL UNIQUE, -- ExportTaskIdentifier
  cluster          TEXT NOT NULL,        -- configured cluster name
  source_arn       TEXT NOT NULL,
  s3_bucket        TEXT NOT NULL,
  s3_prefix        TEXT NOT NULL,
  iam_role_arn     TEXT NOT NULL,
  kms_key_id       TEXT NOT NULL,
  export_only      TEXT NOT NULL,        -- JSON array of strings
  status           TEXT NOT NULL,        -- STARTING, IN_PROGRESS, COMPLETE, FAILED, CANCELING, CANCELED
  percent_progress INTEGER NOT NULL,
  extracted_bytes  INTEGER NOT NULL,     -- source bytes read
  rows_exported    INTEGER NOT NULL,
  bytes_written    INTEGER NOT NULL,     -- Parquet bytes written
  create_time      INTEGER NOT NULL,     -- ms since the Unix epoch, UTC
  snapshot_time    INTEGER,              -- ms since the Unix epoch, UTC; NULL until known
  task_start_time  INTEGER,
  task_end_time    INTEGER,
  failure_cause    TEXT NOT NULL,
  warning_message  TEXT NOT NULL,        -- JSON text or ''
  attempt          INTEGER NOT NULL      -- 1, then +1 per restart (resume = "restart")
))sql";

constexpr const char* kColumns =
    "seq, id, cluster, source_arn, s3_bucket, s3_prefix, iam_role_arn, kms_key_id, export_only, status, "
    "percent_progress, extracted_bytes, rows_exported, bytes_written, create_time, snapshot_time, "
    "task_start_time, task_end_time, failure_cause, warning_message, attempt";

// Finalizes a statement on scope exit.
struct Statement {
  sqlite3_stmt* stmt = nullptr;
  ~Statement() { sqlite3_finalize(stmt); }
};

void BindText(sqlite3_stmt* stmt, int index, const std::string& value) {
  sqlite3_bind_text(stmt, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
}
void BindOptionalTime(sqlite3_stmt* stmt, int index, const std::optional<TimeMs>& value) {
  if (value) {
    sqlite3_bind_int64(stmt, index, *value);
  } else {
    sqlite3_bind_null(stmt, index);
  }
}
std::string ColumnText(sqlite3_stmt* stmt, int index) {
  const unsigned char* text = sqlite3_column_text(stmt, index);
  return text == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(text),
                                                        static_cast<size_t>(sqlite3_column_bytes(stmt, index)));
}
std::optional<TimeMs> ColumnOptionalTime(sqlite3_stmt* stmt, int index) {
  if (sqlite3_column_type(stmt, index) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int64(stmt, index);
}

// Binds the columns of kColumns in order, starting at parameter 1.
void BindTask(sqlite3_stmt* stmt, const ExportTask& t) {
  const exporter::ExportSpec& spec = t.spec;
  sqlite3_bind_int64(stmt, 1, t.seq);
  BindText(stmt, 2, spec.task_id);
  BindText(stmt, 3, spec.source_cluster);
  BindText(stmt, 4, spec.source_arn);
  BindText(stmt, 5, spec.destination.s3_bucket);
  BindText(stmt, 6, spec.destination.s3_prefix);
  BindText(stmt, 7, spec.store.iam_role_arn);
  BindText(stmt, 8, spec.store.kms_key_id);
  BindText(stmt, 9, nlohmann::json(spec.export_only).dump());
  BindText(stmt, 10, std::string(TaskStatusName(t.status)));
  sqlite3_bind_int(stmt, 11, t.percent_progress);
  sqlite3_bind_int64(stmt, 12, t.extracted_bytes);
  sqlite3_bind_int64(stmt, 13, t.rows_exported);
  sqlite3_bind_int64(stmt, 14, t.bytes_written);
  sqlite3_bind_int64(stmt, 15, t.create_time);
  BindOptionalTime(stmt, 16, t.snapshot_time);
  BindOptionalTime(stmt, 17, t.task_start_time);
  BindOptionalTime(stmt, 18, t.task_end_time);
  BindText(stmt, 19, t.failure_cause);
  BindText(stmt, 20, t.warning_message);
  sqlite3_bind_int(stmt, 21, spec.attempt);
}

Result<ExportTask> ReadTask(sqlite3_stmt* stmt) {
  ExportTask t;
  exporter::ExportSpec& spec = t.spec;
  t.seq = sqlite3_column_int64(stmt, 0);
  spec.task_id = ColumnText(stmt, 1);
  spec.source_cluster = ColumnText(stmt, 2);
  spec.source_arn = ColumnText(stmt, 3);
  spec.destination.s3_bucket = ColumnText(stmt, 4);
  spec.destination.s3_prefix = ColumnText(stmt, 5);
  spec.store.iam_role_arn = ColumnText(stmt, 6);
  spec.store.kms_key_id = ColumnText(stmt, 7);
  auto export_only = nlohmann::json::parse(ColumnText(stmt, 8), nullptr, /*allow_exceptions=*/false);
  if (!export_only.is_array()) return Internal("task " + t.id() + ": export_only is not a JSON array");
  for (const auto& e : export_only) {
    if (!e.is_string()) return Internal("task " + t.id() + ": export_only holds a non-string");
    spec.export_only.push_back(e.get<std::string>());
  }
  std::string status = ColumnText(stmt, 9);
  auto parsed = ParseTaskStatus(status);
  if (!parsed) return Internal("task " + t.id() + ": unknown status '" + status + "'");
  t.status = *parsed;
  t.percent_progress = sqlite3_column_int(stmt, 10);
  t.extracted_bytes = sqlite3_column_int64(stmt, 11);
  t.rows_exported = sqlite3_column_int64(stmt, 12);
  t.bytes_written = sqlite3_column_int64(stmt, 13);
  t.create_time = sqlite3_column_int64(stmt, 14);
  t.snapshot_time = ColumnOptionalTime(stmt, 15);
  t.task_start_time = ColumnOptionalTime(stmt, 16);
  t.task_end_time = ColumnOptionalTime(stmt, 17);
  t.failure_cause = ColumnText(stmt, 18);
  t.warning_message = ColumnText(stmt, 19);
  spec.attempt = sqlite3_column_int(stmt, 20);
  return t;
}

}  // namespace

Result<std::unique_ptr<TaskStore>> TaskStore::Open(const std::string& state_dir) {
  DBX_RETURN_IF_ERROR(MakePrivateDirectory(state_dir));
  std::string path = (std::filesystem::path(state_dir) / "tasks.db").string();
  // SQLite gives its -wal and -shm files the database file's mode.
  DBX_ASSIGN_OR_RETURN(int fd, OpenPrivateFile(path, O_RDWR));
  ::close(fd);
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                           nullptr);
  std::unique_ptr<TaskStore> store(new TaskStore(db, path));
  if (rc != SQLITE_OK) return store->SqliteError("opening");
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  DBX_RETURN_IF_ERROR(store->Exec("PRAGMA journal_mode=WAL", "enabling the WAL journal"));
  DBX_RETURN_IF_ERROR(store->Exec("PRAGMA synchronous=FULL", "setting synchronous=FULL"));

  Statement version;
  if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &version.stmt, nullptr) != SQLITE_OK ||
      sqlite3_step(version.stmt) != SQLITE_ROW) {
    return store->SqliteError("reading the schema version");
  }
  int user_version = sqlite3_column_int(version.stmt, 0);
  if (user_version > kSchemaVersion) {
    return FailedPrecondition("task store " + path + ": schema version " + std::to_string(user_version) +
                              " is newer than this dbexport understands (" + std::to_string(kSchemaVersion) +
                              "); run a newer dbexport");
  }
  DBX_RETURN_IF_ERROR(store->Exec(kCreateTable, "creating table export_tasks"));
  DBX_RETURN_IF_ERROR(store->Exec("PRAGMA user_version=1", "setting the schema version"));
  return store;
}

TaskStore::~TaskStore() { sqlite3_close_v2(db_); }

Status TaskStore::SqliteError(const std::string& what) const {
  std::string message = db_ == nullptr ? "out of memory" : sqlite3_errmsg(db_);
  return IoError("task store " + path_ + ": " + what + ": " + message);
}

Status TaskStore::Exec(const char* sql, const char* what) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error != nullptr ? error : "unknown error";
    sqlite3_free(error);
    return IoError("task store " + path_ + ": " + what + ": " + message);
  }
  return Status::OK();
}

Status TaskStore::Insert(const ExportTask& task) {
  std::lock_guard<std::mutex> lock(mu_);
  Statement s;
  std::string sql = std::string("INSERT INTO export_tasks (") + kColumns +
                    ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s.stmt, nullptr) != SQLITE_OK) {
    return SqliteError("inserting task " + task.id());
  }
  BindTask(s.stmt, task);
  int rc = sqlite3_step(s.stmt);
  if (rc == SQLITE_CONSTRAINT) {
    return AlreadyExists("task store " + path_ + ": task " + task.id() + " already exists");
  }
  if (rc != SQLITE_DONE) return SqliteError("inserting task " + task.id());
  return Status::OK();
}

Status TaskStore::Update(const ExportTask& task) {
  std::lock_guard<std::mutex> lock(mu_);
  Statement s;
  // Same parameter numbers as BindTask; ?1 (seq) and ?2 (id) identify the row.
  const char* sql =
      "UPDATE export_tasks SET cluster=?3, source_arn=?4, s3_bucket=?5, s3_prefix=?6, iam_role_arn=?7, "
      "kms_key_id=?8, export_only=?9, status=?10, percent_progress=?11, extracted_bytes=?12, rows_exported=?13, "
      "bytes_written=?14, create_time=?15, snapshot_time=?16, task_start_time=?17, task_end_time=?18, "
      "failure_cause=?19, warning_message=?20, attempt=?21 WHERE id=?2 AND seq=?1";
  if (sqlite3_prepare_v2(db_, sql, -1, &s.stmt, nullptr) != SQLITE_OK) {
    return SqliteError("updating task " + task.id());
  }
  BindTask(s.stmt, task);
  if (sqlite3_step(s.stmt) != SQLITE_DONE) return SqliteError("updating task " + task.id());
  if (sqlite3_changes(db_) == 0) return NotFound("task store " + path_ + ": task " + task.id() + " not found");
  return Status::OK();
}

Result<std::vector<ExportTask>> TaskStore::LoadAll() {
  std::lock_guard<std::mutex> lock(mu_);
  Statement s;
  std::string sql = std::string("SELECT ") + kColumns + " FROM export_tasks ORDER BY seq";
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s.stmt, nullptr) != SQLITE_OK) {
    return SqliteError("loading tasks");
  }
  std::vector<ExportTask> tasks;
  int rc;
  while ((rc = sqlite3_step(s.stmt)) == SQLITE_ROW) {
    auto task = ReadTask(s.stmt);
    if (!task.ok()) return task.status().WithContext("task store " + path_);
    tasks.push_back(std::move(task).value());
  }
  if (rc != SQLITE_DONE) return SqliteError("loading tasks");
  return tasks;
}

}  // namespace dbexport::service
