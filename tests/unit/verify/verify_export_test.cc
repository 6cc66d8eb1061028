// VerifyExport against a local store holding hand-written manifests and a
// minimal Parquet file (no server).

#include <gtest/gtest.h>
#include <stdlib.h>

#include <nlohmann/json.hpp>
#include <string>

#include "common/sha256.h"
#include "verify/verify.h"

namespace dbexport::verify {
namespace {

using json = nlohmann::json;

// A file whose footer says 42 rows (see parquet_footer_test.cc).
std::string FortyTwoRowFile() {
  const std::string footer("\x15\x02\x19\x1c\x48\x01\x61\x00\x16\x54\x00", 11);
  std::string file = "PAR1data" + footer;
  for (int i = 0; i < 4; ++i) file.push_back(static_cast<char>(footer.size() >> (8 * i)));
  return file + "PAR1";
}

class VerifyExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/dbx-verify-unit.XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    root_ = dir;
    Result<std::unique_ptr<ObjectStore>> store = OpenLocalStore(root_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(store).value();
  }
  void TearDown() override { std::system(("rm -rf " + root_).c_str()); }

  // Writes task t1 with one table of one file (42 rows).
  void WriteExport(int64_t table_rows) {
    const std::string data = FortyTwoRowFile();
    const std::string key = "t1/db/public.x/0/part-00000-u-c000.gz.parquet";
    ASSERT_TRUE(store_->Put(key, data).ok());
    json file = {{"key", key}, {"sizeBytes", data.size()}, {"numberOfRows", 42}, {"sha256", *Sha256Hex(data)}};
    json table = {{"target", "db.public.x"},
                  {"status", "COMPLETE"},
                  {"tableStatistics", {{"numberOfRows", table_rows}, {"dataFiles", json::array({file})}}}};
    ASSERT_TRUE(store_->Put("t1/export_tables_info_t1_from_1_to_1.json",
                            json{{"perTableStatus", json::array({table})}}.dump())
                    .ok());
    ASSERT_TRUE(store_->Put("t1/export_info_t1.json",
                            json{{"status", "COMPLETE"},
                                 {"tablesInfoFiles", json::array({"export_tables_info_t1_from_1_to_1.json"})}}
                                .dump())
                    .ok());
    ASSERT_TRUE(store_->Put("t1/_SUCCESS", "").ok());
  }

  std::string root_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(VerifyExportTest, MatchingExportIsOk) {
  WriteExport(42);
  Result<Report> report = VerifyExport(store_.get(), "t1");
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok());
  ASSERT_EQ(report->tables.size(), 1u);
  EXPECT_EQ(report->tables[0].target, "db.public.x");
  EXPECT_EQ(report->tables[0].files, 1);
  EXPECT_EQ(report->tables[0].footer_rows, 42);
  EXPECT_EQ(report->task_status, "COMPLETE");
}

// Reads of 8 bytes: the footer starts reads before the last one and is
// fetched with a ranged read of the tail; the digest covers every read.
TEST_F(VerifyExportTest, SmallReadsStillHashEveryByteAndFindTheFooter) {
  WriteExport(42);
  VerifyOptions options;
  options.read_bytes = 8;
  options.parallelism = 3;
  Result<Report> report = VerifyExport(store_.get(), "t1", options);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok()) << (report->tables[0].problems.empty() ? "" : report->tables[0].problems[0].message);
  EXPECT_EQ(report->tables[0].footer_rows, 42);
  // The whole file once (27 bytes: the last read 3), its trailer (8), then
  // its footer with the trailer and the 4 bytes before it (23).
  EXPECT_EQ(report->bytes_read, 27 + 8 + 23);

  // A flipped byte in the middle is still seen.
  std::string data = FortyTwoRowFile();
  data[5] ^= 1;
  ASSERT_TRUE(store_->Put("t1/db/public.x/0/part-00000-u-c000.gz.parquet", data).ok());
  report = VerifyExport(store_.get(), "t1", options);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->tables[0].problems.size(), 1u);
  EXPECT_NE(report->tables[0].problems[0].message.find("differs from the manifest's"), std::string::npos);

  // A footer length past the file, found from the trailer alone.
  data = "PAR1" + std::string(20, 'x') + std::string("\xe8\x03\x00\x00", 4) + "PAR1";
  ASSERT_TRUE(store_->Put("t1/db/public.x/0/part-00000-u-c000.gz.parquet", data).ok());
  report = VerifyExport(store_.get(), "t1", options);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_FALSE(report->tables[0].problems.empty());
  EXPECT_EQ(report->tables[0].problems.back().message,
            "not a complete Parquet file: footer length 1000 exceeds the file");
}

TEST_F(VerifyExportTest, RowTotalDifferenceNamesTheManifest) {
  WriteExport(41);
  Result<Report> report = VerifyExport(store_.get(), "t1");
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->tables[0].problems.size(), 1u);
  EXPECT_EQ(report->tables[0].problems[0].key, "t1/export_tables_info_t1_from_1_to_1.json");
  EXPECT_EQ(report->tables[0].problems[0].message,
            "the files' footers hold 42 rows, the manifest's numberOfRows says 41");
}

TEST_F(VerifyExportTest, UnlistedObjectIsReported) {
  WriteExport(42);
  ASSERT_TRUE(store_->Put("t1/db/public.x/0/extra.parquet", "x").ok());
  Result<Report> report = VerifyExport(store_.get(), "t1");
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->ok());
  ASSERT_EQ(report->problems.size(), 1u);
  EXPECT_EQ(report->problems[0].key, "t1/db/public.x/0/extra.parquet");
  EXPECT_EQ(report->problems[0].message, "present in the store, in no manifest");
}

TEST_F(VerifyExportTest, NoManifestIsNotFound) {
  ASSERT_TRUE(store_->Put("t1/something", "x").ok());
  Result<Report> report = VerifyExport(store_.get(), "t1");
  EXPECT_EQ(report.status().code(), StatusCode::kNotFound);
}

TEST_F(VerifyExportTest, UnparsableManifestIsInvalidArgument) {
  WriteExport(42);
  ASSERT_TRUE(store_->Put("t1/export_info_t1.json", "{not json").ok());
  Result<Report> report = VerifyExport(store_.get(), "t1");
  EXPECT_EQ(report.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(report.status().message(), "reading manifest t1/export_info_t1.json: not a JSON object");
}

}  // namespace
}  // namespace dbexport::verify
