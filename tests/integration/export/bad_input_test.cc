// dbexport run with bad input fails with a clear message and exit code and
// writes nothing; Ctrl-C stops an export leaving only complete files.

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include "export_test_util.h"

namespace dbexport::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kUsageHint[] = "\nRun 'dbexport run --help' for the flags.\n";

// ctest runs each test in its own process, two at a time: every test that
// reaches the server gets a database of its own.
class BadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = MakeTempDir("bad-input");
    dest_ = root_ + "/dest";
  }
  // A database with one small table, named after the test.
  std::string Database(const std::string& suffix) {
    std::string db = "exptest_bad_" + suffix;
    EXPECT_TRUE(RecreateDatabase(db, "CREATE TABLE t (id integer PRIMARY KEY); INSERT INTO t VALUES (1);\n").ok());
    return db;
  }
  CommandResult Run(std::vector<std::string> extra, std::string source = "") {
    // Without a source the flags are checked before any connection.
    std::vector<std::string> args{"run", "--source", source.empty() ? PostgresUrl("exptest_bad_unused") : source,
                                  "--dest", dest_, "--progress", "none"};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunDbexport(args);
  }
  void ExpectNothingWritten() { EXPECT_FALSE(fs::exists(dest_)) << "the destination was created"; }

  std::string root_;
  std::string dest_;
};

TEST_F(BadInput, InvalidExportOnlyIsAUsageError) {
  CommandResult r = Run({"--export-only", "exptest_bad.public", "exptest_bad.bad-name"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, std::string("dbexport: --export-only: invalid export-only entry 'exptest_bad.bad-name': name "
                               "'bad-name' may contain only A-Z, a-z, 0-9, $ and _") +
                       kUsageHint);
  EXPECT_EQ(r.out, "");
  ExpectNothingWritten();
}

TEST_F(BadInput, InvalidTaskIdentifierGetsTheRdsMessage) {
  CommandResult r = Run({"--task-id", "my--export"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, std::string("dbexport: --task-id: The parameter ExportTaskIdentifier is not a valid identifier. "
                               "Identifiers must begin with a letter; must contain only ASCII letters, digits, and "
                               "hyphens; and must not end with a hyphen or contain two consecutive hyphens.") +
                       kUsageHint);
  ExpectNothingWritten();
}

TEST_F(BadInput, BadFlagValuesAreUsageErrors) {
  CommandResult r = Run({"--compression", "lz4"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, std::string("dbexport: --compression: invalid compression 'lz4': expected gzip, snappy, zstd or "
                               "none") + kUsageHint);
  r = Run({"--max-file-size", "big"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, std::string("dbexport: --max-file-size: invalid size 'big': expected a number of bytes with an "
                               "optional unit (KiB, MiB, GiB, TiB)") + kUsageHint);
  r = Run({"--parallelism", "0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--parallelism"), std::string::npos) << r.err;
  r = Run({"--no-such-flag"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--no-such-flag"), std::string::npos) << r.err;
  r = RunDbexport({"run", "--dest", dest_});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--source is required"), std::string::npos) << r.err;
  ExpectNothingWritten();
}

TEST_F(BadInput, BadSourceUrlIsAUsageError) {
  CommandResult r = Run({}, "mysqlx://db.example/shop");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "dbexport: --source: source URL: it must begin with postgresql://, postgres://, mysql:// or mariadb://\n"
            "Run 'dbexport run --help' for the flags.\n");
  r = Run({}, "postgresql://db.example/shop?bogus_option=1");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err,
            "dbexport: --source: source URL: the parameter 'bogus_option' is not a libpq connection parameter (see "
            "the libpq documentation, section \"Parameter Key Words\")\nRun 'dbexport run --help' for the flags.\n");
  ExpectNothingWritten();
}

TEST_F(BadInput, UnreachableServerFails) {
  CommandResult r = Run({}, "postgresql://postgres@127.0.0.1:1/exptest_bad_unreachable");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.err.starts_with("dbexport: error: connecting to PostgreSQL at 127.0.0.1:1/exptest_bad_unreachable: "))
      << r.err;
  EXPECT_NE(r.err.find("Connection refused"), std::string::npos) << r.err;
  ExpectNothingWritten();
}

TEST_F(BadInput, MissingDatabaseFails) {
  CommandResult r = Run({}, PostgresUrl("exptest_no_such_db"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.err.starts_with("dbexport: error: connecting to PostgreSQL at ")) << r.err;
  EXPECT_NE(r.err.find("database \"exptest_no_such_db\" does not exist"), std::string::npos) << r.err;
  ExpectNothingWritten();
}

TEST_F(BadInput, BadDestinationFails) {
  std::string db = Database("dest");
  std::ofstream(root_ + "/a-file") << "x";
  CommandResult r = RunDbexport({"run", "--source", PostgresUrl(db), "--dest", root_ + "/a-file/out",
                                 "--progress", "none"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "dbexport: error: local store: creating directory " + root_ + "/a-file/out: Not a directory\n");
  r = RunDbexport({"run", "--source", PostgresUrl(db), "--dest", "ftp://host/dir", "--progress", "none"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "dbexport: error: destination URL 'ftp://host/dir' has an unsupported scheme: expected a "
                   "directory, file:///dir or s3://bucket[/prefix]\n");
  EXPECT_EQ(ListFiles(root_), std::vector<std::string>{"a-file"});
}

TEST_F(BadInput, ReusedTaskIdentifierFails) {
  std::string source = PostgresUrl(Database("reuse"));
  CommandResult first = Run({"--task-id", "again"}, source);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  std::vector<std::string> files = ListFiles(dest_);
  CommandResult second = Run({"--task-id", "again"}, source);
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_EQ(second.err, "dbexport: error: export again failed: The export task with the ID again already exists: " +
                            dest_ + "/again/ holds " + std::to_string(files.size()) + " exported files\n");
  EXPECT_EQ(ListFiles(dest_), files);
}

// The S3 pre-flight runs before the source is touched: an unreachable
// database is not even tried when the bucket is missing, and the message is
// the user guide's FailureCause, then what S3 said.
TEST(ExportPreflight, AMissingBucketFailsBeforeTheDatabaseIsRead) {
  const std::string bucket = "exptest-preflight-missing";
  RemoveBucket(bucket);
  CommandResult r = RunDbexport({"run", "--source", "postgresql://nobody@127.0.0.1:1/exptest_never_read", "--dest",
                                 "s3://" + bucket + "/x", "--endpoint-url", S3Endpoint(), "--task-id", "pf-1",
                                 "--progress", "none"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(r.err.starts_with("dbexport: error: export pf-1 failed: The S3 bucket " + bucket +
                                " isn't valid. Either it isn't located in the current AWS Region or it doesn't exist. "
                                "Review your S3 bucket name and retry the export. (GetBucketLocation s3://" + bucket +
                                ": HTTP 404 NoSuchBucket: The specified bucket does not exist"))
      << r.err;
  EXPECT_EQ(r.err.find("connecting to PostgreSQL"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(CommandLine, HelpAndVersion) {
  CommandResult help = RunDbexport({"run", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* flag : {"--source", "--dest", "--export-only", "--task-id", "--parallelism", "--chunk-rows",
                           "--type-mapping", "--compression", "--max-file-size", "--progress"}) {
    EXPECT_NE(help.out.find(flag), std::string::npos) << flag;
  }
  EXPECT_NE(help.out.find("=4"), std::string::npos) << help.out;  // defaults shown
  EXPECT_NE(help.out.find("=gzip"), std::string::npos) << help.out;
  CommandResult version = RunDbexport({"version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out, "dbexport 0.1.0\n");
  EXPECT_EQ(RunDbexport({"--version"}).out, "dbexport 0.1.0\n");
  CommandResult none = RunDbexport({});
  EXPECT_EQ(none.exit_code, 2);
}

// Ctrl-C in the middle of a large table: exit 130, "export cancelled", and
// every .parquet file left is complete (DuckDB reads each one).
TEST(ExportCancel, SigintStopsTheExportLeavingOnlyCompleteFiles) {
  const std::string db = "exptest_cancel";
  ASSERT_TRUE(RecreateDatabase(db, "CREATE TABLE big (id bigint PRIMARY KEY, a text, b double precision, c text);\n"
                                   "INSERT INTO big SELECT g, md5(g::text), g * 0.5, repeat(md5(g::text), 4) "
                                   "FROM generate_series(1, 3000000) g;\n"
                                   "ANALYZE;\n")
                  .ok());
  std::string out = MakeTempDir("cancel");
  ChildProcess run;
  ASSERT_TRUE(run.Start({DbexportBinary(), "run", "--source", PostgresUrl(db), "--dest", out, "--task-id", "cancel-1",
                         "--chunk-rows", "300000", "--parallelism", "2", "--progress", "plain"})
                  .ok());
  // Wait until the first part file is complete, then interrupt.
  bool some_file = false;
  for (int i = 0; i < 600 && run.Running() && !some_file; ++i) {
    for (const std::string& f : ListFiles(out)) some_file |= f.ends_with(".parquet");
    if (!some_file) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(some_file) << run.Stderr();
  ASSERT_TRUE(run.Running()) << "the export finished before it could be cancelled";
  run.Signal(SIGINT);
  EXPECT_EQ(run.Wait(), 130);
  std::string err = run.Stderr();
  EXPECT_TRUE(err.ends_with("dbexport: export cancelled\n")) << err;

  std::vector<std::string> files = ListFiles(out);
  int parquet_files = 0;
  for (const std::string& f : files) {
    std::string name = fs::path(f).filename().string();
    EXPECT_FALSE(name.starts_with(".")) << "temporary file left behind: " << f;
    if (!f.ends_with(".parquet")) continue;
    ++parquet_files;
    auto count = DuckDbQuery("SELECT count(*) FROM read_parquet('" + out + "/" + f + "')");
    EXPECT_TRUE(count.ok()) << f << ": " << count.status();
  }
  EXPECT_GE(parquet_files, 1);
  EXPECT_LT(parquet_files, 10) << "all chunks were exported: the cancel came too late";
  auto info = ReadJsonFile(out + "/cancel-1/export_info_cancel-1.json");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ((*info)["status"], "CANCELED");
  EXPECT_LT((*info)["percentProgress"].get<int>(), 100);
}

// A chunk whose reader's backend is terminated mid-COPY is read again on a
// new session of the same snapshot (docs/consistency.md): the export
// completes with every row once, and the manifest counts the retry. A chunk
// that keeps failing fails the export (standby_test.cc).
TEST(ExportFailure, AChunkWhoseReaderIsTerminatedIsReadAgain) {
  const std::string db = "exptest_kill";
  ASSERT_TRUE(RecreateDatabase(db, "CREATE TABLE big (id bigint PRIMARY KEY, a text, b text);\n"
                                   "INSERT INTO big SELECT g, md5(g::text), repeat(md5(g::text), 6) "
                                   "FROM generate_series(1, 1500000) g;\n"
                                   "ANALYZE;\n")
                  .ok());
  std::string out = MakeTempDir("kill");
  ChildProcess run;
  ASSERT_TRUE(run.Start({DbexportBinary(), "run", "--source", PostgresUrl(db), "--dest", out, "--task-id", "kill-1",
                         "--chunk-rows", "150000", "--parallelism", "2", "--progress", "none"})
                  .ok());
  bool terminated = false;
  for (int i = 0; i < 400 && run.Running() && !terminated; ++i) {
    // A COPY that started within the last 100 ms: far from done.
    Result<int64_t> n = PgInt(PostgresUrl(), "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM "
                                             "pg_stat_activity WHERE datname = '" + db +
                                                 "' AND query LIKE 'COPY (SELECT%' AND state = 'active' AND "
                                                 "now() - query_start < interval '100 milliseconds' "
                                                 "AND pid <> pg_backend_pid() LIMIT 1) t");
    terminated = n.ok() && *n == 1;
    if (!terminated) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(terminated) << run.Stderr();
  EXPECT_EQ(run.Wait(), 0) << run.Stderr();
  for (const std::string& f : ListFiles(out)) {
    EXPECT_FALSE(fs::path(f).filename().string().starts_with(".")) << "temporary file left behind: " << f;
  }
  Result<int64_t> rows = DuckDbCount(out + "/kill-1/" + db + "/public.big");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(*rows, 1500000);
  Result<QueryResult> distinct = DuckDbQuery("SELECT count(DISTINCT id), sum(id) FROM read_parquet('" + out +
                                             "/kill-1/" + db + "/public.big/*/*.parquet')");
  ASSERT_TRUE(distinct.ok()) << distinct.status();
  EXPECT_EQ(*distinct->rows[0][0], "1500000");
  EXPECT_EQ(*distinct->rows[0][1], "1125000750000");
  auto info = ReadJsonFile(out + "/kill-1/export_info_kill-1.json");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ((*info)["status"], "COMPLETE");
  auto tables = ReadJsonFile(out + "/kill-1/export_tables_info_kill-1_from_1_to_1.json");
  ASSERT_TRUE(tables.ok()) << tables.status();
  EXPECT_EQ((*tables)["perTableStatus"][0]["tableStatistics"]["chunkRetries"], 1);
}

}  // namespace
}  // namespace dbexport::testing
