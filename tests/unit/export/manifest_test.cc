#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "export/export_internal.h"
#include "export/naming.h"

namespace dbexport::exporter {
namespace {

using json = nlohmann::json;
using namespace std::chrono;

system_clock::time_point At(int h, int mi, int s) {
  return sys_days{year{2023} / 7 / 19} + hours{h} + minutes{mi} + seconds{s};
}

TableResult CompleteTable() {
  TableResult t;
  t.info.database = "shop";
  t.info.schema = "public";
  t.info.name = "orders";
  source::ColumnInfo id;
  id.name = "id";
  id.original_type = "bigint";
  id.num_precision = 64;
  id.expected_exported_type = "int64";
  source::ColumnInfo created;
  created.name = "created_on";
  created.original_type = "timestamp with time zone";
  created.datetime_precision = 6;
  created.expected_exported_type = "binary (UTF8)";
  t.info.columns = {id, created};
  for (int i = 0; i < 3; ++i) {
    source::Chunk c;
    c.index = i;
    c.constraint_type = "PRIMARY_KEY";
    c.column_name = "id";
    c.column_type = "bigint";
    c.min = std::to_string(i * 100 + 1);
    c.max = std::to_string(i * 100 + 100);
    t.chunks.push_back(c);
  }
  t.status = kTableComplete;
  t.completed_chunks = 3;
  t.rows = 300;
  t.bytes_written = 912;
  t.files = 3;
  t.warnings = {"column price: 2 NaN values exported as NULL"};
  t.start = At(23, 21, 0);
  t.end = At(23, 21, 24);
  return t;
}

TableResult SkippedTable() {
  TableResult t;
  t.info.database = "shop";
  t.info.schema = "public";
  t.info.name = "scratch";
  t.info.skip_reason = source::kSkipUnlogged;
  t.info.skip_detail = "unlogged tables are not exported";
  t.status = kTableSkipped;
  return t;
}

TEST(Manifest, TableEntryHasStatisticsPartitioningAndTypes) {
  auto files = TablesInfoFiles("exp-1", {CompleteTable()});
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].key, "exp-1/export_tables_info_exp-1_from_1_to_1.json");
  json doc = json::parse(files[0].contents);
  const json& t = doc["perTableStatus"][0];
  EXPECT_EQ(t["target"], "shop.public.orders");
  EXPECT_EQ(t["status"], "COMPLETE");
  EXPECT_DOUBLE_EQ(t["sizeGB"].get<double>(), 912.0 / (1024.0 * 1024 * 1024));
  const json& stats = t["tableStatistics"];
  EXPECT_EQ(stats["extractionStartTime"], "Jul 19, 2023, 11:21:00 PM");
  EXPECT_EQ(stats["extractionEndTime"], "Jul 19, 2023, 11:21:24 PM");
  EXPECT_EQ(stats["numberOfRows"], 300);
  EXPECT_EQ(stats["numberOfFiles"], 3);
  EXPECT_EQ(stats["partitioningInfo"],
            json::parse(R"({"numberOfPartitions":3,"numberOfCompletedPartitions":3,"constraintType":"PRIMARY_KEY",
               "partitionColumns":[{"columnType":"bigint","columnName":"id","min":"1","max":"300"}]})"));
  EXPECT_EQ(t["schemaMetadata"]["originalTypeMappings"][1],
            json::parse(R"j({"columnName":"created_on","originalType":"timestamp with time zone",
               "expectedExportedType":"binary (UTF8)","originalCharMaxLength":0,"originalNumPrecision":0,
               "originalNumScale":0,"originalDateTimePrecision":6})j"));
  EXPECT_EQ(t["warnings"], json::parse(R"(["column price: 2 NaN values exported as NULL"])"));
  EXPECT_FALSE(t.contains("failureCause"));
}

TEST(Manifest, SkippedTableCarriesItsReason) {
  auto files = TablesInfoFiles("exp-1", {SkippedTable()});
  json t = json::parse(files[0].contents)["perTableStatus"][0];
  EXPECT_EQ(t["status"], "SKIPPED");
  EXPECT_EQ(t["reason"], "UNLOGGED_TABLE");
  EXPECT_EQ(t["reasonDetail"], "unlogged tables are not exported");
  EXPECT_FALSE(t.contains("tableStatistics"));
  EXPECT_EQ(t["sizeGB"], 0.0);
}

TEST(Manifest, TablesAreSplitIntoFilesOfAHundred) {
  std::vector<TableResult> tables(250, CompleteTable());
  auto files = TablesInfoFiles("exp-1", tables);
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[0].key, "exp-1/export_tables_info_exp-1_from_1_to_100.json");
  EXPECT_EQ(files[1].key, "exp-1/export_tables_info_exp-1_from_101_to_200.json");
  EXPECT_EQ(files[2].key, "exp-1/export_tables_info_exp-1_from_201_to_250.json");
  EXPECT_EQ(json::parse(files[2].contents)["perTableStatus"].size(), 50u);
}

TEST(Manifest, NoTablesStillWritesAnEmptyTablesFile) {
  auto files = TablesInfoFiles("exp-1", {});
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].key, "exp-1/export_tables_info_exp-1_from_0_to_0.json");
  EXPECT_EQ(json::parse(files[0].contents), json::parse(R"({"perTableStatus":[]})"));
}

TEST(Manifest, ExportInfoEchoesTheRequestAndTotals) {
  ExportSpec spec;
  spec.task_id = "exp-1";
  spec.export_only = {"shop.public"};
  spec.source_arn = "arn:aws:rds:us-east-1:123456789012:cluster:shop";
  spec.destination.s3_bucket = "lake";
  spec.destination.s3_prefix = "exports";
  spec.store.iam_role_arn = "arn:aws:iam::123456789012:role/export";
  spec.store.kms_key_id = "key-1";
  spec.source_options.type_mapping = source::TypeMapping::kNative;
  TaskResult task;
  task.status = kTaskComplete;
  task.percent = 100;
  task.start = At(23, 20, 0);
  task.end = At(23, 22, 0);
  task.snapshot_time = "2023-07-19T23:20:01.000Z";
  task.warning_message = WarningMessageJson({{"shop.public.scratch", "UNLOGGED_TABLE", ""}}, {}, {});
  ManifestFile f = ExportInfoFile(spec, task, {CompleteTable(), SkippedTable()},
                                  {"exp-1/export_tables_info_exp-1_from_1_to_2.json"});
  EXPECT_EQ(f.key, "exp-1/export_info_exp-1.json");
  json info = json::parse(f.contents);
  EXPECT_EQ(info["exportTaskIdentifier"], "exp-1");
  EXPECT_EQ(info["sourceArn"], spec.source_arn);
  EXPECT_EQ(info["exportOnly"], json::parse(R"(["shop.public"])"));
  EXPECT_EQ(info["s3Bucket"], "lake");
  EXPECT_EQ(info["s3Prefix"], "exports");
  EXPECT_EQ(info["iamRoleArn"], spec.store.iam_role_arn);
  EXPECT_EQ(info["kmsKeyId"], "key-1");
  EXPECT_EQ(info["status"], "COMPLETE");
  EXPECT_EQ(info["percentProgress"], 100);
  EXPECT_EQ(info["taskStartTime"], "2023-07-19T23:20:00.000Z");
  EXPECT_EQ(info["taskEndTime"], "2023-07-19T23:22:00.000Z");
  EXPECT_EQ(info["snapshotTime"], "2023-07-19T23:20:01.000Z");
  EXPECT_EQ(info["typeMapping"], "native");
  EXPECT_EQ(info["compression"], "GZIP");
  EXPECT_EQ(info["totalTables"], 2);
  EXPECT_EQ(info["exportedTables"], 1);
  EXPECT_EQ(info["skippedTables"], 1);
  EXPECT_EQ(info["failedTables"], 0);
  EXPECT_EQ(info["totalRows"], 300);
  EXPECT_EQ(info["totalExportedBytes"], 912);
  EXPECT_EQ(info["totalFiles"], 3);
  EXPECT_EQ(info["warningMessage"], task.warning_message);
  EXPECT_EQ(info["tablesInfoFiles"], json::parse(R"(["export_tables_info_exp-1_from_1_to_2.json"])"));
  EXPECT_FALSE(info.contains("failureCause"));
}

TEST(Manifest, WarningMessageHasTheRdsShape) {
  EXPECT_EQ(WarningMessageJson({}, {}, {}), "");
  EXPECT_EQ(WarningMessageJson({{"shop.public.t", "UNLOGGED_TABLE", "detail"}},
                               {{"shop.nosuch", "OBJECT_NOT_FOUND"}},
                               {{"shop.public.p", "VALUES_EXPORTED_AS_NULL", "column x: 1 NaN"}}),
            R"({"skippedTables":[{"target":"shop.public.t","reason":"UNLOGGED_TABLE"}],)"
            R"("skippedObjectives":[{"target":"shop.nosuch","reason":"OBJECT_NOT_FOUND"}],)"
            R"("general":[{"reason":"VALUES_EXPORTED_AS_NULL","target":"shop.public.p","detail":"column x: 1 NaN"}]})");
}

}  // namespace
}  // namespace dbexport::exporter
