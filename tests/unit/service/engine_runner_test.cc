// TaskRunSpec: the spec a task runs with, completed from the configuration.

#include <gtest/gtest.h>

#include "service/export_runner.h"

namespace dbexport::service {
namespace {

ServiceConfig Config() {
  ServiceConfig config;
  config.region = "eu-west-1";
  config.s3_endpoint_url = "http://127.0.0.1:9000";
  config.s3_timeout_ms = 45'000;
  ClusterConfig shop;
  shop.name = "shop";
  shop.source_url = "postgresql://exporter:secret@db:5432/shop";
  shop.parallelism = 8;
  shop.source_options.type_mapping = source::TypeMapping::kNative;
  shop.source_options.lock_wait_timeout_ms = 5'000;
  shop.source_options.max_table_locks = 0;
  shop.verify_counts = true;
  config.clusters.push_back(shop);
  return config;
}

ExportTask Task(const std::string& id) {
  ExportTask task;
  task.spec.task_id = id;
  task.spec.source_cluster = "shop";
  task.spec.source_arn = "arn:aws:rds:eu-west-1:123456789012:cluster:shop";
  task.spec.export_only = {"shop.public"};
  task.spec.destination.s3_bucket = "lake";
  task.spec.destination.s3_prefix = "/exports/";
  task.spec.store.iam_role_arn = "arn:aws:iam::123456789012:role/export";
  task.spec.store.kms_key_id = "alias/export";
  task.spec.attempt = 2;
  return task;
}

TEST(ServiceTaskRunSpec, CompletesTheRequestFromTheConfiguration) {
  ServiceConfig config = Config();
  ExportTask task = Task("nightly-1");
  exporter::ExportSpec spec = TaskRunSpec(config, task, &config.clusters[0]);
  // As requested.
  EXPECT_EQ(spec.task_id, "nightly-1");
  EXPECT_EQ(spec.source_cluster, "shop");
  EXPECT_EQ(spec.source_arn, task.spec.source_arn);
  EXPECT_EQ(spec.export_only, task.spec.export_only);
  EXPECT_EQ(spec.destination.s3_bucket, "lake");
  EXPECT_EQ(spec.destination.s3_prefix, "/exports/");
  EXPECT_EQ(spec.store.iam_role_arn, task.spec.store.iam_role_arn);
  EXPECT_EQ(spec.store.kms_key_id, "alias/export");
  EXPECT_EQ(spec.attempt, 2);
  // From the cluster: the source, and the type mapping that both the data
  // and the manifest follow.
  EXPECT_EQ(spec.source_url, "postgresql://exporter:secret@db:5432/shop");
  EXPECT_EQ(spec.source_options.type_mapping, source::TypeMapping::kNative);
  EXPECT_EQ(spec.source_options.lock_wait_timeout_ms, 5'000);
  EXPECT_EQ(spec.source_options.max_table_locks, 0);
  EXPECT_EQ(spec.parallelism, 8);
  EXPECT_TRUE(spec.verify_counts);
  // From the service.
  EXPECT_EQ(spec.store.region, "eu-west-1");
  EXPECT_EQ(spec.store.endpoint_url, "http://127.0.0.1:9000");
  EXPECT_EQ(spec.store.timeout, std::chrono::milliseconds(45'000));
  EXPECT_EQ(spec.store.role_session_name, "dbexport-nightly-1");
  EXPECT_TRUE(spec.store.on_retry);
  EXPECT_TRUE(exporter::ValidateSpec(spec).ok());
  // The task itself never holds the source URL (and its password).
  EXPECT_EQ(task.spec.source_url, "");
}

TEST(ServiceTaskRunSpec, WithoutAClusterOnlyTheStoreIsCompleted) {
  ServiceConfig config = Config();
  std::string id(60, 'a');
  exporter::ExportSpec spec = TaskRunSpec(config, Task(id), nullptr);
  EXPECT_EQ(spec.source_url, "");
  EXPECT_EQ(spec.source_options.type_mapping, source::TypeMapping::kAws);
  EXPECT_EQ(spec.parallelism, 4);
  EXPECT_EQ(spec.store.endpoint_url, "http://127.0.0.1:9000");
  // STS limits RoleSessionName to 64 characters.
  EXPECT_EQ(spec.store.role_session_name, ("dbexport-" + id).substr(0, 64));
}

}  // namespace
}  // namespace dbexport::service
