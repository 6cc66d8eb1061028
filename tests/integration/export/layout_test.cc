// The files an export writes: layout and names (spec/reference.md section 2),
// partitions, rollover, codecs, manifests, skipped tables and --export-only.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <thread>

#include "export_test_util.h"

namespace dbexport::testing {
namespace {

using json = nlohmann::json;

constexpr char kLayoutSetup[] = R"sql(
CREATE TABLE orders (id bigint PRIMARY KEY, amount numeric(10,2), note text);
INSERT INTO orders SELECT g, g * 1.25, 'order ' || g FROM generate_series(1, 1000) g;
CREATE TABLE no_key (x integer, s text);
INSERT INTO no_key SELECT g % 7, repeat('x', g % 50) FROM generate_series(1, 5000) g;
CREATE TABLE uniq (k integer NOT NULL UNIQUE, v text);
INSERT INTO uniq SELECT g, 'v' || g FROM generate_series(1, 300) g;
CREATE TABLE "my table" (id integer PRIMARY KEY, v text);
INSERT INTO "my table" VALUES (1, 'one'), (2, 'two');
CREATE TABLE "Quote""d`Na\me" (id integer PRIMARY KEY);
INSERT INTO "Quote""d`Na\me" VALUES (1);
CREATE SCHEMA "sales dept";
CREATE TABLE "sales dept".items (id integer PRIMARY KEY, name text);
INSERT INTO "sales dept".items SELECT g, 'item ' || g FROM generate_series(1, 10) g;
CREATE TABLE events (id bigint, day date NOT NULL, payload text) PARTITION BY RANGE (day);
CREATE TABLE events_2023 PARTITION OF events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
INSERT INTO events SELECT g, DATE '2023-06-01' + (g % 400), 'e' || g FROM generate_series(1, 2000) g;
CREATE TABLE empty_t (id integer PRIMARY KEY);
CREATE UNLOGGED TABLE scratch (id integer);
INSERT INTO scratch VALUES (1);
CREATE TABLE badcols ("bad col" integer, ok integer);
INSERT INTO badcols VALUES (1, 2);
CREATE TABLE "a/b" (id integer);
INSERT INTO "a/b" VALUES (1);
ANALYZE;
)sql";

// Exported tables: directory name -> the SQL name counted in PostgreSQL.
const std::map<std::string, std::string>& ExportedTables() {
  static const std::map<std::string, std::string> tables = {
      {"public.orders", "public.orders"},
      {"public.no_key", "public.no_key"},
      {"public.uniq", "public.uniq"},
      {"public.my_table", "public.\"my table\""},
      {"public.Quote_d_Na_me", "public.\"Quote\"\"d`Na\\me\""},
      {"sales_dept.items", "\"sales dept\".items"},
      {"public.events", "public.events"},
  };
  return tables;
}

const json* FindTable(const json& tables_info, const std::string& target) {
  for (const json& t : tables_info["perTableStatus"]) {
    if (t["target"] == target) return &t;
  }
  return nullptr;
}

// Holds a temporary table open in another session for the export to skip.
class TempTableSession {
 public:
  Status Open(const std::string& url) {
    DBX_RETURN_IF_ERROR(session_.Start({"psql", url, "-X", "-q", "-c", "CREATE TEMP TABLE tmp_t (id integer)", "-c",
                                        "SELECT pg_sleep(300)"}));
    for (int i = 0; i < 200; ++i) {
      Result<int64_t> n = PgInt(url, "SELECT count(*) FROM pg_class WHERE relname = 'tmp_t'");
      if (n.ok() && *n == 1) return Status::OK();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return Internal("the temporary table did not appear");
  }

 private:
  ChildProcess session_;  // killed on destruction
};

TEST(ExportLayout, FilesManifestsAndSkipsAreAsSpecified) {
  const std::string db = "exptest_layout";
  ASSERT_TRUE(RecreateDatabase(db, kLayoutSetup).ok());
  TempTableSession temp;
  ASSERT_TRUE(temp.Open(PostgresUrl(db)).ok());
  std::string out = MakeTempDir("layout");

  CommandResult r = RunDbexport({"run", "--source", PostgresUrl(db), "--dest", out, "--task-id", "layout-1",
                                 "--chunk-rows", "100", "--parallelism", "3", "--progress", "plain"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_TRUE(r.out.starts_with("export layout-1 complete: 8 tables, ")) << r.out;
  EXPECT_NE(r.out.find("\n" + out + "/layout-1\n"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("warning: skipped table exptest_layout.public.scratch: UNLOGGED_TABLE"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("progress: 100%"), std::string::npos) << r.err;

  // Every file is a data file in its place or one of the manifests.
  const std::regex data_file(
      "layout-1/exptest_layout/([^/]+)/([0-9]+)/part-([0-9]{5})-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
      "[0-9a-f]{12}-c000\\.gz\\.parquet");
  std::map<std::string, std::set<int>> partitions;
  std::vector<std::string> manifests;
  bool success_marker = false;
  for (const std::string& f : ListFiles(out)) {
    std::smatch m;
    if (f == "layout-1/_SUCCESS") {
      success_marker = true;
    } else if (f.starts_with("layout-1/_catalog/")) {
      continue;  // docs/catalog.md, tested in catalog_test.cc
    } else if (std::regex_match(f, m, data_file)) {
      partitions[m[1]].insert(std::stoi(m[2]));
      EXPECT_EQ(m[3], "00000") << f;  // no rollover at the default size
    } else {
      manifests.push_back(f);
    }
  }
  EXPECT_TRUE(success_marker) << "no layout-1/_SUCCESS after a completed export";
  ASSERT_EQ(manifests.size(), 2u) << ::testing::PrintToString(manifests);
  EXPECT_EQ(manifests[0], "layout-1/export_info_layout-1.json");
  EXPECT_TRUE(std::regex_match(manifests[1], std::regex("layout-1/export_tables_info_layout-1_from_1_to_[0-9]+\\.json")))
      << manifests[1];
  std::set<std::string> dirs;
  for (const auto& [dir, _] : partitions) dirs.insert(dir);
  std::set<std::string> expected_dirs;
  for (const auto& [dir, _] : ExportedTables()) expected_dirs.insert(dir);
  EXPECT_EQ(dirs, expected_dirs);
  EXPECT_EQ(ListDirs(out + "/layout-1"), (std::vector<std::string>{"_catalog", "exptest_layout"}));

  auto tables_info = ReadJsonFile(out + "/" + manifests[1]);
  ASSERT_TRUE(tables_info.ok()) << tables_info.status();
  int listed = static_cast<int>((*tables_info)["perTableStatus"].size());
  EXPECT_EQ(manifests[1], "layout-1/export_tables_info_layout-1_from_1_to_" + std::to_string(listed) + ".json");

  // Row counts: DuckDB = manifest = PostgreSQL; partitions as planned.
  int64_t total_rows = 0;
  for (const auto& [dir, sql_name] : ExportedTables()) {
    SCOPED_TRACE(dir);
    std::string target = "exptest_layout." + dir;
    if (dir == "public.my_table") target = "exptest_layout.public.my table";
    if (dir == "public.Quote_d_Na_me") target = "exptest_layout.public.Quote\"d`Na\\me";
    if (dir == "sales_dept.items") target = "exptest_layout.sales dept.items";
    const json* entry = FindTable(*tables_info, target);
    ASSERT_NE(entry, nullptr) << target;
    EXPECT_EQ((*entry)["status"], "COMPLETE");
    Result<int64_t> pg_rows = PgInt(PostgresUrl(db), "SELECT count(*) FROM " + sql_name);
    Result<int64_t> duck_rows = DuckDbCount(out + "/layout-1/exptest_layout/" + dir);
    ASSERT_TRUE(pg_rows.ok() && duck_rows.ok()) << pg_rows.status() << duck_rows.status();
    EXPECT_EQ(*duck_rows, *pg_rows);
    EXPECT_EQ((*entry)["tableStatistics"]["numberOfRows"], *pg_rows);
    total_rows += *pg_rows;
    const json& parts = (*entry)["tableStatistics"]["partitioningInfo"];
    EXPECT_EQ(parts["numberOfCompletedPartitions"], parts["numberOfPartitions"]);
    for (int p : partitions[dir]) EXPECT_LT(p, parts["numberOfPartitions"].get<int>());
    EXPECT_TRUE((*entry)["tableStatistics"].contains("extractionStartTime"));
  }
  const json& orders = (*FindTable(*tables_info, "exptest_layout.public.orders"))["tableStatistics"]["partitioningInfo"];
  EXPECT_EQ(orders["constraintType"], "PRIMARY_KEY");
  EXPECT_GE(orders["numberOfPartitions"].get<int>(), 5);
  EXPECT_EQ(orders["partitionColumns"][0]["columnName"], "id");
  EXPECT_EQ(orders["partitionColumns"][0]["min"], "1");
  EXPECT_EQ(orders["partitionColumns"][0]["max"], "1000");
  EXPECT_GE(partitions["public.orders"].size(), 5u);
  EXPECT_EQ((*FindTable(*tables_info, "exptest_layout.public.no_key"))["tableStatistics"]["partitioningInfo"]
                ["constraintType"],
            "CTID");
  EXPECT_EQ((*FindTable(*tables_info, "exptest_layout.public.uniq"))["tableStatistics"]["partitioningInfo"]
                ["constraintType"],
            "UNIQUE_INDEX");

  // The empty table: in the manifest with zero rows, no files.
  const json* empty = FindTable(*tables_info, "exptest_layout.public.empty_t");
  ASSERT_NE(empty, nullptr);
  EXPECT_EQ((*empty)["status"], "COMPLETE");
  EXPECT_EQ((*empty)["tableStatistics"]["numberOfRows"], 0);
  EXPECT_FALSE(std::filesystem::exists(out + "/layout-1/exptest_layout/public.empty_t"));

  // Skipped tables: in the manifest with their reason, no files.
  std::map<std::string, std::string> skipped;
  for (const json& t : (*tables_info)["perTableStatus"]) {
    if (t["status"] == "SKIPPED") skipped[t["target"].get<std::string>()] = t["reason"].get<std::string>();
  }
  std::string temp_target;
  for (const auto& [target, reason] : skipped) {
    if (target.ends_with(".tmp_t")) temp_target = target;
  }
  EXPECT_FALSE(temp_target.empty()) << "the other session's temporary table is not listed as skipped";
  if (temp_target.empty()) temp_target = "exptest_layout.pg_temp_N.tmp_t";
  std::map<std::string, std::string> expected_skips = {
      {"exptest_layout.public.scratch", "UNLOGGED_TABLE"},
      {"exptest_layout.public.badcols", "UNSUPPORTED_CHARACTER_IN_COLUMN_NAME"},
      {"exptest_layout.public.a/b", "SLASH_IN_TABLE_NAME"},
      {temp_target, "TEMPORARY_TABLE"},
  };
  EXPECT_EQ(skipped, expected_skips);
  EXPECT_EQ(listed, 8 + 4);

  auto info = ReadJsonFile(out + "/layout-1/export_info_layout-1.json");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ((*info)["exportTaskIdentifier"], "layout-1");
  EXPECT_EQ((*info)["status"], "COMPLETE");
  EXPECT_EQ((*info)["percentProgress"], 100);
  EXPECT_EQ((*info)["exportedTables"], 8);
  EXPECT_EQ((*info)["skippedTables"], 4);
  EXPECT_EQ((*info)["failedTables"], 0);
  EXPECT_EQ((*info)["totalRows"], total_rows);
  EXPECT_EQ((*info)["typeMapping"], "aws");
  EXPECT_EQ((*info)["sourceArn"], PostgresUrl(db));
  json warning = json::parse((*info)["warningMessage"].get<std::string>());
  std::map<std::string, std::string> warned;
  for (const json& s : warning["skippedTables"]) warned[s["target"]] = s["reason"];
  EXPECT_EQ(warned, expected_skips);
  EXPECT_EQ(warning["skippedObjectives"], json::array());
  EXPECT_EQ(warning["general"], json::array());
}

TEST(ExportLayout, FilesRollOverAndFollowTheCodec) {
  const std::string db = "exptest_files";
  ASSERT_TRUE(RecreateDatabase(db, "CREATE TABLE wide (id bigint PRIMARY KEY, a text, b double precision);\n"
                                   "INSERT INTO wide SELECT g, md5(g::text), g / 3.0 FROM generate_series(1, 200000) g;\n"
                                   "ANALYZE;\n")
                  .ok());
  struct Case {
    std::string codec, extension;
  };
  for (const Case& c : {Case{"zstd", ".zstd.parquet"}, Case{"snappy", ".snappy.parquet"}, Case{"none", ".parquet"},
                        Case{"gzip", ".gz.parquet"}}) {
    SCOPED_TRACE(c.codec);
    std::string out = MakeTempDir("files-" + c.codec);
    std::string task = "files-" + c.codec;
    CommandResult r = RunDbexport({"run", "--source", PostgresUrl(db), "--dest", out, "--task-id", task,
                                   "--compression", c.codec, "--max-file-size", "256KiB", "--progress", "none"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::string table_dir = out + "/" + task + "/" + db + "/public.wide";
    std::map<std::string, std::vector<std::string>> parts_by_partition;  // partition -> part files
    const std::regex part("([0-9]+)/part-([0-9]{5})-([0-9a-f-]{36})-c000(\\..*)");
    std::set<std::string> uuids_of_partition0;
    for (const std::string& f : ListFiles(table_dir)) {
      std::smatch m;
      ASSERT_TRUE(std::regex_match(f, m, part)) << f;
      EXPECT_EQ(m[4], c.extension) << f;
      parts_by_partition[m[1]].push_back(m[2]);
      if (m[1] == "0") uuids_of_partition0.insert(m[3]);
    }
    ASSERT_FALSE(parts_by_partition.empty());
    // 200,000 rows of ~60 bytes in 256 KiB files: several parts, numbered
    // from 00000 without gaps, sharing the chunk's uuid.
    for (const auto& [partition, parts] : parts_by_partition) {
      for (size_t i = 0; i < parts.size(); ++i) {
        char expected[32];
        std::snprintf(expected, sizeof expected, "%05zu", i);
        EXPECT_EQ(parts[i], expected) << partition;
      }
    }
    EXPECT_GE(parts_by_partition["0"].size(), 2u);
    EXPECT_EQ(uuids_of_partition0.size(), 1u);
    auto sums = DuckDbQuery("SELECT count(*), sum(id), count(DISTINCT id) FROM read_parquet('" + table_dir +
                            "/**/*.parquet')");
    ASSERT_TRUE(sums.ok()) << sums.status();
    EXPECT_EQ(sums->rows[0][0], "200000");
    EXPECT_EQ(sums->rows[0][1], "20000100000");
    EXPECT_EQ(sums->rows[0][2], "200000");
    auto info = ReadJsonFile(out + "/" + task + "/export_info_" + task + ".json");
    ASSERT_TRUE(info.ok());
    size_t files = 0;
    for (const auto& [p, parts] : parts_by_partition) files += parts.size();
    EXPECT_EQ((*info)["totalFiles"], files);
  }
}

TEST(ExportLayout, ExportOnlySelectsDatabasesSchemasAndTables) {
  const std::string db = "exptest_only";
  ASSERT_TRUE(RecreateDatabase(db, "CREATE TABLE a (id integer PRIMARY KEY); INSERT INTO a VALUES (1), (2);\n"
                                   "CREATE TABLE b (id integer PRIMARY KEY); INSERT INTO b VALUES (1);\n"
                                   "CREATE SCHEMA other; CREATE TABLE other.c (id integer); INSERT INTO other.c VALUES (3);\n"
                                   "CREATE TABLE other.d (id integer);\n")
                  .ok());
  std::string out = MakeTempDir("only");
  CommandResult r = RunDbexport({"run", "--source", PostgresUrl(db), "--dest", out, "--task-id", "only-1",
                                 "--export-only", "exptest_only.public.a", "exptest_only.other",
                                 "exptest_only.public.nosuch", "--progress", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ListDirs(out + "/only-1/exptest_only"), (std::vector<std::string>{"other.c", "public.a"}));
  auto tables = ReadJsonFile(out + "/only-1/export_tables_info_only-1_from_1_to_3.json");
  ASSERT_TRUE(tables.ok()) << tables.status();
  std::set<std::string> targets;
  for (const json& t : (*tables)["perTableStatus"]) targets.insert(t["target"]);
  EXPECT_EQ(targets, (std::set<std::string>{"exptest_only.public.a", "exptest_only.other.c", "exptest_only.other.d"}));
  auto info = ReadJsonFile(out + "/only-1/export_info_only-1.json");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ((*info)["exportOnly"],
            json::parse(R"(["exptest_only.public.a","exptest_only.other","exptest_only.public.nosuch"])"));
  EXPECT_EQ((*info)["warningMessage"],
            R"({"skippedTables":[],"skippedObjectives":[{"target":"exptest_only.public.nosuch","reason":"OBJECT_NOT_FOUND"}],"general":[]})");
}

TEST(ExportLayout, TablesWithoutPrivilegesAreSkipped) {
  const std::string db = "exptest_perms";
  ASSERT_TRUE(Psql(PostgresUrl(), "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = "
                                  "'exptest_reader') THEN CREATE ROLE exptest_reader LOGIN; END IF; END $$;\n")
                  .ok());
  ASSERT_TRUE(RecreateDatabase(db, "CREATE TABLE open_t (id integer PRIMARY KEY); INSERT INTO open_t VALUES (1);\n"
                                   "CREATE TABLE secret_t (id integer PRIMARY KEY); INSERT INTO secret_t VALUES (1);\n"
                                   "GRANT SELECT ON open_t TO exptest_reader;\n")
                  .ok());
  std::string url = PostgresUrl(db);
  url.replace(url.find("postgres@"), 9, "exptest_reader@");
  std::string out = MakeTempDir("perms");
  CommandResult r = RunDbexport({"run", "--source", url, "--dest", out, "--task-id", "perms-1", "--progress", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ListDirs(out + "/perms-1/exptest_perms"), std::vector<std::string>{"public.open_t"});
  EXPECT_NE(r.err.find("warning: skipped table exptest_perms.public.secret_t: PERMISSIONS_DO_NOT_EXIST"),
            std::string::npos)
      << r.err;
  auto info = ReadJsonFile(out + "/perms-1/export_info_perms-1.json");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ((*info)["warningMessage"],
            R"({"skippedTables":[{"target":"exptest_perms.public.secret_t","reason":"PERMISSIONS_DO_NOT_EXIST"}],"skippedObjectives":[],"general":[]})");
}

// The same export to S3 (moto): the objects have the keys the local files
// have, under the prefix, and read back the same.
TEST(ExportLayout, S3DestinationHasTheSameLayout) {
  const std::string db = "exptest_s3dest";
  ASSERT_TRUE(RecreateDatabase(db, "CREATE TABLE t (id bigint PRIMARY KEY, v text);\n"
                                   "INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 5000) g;\n")
                  .ok());
  const std::string bucket = "exptest-s3dest";
  CommandResult made = RecreateBucket(bucket);
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const std::string aws = "aws --endpoint-url " + S3Endpoint() + " s3 ";

  CommandResult r = RunDbexport({"run", "--source", PostgresUrl(db), "--dest", "s3://" + bucket + "/nightly/",
                                 "--endpoint-url", S3Endpoint(), "--task-id", "s3-1", "--chunk-rows", "1000",
                                 "--progress", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\ns3://" + bucket + "/nightly/s3-1\n"), std::string::npos) << r.out;
  std::string local = MakeTempDir("s3dest");
  CommandResult copied = RunShell(aws + "cp --recursive --quiet s3://" + bucket + "/nightly " + local);
  ASSERT_EQ(copied.exit_code, 0) << copied.err;
  std::vector<std::string> files = ListFiles(local);
  ASSERT_GE(files.size(), 3u);
  const std::regex data_file("s3-1/exptest_s3dest/public\\.t/[0-9]+/part-00000-[0-9a-f-]{36}-c000\\.gz\\.parquet");
  // The pre-flight's probe stays beside the manifests, a record of the check.
  EXPECT_NE(std::find(files.begin(), files.end(), "s3-1/_dbexport_preflight"), files.end());
  for (const std::string& f : files) {
    if (f.ends_with(".json") || f == "s3-1/_dbexport_preflight" || f == "s3-1/_SUCCESS") continue;
    if (f.starts_with("s3-1/_catalog/")) continue;
    EXPECT_TRUE(std::regex_match(f, data_file)) << f;
  }
  Result<int64_t> rows = DuckDbCount(local + "/s3-1/exptest_s3dest/public.t");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(*rows, 5000);
  auto info = ReadJsonFile(local + "/s3-1/export_info_s3-1.json");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ((*info)["s3Bucket"], bucket);
  EXPECT_EQ((*info)["s3Prefix"], "nightly");
  EXPECT_EQ((*info)["totalRows"], 5000);
}

}  // namespace
}  // namespace dbexport::testing
