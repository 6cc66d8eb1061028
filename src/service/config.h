#pragma once
// ServiceConfig: the `dbexport serve` configuration file (TOML), documented
// in docs/service.md. LoadConfig refuses a bad file (unknown key, missing
// field, bad URL, duplicate cluster, ...) with "<file>:<line>:<column>: reason".
// Secrets are read from the file or from environment variables it names
// (`secret_env`, `password_env`); they are never logged.

#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "source/source.h"

namespace dbexport::service {

struct AccessKey {
  std::string id;
  std::string secret;
};

struct ClusterConfig {
  std::string name;        // DB cluster identifier: ...:cluster:<name>
  std::string source_url;  // postgresql://user[:password]@host:port/db, password included
  // Parsed from source_url, for DescribeDBClusters (never the password).
  std::string host;
  int port = 5432;
  std::string database;  // empty: the server's default (the user name)
  std::string user;
  int parallelism = 4;
  // ExportSpec::max_rate (bytes per second) and max_connections; 0: no limit.
  int64_t max_rate = 0;
  int max_connections = 0;
  // verify_counts: every export of the cluster runs with ExportSpec::verify_counts.
  bool verify_counts = false;
  // type_mapping, lock_wait_timeout (seconds), max_table_locks and
  // consistency (MySQL); the rest SourceOptions' defaults.
  source::SourceOptions source_options;
  // DescribeDBClusters' Engine: from the source's scheme (aurora-postgresql,
  // aurora-mysql for mysql://, mariadb for mariadb://) or the `engine` key.
  std::string engine = "aurora-postgresql";
};

// What happens, at start, to tasks the previous run of the service left
// running (crash, kill -9, shutdown).
enum class ResumePolicy {
  kFail,     // they end FAILED with a cause saying the service stopped
  kRestart,  // they start again from a fresh snapshot (previous output removed)
};

struct ServiceConfig {
  std::string config_path;  // the file the configuration came from
  std::string listen_host = "127.0.0.1";
  int listen_port = 8480;  // 0: any free port (logged at start)
  std::string region = "us-east-1";
  std::string account_id = "123456789012";
  std::string state_dir = "./dbexport-state";  // relative to the working directory
  ResumePolicy resume = ResumePolicy::kFail;
  std::vector<AccessKey> access_keys;
  std::string s3_endpoint_url;  // empty: AWS
  int64_t s3_timeout_ms = 300'000;  // [s3] timeout (seconds): StoreOptions::timeout
  std::vector<ClusterConfig> clusters;
  std::string webhook_url;  // empty: no notifications
  // [notifications] webhook_secret (or webhook_secret_env): signs each
  // webhook (notifier.h); empty: unsigned, with a warning at start.
  std::string webhook_secret;

  const ClusterConfig* FindCluster(const std::string& name) const;
  // The secret of access key `id`, or nullptr.
  const AccessKey* FindAccessKey(const std::string& id) const;
  // arn:aws:rds:<region>:<account_id>:cluster:<name>
  std::string ClusterArn(const std::string& name) const;
};

// Reads and validates the file. `env` supplies the variables named by
// `secret_env` / `password_env` (the process environment in production).
Result<ServiceConfig> LoadConfig(const std::string& path, const std::map<std::string, std::string>& env);
// Same, from text; `path` is only used in error messages.
Result<ServiceConfig> ParseConfig(const std::string& text, const std::string& path,
                                  const std::map<std::string, std::string>& env);

// The process environment as a map.
std::map<std::string, std::string> ProcessEnvironment();

}  // namespace dbexport::service
