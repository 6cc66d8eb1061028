// RunExport against the real PostgreSQL source: failures from the store
// (through a fault-injecting ObjectStore), progress reports, cancellation.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <mutex>

#include "export/export.h"
#include "export_test_util.h"
#include "support/fault_store.h"

namespace dbexport::testing {
namespace {

namespace fs = std::filesystem;
using exporter::ExportProgress;
using exporter::ExportSpec;
using exporter::ExportSummary;

// ctest runs each test in its own process, two at a time: each test has a
// database of its own, named after it.
class ExportEngine : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    database_ = "exptest_engine_";
    for (char c : name) database_ += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    database_.resize(std::min<size_t>(database_.size(), 63));  // NAMEDATALEN - 1
    ASSERT_TRUE(RecreateDatabase(database_,
                                 "CREATE TABLE t (id bigint PRIMARY KEY, a text, b double precision);\n"
                                 "INSERT INTO t SELECT g, md5(g::text), g * 0.25 FROM generate_series(1, 400000) g;\n"
                                 "CREATE TABLE small (id integer PRIMARY KEY); INSERT INTO small VALUES (1), (2);\n"
                                 "ANALYZE;\n")
                    .ok());
  }

  ExportSpec Request(const std::string& task_id) {
    ExportSpec request;
    request.task_id = task_id;
    request.parallelism = 2;
    request.chunk_rows = 50000;
    return request;
  }

  std::unique_ptr<source::Source> Source() {
    auto source = source::OpenSource(PostgresUrl(database_), {});
    EXPECT_TRUE(source.ok()) << source.status();
    return source.ok() ? std::move(source).value() : nullptr;
  }

  // Every .parquet file under `dir` is complete; no temporary file is left.
  void ExpectOnlyCompleteFiles(const std::string& dir) {
    for (const std::string& f : ListFiles(dir)) {
      EXPECT_FALSE(fs::path(f).filename().string().starts_with(".")) << "temporary file left: " << f;
      if (!f.ends_with(".parquet")) continue;
      auto count = DuckDbQuery("SELECT count(*) FROM read_parquet('" + dir + "/" + f + "')");
      EXPECT_TRUE(count.ok()) << f << ": " << count.status();
    }
  }

  std::string database_;
};

TEST_F(ExportEngine, AStoreFailureFailsTheExportNamingTableAndPartition) {
  std::string dir = MakeTempDir("engine-fault");
  auto local = OpenLocalStore(dir);
  ASSERT_TRUE(local.ok());
  FaultInjectingStore store(std::move(local).value(), /*fail_on_stream=*/3, /*fail_on_write=*/2);
  auto source = Source();
  ASSERT_NE(source, nullptr);
  std::atomic<bool> cancel{false};
  Result<ExportSummary> summary = exporter::RunExport(Request("fault-1"), source.get(), &store, nullptr, &cancel);
  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.status().code(), StatusCode::kIoError);
  const std::string& message = summary.status().message();
  EXPECT_TRUE(message.starts_with("exporting table " + database_ + ".public.t partition ")) << message;
  EXPECT_TRUE(message.ends_with("injected write failure")) << message;
  ExpectOnlyCompleteFiles(dir);

  auto info = ReadJsonFile(dir + "/fault-1/export_info_fault-1.json");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ((*info)["status"], "FAILED");
  EXPECT_EQ((*info)["failureCause"], message);
  auto tables = ReadJsonFile(dir + "/fault-1/export_tables_info_fault-1_from_1_to_2.json");
  ASSERT_TRUE(tables.ok()) << tables.status();
  for (const auto& t : (*tables)["perTableStatus"]) {
    if (t["target"] == database_ + ".public.t") {
      EXPECT_EQ(t["status"], "FAILED");
      EXPECT_EQ(t["failureCause"], message);
    }
  }
}

TEST_F(ExportEngine, ProgressIsReportedEverySecondAndMonotone) {
  std::string dir = MakeTempDir("engine-progress");
  auto store = OpenLocalStore(dir);
  ASSERT_TRUE(store.ok());
  auto source = Source();
  ASSERT_NE(source, nullptr);
  std::mutex mu;
  std::vector<std::pair<std::chrono::steady_clock::time_point, ExportProgress>> samples;
  exporter::ProgressObserver observer = [&](const ExportProgress& p) {
    std::lock_guard<std::mutex> lock(mu);
    samples.emplace_back(std::chrono::steady_clock::now(), p);
  };
  std::atomic<bool> cancel{false};
  ExportSpec request = Request("progress-1");
  request.parallelism = 1;
  Result<ExportSummary> summary = exporter::RunExport(request, source.get(), store->get(), observer, &cancel);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->rows_exported, 400002);
  EXPECT_EQ(summary->tables_exported, 2);
  EXPECT_EQ(summary->warning_message, "");
  EXPECT_FALSE(summary->snapshot_time.empty());

  ASSERT_GE(samples.size(), 3u);
  int last = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    const ExportProgress& p = samples[i].second;
    EXPECT_GE(p.percent, last) << "sample " << i;
    last = p.percent;
    if (i + 1 < samples.size()) {
      EXPECT_LT(p.percent, 100) << "100 before the end, sample " << i;
      EXPECT_LE(samples[i + 1].first - samples[i].first, std::chrono::milliseconds(1000)) << "sample " << i;
    }
  }
  const ExportProgress& final = samples.back().second;
  EXPECT_EQ(final.percent, 100);
  EXPECT_EQ(final.rows_exported, 400002);
  EXPECT_EQ(final.tables_done, 2);
  EXPECT_EQ(final.tables_total, 2);
  EXPECT_EQ(final.chunks_done, final.chunks_total);
  EXPECT_GT(final.bytes_read, 0);
  EXPECT_EQ(final.bytes_written, summary->bytes_written);
  EXPECT_EQ(final.snapshot_time, summary->snapshot_time);
}

TEST_F(ExportEngine, CancelStopsWorkersAndAbortsOpenFiles) {
  std::string dir = MakeTempDir("engine-cancel");
  auto store = OpenLocalStore(dir);
  ASSERT_TRUE(store.ok());
  auto source = Source();
  ASSERT_NE(source, nullptr);
  std::atomic<bool> cancel{false};
  // Cancel as soon as rows flow.
  exporter::ProgressObserver observer = [&](const ExportProgress& p) {
    if (p.rows_exported > 0) cancel.store(true);
  };
  ExportSpec request = Request("cancel-2");
  request.chunk_rows = 400000;  // one big chunk: the cancel lands mid-chunk
  auto started = std::chrono::steady_clock::now();
  Result<ExportSummary> summary = exporter::RunExport(request, source.get(), store->get(), observer, &cancel);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.status(), Cancelled("export cancelled"));
  ExpectOnlyCompleteFiles(dir);
  auto info = ReadJsonFile(dir + "/cancel-2/export_info_cancel-2.json");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ((*info)["status"], "CANCELED");
}

TEST_F(ExportEngine, MissingExportOnlyDatabaseFailsBeforeWriting) {
  std::string dir = MakeTempDir("engine-missing-db");
  auto store = OpenLocalStore(dir);
  ASSERT_TRUE(store.ok());
  auto source = Source();
  ASSERT_NE(source, nullptr);
  ExportSpec request = Request("missing-1");
  request.export_only = {"exptest_other_db.public.t"};
  Result<ExportSummary> summary = exporter::RunExport(request, source.get(), store->get(), nullptr, nullptr);
  EXPECT_EQ(summary.status(),
            NotFound("export-only entry 'exptest_other_db.public.t': database exptest_other_db does not exist or "
                     "cannot be exported from this source"));
  EXPECT_TRUE(ListFiles(dir).empty());
}

}  // namespace
}  // namespace dbexport::testing
