// The store stops answering mid-export: dbexport run to moto through the
// fault proxy, which holds every request unanswered while paused (as a
// stopped server does) and applies them in order when resumed.
//
//  * Paused for 5 minutes, within --store-timeout: the export rides it out,
//    warning while it retries. Requests the store applied after the client
//    gave up on them (creates, completes, puts) are checked, not repeated:
//    the bucket holds exactly the files the manifest lists, each table all
//    its rows, and no multipart upload is left open.
//  * Paused past --store-timeout: the export stops within a bounded time
//    while the store is still silent, and its error says the manifest could
//    not be written.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <thread>

#include "export_test_util.h"
#include "integration/storage/s3_test_util.h"

namespace dbexport::testing {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;
using s3::testing::FaultProxy;
using s3::testing::MakeClient;
using s3::testing::ResetBucket;

constexpr int64_t kWideRows = 600'000;  // ~40 MB of Parquet without compression: multipart files
constexpr int64_t kSmallRows = 5'000;

std::string DatabaseSql() {
  return "CREATE TABLE wide (id integer PRIMARY KEY, t text NOT NULL);\n"
         "INSERT INTO wide SELECT g, md5(g::text) || md5((g + 1)::text) FROM generate_series(1, " +
         std::to_string(kWideRows) + ") g;\n"
         "CREATE TABLE small (v integer);\n"
         "INSERT INTO small SELECT g FROM generate_series(1, " + std::to_string(kSmallRows) + ") g;\n"
         "ANALYZE;\n";
}

int DataObjects(const std::string& bucket, const std::string& prefix) {
  auto objects = MakeClient()->ListObjects(bucket, prefix);
  if (!objects.ok()) return -1;
  int n = 0;
  for (const auto& o : *objects) n += o.key.ends_with(".parquet");
  return n;
}

// The export through `proxy`, as the aws tools would be pointed at it.
Status StartExport(ChildProcess* p, const std::string& db, const std::string& bucket, const std::string& task,
                   const FaultProxy& proxy, const std::string& store_timeout) {
  UseMotoCredentials();
  return p->Start({DbexportBinary(), "run", "--source", PostgresUrl(db), "--dest", "s3://" + bucket + "/exports",
                   "--endpoint-url", proxy.endpoint(), "--task-id", task, "--parallelism", "2", "--chunk-rows",
                   "150000", "--compression", "none", "--store-timeout", store_timeout, "--progress", "plain"});
}

TEST(ExportStore, PausedFiveMinutesWithinTheTimeoutIsRiddenOutWithNoDuplicateOrOpenUpload) {
  const std::string db = "exptest_store_pause";
  const std::string bucket = "dbx-export-pause";
  ASSERT_TRUE(RecreateDatabase(db, DatabaseSql()).ok());
  ASSERT_TRUE(ResetBucket(bucket).ok());
  FaultProxy proxy;
  ChildProcess exporter;
  ASSERT_TRUE(StartExport(&exporter, db, bucket, "pause-1", proxy, "8m").ok());
  ASSERT_TRUE(WaitFor([&] { return DataObjects(bucket, "exports/pause-1/") >= 1 || !exporter.Running(); },
                      std::chrono::seconds(120)));
  ASSERT_TRUE(exporter.Running()) << exporter.Stderr();
  proxy.Pause();
  std::this_thread::sleep_for(std::chrono::minutes(5));
  EXPECT_TRUE(exporter.Running()) << "the export gave up within its --store-timeout: " << exporter.Stderr();
  proxy.Resume();
  auto resumed = Clock::now();
  int code = exporter.Wait();
  ASSERT_EQ(code, 0) << exporter.Stderr();
  EXPECT_LT(SecondsSince(resumed), 120.0) << "the export took long to recover after the store came back";
  EXPECT_NE(exporter.Stderr().find("warning: S3 is not answering"), std::string::npos) << exporter.Stderr();
  ASSERT_TRUE(proxy.WaitUntilDrained(60'000));

  // Exactly the manifest's files, no open upload, every row once.
  auto client = MakeClient();
  auto uploads = client->ListMultipartUploads(bucket, "exports/pause-1/");
  ASSERT_TRUE(uploads.ok()) << uploads.status();
  EXPECT_TRUE(uploads->empty()) << uploads->size() << " multipart uploads left open";
  auto objects = client->ListObjects(bucket, "exports/pause-1/");
  ASSERT_TRUE(objects.ok()) << objects.status();
  std::set<std::string> in_bucket;
  for (const auto& o : *objects) {
    if (o.key.ends_with(".parquet")) in_bucket.insert(o.key.substr(std::string("exports/").size()));
  }
  auto tables_info = client->GetObject(bucket, "exports/pause-1/export_tables_info_pause-1_from_1_to_2.json");
  ASSERT_TRUE(tables_info.ok()) << tables_info.status();
  std::set<std::string> listed;
  std::string local = MakeTempDir("store-pause");
  const json manifest = json::parse(*tables_info);
  ASSERT_EQ(manifest["perTableStatus"].size(), 2u) << *tables_info;
  for (const json& t : manifest["perTableStatus"]) {
    EXPECT_EQ(t["status"], "COMPLETE") << t.dump();
    std::string name = t["target"].get<std::string>().substr(db.size() + 8);
    for (const json& f : t["tableStatistics"]["dataFiles"]) {
      std::string key = f["key"];
      listed.insert(key);
      auto body = client->GetObject(bucket, "exports/" + key);
      ASSERT_TRUE(body.ok()) << body.status();
      EXPECT_EQ(static_cast<int64_t>(body->size()), f["sizeBytes"].get<int64_t>()) << key;
      std::filesystem::create_directories(local + "/" + name);
      std::ofstream(local + "/" + name + "/" + std::to_string(listed.size()) + ".parquet", std::ios::binary)
          << *body;
    }
    Result<int64_t> rows = DuckDbCount(local + "/" + name);
    ASSERT_TRUE(rows.ok()) << rows.status();
    EXPECT_EQ(*rows, name == "wide" ? kWideRows : kSmallRows) << name;
  }
  EXPECT_EQ(listed, in_bucket) << "the bucket and the manifest disagree";
}

TEST(ExportStore, PausedPastTheTimeoutStopsTheExportInBoundedTime) {
  const std::string db = "exptest_store_dead";
  const std::string bucket = "dbx-export-dead";
  ASSERT_TRUE(RecreateDatabase(db, DatabaseSql()).ok());
  ASSERT_TRUE(ResetBucket(bucket).ok());
  FaultProxy proxy;
  ChildProcess exporter;
  ASSERT_TRUE(StartExport(&exporter, db, bucket, "dead-1", proxy, "10s").ok());
  ASSERT_TRUE(WaitFor([&] { return DataObjects(bucket, "exports/dead-1/") >= 1 || !exporter.Running(); },
                      std::chrono::seconds(120)));
  ASSERT_TRUE(exporter.Running()) << exporter.Stderr();
  proxy.Pause();
  auto paused = Clock::now();
  int code = exporter.Wait();
  double took = SecondsSince(paused);
  EXPECT_TRUE(proxy.Paused());
  proxy.Resume();
  EXPECT_EQ(code, 1) << exporter.Stderr();
  // The budget, then one short attempt per cleanup request (abort, list,
  // manifest files): far from the hours that retries one after another took.
  EXPECT_LT(took, 10 + 60.0) << exporter.Stderr();
  const std::string err = exporter.Stderr();
  // "did not answer within the time limit of 10 s" or, once the store-wide
  // bound applies, "has not answered for 10 s, longer than the time limit
  // of 10 s": which one depends on when the pause began.
  EXPECT_NE(err.find("the time limit of 10 s"), std::string::npos) << err;
  EXPECT_NE(err.find("the manifest was not written"), std::string::npos) << err;
  EXPECT_EQ(err.find("testing"), std::string::npos) << "a credential in the output: " << err;
}

}  // namespace
}  // namespace dbexport::testing
