// --verify-counts against the real PostgreSQL and MariaDB: a complete export
// records each table's verified count; a data file changed in the store
// between its write and the count (a fault-injecting store, or a file
// replaced in the destination directory under a running dbexport) fails
// the task naming the table and the three counts.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "export/export.h"
#include "export_test_util.h"
#include "support/fault_store.h"

namespace dbexport::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// `t`: key-range chunks; `keyless`: ctid chunks; `parent`: an inheritance
// parent whose child's rows are not its own; `measures`: partitioned.
constexpr char kSetup[] = R"sql(
CREATE TABLE t (id bigint PRIMARY KEY, a text, b double precision);
INSERT INTO t SELECT g, md5(g::text), g * 0.25 FROM generate_series(1, 200000) g;
CREATE TABLE keyless (v integer, s text);
INSERT INTO keyless SELECT g, repeat('k', g % 20) FROM generate_series(1, 30000) g;
CREATE TABLE parent (id integer, s text);
CREATE TABLE child (extra integer) INHERITS (parent);
INSERT INTO parent SELECT g, 'p' FROM generate_series(1, 700) g;
INSERT INTO child SELECT g, 'c', g FROM generate_series(1, 300) g;
CREATE TABLE measures (id integer, at date) PARTITION BY RANGE (at);
CREATE TABLE measures_2023 PARTITION OF measures FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE measures_2024 PARTITION OF measures FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
INSERT INTO measures SELECT g, date '2023-06-01' + (g % 400) FROM generate_series(1, 5000) g;
CREATE TABLE tiny (id bigint PRIMARY KEY, a text, b double precision);
INSERT INTO tiny VALUES (1, 'one', 1.5), (2, 'two', 2.5), (3, 'three', 3.5);
ANALYZE;
)sql";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The perTableStatus entries of an export's (single) tables-info file, by target.
std::map<std::string, json> TableEntries(const std::string& task_dir) {
  std::map<std::string, json> out;
  for (const std::string& f : ListFiles(task_dir)) {
    if (!f.starts_with("export_tables_info_")) continue;
    Result<json> info = ReadJsonFile(task_dir + "/" + f);
    EXPECT_TRUE(info.ok()) << info.status();
    if (!info.ok()) continue;
    for (const json& t : (*info)["perTableStatus"]) out[t["target"]] = t;
  }
  return out;
}

// ctest runs each test in its own process, two at a time: each test has a
// database of its own, named after it.
class VerifyCounts : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    db_ = "exptest_counts_";
    for (char c : name) db_ += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    db_.resize(std::min<size_t>(db_.size(), 63));  // NAMEDATALEN - 1
    ASSERT_TRUE(RecreateDatabase(db_, kSetup).ok());
  }

  std::string db_;

  // The bytes of a Parquet file of public.tiny (3 rows, t's columns), to
  // put in place of one of t's files.
  std::string TinyParquet() {
    std::string dir = MakeTempDir("verify-counts-tiny");
    CommandResult r = RunDbexport({"run", "--source", PostgresUrl(db_), "--dest", dir, "--task-id", "tiny-1",
                                   "--export-only", db_ + ".public.tiny", "--progress", "none"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    for (const std::string& f : ListFiles(dir)) {
      if (f.ends_with(".parquet")) return ReadFile(dir + "/" + f);
    }
    ADD_FAILURE() << "the export of public.tiny wrote no data file";
    return "";
  }

  static exporter::ExportSpec Spec(const std::string& task_id) {
    exporter::ExportSpec spec;
    spec.task_id = task_id;
    spec.parallelism = 2;
    spec.chunk_rows = 40000;
    spec.verify_counts = true;
    return spec;
  }
};

TEST_F(VerifyCounts, ACompleteExportRecordsTheVerifiedCountOfEveryTable) {
  std::string dir = MakeTempDir("verify-counts-ok");
  auto store = OpenLocalStore(dir);
  ASSERT_TRUE(store.ok());
  auto source = source::OpenSource(PostgresUrl(db_), {});
  ASSERT_TRUE(source.ok()) << source.status();
  Result<exporter::ExportSummary> summary =
      exporter::RunExport(Spec("counts-ok"), source->get(), store->get(), nullptr, nullptr);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_TRUE(fs::exists(dir + "/counts-ok/_SUCCESS"));

  const std::map<std::string, int64_t> expected = {
      {"t", 200000}, {"keyless", 30000}, {"parent", 700}, {"child", 300}, {"measures", 5000}, {"tiny", 3}};
  std::map<std::string, json> tables = TableEntries(dir + "/counts-ok");
  ASSERT_EQ(tables.size(), expected.size());
  for (const auto& [name, rows] : expected) {
    const json& t = tables[db_ + ".public." + name];
    ASSERT_EQ(t["status"], "COMPLETE") << name << ": " << t.dump();
    const json& stats = t["tableStatistics"];
    EXPECT_EQ(stats["numberOfRows"], rows) << name;
    EXPECT_EQ(stats["verifiedRowCount"], rows) << name;
    EXPECT_EQ(stats["chunkRetries"], 0) << name;
    // An independent reader agrees with the source.
    Result<int64_t> read = DuckDbCount(dir + "/" + stats["keyPrefix"].get<std::string>());
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(*read, rows) << name;
  }
  Result<QueryResult> sums = DuckDbQuery("SELECT sum(id), sum(b), count(DISTINCT a) FROM read_parquet('" + dir +
                                         "/counts-ok/" + db_ + "/public.t/*/*.parquet')");
  ASSERT_TRUE(sums.ok()) << sums.status();
  Result<json> pg = PgJson(PostgresUrl(db_), "SELECT json_build_array(sum(id)::text, sum(b)::text, "
                                             "count(DISTINCT a)::text) FROM t");
  ASSERT_TRUE(pg.ok()) << pg.status();
  EXPECT_EQ(*sums->rows[0][0], (*pg)[0]);
  EXPECT_EQ(std::stod(*sums->rows[0][1]), std::stod((*pg)[1].get<std::string>()));
  EXPECT_EQ(*sums->rows[0][2], (*pg)[2]);
}

TEST_F(VerifyCounts, WithoutTheFlagTheManifestHasNoVerifiedCount) {
  std::string dir = MakeTempDir("verify-counts-off");
  CommandResult r = RunDbexport({"run", "--source", PostgresUrl(db_), "--dest", dir, "--task-id", "off-1",
                                 "--export-only", db_ + ".public.tiny", "--progress", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, json> tables = TableEntries(dir + "/off-1");
  const json& stats = tables[db_ + ".public.tiny"]["tableStatistics"];
  EXPECT_FALSE(stats.contains("verifiedRowCount")) << stats.dump();
  EXPECT_EQ(stats["numberOfRows"], 3);
}

TEST_F(VerifyCounts, AFileReplacedAfterItsWriteFailsTheTaskNamingTheTableAndTheCounts) {
  const std::string tiny = TinyParquet();
  ASSERT_FALSE(tiny.empty());
  std::string dir = MakeTempDir("verify-counts-tampered");
  auto local = OpenLocalStore(dir);
  ASSERT_TRUE(local.ok());
  FaultInjectingStore store(std::move(local).value(), 0, 0);
  store.TamperAfterWrite(2, tiny);  // the second data file written
  auto source = source::OpenSource(PostgresUrl(db_), {});
  ASSERT_TRUE(source.ok()) << source.status();
  exporter::ExportSpec spec = Spec("tampered-1");
  spec.export_only = {db_ + ".public.t"};
  Result<exporter::ExportSummary> summary = exporter::RunExport(spec, source->get(), &store, nullptr, nullptr);
  ASSERT_FALSE(summary.ok());
  ASSERT_EQ(store.tampered().size(), 1u);
  const std::string tampered = store.tampered().front();
  EXPECT_EQ(summary.status().code(), StatusCode::kDataLoss);
  const std::string& message = summary.status().message();
  // The file held some rows of t; it now holds 3.
  EXPECT_TRUE(message.starts_with("verifying the row count of table " + db_ +
                                  ".public.t: the snapshot has 200000 rows, the export wrote 200000 and its "))
      << message;
  EXPECT_NE(message.find(tampered + " holds 3 rows; "), std::string::npos) << message;
  EXPECT_NE(message.find("data files as stored hold "), std::string::npos) << message;
  EXPECT_EQ(message.find("hold 200000"), std::string::npos) << message;

  EXPECT_FALSE(fs::exists(dir + "/tampered-1/_SUCCESS"));
  Result<json> info = ReadJsonFile(dir + "/tampered-1/export_info_tampered-1.json");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ((*info)["status"], "FAILED");
  EXPECT_EQ((*info)["failureCause"], message);
  std::map<std::string, json> tables = TableEntries(dir + "/tampered-1");
  const json& t = tables[db_ + ".public.t"];
  EXPECT_EQ(t["status"], "FAILED");
  EXPECT_EQ(t["failureCause"], message);
  EXPECT_FALSE(t["tableStatistics"].contains("verifiedRowCount"));
}

TEST_F(VerifyCounts, AFileThatIsNoLongerParquetFailsTheTask) {
  std::string dir = MakeTempDir("verify-counts-garbage");
  auto local = OpenLocalStore(dir);
  ASSERT_TRUE(local.ok());
  FaultInjectingStore store(std::move(local).value(), 0, 0);
  store.TamperAfterWrite(1, "not a parquet file");
  auto source = source::OpenSource(PostgresUrl(db_), {});
  ASSERT_TRUE(source.ok()) << source.status();
  exporter::ExportSpec spec = Spec("garbage-1");
  spec.export_only = {db_ + ".public.keyless"};
  Result<exporter::ExportSummary> summary = exporter::RunExport(spec, source->get(), &store, nullptr, nullptr);
  ASSERT_FALSE(summary.ok());
  ASSERT_EQ(store.tampered().size(), 1u);
  EXPECT_EQ(summary.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(summary.status().message(),
            "verifying the row count of table " + db_ + ".public.keyless: the data file " +
                store.Describe() + "/" + store.tampered().front() +
                " as stored is not the file written (not a complete Parquet file: no PAR1 magic at the end "
                "(truncated?))");
  EXPECT_FALSE(fs::exists(dir + "/garbage-1/_SUCCESS"));
}

TEST_F(VerifyCounts, TheCliListsTheFlagInItsHelp) {
  CommandResult r = RunDbexport({"run", "--help"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("--verify-counts"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("count each table's rows on the export's snapshot"), std::string::npos) << r.out;
}

// dbexport run --verify-counts with a data file replaced in the destination
// while the export still runs: exit code 1, the cause on stderr and in the
// manifest, no _SUCCESS.
TEST_F(VerifyCounts, TheCliExitsWithFailureWhenAStoredFileChangedDuringTheExport) {
  const std::string tiny = TinyParquet();
  ASSERT_FALSE(tiny.empty());
  std::string dir = MakeTempDir("verify-counts-cli");
  std::atomic<bool> done{false};
  std::string replaced;
  std::thread tamper([&] {
    while (!done.load()) {
      std::error_code ec;
      for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec)) {
        std::string name = it->path().filename().string();
        if (!name.ends_with(".parquet") || name.starts_with(".")) continue;
        std::string tmp = dir + "/.tamper";
        std::ofstream(tmp, std::ios::binary) << tiny;
        fs::rename(tmp, it->path());
        replaced = it->path().string().substr(dir.size() + 1);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  CommandResult r = RunDbexport({"run", "--source", PostgresUrl(db_), "--dest", dir, "--task-id", "cli-1",
                                 "--export-only", db_ + ".public.t", "--parallelism", "1",
                                 "--chunk-rows", "20000", "--verify-counts", "--progress", "none"});
  done.store(true);
  tamper.join();
  ASSERT_FALSE(replaced.empty()) << "no data file appeared to replace";
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("verifying the row count of table " + db_ +
                       ".public.t: the snapshot has 200000 rows, the export wrote 200000"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(replaced + " holds 3 rows"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir + "/cli-1/_SUCCESS"));
  Result<json> info = ReadJsonFile(dir + "/cli-1/export_info_cli-1.json");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ((*info)["status"], "FAILED");
}

// MariaDB: the counts run on reader sessions of the shared snapshot.
TEST(VerifyCountsMySql, ACompleteExportRecordsTheVerifiedCounts) {
  const char* url = std::getenv("DBX_TEST_MYSQL_URL");
  ASSERT_TRUE(url != nullptr && *url != '\0') << "DBX_TEST_MYSQL_URL is not set: run the tests through scripts/test";
  std::string base = url;
  std::string hostport = base.substr(base.find('@') + 1);
  std::vector<std::string> client = {"mariadb", "--no-defaults", "-h", hostport.substr(0, hostport.find(':')),
                                     "-P", hostport.substr(hostport.find(':') + 1), "-uroot", "--batch"};
  CommandResult setup = RunCommand(client, R"sql(
DROP DATABASE IF EXISTS vcounts; CREATE DATABASE vcounts; USE vcounts;
CREATE TABLE keyed (id int PRIMARY KEY, s varchar(20));
INSERT INTO keyed SELECT seq, CONCAT('row ', seq) FROM seq_1_to_25000;
CREATE TABLE nokey (v int, s varchar(10));
INSERT INTO nokey SELECT seq % 13, 'x' FROM seq_1_to_777;
)sql");
  ASSERT_EQ(setup.exit_code, 0) << setup.err;
  std::string dir = MakeTempDir("verify-counts-mysql");
  CommandResult r = RunDbexport({"run", "--source", base + "/vcounts", "--dest", dir, "--task-id", "my-1",
                                 "--chunk-rows", "5000", "--verify-counts", "--progress", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("row counts verified: 2 tables counted on the snapshot and "), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(dir + "/my-1/_SUCCESS"));
  std::map<std::string, json> tables = TableEntries(dir + "/my-1");
  for (const auto& [name, rows] : std::map<std::string, int64_t>{{"keyed", 25000}, {"nokey", 777}}) {
    const json& t = tables["vcounts." + name];
    ASSERT_EQ(t["status"], "COMPLETE") << t.dump();
    EXPECT_EQ(t["tableStatistics"]["verifiedRowCount"], rows) << name;
    Result<int64_t> read = DuckDbCount(dir + "/" + t["tableStatistics"]["keyPrefix"].get<std::string>());
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(*read, rows) << name;
  }
}

}  // namespace
}  // namespace dbexport::testing
