// MySqlSource and how MySqlSnapshot takes one snapshot for many sessions.
//
// A MySQL snapshot belongs to one session and cannot be shared, so every
// reader session must start its transaction at the same point:
//   lock         FLUSH TABLES WITH READ LOCK; every session START
//                TRANSACTION WITH CONSISTENT SNAPSHOT; UNLOCK TABLES.
//                Needs RELOAD; writers wait while the sessions start.
//   backup-lock  MariaDB: BACKUP STAGE START + BLOCK_COMMIT instead of the
//                global read lock (commits wait, statements run).
//   no-lock      no lock at all: the sessions start their transactions and
//                the source proves they see the same point (MariaDB: every
//                session's binlog_snapshot_file/position agree; MySQL:
//                gtid_executed is the same before and after), retrying a
//                few times under load.
//   auto         backup-lock (MariaDB) or lock (MySQL) with RELOAD, else
//                no-lock.

#include <chrono>
#include <thread>

#include "source/mysql/mysql_source_internal.h"

namespace dbexport::source::mysql {
namespace {

// Databases that are the server's own.
bool IsSystemDatabase(const std::string& name) {
  return name == "mysql" || name == "sys" || name == "information_schema" || name == "performance_schema";
}

// Attempts of a no-lock snapshot before giving up: each fails only when a
// commit landed while the sessions started.
constexpr int kNoLockAttempts = 50;

constexpr char kStartTransaction[] = "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY";

}  // namespace

Result<std::unique_ptr<MySqlSource>> MySqlSource::Open(const std::string& url, const SourceOptions& options) {
  DBX_ASSIGN_OR_RETURN(MySqlUrl parsed, ParseMySqlUrl(url, std::getenv("MYSQL_PWD")));
  const std::string& c = options.consistency;
  if (c != "auto" && c != "lock" && c != "backup-lock" && c != "no-lock") {
    return InvalidArgument("consistency '" + c + "' is not one of auto, lock, backup-lock, no-lock");
  }
  std::unique_ptr<MySqlSource> source(new MySqlSource(parsed, options));
  // Fail early on a bad host, credentials or database.
  DBX_ASSIGN_OR_RETURN(auto conn, MySqlConnection::Connect(parsed));
  return source;
}

Result<std::vector<std::string>> MySqlSource::ListDatabases() {
  if (!url_.database.empty()) return std::vector<std::string>{url_.database};
  DBX_ASSIGN_OR_RETURN(auto conn, MySqlConnection::Connect(url_));
  DBX_ASSIGN_OR_RETURN(auto rows, conn->Query("SHOW DATABASES", "listing databases"));
  std::vector<std::string> out;
  for (const MySqlRow& r : rows) {
    if (r[0] && !IsSystemDatabase(*r[0])) out.push_back(*r[0]);
  }
  return out;
}

Result<std::unique_ptr<Snapshot>> MySqlSource::BeginSnapshot(const SnapshotRequest& request) {
  DBX_ASSIGN_OR_RETURN(auto snapshot, MySqlSnapshot::Begin(url_, options_, request));
  return std::unique_ptr<Snapshot>(std::move(snapshot));
}

Result<std::unique_ptr<MySqlSnapshot>> MySqlSnapshot::Begin(const MySqlUrl& url, const SourceOptions& options,
                                                            const SnapshotRequest& request) {
  std::unique_ptr<MySqlSnapshot> s(new MySqlSnapshot(url, options));
  DBX_RETURN_IF_ERROR(s->OpenSessions(std::max(1, request.readers) + 1));
  MySqlConnection* coordinator = s->free_.front().get();
  DBX_ASSIGN_OR_RETURN(auto version, coordinator->Query("SELECT VERSION()", "reading the server version"));
  bool mariadb = version.size() == 1 && version[0][0] && version[0][0]->find("MariaDB") != std::string::npos;

  std::string mode = options.consistency;
  if (mode == "auto") {
    DBX_ASSIGN_OR_RETURN(
        auto reload, coordinator->Query("SELECT COUNT(*) FROM information_schema.USER_PRIVILEGES "
                                        "WHERE PRIVILEGE_TYPE = 'RELOAD'",
                                        "reading the user's privileges"));
    bool has_reload = reload.size() == 1 && reload[0][0] && *reload[0][0] != "0";
    mode = !has_reload ? "no-lock" : mariadb ? "backup-lock" : "lock";
  }
  s->mode_ = mode;
  if (mode == "no-lock") {
    DBX_RETURN_IF_ERROR(s->TakeWithoutLock(mariadb));
  } else {
    DBX_RETURN_IF_ERROR(s->TakeLocked(mode == "backup-lock", mariadb));
  }
  DBX_RETURN_IF_ERROR(s->ReadSnapshotTime());
  s->coordinator_ = std::move(s->free_.front());
  s->free_.erase(s->free_.begin());
  s->live_sessions_ = static_cast<int>(s->free_.size());
  return s;
}

MySqlSnapshot::~MySqlSnapshot() {
  {
    std::lock_guard<std::mutex> lock(watch_mu_);
    watch_stop_ = true;
  }
  watch_cv_.notify_all();
  if (watcher_.joinable()) watcher_.join();
  // Closing the sessions ends their transactions.
}

void MySqlSnapshot::Watch(unsigned long thread_id, const CancelFlag* cancel) {
  if (cancel == nullptr) return;
  std::lock_guard<std::mutex> lock(watch_mu_);
  watched_[thread_id] = cancel;
  if (!watcher_.joinable()) watcher_ = std::thread([this] { WatchLoop(); });
}

void MySqlSnapshot::Unwatch(unsigned long thread_id) {
  std::lock_guard<std::mutex> lock(watch_mu_);
  watched_.erase(thread_id);
}

void MySqlSnapshot::WatchLoop() {
  std::unique_ptr<MySqlConnection> control;
  std::unique_lock<std::mutex> lock(watch_mu_);
  while (!watch_stop_) {
    watch_cv_.wait_for(lock, std::chrono::milliseconds(200));
    std::vector<unsigned long> to_kill;
    for (auto it = watched_.begin(); it != watched_.end();) {
      if (it->second->load(std::memory_order_relaxed)) {
        to_kill.push_back(it->first);
        it = watched_.erase(it);
      } else {
        ++it;
      }
    }
    if (to_kill.empty()) continue;
    lock.unlock();
    if (control == nullptr) {
      auto connected = MySqlConnection::Connect(url_);
      if (connected.ok()) control = std::move(connected).value();
    }
    // Best effort: the reader reports Cancelled whatever the server does.
    for (unsigned long id : to_kill) {
      if (control != nullptr) control->Exec("KILL QUERY " + std::to_string(id), "cancelling a read").IgnoreError();
    }
    lock.lock();
  }
}

Status MySqlSnapshot::OpenSessions(int count) {
  for (int i = 0; i < count; ++i) {
    DBX_ASSIGN_OR_RETURN(auto conn, MySqlConnection::Connect(url_));
    DBX_RETURN_IF_ERROR(conn->Exec("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ",
                                   "setting up a reader session"));
    free_.push_back(std::move(conn));
  }
  return Status::OK();
}

Status MySqlSnapshot::TakeLocked(bool backup_lock, bool mariadb) {
  MySqlConnection* coordinator = free_.front().get();
  const std::string privilege_hint = " (--consistency " + mode_ +
                                     " needs the RELOAD privilege; without it use --consistency no-lock)";
  auto started = std::chrono::steady_clock::now();
  if (backup_lock) {
    if (!mariadb) {
      return Unimplemented("--consistency backup-lock is implemented for MariaDB's backup stages; on MySQL use "
                           "lock or no-lock");
    }
    Status st = coordinator->Exec("BACKUP STAGE START", "taking the backup lock");
    if (st.ok()) st = coordinator->Exec("BACKUP STAGE BLOCK_COMMIT", "taking the backup lock");
    if (!st.ok()) {
      return st.code() == StatusCode::kPermissionDenied ? Status(st.code(), st.message() + privilege_hint) : st;
    }
  } else {
    Status st = coordinator->Exec("FLUSH TABLES WITH READ LOCK", "taking the global read lock");
    if (!st.ok()) {
      return st.code() == StatusCode::kPermissionDenied ? Status(st.code(), st.message() + privilege_hint) : st;
    }
  }
  // Under a backup stage its own session cannot start a transaction: it
  // starts after the stages end (it plans and lists, and reads no rows).
  Status opened;
  for (size_t i = backup_lock ? 1 : 0; i < free_.size() && opened.ok(); ++i) {
    opened = free_[i]->Exec(kStartTransaction, "starting a reader session's snapshot");
  }
  if (opened.ok()) {
    auto status = coordinator->Query("SHOW MASTER STATUS", "reading the binary log position");
    if (status.ok() && !status->empty()) {
      binlog_file_ = (*status)[0][0].value_or("");
      binlog_position_ = std::stoll((*status)[0][1].value_or("0"));
      if ((*status)[0].size() > 4) gtid_set_ = (*status)[0][4].value_or("");
    }
  }
  Status released = coordinator->Exec(backup_lock ? "BACKUP STAGE END" : "UNLOCK TABLES", "releasing the lock");
  writers_blocked_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - started).count();
  DBX_RETURN_IF_ERROR(opened);
  DBX_RETURN_IF_ERROR(released);
  if (backup_lock) {
    // BACKUP STAGE END commits nothing, but its session's transaction must
    // start after the stages (they cannot run inside one).
    DBX_RETURN_IF_ERROR(coordinator->Exec(kStartTransaction, "starting the coordinator's snapshot"));
  }
  return Status::OK();
}

Status MySqlSnapshot::TakeWithoutLock(bool mariadb) {
  for (int attempt = 1; attempt <= kNoLockAttempts; ++attempt) {
    std::string gtid_before;
    if (!mariadb) {
      DBX_ASSIGN_OR_RETURN(auto rows, free_.front()->Query("SELECT @@GLOBAL.gtid_executed", "reading gtid_executed"));
      gtid_before = rows.empty() ? "" : rows[0][0].value_or("");
    }
    std::string first_position;
    bool same = true;
    // All at once, so that a commit rarely lands between them.
    std::vector<Status> started(free_.size());
    std::vector<std::thread> threads;
    for (size_t i = 0; i < free_.size(); ++i) {
      threads.emplace_back([&, i] {
        started[i] = free_[i]->Exec(kStartTransaction, "starting a reader session's snapshot");
      });
    }
    for (std::thread& t : threads) t.join();
    for (const Status& st : started) DBX_RETURN_IF_ERROR(st);
    for (auto& session : free_) {
      if (!mariadb) break;
      DBX_ASSIGN_OR_RETURN(auto rows, session->Query("SHOW STATUS WHERE Variable_name IN "
                                                     "('binlog_snapshot_file', 'binlog_snapshot_position')",
                                                     "reading the session's snapshot position"));
      std::string position;
      for (const MySqlRow& r : rows) position += r[1].value_or("") + ":";
      if (rows.size() != 2 || position.starts_with(":")) {
        return FailedPrecondition("--consistency no-lock cannot prove that the reader sessions see the same "
                                  "point: the server's binary log is off (binlog_snapshot_file is empty). "
                                  "Turn on log_bin, or use --consistency lock or backup-lock (RELOAD privilege)");
      }
      if (first_position.empty()) {
        first_position = position;
        binlog_file_ = rows[0][1].value_or("");
        binlog_position_ = std::stoll(rows[1][1].value_or("0"));
      } else if (position != first_position) {
        same = false;
      }
    }
    if (!mariadb) {
      DBX_ASSIGN_OR_RETURN(auto rows, free_.front()->Query("SELECT @@GLOBAL.gtid_executed", "reading gtid_executed"));
      std::string gtid_after = rows.empty() ? "" : rows[0][0].value_or("");
      if (gtid_before.empty()) {
        return FailedPrecondition("--consistency no-lock cannot prove that the reader sessions see the same "
                                  "point: the server has no GTIDs (gtid_mode is off). Use --consistency lock "
                                  "(RELOAD privilege)");
      }
      same = gtid_before == gtid_after;
      gtid_set_ = gtid_after;
    }
    if (same) return Status::OK();
    // A commit landed while the sessions started: start them again.
    for (auto& session : free_) DBX_RETURN_IF_ERROR(session->Exec("ROLLBACK", "restarting a reader session"));
  }
  return Unavailable("--consistency no-lock: the reader sessions saw different points in " +
                     std::to_string(kNoLockAttempts) +
                     " attempts (the server commits too often); use --consistency lock or backup-lock");
}

Status MySqlSnapshot::ReadSnapshotTime() {
  DBX_ASSIGN_OR_RETURN(auto rows,
                       free_.front()->Query("SELECT DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%fZ')",
                                            "reading the snapshot time"));
  std::string t = rows.empty() ? "" : rows[0][0].value_or("");
  // %f prints microseconds: keep milliseconds, as the PostgreSQL source does.
  if (t.size() == 27) t = t.substr(0, 23) + "Z";
  snapshot_time_ = t;
  return Status::OK();
}

std::unique_ptr<MySqlConnection> MySqlSnapshot::Lease() {
  std::unique_lock<std::mutex> lock(mu_);
  free_cv_.wait(lock, [&] { return !free_.empty() || live_sessions_ == 0; });
  if (free_.empty()) return nullptr;
  auto session = std::move(free_.back());
  free_.pop_back();
  return session;
}

void MySqlSnapshot::Return(std::unique_ptr<MySqlConnection> session) {
  std::lock_guard<std::mutex> lock(mu_);
  if (session != nullptr) {
    free_.push_back(std::move(session));
  } else {
    --live_sessions_;
  }
  free_cv_.notify_all();
}

Status MySqlSnapshot::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  coordinator_.reset();
  free_.clear();
  return Status::OK();
}

}  // namespace dbexport::source::mysql
