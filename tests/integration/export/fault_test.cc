// Faults injected mid-export against the real PostgreSQL: DDL on the tables
// being exported, a destination that fills up or turns read-only. The
// export never reports a table COMPLETE with rows missing, never hangs past
// its timeouts, leaves no temporary file, and its manifest lists exactly the
// files in the destination, or its error says the manifest was not written
// and what is left (docs/consistency.md).
//
// Each database has `big` (exported first, largest first, so that DDL on
// the others lands before their turn at --parallelism 1), `keyed` (a
// primary key) and `keyless` (no key: ctid chunks).

#include <gtest/gtest.h>

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <csignal>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "export_test_util.h"

namespace dbexport::testing {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr int64_t kBigRows = 1'000'000;
constexpr int64_t kKeyedRows = 20'000;
constexpr int64_t kKeylessRows = 3'000;

std::string DatabaseSql() {
  return "CREATE TABLE big (id integer PRIMARY KEY, v integer NOT NULL);\n"
         "INSERT INTO big SELECT g, g % 1000 FROM generate_series(1, " + std::to_string(kBigRows) + ") g;\n"
         "CREATE TABLE keyed (id integer PRIMARY KEY, v integer NOT NULL);\n"
         "INSERT INTO keyed SELECT g, g FROM generate_series(1, " + std::to_string(kKeyedRows) + ") g;\n"
         "CREATE TABLE keyless (v integer, t text);\n"
         "INSERT INTO keyless SELECT g, 'row ' || g FROM generate_series(1, " + std::to_string(kKeylessRows) +
         ") g;\n"
         "ANALYZE;\n";
}

const std::map<std::string, int64_t>& SnapshotCounts() {
  static const std::map<std::string, int64_t> counts = {
      {"big", kBigRows}, {"keyed", kKeyedRows}, {"keyless", kKeylessRows}};
  return counts;
}

int64_t Count(const std::string& db, const std::string& sql) {
  Result<int64_t> n = PgInt(PostgresUrl(db), sql);
  return n.ok() ? *n : -1;
}

// The export's snapshot exists: its first session holds a snapshot.
bool SnapshotTaken(const std::string& db) {
  return Count(db, "SELECT count(*) FROM pg_stat_activity WHERE datname = " + SqlQuote(db) +
                       " AND application_name = 'dbexport' AND backend_xmin IS NOT NULL") > 0;
}

// A dbexport session holds a lock on `table`.
bool ExportHoldsLock(const std::string& db, const std::string& table) {
  return Count(db, "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                   "JOIN pg_class c ON c.oid = l.relation WHERE a.datname = " + SqlQuote(db) +
                       " AND a.application_name = 'dbexport' AND c.relname = " + SqlQuote(table) +
                       " AND l.granted") > 0;
}

// Some session waits for a lock in `db` (the DDL, or an export reader).
bool SessionWaitsForLock(const std::string& db, const std::string& application) {
  return Count(db, "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                   "WHERE a.datname = " + SqlQuote(db) + " AND a.application_name = " + SqlQuote(application) +
                       " AND NOT l.granted") > 0;
}

// A psql session running `sql` in the background, named `application`.
Status StartSession(ChildProcess* p, const std::string& db, const std::string& application, const std::string& sql) {
  return p->Start({"psql", PostgresUrl(db) + "?application_name=" + application, "-X", "-q", "-v",
                   "ON_ERROR_STOP=1", "-c", sql});
}

std::vector<std::string> ExportArgs(const std::string& db, const std::string& out, const std::string& task,
                                    std::vector<std::string> extra) {
  std::vector<std::string> args = {DbexportBinary(), "run", "--source", PostgresUrl(db), "--dest", out,
                                   "--task-id", task, "--parallelism", "1", "--progress", "none"};
  if (std::find(extra.begin(), extra.end(), "--chunk-rows") == extra.end()) {
    extra.insert(extra.end(), {"--chunk-rows", "100000"});
  }
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// What every outcome must satisfy: no temporary or hidden file anywhere;
// the manifest lists exactly the Parquet files in the task directory, with
// their sizes; a table it calls COMPLETE holds all the snapshot's rows.
// Returns the manifest's tables by name.
std::map<std::string, json> CheckOutcome(const std::string& out, const std::string& task, const std::string& db) {
  std::map<std::string, json> tables;
  for (const std::string& f : ListFiles(out)) {
    EXPECT_EQ(f.find("/."), std::string::npos) << "temporary file left: " << f;
    EXPECT_FALSE(f.starts_with(".")) << "temporary file left: " << f;
  }
  Result<json> info = ReadJsonFile(out + "/" + task + "/export_tables_info_" + task + "_from_1_to_3.json");
  if (!info.ok()) {
    ADD_FAILURE() << "no manifest: " << info.status();
    return tables;
  }
  std::set<std::string> listed;
  for (const json& t : (*info)["perTableStatus"]) {
    std::string name = t["target"].get<std::string>().substr(db.size() + std::string(".public.").size());
    tables[name] = t;
    for (const json& f : t["tableStatistics"]["dataFiles"]) {
      std::string key = f["key"];
      listed.insert(key);
      std::error_code ec;
      EXPECT_EQ(static_cast<int64_t>(std::filesystem::file_size(out + "/" + key, ec)), f["sizeBytes"].get<int64_t>())
          << key;
    }
    if (t["status"] == "COMPLETE") {
      Result<int64_t> rows = DuckDbCount(out + "/" + task + "/" + db + "/public." + name);
      EXPECT_TRUE(rows.ok()) << rows.status();
      EXPECT_EQ(rows.ok() ? *rows : -1, SnapshotCounts().at(name)) << name << " is COMPLETE with rows missing";
      EXPECT_EQ(t["tableStatistics"]["numberOfRows"].get<int64_t>(), SnapshotCounts().at(name)) << name;
    }
  }
  for (const std::string& f : ListFiles(out + "/" + task)) {
    EXPECT_TRUE(!f.ends_with(".parquet") || listed.count(task + "/" + f)) << "not in the manifest: " << f;
  }
  return tables;
}

json ExportInfo(const std::string& out, const std::string& task) {
  Result<json> info = ReadJsonFile(out + "/" + task + "/export_info_" + task + ".json");
  EXPECT_TRUE(info.ok()) << info.status();
  return info.ok() ? *info : json();
}

// Detection: a table the snapshot did not lock (--max-table-locks 0) is
// truncated after the snapshot. Its reader finds new storage and fails the
// table instead of exporting it empty; the other tables are exported whole.
void ExpectRewriteDetected(const std::string& name, const std::string& table, const std::string& ddl) {
  const std::string db = "exptest_ddl_" + name;
  ASSERT_TRUE(RecreateDatabase(db, DatabaseSql()).ok());
  std::string out = MakeTempDir("ddl");
  ChildProcess exporter;
  ASSERT_TRUE(exporter.Start(ExportArgs(db, out, "ddl-1", {"--max-table-locks", "0"})).ok());
  ASSERT_TRUE(WaitFor([&] { return SnapshotTaken(db) || !exporter.Running(); }, std::chrono::seconds(30)));
  ASSERT_TRUE(exporter.Running()) << exporter.Stderr();
  ASSERT_TRUE(Psql(PostgresUrl(db), ddl).ok());  // nothing holds the table: runs at once
  int code = exporter.Wait();

  EXPECT_EQ(code, 1) << exporter.Stderr();
  EXPECT_NE(exporter.Stderr().find("truncated or rewritten after the snapshot was taken"), std::string::npos)
      << exporter.Stderr();
  auto tables = CheckOutcome(out, "ddl-1", db);
  ASSERT_EQ(tables.size(), 3u);
  EXPECT_EQ(tables[table]["status"], "FAILED");
  EXPECT_NE(tables[table]["failureCause"].get<std::string>().find("truncated or rewritten"), std::string::npos);
  for (const auto& [t, entry] : tables) {
    if (t != table) {
      EXPECT_EQ(entry["status"], "COMPLETE") << t;
    }
  }
  json info = ExportInfo(out, "ddl-1");
  EXPECT_EQ(info["status"], "FAILED");
  EXPECT_NE(info["failureCause"].get<std::string>().find(db + ".public." + table), std::string::npos);
}

TEST(ExportDdl, TruncateOfAnUnlockedKeylessTableFailsItInsteadOfExportingItEmpty) {
  ExpectRewriteDetected("trunc_keyless", "keyless", "TRUNCATE keyless");
}

TEST(ExportDdl, TruncateOfAnUnlockedKeyedTableFailsIt) {
  ExpectRewriteDetected("trunc_keyed", "keyed", "TRUNCATE keyed");
}

TEST(ExportDdl, RewritingAlterTableOfAnUnlockedTableFailsIt) {
  ExpectRewriteDetected("alter", "keyless", "ALTER TABLE keyless ALTER COLUMN v TYPE bigint");
}

// Protection: the snapshot locks every table, so DDL on a table not yet
// exported waits. Its reader then waits at most --lock-wait-timeout, and the
// export fails naming the session and releases its locks: the DDL goes on.
void ExpectDdlWaitsThenExportYields(const std::string& name, const std::string& ddl, const std::string& command) {
  const std::string db = "exptest_ddl_" + name;
  ASSERT_TRUE(RecreateDatabase(db, DatabaseSql()).ok());
  std::string out = MakeTempDir("ddl");
  ChildProcess exporter;
  ASSERT_TRUE(exporter.Start(ExportArgs(db, out, "ddl-2", {"--lock-wait-timeout", "3s"})).ok());
  ASSERT_TRUE(WaitFor([&] { return ExportHoldsLock(db, "keyed") || !exporter.Running(); }, std::chrono::seconds(30)));
  ASSERT_TRUE(exporter.Running()) << exporter.Stderr();
  ChildProcess operator_session;
  ASSERT_TRUE(StartSession(&operator_session, db, "operator", ddl).ok());
  ASSERT_TRUE(WaitFor([&] { return SessionWaitsForLock(db, "operator") || !exporter.Running(); },
                      std::chrono::seconds(10)));
  auto started = Clock::now();
  int code = exporter.Wait();
  double waited = SecondsSince(started);
  EXPECT_EQ(code, 1) << exporter.Stderr();
  EXPECT_LT(waited, 3 + 15) << "the export held its locks past --lock-wait-timeout";
  const std::string err = exporter.Stderr();
  EXPECT_NE(err.find("waited 3 s for a lock on the table"), std::string::npos) << err;
  EXPECT_NE(err.find("running " + command), std::string::npos) << err;
  EXPECT_NE(err.find("ACCESS EXCLUSIVE lock on keyed"), std::string::npos) << err;
  // The locks are gone: the operator's command finishes.
  EXPECT_EQ(operator_session.Wait(), 0) << operator_session.Stderr();

  auto tables = CheckOutcome(out, "ddl-2", db);
  EXPECT_EQ(tables["big"]["status"], "COMPLETE");
  EXPECT_EQ(tables["keyed"]["status"], "FAILED");
  EXPECT_EQ(ExportInfo(out, "ddl-2")["status"], "FAILED");
}

TEST(ExportDdl, DropOfATableNotYetExportedWaitsAndTheExportYields) {
  ExpectDdlWaitsThenExportYields("drop", "DROP TABLE keyed", "DROP");
}

TEST(ExportDdl, TruncateOfALockedKeyedTableWaitsAndTheExportYields) {
  ExpectDdlWaitsThenExportYields("trunc_locked", "TRUNCATE keyed", "TRUNCATE");
}

// While an operator's DROP of one table waits behind the export, the
// application's queries on a table under export keep running.
TEST(ExportDdl, ApplicationQueriesRunWhileADropWaitsBehindTheExport) {
  const std::string db = "exptest_ddl_app";
  ASSERT_TRUE(RecreateDatabase(db, DatabaseSql()).ok());
  std::string out = MakeTempDir("ddl");
  ChildProcess exporter;
  ASSERT_TRUE(exporter.Start(ExportArgs(db, out, "ddl-3", {"--lock-wait-timeout", "4s"})).ok());
  ASSERT_TRUE(WaitFor([&] { return ExportHoldsLock(db, "keyless") || !exporter.Running(); }, std::chrono::seconds(30)));
  ASSERT_TRUE(exporter.Running()) << exporter.Stderr();
  ChildProcess dropper;
  ASSERT_TRUE(StartSession(&dropper, db, "operator", "DROP TABLE keyless").ok());
  ASSERT_TRUE(WaitFor([&] { return SessionWaitsForLock(db, "operator"); }, std::chrono::seconds(10)));
  auto query_start = Clock::now();
  Result<int64_t> n = PgInt(PostgresUrl(db), "SELECT count(*) FROM big WHERE v = 7");
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, kBigRows / 1000);
  EXPECT_LT(SecondsSince(query_start), 2.0) << "the application's query waited";
  EXPECT_TRUE(dropper.Running()) << "the DROP did not wait for the export";
  // The export reaches keyless, waits at most 4 s for it, and stops.
  EXPECT_EQ(exporter.Wait(), 1) << exporter.Stderr();
  EXPECT_NE(exporter.Stderr().find("waited 4 s for a lock"), std::string::npos) << exporter.Stderr();
  EXPECT_EQ(dropper.Wait(), 0) << dropper.Stderr();
  CheckOutcome(out, "ddl-3", db);
}

// SIGTERM reaches a reader blocked on a lock at once, not after the lock
// timeout: the server-side wait is cancelled too.
TEST(ExportDdl, SigtermReachesAReaderBlockedOnALock) {
  const std::string db = "exptest_ddl_sigterm";
  ASSERT_TRUE(RecreateDatabase(db, DatabaseSql()).ok());
  std::string out = MakeTempDir("ddl");
  ChildProcess exporter;
  ASSERT_TRUE(exporter.Start(ExportArgs(db, out, "ddl-4", {"--lock-wait-timeout", "10m"})).ok());
  ASSERT_TRUE(WaitFor([&] { return ExportHoldsLock(db, "keyed") || !exporter.Running(); }, std::chrono::seconds(30)));
  ASSERT_TRUE(exporter.Running()) << exporter.Stderr();
  ChildProcess dropper;
  ASSERT_TRUE(StartSession(&dropper, db, "operator", "DROP TABLE keyed").ok());
  // The export's reader queues behind the DROP.
  ASSERT_TRUE(WaitFor([&] { return SessionWaitsForLock(db, "dbexport"); }, std::chrono::seconds(60)))
      << exporter.Stderr();
  auto signalled = Clock::now();
  exporter.Signal(SIGTERM);
  int code = exporter.Wait();
  EXPECT_LT(SecondsSince(signalled), 5.0);
  EXPECT_EQ(code, 130) << exporter.Stderr();
  EXPECT_EQ(dropper.Wait(), 0) << dropper.Stderr();
  EXPECT_EQ(Count(db, "SELECT count(*) FROM pg_stat_activity WHERE datname = " + SqlQuote(db) +
                          " AND application_name = 'dbexport'"),
            0);
  auto tables = CheckOutcome(out, "ddl-4", db);
  EXPECT_EQ(tables["keyed"]["status"], "CANCELED");
  EXPECT_EQ(ExportInfo(out, "ddl-4")["status"], "CANCELED");
}

// The connection holding the snapshot is terminated mid-export, while
// planning or while reading: the error says so, rather than "invalid
// snapshot identifier".
TEST(ExportDdl, LosingTheSnapshotConnectionIsReportedAsSuch) {
  const std::string db = "exptest_ddl_lost";
  ASSERT_TRUE(RecreateDatabase(db, DatabaseSql()).ok());
  std::string out = MakeTempDir("ddl");
  ChildProcess exporter;
  ASSERT_TRUE(exporter.Start(ExportArgs(db, out, "ddl-5", {})).ok());
  // A reader is copying: the next chunk's reader must join the snapshot.
  ASSERT_TRUE(WaitFor([&] {
    return !exporter.Running() ||
           Count(db, "SELECT count(*) FROM pg_stat_activity WHERE datname = " + SqlQuote(db) +
                         " AND application_name = 'dbexport' AND query LIKE 'COPY%'") > 0;
  }, std::chrono::seconds(30)));
  ASSERT_TRUE(exporter.Running()) << exporter.Stderr();
  // The snapshot's session is the export's oldest.
  ASSERT_TRUE(Psql(PostgresUrl(), "SELECT pg_terminate_backend(pid) FROM (SELECT pid FROM pg_stat_activity "
                                  "WHERE datname = " + SqlQuote(db) + " AND application_name = 'dbexport' "
                                  "ORDER BY backend_start LIMIT 1) s")
                  .ok());
  EXPECT_EQ(exporter.Wait(), 1) << exporter.Stderr();
  EXPECT_NE(exporter.Stderr().find("the connection that holds the export's snapshot of database " + db + " was lost"),
            std::string::npos)
      << exporter.Stderr();
  CheckOutcome(out, "ddl-5", db);
}

// Parquet files under `dir`.
int CountParquet(const std::string& dir) {
  int n = 0;
  for (const std::string& f : ListFiles(dir)) n += f.ends_with(".parquet");
  return n;
}

// The outcome of an export that failed on its destination: no temporary
// file; either a manifest that lists exactly what is there, or an error
// that says it was not written and how many files are left.
void CheckFailedOnDestination(const ChildProcess& exporter, const std::string& out, const std::string& task,
                              const std::string& db) {
  const std::string err = exporter.Stderr();
  for (const std::string& f : ListFiles(out)) EXPECT_EQ(f.find("/."), std::string::npos) << "temporary file left: " << f;
  if (std::filesystem::exists(out + "/" + task + "/export_info_" + task + ".json")) {
    CheckOutcome(out, task, db);
    EXPECT_EQ(ExportInfo(out, task)["status"], "FAILED");
  } else {
    const std::string left = "the manifest was not written (";
    ASSERT_NE(err.find(left), std::string::npos) << err;
    EXPECT_NE(err.find(": " + std::to_string(CountParquet(out)) + " data files ("), std::string::npos)
        << "the error miscounts what is left: " << err;
  }
}

// A destination on a 2 MiB filesystem: it fills up mid-export.
TEST(ExportDestination, FillingUpFailsTheExportLeavingNoPartialFile) {
  ASSERT_EQ(geteuid(), 0u) << "this test mounts a small tmpfs: run it as root (scripts/test does)";
  const std::string db = "exptest_dest_full";
  ASSERT_TRUE(RecreateDatabase(db, DatabaseSql()).ok());
  std::string out = MakeTempDir("dest-full");
  ASSERT_EQ(mount("tmpfs", out.c_str(), "tmpfs", 0, "size=2m"), 0) << std::strerror(errno);
  ChildProcess exporter;
  ASSERT_TRUE(exporter.Start(ExportArgs(db, out, "full-1", {"--compression", "none"})).ok());
  EXPECT_EQ(exporter.Wait(), 1) << exporter.Stderr();
  EXPECT_NE(exporter.Stderr().find("No space left on device"), std::string::npos) << exporter.Stderr();
  CheckFailedOnDestination(exporter, out, "full-1", db);
  EXPECT_EQ(umount(out.c_str()), 0);
}

// The destination turns read-only mid-export, for an export run as an
// ordinary user (root ignores permissions).
TEST(ExportDestination, TurningReadOnlyFailsTheExportAndSaysWhatIsLeft) {
  ASSERT_EQ(geteuid(), 0u) << "this test runs dbexport as user nobody: run it as root (scripts/test does)";
  const std::string db = "exptest_dest_ro";
  ASSERT_TRUE(RecreateDatabase(db, DatabaseSql()).ok());
  // Not under the test scratch area, which only its owner can enter.
  char pattern[] = "/tmp/dbexport-ro-XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  const std::string out = pattern;
  ASSERT_EQ(chmod(out.c_str(), 0755), 0);
  ASSERT_EQ(RunCommand({"chown", "nobody", out}).exit_code, 0);
  std::vector<std::string> args = {"runuser", "-u", "nobody", "--"};
  for (const std::string& a : ExportArgs(db, out, "ro-1", {"--chunk-rows", "20000", "--compression", "none"})) {
    args.push_back(a);
  }
  ChildProcess exporter;
  ASSERT_TRUE(exporter.Start(args).ok());
  ASSERT_TRUE(WaitFor([&] { return CountParquet(out) >= 2 || !exporter.Running(); }, std::chrono::seconds(60)));
  ASSERT_TRUE(exporter.Running()) << exporter.Stderr();
  ASSERT_EQ(RunCommand({"chmod", "-R", "a-w", out}).exit_code, 0);
  EXPECT_EQ(exporter.Wait(), 1) << exporter.Stderr();
  EXPECT_NE(exporter.Stderr().find("Permission denied"), std::string::npos) << exporter.Stderr();
  CheckFailedOnDestination(exporter, out, "ro-1", db);
  RunCommand({"rm", "-rf", out});
}

}  // namespace
}  // namespace dbexport::testing
