// [[clusters]] max_rate and max_connections: parsed, checked, and applied to
// the cluster's tasks.

#include <gtest/gtest.h>

#include "service/config.h"
#include "service/export_runner.h"

namespace dbexport::service {
namespace {

constexpr char kKeys[] = "[[access_keys]]\nid = \"AK\"\nsecret = \"s\"\n";

std::string WithCluster(const std::string& extra) {
  return std::string(kKeys) + "[[clusters]]\nname = \"shop\"\nsource = \"postgresql://u@h/db\"\n" + extra;
}

Result<ServiceConfig> Parse(const std::string& text) { return ParseConfig(text, "dbexport.toml", {}); }

std::string ErrorOf(const std::string& text) {
  Result<ServiceConfig> config = Parse(text);
  if (config.ok()) return "";
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  return config.status().message();
}

TEST(ServiceThrottleConfig, AbsentKeysMeanNoLimit) {
  Result<ServiceConfig> config = Parse(WithCluster(""));
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->clusters[0].max_rate, 0);
  EXPECT_EQ(config->clusters[0].max_connections, 0);
}

TEST(ServiceThrottleConfig, RatesAsIntegersOrWithUnits) {
  Result<ServiceConfig> config = Parse(WithCluster("max_rate = \"50MB\"\nmax_connections = 3\n"));
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->clusters[0].max_rate, 50ll << 20);
  EXPECT_EQ(config->clusters[0].max_connections, 3);
  config = Parse(WithCluster("max_rate = 1048576\n"));
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->clusters[0].max_rate, 1 << 20);
  config = Parse(WithCluster("max_rate = \"200MiB/s\"\nmax_connections = 0\n"));
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->clusters[0].max_rate, 200ll << 20);
  EXPECT_EQ(config->clusters[0].max_connections, 0);
}

TEST(ServiceThrottleConfig, BadValuesNameTheKeyAndPosition) {
  EXPECT_EQ(ErrorOf(WithCluster("max_rate = \"fast\"\n")),
            "dbexport.toml:7:12: 'max_rate' in [[clusters]] 'shop': invalid rate 'fast': expected bytes per second, a "
            "number with an optional unit (K, M, G, T as KB/KiB, MB/MiB, ...: powers of 1024) and an optional /s, "
            "e.g. 50MB or 200MiB/s");
  const std::string bad_number =
      "'max_rate' in [[clusters]] 'shop' must be bytes per second: 0 (no limit), an integer of at least 1024 or a "
      "string such as \"50MB\" or \"200MiB/s\" (units powers of 1024)";
  EXPECT_EQ(ErrorOf(WithCluster("max_rate = 100\n")), "dbexport.toml:7:12: " + bad_number);
  EXPECT_EQ(ErrorOf(WithCluster("max_rate = -5\n")), "dbexport.toml:7:12: " + bad_number);
  EXPECT_EQ(ErrorOf(WithCluster("max_rate = 2.5\n")), "dbexport.toml:7:12: " + bad_number);
  EXPECT_EQ(ErrorOf(WithCluster("max_connections = 1\n")),
            "dbexport.toml:7:19: 'max_connections' in [[clusters]] 'shop' is 1: an export needs at least 2 source "
            "connections (the snapshot's and one reader's); 0 means no limit");
  EXPECT_EQ(ErrorOf(WithCluster("max_connections = -1\n")),
            "dbexport.toml:7:19: 'max_connections' in [[clusters]] 'shop' must be an integer from 0 to 1024");
  EXPECT_EQ(ErrorOf(WithCluster("max_connections = \"4\"\n")),
            "dbexport.toml:7:19: 'max_connections' in [[clusters]] 'shop' must be an integer from 0 to 1024");
}

TEST(ServiceThrottleConfig, TasksOfTheClusterRunWithItsLimits) {
  Result<ServiceConfig> config = Parse(WithCluster("max_rate = \"8MiB\"\nmax_connections = 4\nparallelism = 6\n"));
  ASSERT_TRUE(config.ok()) << config.status().message();
  ExportTask task;
  task.spec.task_id = "nightly-1";
  task.spec.source_cluster = "shop";
  exporter::ExportSpec spec = TaskRunSpec(*config, task, &config->clusters[0]);
  EXPECT_EQ(spec.max_rate, 8ll << 20);
  EXPECT_EQ(spec.max_connections, 4);
  EXPECT_EQ(spec.parallelism, 6);
  EXPECT_TRUE(exporter::ValidateSpec(spec).ok());
}

}  // namespace
}  // namespace dbexport::service
