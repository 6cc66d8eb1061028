#include "service/task_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "support/test_env.h"

namespace dbexport::service {
namespace {

ExportTask SampleTask(int64_t seq, const std::string& id) {
  ExportTask t;
  t.seq = seq;
  t.spec.task_id = id;
  t.spec.source_cluster = "shop";
  t.spec.source_arn = "arn:aws:rds:us-east-1:123456789012:cluster:shop";
  t.spec.destination.s3_bucket = "bucket";
  t.spec.destination.s3_prefix = "exports/daily";
  t.spec.store.iam_role_arn = "arn:aws:iam::123456789012:role/export";
  t.spec.store.kms_key_id = "1234abcd-12ab-34cd-56ef-1234567890ab";
  t.spec.export_only = {"shop.public", "shop.public.orders"};
  t.create_time = 1700000000123;
  t.task_start_time = 1700000000123;
  return t;
}

TEST(ServiceTaskStore, RoundTripsEveryField) {
  std::string dir = testing::MakeTempDir("task_store_roundtrip") + "/state";
  ExportTask t = SampleTask(1, "export-1");
  t.status = TaskStatus::kFailed;
  t.percent_progress = 42;
  t.extracted_bytes = 5ll << 30;
  t.rows_exported = 123456789;
  t.bytes_written = 987654321;
  t.snapshot_time = 1700000001000;
  t.task_end_time = 1700000009999;
  t.failure_cause = "It's <broken> & \"quoted\"";
  t.warning_message = R"({"skippedTables":[],"skippedObjectives":[],"general":[]})";
  t.spec.attempt = 3;
  {
    auto store = TaskStore::Open(dir);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->Insert(t).ok());
  }
  auto store = TaskStore::Open(dir);
  ASSERT_TRUE(store.ok()) << store.status();
  auto tasks = (*store)->LoadAll();
  ASSERT_TRUE(tasks.ok()) << tasks.status();
  ASSERT_EQ(tasks->size(), 1u);
  const ExportTask& r = (*tasks)[0];
  EXPECT_EQ(r.seq, 1);
  EXPECT_EQ(r.id(), "export-1");
  EXPECT_EQ(r.cluster(), "shop");
  EXPECT_EQ(r.spec.source_arn, t.spec.source_arn);
  EXPECT_EQ(r.spec.destination.s3_bucket, "bucket");
  EXPECT_EQ(r.spec.destination.s3_prefix, "exports/daily");
  EXPECT_EQ(r.spec.store.iam_role_arn, t.spec.store.iam_role_arn);
  EXPECT_EQ(r.spec.store.kms_key_id, t.spec.store.kms_key_id);
  EXPECT_EQ(r.spec.export_only, t.spec.export_only);
  EXPECT_EQ(r.status, TaskStatus::kFailed);
  EXPECT_EQ(r.percent_progress, 42);
  EXPECT_EQ(r.extracted_bytes, 5ll << 30);
  EXPECT_EQ(r.total_extracted_gb(), 5);
  EXPECT_EQ(r.rows_exported, 123456789);
  EXPECT_EQ(r.bytes_written, 987654321);
  EXPECT_EQ(r.create_time, 1700000000123);
  EXPECT_EQ(r.snapshot_time, std::optional<TimeMs>(1700000001000));
  EXPECT_EQ(r.task_start_time, std::optional<TimeMs>(1700000000123));
  EXPECT_EQ(r.task_end_time, std::optional<TimeMs>(1700000009999));
  EXPECT_EQ(r.failure_cause, t.failure_cause);
  EXPECT_EQ(r.warning_message, t.warning_message);
  EXPECT_EQ(r.spec.attempt, 3);
}

TEST(ServiceTaskStore, UnsetTimesStayUnset) {
  std::string dir = testing::MakeTempDir("task_store_null_times");
  auto store = TaskStore::Open(dir);
  ASSERT_TRUE(store.ok());
  ExportTask t = SampleTask(1, "a");
  t.task_start_time.reset();
  ASSERT_TRUE((*store)->Insert(t).ok());
  auto tasks = (*store)->LoadAll();
  ASSERT_TRUE(tasks.ok());
  EXPECT_FALSE((*tasks)[0].snapshot_time.has_value());
  EXPECT_FALSE((*tasks)[0].task_start_time.has_value());
  EXPECT_FALSE((*tasks)[0].task_end_time.has_value());
}

TEST(ServiceTaskStore, UpdateOverwritesAndKeepsOrder) {
  std::string dir = testing::MakeTempDir("task_store_update");
  auto store = TaskStore::Open(dir);
  ASSERT_TRUE(store.ok());
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE((*store)->Insert(SampleTask(i, "t" + std::to_string(i))).ok());
  ExportTask t2 = SampleTask(2, "t2");
  t2.status = TaskStatus::kInProgress;
  t2.percent_progress = 50;
  ASSERT_TRUE((*store)->Update(t2).ok());
  auto tasks = (*store)->LoadAll();
  ASSERT_TRUE(tasks.ok());
  ASSERT_EQ(tasks->size(), 3u);
  EXPECT_EQ((*tasks)[0].id(), "t1");
  EXPECT_EQ((*tasks)[1].id(), "t2");
  EXPECT_EQ((*tasks)[1].status, TaskStatus::kInProgress);
  EXPECT_EQ((*tasks)[1].percent_progress, 50);
  EXPECT_EQ((*tasks)[2].id(), "t3");
}

TEST(ServiceTaskStore, InsertOfAnExistingIdIsAlreadyExists) {
  std::string dir = testing::MakeTempDir("task_store_dup");
  auto store = TaskStore::Open(dir);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Insert(SampleTask(1, "dup")).ok());
  Status s = (*store)->Insert(SampleTask(2, "dup"));
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(s.message(), "task store " + dir + "/tasks.db: task dup already exists");
}

TEST(ServiceTaskStore, UpdateOfAnUnknownTaskIsNotFound) {
  std::string dir = testing::MakeTempDir("task_store_unknown");
  auto store = TaskStore::Open(dir);
  ASSERT_TRUE(store.ok());
  Status s = (*store)->Update(SampleTask(7, "ghost"));
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "task store " + dir + "/tasks.db: task ghost not found");
}

TEST(ServiceTaskStore, UsesWalJournal) {
  std::string dir = testing::MakeTempDir("task_store_wal");
  auto store = TaskStore::Open(dir);
  ASSERT_TRUE(store.ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir + "/tasks.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST(ServiceTaskStore, RefusesANewerSchema) {
  std::string dir = testing::MakeTempDir("task_store_newer");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir + "/tasks.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version=9", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto store = TaskStore::Open(dir);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store.status().message(), "task store " + dir +
                                          "/tasks.db: schema version 9 is newer than this dbexport understands (1); "
                                          "run a newer dbexport");
}

}  // namespace
}  // namespace dbexport::service
