// A light touch on the source: --max-rate holds the read rate (the export of
// a known number of wire bytes takes at least (bytes - burst) / rate, and
// the data is complete: DuckDB reads it back and it matches PostgreSQL),
// --max-connections caps the sessions pg_stat_activity sees, and a
// throttled export still stops within seconds on Ctrl-C.

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "export/export.h"
#include "export/rate_limiter.h"
#include "export_test_util.h"
#include "storage/object_store.h"

namespace dbexport::testing {
namespace {

using exporter::ExportProgress;
using exporter::ExportSpec;
using exporter::ExportSummary;

constexpr char kTable[] =
    "CREATE TABLE t (id bigint PRIMARY KEY, a text, b double precision);\n"
    "INSERT INTO t SELECT g, md5(g::text), g * 0.25 FROM generate_series(1, 200000) g;\n"
    "ANALYZE;\n";

// The export's last progress report and whether any said it was throttled.
struct Observed {
  std::mutex mu;
  ExportProgress last;
  bool throttled = false;
};

Result<ExportSummary> Export(const std::string& url, const std::string& dir, ExportSpec spec, Observed* observed,
                             double* seconds) {
  auto source = source::OpenSource(url, spec.source_options);
  if (!source.ok()) return source.status();
  auto store = OpenLocalStore(dir);
  if (!store.ok()) return store.status();
  std::atomic<bool> cancel{false};
  exporter::ProgressObserver observer = [observed](const ExportProgress& p) {
    std::lock_guard<std::mutex> lock(observed->mu);
    observed->last = p;
    observed->throttled |= p.throttled;
  };
  auto started = std::chrono::steady_clock::now();
  Result<ExportSummary> summary = exporter::RunExport(spec, source->get(), store->get(), observer, &cancel);
  *seconds = SecondsSince(started);
  return summary;
}

// The table's rows, as DuckDB reads them from the export and as PostgreSQL
// has them: count, sum of ids, of text lengths and of doubles.
void ExpectExportMatchesTable(const std::string& url, const std::string& table_dir) {
  auto exported = DuckDbQuery("SELECT count(*), sum(id), count(DISTINCT id), sum(length(a)), CAST(sum(b) AS BIGINT) "
                              "FROM read_parquet('" + table_dir + "/**/*.parquet')");
  ASSERT_TRUE(exported.ok()) << exported.status();
  auto expected = Psql(url, "SELECT count(*), sum(id), count(DISTINCT id), sum(length(a)), sum(b)::bigint FROM t");
  ASSERT_TRUE(expected.ok()) << expected.status();
  const auto& row = exported->rows.at(0);
  std::string got;
  for (size_t i = 0; i < row.size(); ++i) got += (i ? "|" : "") + row[i].value_or("NULL");
  EXPECT_EQ(got + "\n", *expected);
  EXPECT_EQ(row[0].value_or(""), "200000");
}

TEST(ExportThrottle, MaxRateHoldsTheSourceReadRateAndExportsEveryRow) {
  const std::string db = "exptest_throttle_rate";
  ASSERT_TRUE(RecreateDatabase(db, kTable).ok());
  ExportSpec spec;
  spec.task_id = "rate-1";
  spec.parallelism = 4;
  spec.chunk_rows = 25000;
  // About 12 MB of COPY data: 4 MiB/s makes it last about 3 s.
  spec.max_rate = 4 << 20;
  std::string dir = MakeTempDir("throttle-rate");
  Observed observed;
  double seconds = 0;
  Result<ExportSummary> summary = Export(PostgresUrl(db), dir, spec, &observed, &seconds);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->rows_exported, 200000);
  const int64_t bytes = observed.last.bytes_read;
  ASSERT_GT(bytes, 10'000'000) << "the table is smaller than planned";
  const double floor = static_cast<double>(bytes - exporter::DefaultBurstBytes(spec.max_rate)) / spec.max_rate;
  EXPECT_GE(seconds, floor) << bytes << " bytes read at " << bytes / seconds << " B/s";
  // Not throttled much harder than asked: within 1.5x and a second.
  EXPECT_LE(seconds, floor * 1.5 + 1.0) << bytes << " bytes read at " << bytes / seconds << " B/s";
  EXPECT_TRUE(observed.throttled);
  EXPECT_EQ(observed.last.max_rate, spec.max_rate);
  ExpectExportMatchesTable(PostgresUrl(db), dir + "/rate-1/" + db + "/public.t");

  // The same export without a limit is much faster: the limit is what made
  // the first one slow.
  spec.task_id = "rate-2";
  spec.max_rate = 0;
  Observed unlimited;
  double unlimited_seconds = 0;
  summary = Export(PostgresUrl(db), dir, spec, &unlimited, &unlimited_seconds);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_LT(unlimited_seconds, floor / 2) << "an unthrottled export of this table is too slow for the test";
  EXPECT_FALSE(unlimited.throttled);
}

// The peak of the export's sessions (connections to its database) while it
// runs, sampled every 20 ms from pg_stat_activity.
class SessionSampler {
 public:
  explicit SessionSampler(const std::string& database) {
    thread_ = std::thread([this, database] {
      while (!stop_.load()) {
        Result<int64_t> n = PgInt(PostgresUrl(), "SELECT count(*) FROM pg_stat_activity WHERE datname = " +
                                                     SqlQuote(database) + " AND backend_type = 'client backend'");
        if (n.ok()) {
          peak_ = std::max(peak_.load(), *n);
          samples_.fetch_add(1);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
  }
  ~SessionSampler() { Stop(); }
  void Stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  int64_t peak() const { return peak_.load(); }
  int samples() const { return samples_.load(); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> peak_{0};
  std::atomic<int> samples_{0};
  std::thread thread_;
};

TEST(ExportThrottle, MaxConnectionsCapsTheSessionsTheExportOpens) {
  const std::string db = "exptest_throttle_conns";
  ASSERT_TRUE(RecreateDatabase(db, kTable).ok());
  std::string dir = MakeTempDir("throttle-conns");
  ExportSpec spec;
  spec.parallelism = 8;
  spec.chunk_rows = 20000;  // 10 chunks: enough for 8 readers at once
  // Slow enough (about 3 s) that the sampler sees every reader open.
  spec.max_rate = 4 << 20;
  for (int limit : {0, 3}) {
    SCOPED_TRACE("max_connections " + std::to_string(limit));
    spec.task_id = "conns-" + std::to_string(limit);
    spec.max_connections = limit;
    SessionSampler sampler(db);
    Observed observed;
    double seconds = 0;
    Result<ExportSummary> summary = Export(PostgresUrl(db), dir, spec, &observed, &seconds);
    sampler.Stop();
    ASSERT_TRUE(summary.ok()) << summary.status();
    EXPECT_EQ(summary->rows_exported, 200000);
    EXPECT_GE(sampler.samples(), 5);
    // The snapshot's session and one per reader: 1 + 2 at 3. Unlimited, up
    // to 1 + 8, and more than 3 (the sampler sees what the limit prevents).
    if (limit == 0) {
      EXPECT_GT(sampler.peak(), 3);
      EXPECT_LE(sampler.peak(), 9);
    } else {
      EXPECT_EQ(sampler.peak(), 3);
    }
    ExpectExportMatchesTable(PostgresUrl(db), dir + "/" + spec.task_id + "/" + db + "/public.t");
  }
}

// With no database in the URL, PostgreSQL holds a snapshot session per
// database exported: a limit that leaves no room for a reader is refused
// before any snapshot is taken, naming the minimum.
TEST(ExportThrottle, MaxConnectionsTooSmallForTheSnapshotsIsAClearError) {
  const std::string first = "exptest_throttle_db1";
  const std::string second = "exptest_throttle_db2";
  ASSERT_TRUE(RecreateDatabase(first, "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1);").ok());
  ASSERT_TRUE(RecreateDatabase(second, "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (2);").ok());
  std::string url = PostgresUrl();
  url = url.substr(0, url.rfind('/'));  // the server, no database
  ExportSpec spec;
  spec.task_id = "conns-small";
  spec.export_only = {first, second};
  spec.max_connections = 2;
  std::string dir = MakeTempDir("throttle-small");
  Observed observed;
  double seconds = 0;
  Result<ExportSummary> summary = Export(url, dir, spec, &observed, &seconds);
  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.status(),
            InvalidArgument("max connections 2 is too small for this export: the snapshot holds 2 connections (one "
                            "per database exported) and each chunk reader needs one more; set it to at least 3"));
  // At 3 both databases export, one reader at a time.
  spec.task_id = "conns-enough";
  spec.max_connections = 3;
  summary = Export(url, dir, spec, &observed, &seconds);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->tables_exported, 2);
  Result<int64_t> rows = DuckDbCount(dir + "/conns-enough");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(*rows, 2);
}

// Runs SQL through the mariadb client on the test MariaDB (DBX_TEST_MYSQL_URL).
Result<std::string> MariaDb(const std::string& sql) {
  const char* url = std::getenv("DBX_TEST_MYSQL_URL");
  if (url == nullptr || *url == '\0') return FailedPrecondition("DBX_TEST_MYSQL_URL is not set (run scripts/test)");
  std::string hostport = std::string(url).substr(std::string(url).find('@') + 1);
  CommandResult r = RunCommand({"mariadb", "--no-defaults", "-h", hostport.substr(0, hostport.find(':')), "-P",
                                hostport.substr(hostport.find(':') + 1), "-uroot", "--batch", "--skip-column-names"},
                               sql);
  if (r.exit_code != 0) return Internal("mariadb: " + r.err);
  return r.out;
}

// MySQL: one coordinating session and the readers. Sessions are counted in
// the processlist by their default database, which the sampler has none of.
TEST(ExportThrottle, MaxConnectionsCapsMySqlSessionsToo) {
  const std::string db = "exptest_throttle_my";
  ASSERT_TRUE(MariaDb("DROP DATABASE IF EXISTS " + db + "; CREATE DATABASE " + db + "; USE " + db +
                      "; CREATE TABLE t (id int PRIMARY KEY, a varchar(32));"
                      " INSERT INTO t SELECT seq, md5(seq) FROM seq_1_to_100000; ANALYZE TABLE t;")
                  .ok());
  std::atomic<bool> stop{false};
  std::atomic<int64_t> peak{0};
  std::atomic<int> samples{0};
  std::thread sampler([&] {
    while (!stop.load()) {
      Result<std::string> n = MariaDb("SELECT count(*) FROM information_schema.PROCESSLIST WHERE DB = '" + db + "'");
      if (n.ok()) {
        peak = std::max(peak.load(), static_cast<int64_t>(std::stoll(*n)));
        samples.fetch_add(1);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  ExportSpec spec;
  spec.task_id = "my-conns";
  spec.parallelism = 4;
  spec.chunk_rows = 10000;
  spec.max_connections = 2;
  spec.max_rate = 1 << 20;  // about 4 s: the sampler sees the readers
  std::string dir = MakeTempDir("throttle-mysql");
  Observed observed;
  double seconds = 0;
  Result<ExportSummary> summary =
      Export(std::string(std::getenv("DBX_TEST_MYSQL_URL") ? std::getenv("DBX_TEST_MYSQL_URL") : "") + "/" + db, dir,
             spec, &observed, &seconds);
  stop.store(true);
  sampler.join();
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->rows_exported, 100000);
  EXPECT_GE(samples.load(), 5);
  EXPECT_EQ(peak.load(), 2);  // the coordinator and one reader, although parallelism is 4
  EXPECT_TRUE(observed.throttled);
  auto exported = DuckDbQuery("SELECT count(*), sum(id), count(DISTINCT a) FROM read_parquet('" + dir + "/my-conns/" +
                              db + "/" + db + ".t/**/*.parquet')");
  ASSERT_TRUE(exported.ok()) << exported.status();
  EXPECT_EQ(exported->rows.at(0), (std::vector<std::optional<std::string>>{"100000", "5000050000", "100000"}));
}

TEST(ExportThrottle, BadFlagValuesAreUsageErrors) {
  std::string out = MakeTempDir("throttle-flags");
  CommandResult r = RunDbexport({"run", "--source", PostgresUrl(), "--dest", out, "--max-rate", "lots"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.err.starts_with("dbexport: --max-rate: invalid rate 'lots': expected bytes per second")) << r.err;
  r = RunDbexport({"run", "--source", PostgresUrl(), "--dest", out, "--max-connections", "1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.err.starts_with("dbexport: --max-connections: 1 is too small: the export needs at least 2")) << r.err;
  r = RunDbexport({"run", "--help"});
  EXPECT_NE(r.out.find("--max-rate"), std::string::npos);
  EXPECT_NE(r.out.find("--max-connections"), std::string::npos);
  EXPECT_TRUE(ListFiles(out).empty());
}

// dbexport run --max-rate: the throttled export shows it on the progress
// line, and SIGINT ends it within seconds even while its readers wait.
TEST(ExportThrottle, CtrlCStopsAThrottledExportWithinSeconds) {
  const std::string db = "exptest_throttle_cancel";
  ASSERT_TRUE(RecreateDatabase(db, kTable).ok());
  std::string out = MakeTempDir("throttle-cancel");
  ChildProcess run;
  // 12 MB at 256 KiB/s would take most of a minute.
  ASSERT_TRUE(run.Start({DbexportBinary(), "run", "--source", PostgresUrl(db), "--dest", out, "--task-id", "slow-1",
                         "--max-rate", "256KiB/s", "--chunk-rows", "25000", "--progress", "plain"})
                  .ok());
  ASSERT_TRUE(WaitFor([&] { return run.Stderr().find("throttled to 256.0 KB/s") != std::string::npos || !run.Running(); },
                      std::chrono::seconds(20)))
      << run.Stderr();
  ASSERT_TRUE(run.Running()) << run.Stderr();
  auto signalled = std::chrono::steady_clock::now();
  run.Signal(SIGINT);
  EXPECT_EQ(run.Wait(), 130);
  EXPECT_LT(SecondsSince(signalled), 5.0);
  EXPECT_TRUE(run.Stderr().ends_with("dbexport: export cancelled\n")) << run.Stderr();
  auto info = ReadJsonFile(out + "/slow-1/export_info_slow-1.json");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ((*info)["status"], "CANCELED");
}

}  // namespace
}  // namespace dbexport::testing
