// Reading from a PostgreSQL 15 hot standby, and chunk reads retried on the
// same snapshot (docs/consistency.md, "Reading from a hot-standby
// replica"). The standby is a real one: pg_basebackup -R of the test
// primary, started on a free port in a directory of its own, stopped at
// the end of the test. Reader backends are terminated from another session
// (pg_terminate_backend) while their COPY runs.

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "export_test_util.h"

namespace dbexport::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr int64_t kRows = 1000000;

std::string SetupSql() {
  return "CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL, price numeric(12,2), ratio double precision);\n"
         "INSERT INTO items SELECT g, md5(g::text) || repeat('x', g % 40), (g % 100000) / 100.0, g / 7.0 "
         "FROM generate_series(1, " + std::to_string(kRows) + ") g;\n"
         "ALTER TABLE items SET (autovacuum_enabled = off);\n"
         "ANALYZE;\n";
}

// The same digest of items, computed by PostgreSQL and by DuckDB over the files.
constexpr char kDigestExpr[] =
    "md5(string_agg(id::VARCHAR || ':' || name || ':' || price::VARCHAR, ',' ORDER BY id))";

std::string PgDigest(const std::string& url) {
  Result<std::string> out = Psql(url, "SELECT count(*) || '/' || md5(string_agg(id::text || ':' || name || ':' || "
                                      "price::text, ',' ORDER BY id)) FROM items;\n");
  EXPECT_TRUE(out.ok()) << out.status();
  std::string s = out.ok() ? *out : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string ExportDigest(const std::string& table_dir) {
  Result<QueryResult> r = DuckDbQuery(std::string("SELECT count(*)::VARCHAR || '/' || ") + kDigestExpr +
                                      " FROM read_parquet('" + table_dir + "/*/*.parquet')");
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() && !r->rows.empty() && r->rows[0][0] ? *r->rows[0][0] : "";
}

// A libpq session for watching and terminating backends.
class Session {
 public:
  explicit Session(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
    EXPECT_EQ(PQstatus(conn_), CONNECTION_OK) << PQerrorMessage(conn_);
  }
  ~Session() { PQfinish(conn_); }
  // Runs commands that return no rows; false (and a test failure) on error.
  bool Exec(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    EXPECT_TRUE(ok) << sql << ": " << PQerrorMessage(conn_);
    PQclear(r);
    return ok;
  }
  // The first column of each row of `sql`'s result.
  std::vector<std::string> Column(const std::string& sql) {
    std::vector<std::string> out;
    PGresult* r = PQexec(conn_, sql.c_str());
    if (PQresultStatus(r) == PGRES_TUPLES_OK) {
      for (int i = 0; i < PQntuples(r); ++i) out.push_back(PQgetvalue(r, i, 0));
    }
    PQclear(r);
    return out;
  }

 private:
  PGconn* conn_;
};

// Reader backends of `db` whose COPY started within the last `fresh_ms`
// milliseconds (so that it is far from done), terminated; how many.
int TerminateFreshCopies(Session& s, const std::string& db, int fresh_ms, int at_most) {
  std::vector<std::string> done = s.Column(
      "SELECT pg_terminate_backend(pid) FROM (SELECT pid FROM pg_stat_activity WHERE datname = " + SqlQuote(db) +
      " AND application_name = 'dbexport' AND state = 'active' AND query LIKE 'COPY%' AND now() - query_start < "
      "interval '" + std::to_string(fresh_ms) + " milliseconds' LIMIT " + std::to_string(at_most) + ") a");
  return static_cast<int>(std::count(done.begin(), done.end(), "t"));
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

std::vector<std::string> AsPostgres(std::vector<std::string> argv) {
  if (getuid() == 0) argv.insert(argv.begin(), {"runuser", "-u", "postgres", "--"});
  return argv;
}

std::string PgBin(const std::string& tool) {
  const char* bin = std::getenv("DBX_TEST_PG_BIN");
  return std::string(bin && *bin ? bin : "/usr/lib/postgresql/15/bin") + "/" + tool;
}

int64_t TotalRetries(const std::string& task_dir, const std::string& target, std::string* status = nullptr) {
  for (const std::string& f : ListFiles(task_dir)) {
    if (!f.starts_with("export_tables_info_")) continue;
    Result<json> info = ReadJsonFile(task_dir + "/" + f);
    EXPECT_TRUE(info.ok()) << info.status();
    if (!info.ok()) return -1;
    for (const json& t : (*info)["perTableStatus"]) {
      if (t["target"] != target) continue;
      if (status) *status = t["status"];
      return t["tableStatistics"]["chunkRetries"];
    }
  }
  ADD_FAILURE() << target << " is not in the manifest of " << task_dir;
  return -1;
}

class ChunkRetry : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    database_ = "exptest_retry_";
    for (char c : name) database_ += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    database_.resize(std::min<size_t>(database_.size(), 63));
    ASSERT_TRUE(RecreateDatabase(database_, SetupSql()).ok());
  }
  void TearDown() override { StopStandby(); }

  // A hot standby of the test primary; its URL for database_.
  std::string StartStandby() {
    const char* tmp = std::getenv("DBX_TEST_TMP");
    standby_dir_ = std::string(tmp && *tmp ? tmp : "/tmp") + "/standby-" + std::to_string(getpid());
    fs::remove_all(standby_dir_);
    fs::create_directories(standby_dir_);
    fs::permissions(standby_dir_, fs::perms::owner_all);  // PostgreSQL refuses a data directory others can read
    if (getuid() == 0) RunCommand({"chown", "postgres", standby_dir_});
    // A replication slot of its own: the primary keeps the WAL the standby
    // has not received, however far behind other tests' loads put it.
    slot_ = "dbx_standby_" + std::to_string(getpid());
    Psql(PostgresUrl(), "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = " +
                            SqlQuote(slot_) + ";\n")
        .status()
        .IgnoreError();
    CommandResult backup = RunCommand(AsPostgres({PgBin("pg_basebackup"), "-d", PostgresUrl(), "-D", standby_dir_,
                                                  "-R", "-X", "stream", "-c", "fast", "-C", "-S", slot_}));
    EXPECT_EQ(backup.exit_code, 0) << backup.err;
    standby_port_ = FreePort();
    std::ofstream(standby_dir_ + "/postgresql.conf", std::ios::app)
        << "\nport = " << standby_port_ << "\nunix_socket_directories = '" << standby_dir_
        << "'\nhot_standby = on\nhot_standby_feedback = on\nwal_receiver_status_interval = 1\n"
        // Replay waits for the export rather than cancel it (as
        // docs/consistency.md advises for long exports): the only reader
        // failures here are the test's own.
        << "max_standby_streaming_delay = -1\n";
    CommandResult started = RunCommand(AsPostgres({PgBin("pg_ctl"), "-D", standby_dir_, "-l",
                                                   standby_dir_ + "/standby.log", "-w", "start"}));
    std::ifstream log(standby_dir_ + "/standby.log");
    std::string log_text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    EXPECT_EQ(started.exit_code, 0) << started.err << started.out << log_text;
    return "postgresql://postgres@127.0.0.1:" + std::to_string(standby_port_) + "/" + database_;
  }

  void StopStandby() {
    if (standby_dir_.empty()) return;
    RunCommand(AsPostgres({PgBin("pg_ctl"), "-D", standby_dir_, "-m", "immediate", "stop"}));
    fs::remove_all(standby_dir_);
    standby_dir_.clear();
    Psql(PostgresUrl(), "SELECT pg_drop_replication_slot(" + SqlQuote(slot_) + ");\n").status().IgnoreError();
  }

  // Waits until the standby has replayed everything the primary wrote.
  void WaitForReplay(const std::string& standby_url) {
    Result<std::string> lsn = Psql(PostgresUrl(), "SELECT pg_current_wal_lsn();\n");
    ASSERT_TRUE(lsn.ok()) << lsn.status();
    std::string target = lsn->substr(0, lsn->find('\n'));
    ASSERT_TRUE(WaitFor(
        [&] {
          Result<int64_t> behind = PgInt(standby_url, "SELECT (pg_last_wal_replay_lsn() < " + SqlQuote(target) +
                                                          "::pg_lsn)::int");
          return behind.ok() && *behind == 0;
        },
        // Replay covers every database of the cluster: under tests that
        // load millions of rows at the same time it falls minutes behind.
        std::chrono::seconds(300)));
  }

  std::string database_;
  std::string standby_dir_;
  std::string slot_;
  int standby_port_ = 0;
};

// The export from the standby holds exactly the rows of its snapshot, even
// though the primary changes the table (and the standby replays that)
// while two of the export's readers are terminated and read their chunks
// again: the retries import the same snapshot.
TEST_F(ChunkRetry, AnExportFromAHotStandbyRetriesTerminatedReadersOnTheSameSnapshot) {
  const std::string standby = StartStandby();
  ASSERT_FALSE(HasFailure()) << "the standby did not start";
  WaitForReplay(standby);
  Result<int64_t> in_recovery = PgInt(standby, "SELECT pg_is_in_recovery()::int");
  ASSERT_TRUE(in_recovery.ok()) << in_recovery.status();
  ASSERT_EQ(*in_recovery, 1);
  const std::string before = PgDigest(standby);
  ASSERT_EQ(before, PgDigest(PostgresUrl(database_)));

  // A transaction on the primary holds an ACCESS EXCLUSIVE lock on items;
  // the standby replays the lock, so the export, once it has taken its
  // snapshot, waits for it before it reads.
  Session primary(PostgresUrl(database_));
  ASSERT_TRUE(primary.Exec("BEGIN; LOCK TABLE items IN ACCESS EXCLUSIVE MODE"));
  // The lock's WAL record reaches the standby once flushed: a commit with
  // synchronous_commit on flushes everything before it.
  ASSERT_TRUE(Psql(PostgresUrl(), "SET synchronous_commit = on; SELECT txid_current();\n").ok());
  WaitForReplay(standby);
  std::string dir = MakeTempDir("standby-export");
  ChildProcess run;
  ASSERT_TRUE(run.Start({DbexportBinary(), "run", "--source", standby, "--dest", dir, "--task-id", "standby-1",
                         "--parallelism", "1", "--chunk-rows", "50000", "--verify-counts", "--lock-wait-timeout", "10m",
                         "--progress", "none"})
                  .ok());
  Session watch(standby);
  ASSERT_TRUE(WaitFor([&] { return !watch.Column("SELECT 1 FROM pg_stat_activity WHERE datname = " + SqlQuote(database_) +
                                                 " AND application_name = 'dbexport' AND wait_event_type = 'Lock'").empty(); },
                      std::chrono::seconds(30)))
      << run.Stderr() << "\n"
      << ::testing::PrintToString(watch.Column("SELECT coalesce(wait_event_type, '-') || ' ' || state || ' ' || query "
                                               "FROM pg_stat_activity WHERE datname = " + SqlQuote(database_)));
  // hot_standby_feedback tells the primary about the export's snapshot
  // within wal_receiver_status_interval (1 s here); from then on the
  // primary keeps the row versions it needs, and replay does not conflict.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  // The same transaction changes the table and commits: every read of the
  // export, first attempts and retries, comes after the standby replayed
  // that, and none may see it.
  ASSERT_TRUE(primary.Exec("UPDATE items SET name = 'changed' WHERE id % 1000 = 0; "
                           "DELETE FROM items WHERE id % 997 = 0; "
                           "INSERT INTO items SELECT g, 'new', 1, 1 FROM generate_series(" +
                           std::to_string(kRows + 1) + ", " + std::to_string(kRows + 5000) + ") g; COMMIT"));
  WaitForReplay(standby);
  Result<int64_t> changed = PgInt(standby, "SELECT count(*) FROM items WHERE name = 'changed'");
  ASSERT_TRUE(changed.ok()) << changed.status();
  ASSERT_GT(*changed, 0) << "the standby has not replayed the change";
  // Two readers terminated, one at a time, each soon after its COPY started.
  int terminated = 0;
  auto last = std::chrono::steady_clock::now();
  while (terminated < 2 && run.Running()) {
    if (terminated == 0 || SecondsSince(last) > 0.3) {
      int n = TerminateFreshCopies(watch, database_, 50, 1);
      if (n > 0) last = std::chrono::steady_clock::now();
      terminated += n;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(run.Wait(), 0) << run.Stderr();
  ASSERT_EQ(terminated, 2) << "the export ended before two readers could be terminated";

  const std::string task = dir + "/standby-1";
  EXPECT_TRUE(fs::exists(task + "/_SUCCESS"));
  std::string status;
  EXPECT_EQ(TotalRetries(task, database_ + ".public.items", &status), 2);
  EXPECT_EQ(status, "COMPLETE");
  EXPECT_EQ(ExportDigest(task + "/" + database_ + "/public.items"), before);
  EXPECT_EQ(before.substr(0, before.find('/')), std::to_string(kRows));
}

// The bound: a chunk whose reader is terminated on every attempt fails the
// task after three retries, and says so.
TEST_F(ChunkRetry, AChunkFailingOnEveryAttemptFailsTheTaskAfterThreeRetries) {
  std::string dir = MakeTempDir("retry-bound");
  ChildProcess run;
  ASSERT_TRUE(run.Start({DbexportBinary(), "run", "--source", PostgresUrl(database_), "--dest", dir, "--task-id",
                         "bound-1", "--parallelism", "1", "--chunk-rows", "10000000", "--progress", "none"})
                  .ok());
  Session watch(PostgresUrl());
  int terminated = 0;
  while (run.Running()) {
    terminated += TerminateFreshCopies(watch, database_, 100000, 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(run.Wait(), 1);
  EXPECT_EQ(terminated, 4);
  const std::string err = run.Stderr();
  EXPECT_NE(err.find("exporting table " + database_ + ".public.items partition 0: reading rows"), std::string::npos)
      << err;
  EXPECT_NE(err.find("(read 4 times, on a new session of the same snapshot each time; every attempt failed)"),
            std::string::npos)
      << err;
  std::string status;
  EXPECT_EQ(TotalRetries(dir + "/bound-1", database_ + ".public.items", &status), 3);
  EXPECT_EQ(status, "FAILED");
  EXPECT_FALSE(fs::exists(dir + "/bound-1/_SUCCESS"));
  // Nothing of the failed attempts is left.
  for (const std::string& f : ListFiles(dir)) EXPECT_FALSE(f.ends_with(".parquet")) << f;
}

// The snapshot lives in the session that exported it: with that session
// gone, a failed chunk cannot be read again, and the cause says why.
TEST_F(ChunkRetry, AChunkIsNotRetriedWhenTheSnapshotsSessionIsGone) {
  std::string dir = MakeTempDir("retry-snapshot-gone");
  ChildProcess run;
  ASSERT_TRUE(run.Start({DbexportBinary(), "run", "--source", PostgresUrl(database_), "--dest", dir, "--task-id",
                         "gone-1", "--parallelism", "1", "--chunk-rows", "10000000", "--progress", "none"})
                  .ok());
  Session watch(PostgresUrl());
  ASSERT_TRUE(WaitFor([&] { return !watch.Column("SELECT 1 FROM pg_stat_activity WHERE datname = " + SqlQuote(database_) +
                                                 " AND query LIKE 'COPY%' AND state = 'active'").empty(); },
                      std::chrono::seconds(30)));
  // The export's first session (the one holding the snapshot), then the reader.
  std::vector<std::string> first = watch.Column(
      "SELECT pg_terminate_backend(pid) FROM (SELECT pid FROM pg_stat_activity WHERE datname = " +
      SqlQuote(database_) + " AND application_name = 'dbexport' AND query NOT LIKE 'COPY%' "
                            "ORDER BY backend_start LIMIT 1) a");
  ASSERT_EQ(first, std::vector<std::string>{"t"});
  EXPECT_EQ(TerminateFreshCopies(watch, database_, 100000, 1), 1);
  EXPECT_EQ(run.Wait(), 1);
  const std::string err = run.Stderr();
  EXPECT_NE(err.find("the chunk cannot be read again: the connection that holds the export's snapshot of database " +
                     database_ + " was lost"),
            std::string::npos)
      << err;
  EXPECT_EQ(TotalRetries(dir + "/gone-1", database_ + ".public.items"), 0);
}

}  // namespace
}  // namespace dbexport::testing
