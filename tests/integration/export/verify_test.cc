// dbexport verify against real exports (a directory and S3 through moto):
// a fresh export passes; each kind of damage fails naming the file.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "export_test_util.h"

namespace dbexport::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr char kVerifySetup[] = R"sql(
CREATE TABLE orders (id bigint PRIMARY KEY, amount numeric(10,2), note text);
INSERT INTO orders SELECT g, g * 1.25, 'order ' || g FROM generate_series(1, 3000) g;
CREATE TABLE notes (x integer, s text);
INSERT INTO notes SELECT g % 7, repeat('x', g % 50) FROM generate_series(1, 500) g;
ANALYZE;
)sql";
// One database per test process (ProcessDatabase).
const std::string kDb = ProcessDatabase("exptest_verify");
constexpr char kTask[] = "verify-1";

// One export for the whole suite; each test damages its own copy.
class VerifyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(RecreateDatabase(kDb, kVerifySetup).ok());
    export_dir_ = new std::string(MakeTempDir("verify-export"));
    CommandResult r = RunDbexport({"run", "--source", PostgresUrl(kDb), "--dest", *export_dir_, "--task-id", kTask,
                                   "--chunk-rows", "1000", "--progress", "none"});
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  }
  static void TearDownTestSuite() {
    EXPECT_TRUE(DropDatabase(kDb).ok());
    delete export_dir_;
    export_dir_ = nullptr;
  }

  // A fresh copy of the export; returns its task folder.
  std::string Copy(const std::string& name) {
    std::string dir = MakeTempDir("verify-" + name);
    fs::copy(*export_dir_, dir, fs::copy_options::recursive);
    return dir + "/" + kTask;
  }

  // The first data file the manifest lists for public.orders, and the manifest path.
  static std::string TablesInfo(const std::string& task_dir) {
    return task_dir + "/export_tables_info_" + kTask + "_from_1_to_2.json";
  }
  static std::string FirstOrdersFile(const std::string& task_dir) {
    Result<json> info = ReadJsonFile(TablesInfo(task_dir));
    EXPECT_TRUE(info.ok()) << info.status();
    for (const json& t : (*info)["perTableStatus"]) {
      if (t["target"] == std::string(kDb) + ".public.orders") return t["tableStatistics"]["dataFiles"][0]["key"];
    }
    ADD_FAILURE() << "public.orders is not in the manifest";
    return "";
  }

  static std::string* export_dir_;
};
std::string* VerifyTest::export_dir_ = nullptr;

TEST_F(VerifyTest, FreshExportPasses) {
  const std::string task_dir = *export_dir_ + "/" + kTask;
  EXPECT_TRUE(fs::exists(task_dir + "/_SUCCESS"));
  CommandResult r = RunDbexport({"verify", task_dir});
  EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find(std::string(kDb) + ".public.orders  COMPLETE  files="), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rows=3000  OK\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rows=500  OK\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "");

  CommandResult j = RunDbexport({"verify", "--json", task_dir + "/"});
  EXPECT_EQ(j.exit_code, 0) << j.err;
  json report = json::parse(j.out);
  EXPECT_EQ(report["ok"], true);
  EXPECT_EQ(report["tables"].size(), 2u);
  for (const json& t : report["tables"]) EXPECT_EQ(t["footerRows"], t["numberOfRows"]);
}

TEST_F(VerifyTest, ManifestRecordsEachFilesSha256) {
  const std::string task_dir = *export_dir_ + "/" + kTask;
  Result<json> info = ReadJsonFile(TablesInfo(task_dir));
  ASSERT_TRUE(info.ok()) << info.status();
  int files = 0;
  for (const json& t : (*info)["perTableStatus"]) {
    for (const json& f : t["tableStatistics"]["dataFiles"]) {
      ++files;
      CommandResult sum = RunCommand({"sha256sum", *export_dir_ + "/" + f["key"].get<std::string>()});
      ASSERT_EQ(sum.exit_code, 0) << sum.err;
      EXPECT_EQ(f["sha256"], sum.out.substr(0, 64)) << f["key"];
    }
  }
  EXPECT_GE(files, 4);
}

TEST_F(VerifyTest, DeletedFileFails) {
  std::string task_dir = Copy("deleted");
  std::string key = FirstOrdersFile(task_dir);
  fs::remove(fs::path(task_dir).parent_path() / key);
  CommandResult r = RunDbexport({"verify", task_dir});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.err.find("dbexport: verify: " + key + ": missing: listed in the manifest, not in the store"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.out.find("PROBLEM"), std::string::npos) << r.out;
}

TEST_F(VerifyTest, FlippedByteFails) {
  std::string task_dir = Copy("flipped");
  std::string key = FirstOrdersFile(task_dir);
  std::string path = (fs::path(task_dir).parent_path() / key).string();
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(100);
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x01);
    f.seekp(100);
    f.write(&c, 1);
  }
  CommandResult r = RunDbexport({"verify", task_dir});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  const std::string key_pattern = std::regex_replace(key, std::regex("[.]"), "\\.");
  EXPECT_TRUE(std::regex_search(r.err, std::regex("dbexport: verify: " + key_pattern +
                                                  ": SHA-256 [0-9a-f]{64} differs from the manifest's [0-9a-f]{64}")))
      << r.err;
}

TEST_F(VerifyTest, TruncatedFileFails) {
  std::string task_dir = Copy("truncated");
  std::string key = FirstOrdersFile(task_dir);
  fs::path path = fs::path(task_dir).parent_path() / key;
  fs::resize_file(path, fs::file_size(path) - 10);
  CommandResult r = RunDbexport({"verify", task_dir});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.err.find("dbexport: verify: " + key + ": size "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(key + ": not a complete Parquet file: no PAR1 magic at the end"), std::string::npos) << r.err;
}

TEST_F(VerifyTest, EditedManifestCountFails) {
  std::string task_dir = Copy("edited");
  Result<json> info = ReadJsonFile(TablesInfo(task_dir));
  ASSERT_TRUE(info.ok()) << info.status();
  for (json& t : (*info)["perTableStatus"]) {
    if (t["target"] == std::string(kDb) + ".public.notes") t["tableStatistics"]["numberOfRows"] = 499;
  }
  std::ofstream(TablesInfo(task_dir)) << info->dump(2);
  CommandResult r = RunDbexport({"verify", task_dir});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.err.find("dbexport: verify: " + std::string(kTask) + "/export_tables_info_" + kTask +
                       "_from_1_to_2.json: the files' footers hold 500 rows, the manifest's numberOfRows says 499"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.out.find(std::string(kDb) + ".public.orders  COMPLETE  files="), std::string::npos) << r.out;
}

TEST_F(VerifyTest, UnlistedFileFails) {
  std::string task_dir = Copy("unlisted");
  std::ofstream(task_dir + "/" + kDb + "/public.orders/0/stray.parquet") << "x";
  CommandResult r = RunDbexport({"verify", task_dir});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.err.find(std::string("dbexport: verify: ") + kTask + "/" + kDb +
                       "/public.orders/0/stray.parquet: present in the store, in no manifest"),
            std::string::npos)
      << r.err;
}

TEST_F(VerifyTest, NotAnExportFolderFails) {
  std::string dir = MakeTempDir("verify-empty");
  CommandResult r = RunDbexport({"verify", dir + "/nothing"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "dbexport: verify: " + dir + "/nothing: no such directory\n");
  fs::create_directory(dir + "/nothing");
  r = RunDbexport({"verify", dir + "/nothing"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no manifest " + dir + "/nothing/export_info_nothing.json: not an export folder"),
            std::string::npos)
      << r.err;
}

TEST_F(VerifyTest, BadArgumentsExitTwo) {
  EXPECT_EQ(RunDbexport({"verify"}).exit_code, 2);
  EXPECT_EQ(RunDbexport({"verify", "s3://"}).exit_code, 2);
  EXPECT_EQ(RunDbexport({"verify", "ftp://host/x/task"}).exit_code, 2);
}

TEST(ExportSuccessMarker, NotWrittenWithNoSuccessMarker) {
  const std::string db = "exptest_verify_nomarker";
  ASSERT_TRUE(RecreateDatabase(db, "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1);").ok());
  std::string out = MakeTempDir("verify-nomarker");
  CommandResult r = RunDbexport({"run", "--source", PostgresUrl(db), "--dest", out, "--task-id", "nm-1",
                                 "--progress", "none", "--no-success-marker"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(out + "/nm-1/export_info_nm-1.json"));
  EXPECT_FALSE(fs::exists(out + "/nm-1/_SUCCESS"));
  EXPECT_EQ(RunDbexport({"verify", out + "/nm-1"}).exit_code, 0);
}

// The same on S3 (moto): verify reads through the S3 store.
TEST(VerifyS3, FreshExportPassesAndADeletedObjectFails) {
  const std::string db = "exptest_verify_s3";
  ASSERT_TRUE(RecreateDatabase(db, "CREATE TABLE t (id bigint PRIMARY KEY, v text);\n"
                                   "INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 5000) g;\n")
                  .ok());
  const std::string bucket = "exptest-verify";
  CommandResult made = RecreateBucket(bucket);
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const std::string aws = "aws --endpoint-url " + S3Endpoint() + " s3 ";
  CommandResult r = RunDbexport({"run", "--source", PostgresUrl(db), "--dest", "s3://" + bucket + "/nightly",
                                 "--endpoint-url", S3Endpoint(), "--task-id", "s3v-1", "--chunk-rows", "1000",
                                 "--progress", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string url = "s3://" + bucket + "/nightly/s3v-1";
  CommandResult ok = RunDbexport({"verify", url, "--endpoint-url", S3Endpoint(), "--region", "us-east-1"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err << ok.out;
  EXPECT_TRUE(std::regex_search(ok.out, std::regex(db + "\\.public\\.t  COMPLETE  files=[0-9]+ rows=5000  OK\n")))
      << ok.out;

  CommandResult listed = RunShell(aws + "ls --recursive s3://" + bucket + "/nightly/s3v-1/" + db + "/");
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(listed.out, m, std::regex("nightly/(s3v-1/\\S+\\.gz\\.parquet)"))) << listed.out;
  const std::string key = m[1];
  ASSERT_EQ(RunShell(aws + "rm s3://" + bucket + "/nightly/" + key).exit_code, 0);
  CommandResult bad = RunDbexport({"verify", url, "--endpoint-url", S3Endpoint(), "--region", "us-east-1"});
  EXPECT_EQ(bad.exit_code, 1) << bad.out;
  EXPECT_NE(bad.err.find("dbexport: verify: " + key + ": missing: listed in the manifest, not in the store"),
            std::string::npos)
      << bad.err;
}

}  // namespace
}  // namespace dbexport::testing
