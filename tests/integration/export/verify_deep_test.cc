// dbexport verify --deep against real exports: fresh exports of every codec
// pass, to a directory and to S3 (moto); damage inside a page, whose file's
// SHA-256 in the manifest is recomputed to match (so that only decoding the
// pages can find it), fails naming the file, row group, column and page.
// Also: the S3 objects carry the SHA-256 checksum they were uploaded with.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "common/sha256.h"
#include "export_test_util.h"
#include "verify/thrift_reader_internal.h"

namespace dbexport::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr char kDeepSetup[] = R"sql(
CREATE TABLE orders (id bigint PRIMARY KEY, amount numeric(10,2), note text, shipped date, flags boolean[]);
INSERT INTO orders SELECT g, g * 1.25, CASE WHEN g % 7 = 0 THEN NULL ELSE 'order ' || (g % 40) END,
       date '2020-01-01' + g % 1000, ARRAY[g % 2 = 0, NULL, true]
  FROM generate_series(1, 20000) g;
ANALYZE;
)sql";
// One database per test process (ProcessDatabase).
const std::string kDb = ProcessDatabase("exptest_verify_deep");

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// The layout of the first page of a data file (at byte 4).
struct FirstPage {
  size_t header_size = 0;
  int32_t compressed_size = 0;
  size_t compressed_size_at = 0;  // its varint
  size_t compressed_size_bytes = 0;
};
FirstPage ParseFirstPage(const std::string& file) {
  FirstPage page;
  const auto* p = reinterpret_cast<const uint8_t*>(file.data()) + 4;
  verify::ThriftReader r(p, file.size() - 4);
  int16_t id = 0;
  uint8_t type = 0;
  while (r.NextField(&id, &type)) {
    if (id == 3) {
      page.compressed_size_at = 4 + r.position();
      page.compressed_size = r.I32();
      page.compressed_size_bytes = 4 + r.position() - page.compressed_size_at;
    } else {
      r.SkipValue(type);
    }
  }
  EXPECT_TRUE(r.ok());
  page.header_size = r.position();
  return page;
}

class VerifyDeepTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(RecreateDatabase(kDb, kDeepSetup).ok());
    export_dir_ = new std::string(MakeTempDir("verify-deep"));
    for (const char* codec : {"gzip", "zstd", "snappy", "none"}) {
      CommandResult r = RunDbexport({"run", "--source", PostgresUrl(kDb), "--dest", *export_dir_, "--task-id",
                                     std::string("deep-") + codec, "--compression", codec, "--chunk-rows", "5000",
                                     "--progress", "none"});
      ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    }
    // The native mapping writes the boolean[] column as a LIST.
    CommandResult r = RunDbexport({"run", "--source", PostgresUrl(kDb), "--dest", *export_dir_, "--task-id",
                                   "deep-native", "--type-mapping", "native", "--chunk-rows", "5000", "--progress",
                                   "none"});
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  }
  static void TearDownTestSuite() {
    EXPECT_TRUE(DropDatabase(kDb).ok());
    delete export_dir_;
    export_dir_ = nullptr;
  }

  // A fresh copy of the gzip export; returns its task folder.
  std::string Copy(const std::string& name) {
    std::string dir = MakeTempDir("verify-deep-" + name);
    fs::copy(*export_dir_ + "/deep-gzip", dir + "/deep-gzip", fs::copy_options::recursive);
    return dir + "/deep-gzip";
  }
  static std::string TablesInfo(const std::string& task_dir) {
    return task_dir + "/export_tables_info_deep-gzip_from_1_to_1.json";
  }
  // The first data file of public.orders (key under the export root).
  static std::string FirstFile(const std::string& task_dir) {
    Result<json> info = ReadJsonFile(TablesInfo(task_dir));
    EXPECT_TRUE(info.ok()) << info.status();
    return (*info)["perTableStatus"][0]["tableStatistics"]["dataFiles"][0]["key"];
  }
  // Writes `bytes` as the file `key` and its SHA-256 into the manifest, so
  // that verify without --deep sees nothing wrong.
  static void ReplaceWithMatchingManifest(const std::string& task_dir, const std::string& key,
                                          const std::string& bytes) {
    WriteFile(fs::path(task_dir).parent_path() / key, bytes);
    Result<json> info = ReadJsonFile(TablesInfo(task_dir));
    ASSERT_TRUE(info.ok()) << info.status();
    Result<std::string> sha = Sha256Hex(bytes);
    ASSERT_TRUE(sha.ok());
    bool found = false;
    for (json& t : (*info)["perTableStatus"]) {
      for (json& f : t["tableStatistics"]["dataFiles"]) {
        if (f["key"] == key) f["sha256"] = *sha, f["sizeBytes"] = bytes.size(), found = true;
      }
    }
    ASSERT_TRUE(found) << key;
    WriteFile(TablesInfo(task_dir), info->dump(2));
  }
  // verify passes without --deep; with --deep it fails naming the problem.
  static void ExpectOnlyDeepFails(const std::string& task_dir, const std::string& key, const std::string& problem) {
    CommandResult shallow = RunDbexport({"verify", task_dir});
    EXPECT_EQ(shallow.exit_code, 0) << shallow.err << shallow.out;
    CommandResult deep = RunDbexport({"verify", "--deep", task_dir});
    EXPECT_EQ(deep.exit_code, 1) << deep.out;
    EXPECT_NE(deep.err.find("dbexport: verify: " + key + ": " + problem), std::string::npos) << deep.err;
    EXPECT_NE(deep.out.find("PROBLEM"), std::string::npos) << deep.out;
  }

  static std::string* export_dir_;
};
std::string* VerifyDeepTest::export_dir_ = nullptr;

TEST_F(VerifyDeepTest, FreshExportsOfEveryCodecPass) {
  for (const char* codec : {"gzip", "zstd", "snappy", "none"}) {
    SCOPED_TRACE(codec);
    const std::string task_dir = *export_dir_ + "/deep-" + codec;
    CommandResult r = RunDbexport({"verify", "--deep", task_dir});
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    EXPECT_TRUE(std::regex_search(r.out, std::regex(std::string(kDb) +
                                                    "\\.public\\.orders  COMPLETE  files=[0-9]+ rows=20000 "
                                                    "pages=[1-9][0-9]*  OK\n")))
        << r.out;
    CommandResult j = RunDbexport({"verify", "--deep", "--json", task_dir});
    ASSERT_EQ(j.exit_code, 0) << j.err;
    json report = json::parse(j.out);
    EXPECT_EQ(report["deep"], true);
    EXPECT_EQ(report["ok"], true);
    const json& t = report["tables"][0];
    EXPECT_GT(t["pagesChecked"].get<int64_t>(), 5);
    // One level per row and column (the aws mapping writes arrays as text).
    EXPECT_EQ(t["valuesChecked"], 5 * 20000);
  }
  CommandResult r = RunDbexport({"verify", "--deep", "--json", *export_dir_ + "/deep-native"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  // 4 flat columns one level per row, the boolean[] LIST 3 per row.
  EXPECT_EQ(json::parse(r.out)["tables"][0]["valuesChecked"], 4 * 20000 + 3 * 20000);
}

TEST_F(VerifyDeepTest, ByteFlippedInsideAPageFailsOnlyDeep) {
  std::string task_dir = Copy("flipped");
  std::string key = FirstFile(task_dir);
  std::string bytes = ReadFile(fs::path(task_dir).parent_path() / key);
  FirstPage page = ParseFirstPage(bytes);
  ASSERT_GT(page.compressed_size, 100);
  bytes[4 + page.header_size + page.compressed_size / 2] ^= 0x10;
  ReplaceWithMatchingManifest(task_dir, key, bytes);
  ExpectOnlyDeepFails(task_dir, key, "row group 0, column id, page 0 at byte 4: GZIP data is corrupt");
}

TEST_F(VerifyDeepTest, CorruptedPageHeaderFailsOnlyDeep) {
  std::string task_dir = Copy("header");
  std::string key = FirstFile(task_dir);
  std::string bytes = ReadFile(fs::path(task_dir).parent_path() / key);
  bytes[4] = '\x1f';  // field 1 with type 15: no such Thrift type
  ReplaceWithMatchingManifest(task_dir, key, bytes);
  ExpectOnlyDeepFails(task_dir, key,
                      "row group 0, column id, page 0 at byte 4: the page header is not valid Thrift compact");
}

TEST_F(VerifyDeepTest, TruncatedCompressedPageFailsOnlyDeep) {
  std::string task_dir = Copy("truncated");
  std::string key = FirstFile(task_dir);
  std::string bytes = ReadFile(fs::path(task_dir).parent_path() / key);
  FirstPage page = ParseFirstPage(bytes);
  // The header says the page is 9 bytes shorter, in a varint as long as
  // before (continuation bits pad it), so the reader sees a GZIP stream cut
  // short.
  uint64_t zz = static_cast<uint64_t>(page.compressed_size - 9) << 1;
  for (size_t i = 0; i < page.compressed_size_bytes; ++i) {
    uint8_t b = zz & 0x7f;
    zz >>= 7;
    if (i + 1 < page.compressed_size_bytes) b |= 0x80;
    bytes[page.compressed_size_at + i] = static_cast<char>(b);
  }
  ASSERT_EQ(zz, 0u);
  ReplaceWithMatchingManifest(task_dir, key, bytes);
  ExpectOnlyDeepFails(task_dir, key, "row group 0, column id, page 0 at byte 4: GZIP data is corrupt");
}

// Every object on S3 carries the SHA-256 it was uploaded with, and verify
// --deep reads the export through ranged GETs.
TEST(VerifyDeepS3, FreshExportPassesAndObjectsCarryTheirChecksum) {
  const std::string db = "exptest_verify_deep_s3";
  ASSERT_TRUE(RecreateDatabase(db, "CREATE TABLE t (id bigint PRIMARY KEY, v text);\n"
                                   "INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 30000) g;\n")
                  .ok());
  const std::string bucket = "exptest-verify-deep";
  CommandResult made = RecreateBucket(bucket);
  ASSERT_EQ(made.exit_code, 0) << made.err;
  CommandResult r = RunDbexport({"run", "--source", PostgresUrl(db), "--dest", "s3://" + bucket + "/deep",
                                 "--endpoint-url", S3Endpoint(), "--task-id", "s3d-1", "--chunk-rows", "10000",
                                 "--progress", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string url = "s3://" + bucket + "/deep/s3d-1";
  CommandResult ok = RunDbexport({"verify", "--deep", url, "--endpoint-url", S3Endpoint(), "--region", "us-east-1"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err << ok.out;
  EXPECT_TRUE(std::regex_search(ok.out, std::regex(db + "\\.public\\.t  COMPLETE  files=[0-9]+ rows=30000 pages=")))
      << ok.out;

  // The manifest's SHA-256 of each file, in base64, is what S3 stored.
  CommandResult info = RunShell("aws --endpoint-url " + S3Endpoint() + " s3 cp s3://" + bucket +
                                "/deep/s3d-1/export_tables_info_s3d-1_from_1_to_1.json -");
  ASSERT_EQ(info.exit_code, 0) << info.err;
  json tables = json::parse(info.out);
  int checked = 0;
  for (const json& f : tables["perTableStatus"][0]["tableStatistics"]["dataFiles"]) {
    const std::string hex = f["sha256"];
    CommandResult b64 = RunShell("printf '%s' " + hex + " | xxd -r -p | base64");
    ASSERT_EQ(b64.exit_code, 0) << b64.err;
    CommandResult head = RunShell("aws --endpoint-url " + S3Endpoint() + " s3api head-object --bucket " + bucket +
                                  " --key deep/" + f["key"].get<std::string>() + " --checksum-mode ENABLED");
    ASSERT_EQ(head.exit_code, 0) << head.err;
    json h = json::parse(head.out);
    ASSERT_TRUE(h.contains("ChecksumSHA256")) << head.out;
    EXPECT_EQ(h["ChecksumSHA256"], b64.out.substr(0, b64.out.find('\n'))) << f["key"];
    ++checked;
  }
  EXPECT_GE(checked, 3);
}

}  // namespace
}  // namespace dbexport::testing
