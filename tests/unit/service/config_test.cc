#include "service/config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "support/test_env.h"

namespace dbexport::service {
namespace {

constexpr char kGood[] = R"(listen = "127.0.0.1:9999"
region = "eu-west-1"
account_id = "111122223333"
state_dir = "/var/lib/dbexport"
resume = "restart"

[[access_keys]]
id = "AKIAEXPORTADMIN"
secret = "admin-secret"

[[access_keys]]
id = "AKIAREADER"
secret_env = "READER_SECRET"

[s3]
endpoint_url = "http://127.0.0.1:5391"

[[clusters]]
name = "shop"
source = "postgresql://exporter@db.internal:6543/shop"
password_env = "SHOP_PASSWORD"
parallelism = 8
type_mapping = "native"

[[clusters]]
name = "billing"
source = "postgres://postgres@127.0.0.1/postgres"

[notifications]
webhook_url = "https://hooks.example.com/dbexport"
)";

Result<ServiceConfig> Parse(const std::string& text, std::map<std::string, std::string> env = {}) {
  return ParseConfig(text, "dbexport.toml", env);
}

void ExpectError(const std::string& text, const std::string& message,
                 std::map<std::string, std::string> env = {}) {
  Result<ServiceConfig> config = Parse(text, env);
  ASSERT_FALSE(config.ok()) << text;
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(config.status().message(), message);
}

constexpr char kMinimalKeys[] = "[[access_keys]]\nid = \"AK\"\nsecret = \"s\"\n";
constexpr char kMinimalCluster[] = "[[clusters]]\nname = \"shop\"\nsource = \"postgresql://u@h/db\"\n";

TEST(ServiceConfig, ParsesEveryKey) {
  Result<ServiceConfig> config =
      Parse(kGood, {{"READER_SECRET", "reader-secret"}, {"SHOP_PASSWORD", "p@ss word"}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen_host, "127.0.0.1");
  EXPECT_EQ(config->listen_port, 9999);
  EXPECT_EQ(config->region, "eu-west-1");
  EXPECT_EQ(config->account_id, "111122223333");
  EXPECT_EQ(config->state_dir, "/var/lib/dbexport");
  EXPECT_EQ(config->resume, ResumePolicy::kRestart);
  ASSERT_EQ(config->access_keys.size(), 2u);
  EXPECT_EQ(config->access_keys[0].id, "AKIAEXPORTADMIN");
  EXPECT_EQ(config->access_keys[0].secret, "admin-secret");
  EXPECT_EQ(config->access_keys[1].secret, "reader-secret");
  EXPECT_EQ(config->s3_endpoint_url, "http://127.0.0.1:5391");
  ASSERT_EQ(config->clusters.size(), 2u);
  const ClusterConfig& shop = config->clusters[0];
  EXPECT_EQ(shop.name, "shop");
  EXPECT_EQ(shop.source_url, "postgresql://exporter:p%40ss%20word@db.internal:6543/shop");
  EXPECT_EQ(shop.host, "db.internal");
  EXPECT_EQ(shop.port, 6543);
  EXPECT_EQ(shop.database, "shop");
  EXPECT_EQ(shop.user, "exporter");
  EXPECT_EQ(shop.parallelism, 8);
  EXPECT_EQ(shop.source_options.type_mapping, source::TypeMapping::kNative);
  const ClusterConfig& billing = config->clusters[1];
  EXPECT_EQ(billing.port, 5432);
  EXPECT_EQ(billing.parallelism, 4);
  EXPECT_EQ(billing.source_options.type_mapping, source::TypeMapping::kAws);
  EXPECT_EQ(config->webhook_url, "https://hooks.example.com/dbexport");
  EXPECT_EQ(config->ClusterArn("shop"), "arn:aws:rds:eu-west-1:111122223333:cluster:shop");
  EXPECT_EQ(config->FindAccessKey("AKIAREADER")->secret, "reader-secret");
  EXPECT_EQ(config->FindCluster("nope"), nullptr);
}

TEST(ServiceConfig, DefaultsForOptionalKeys) {
  Result<ServiceConfig> config = Parse(std::string(kMinimalKeys) + kMinimalCluster);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen_host, "127.0.0.1");
  EXPECT_EQ(config->listen_port, 8480);
  EXPECT_EQ(config->region, "us-east-1");
  EXPECT_EQ(config->account_id, "123456789012");
  EXPECT_EQ(config->state_dir, "./dbexport-state");
  EXPECT_EQ(config->resume, ResumePolicy::kFail);
  EXPECT_EQ(config->s3_endpoint_url, "");
  EXPECT_EQ(config->webhook_url, "");
}

TEST(ServiceConfig, LockAndStoreTimeouts) {
  Result<ServiceConfig> defaults = Parse(std::string(kMinimalKeys) + kMinimalCluster);
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->clusters[0].source_options.lock_wait_timeout_ms, 30'000);
  EXPECT_EQ(defaults->clusters[0].source_options.max_table_locks, -1);
  EXPECT_EQ(defaults->s3_timeout_ms, 300'000);
  Result<ServiceConfig> set = Parse(std::string(kMinimalKeys) + kMinimalCluster +
                                    "lock_wait_timeout = 5\nmax_table_locks = 0\n[s3]\ntimeout = 60\n");
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->clusters[0].source_options.lock_wait_timeout_ms, 5'000);
  EXPECT_EQ(set->clusters[0].source_options.max_table_locks, 0);
  EXPECT_EQ(set->s3_timeout_ms, 60'000);
  ExpectError(std::string(kMinimalKeys) + kMinimalCluster + "lock_wait_timeout = -1\n",
              "dbexport.toml:7:21: 'lock_wait_timeout' in [[clusters]] 'shop' must be an integer from 0 to 86400");
  ExpectError(std::string(kMinimalKeys) + kMinimalCluster + "[s3]\ntimeout = 0\n",
              "dbexport.toml:8:11: 'timeout' in [s3] must be an integer from 1 to 86400");
}

TEST(ServiceConfig, MySqlClustersAndTheirEngine) {
  Result<ServiceConfig> config = Parse(std::string(kMinimalKeys) +
                                       "[[clusters]]\nname = \"m\"\nsource = \"mysql://u@h/db\"\nconsistency = \"no-lock\"\n"
                                       "[[clusters]]\nname = \"d\"\nsource = \"mariadb://u@h:3307\"\n"
                                       "[[clusters]]\nname = \"p\"\nsource = \"postgresql://u@h/db\"\nengine = \"postgres\"\n");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->clusters[0].engine, "aurora-mysql");
  EXPECT_EQ(config->clusters[0].port, 3306);
  EXPECT_EQ(config->clusters[0].source_options.consistency, "no-lock");
  EXPECT_EQ(config->clusters[1].engine, "mariadb");
  EXPECT_EQ(config->clusters[1].port, 3307);
  EXPECT_EQ(config->clusters[2].engine, "postgres");
  ExpectError(std::string(kMinimalKeys) + "[[clusters]]\nname = \"m\"\nsource = \"mysql://u@h/db\"\nengine = \"postgres\"\n",
              "dbexport.toml:7:10: 'engine' in [[clusters]] 'm' must be one of aurora-mysql, mysql, mariadb for this "
              "source, got 'postgres'");
  ExpectError(std::string(kMinimalKeys) + "[[clusters]]\nname = \"m\"\nsource = \"mysql://u@h/db\"\nconsistency = \"x\"\n",
              "dbexport.toml:7:15: 'consistency' in [[clusters]] 'm' must be \"auto\", \"lock\", \"backup-lock\" or "
              "\"no-lock\", got 'x'");
}

TEST(ServiceConfig, VerifyCountsPerCluster) {
  Result<ServiceConfig> config = Parse(std::string(kMinimalKeys) + kMinimalCluster + "verify_counts = true\n" +
                                       "[[clusters]]\nname = \"other\"\nsource = \"postgresql://u@h/db\"\n");
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->clusters.size(), 2u);
  EXPECT_TRUE(config->clusters[0].verify_counts);
  EXPECT_FALSE(config->clusters[1].verify_counts);
  ExpectError(std::string(kMinimalKeys) + kMinimalCluster + "verify_counts = 1\n",
              "dbexport.toml:7:17: 'verify_counts' in [[clusters]] 'shop' must be true or false");
}

TEST(ServiceConfig, RefusesUnknownKeyWithLineAndColumn) {
  ExpectError(std::string("region = \"us-east-1\"\nlisten_port = 80\n") + kMinimalKeys + kMinimalCluster,
              "dbexport.toml:2:1: unknown key 'listen_port' in the top level (allowed: access_keys, account_id, "
              "clusters, listen, notifications, region, resume, s3, state_dir)");
  ExpectError(std::string(kMinimalKeys) + kMinimalCluster + "  paralelism = 3\n",
              "dbexport.toml:7:3: unknown key 'paralelism' in [[clusters]] (allowed: consistency, engine, lock_wait_timeout, max_connections, "
              "max_rate, max_table_locks, name, parallelism, password_env, source, type_mapping, verify_counts)");
  ExpectError(std::string(kMinimalKeys) + kMinimalCluster + "[s3]\nregion = \"x\"\n",
              "dbexport.toml:8:1: unknown key 'region' in [s3] (allowed: endpoint_url, timeout)");
}

TEST(ServiceConfig, RefusesMissingFields) {
  ExpectError(kMinimalCluster, "dbexport.toml: no [[access_keys]] defined: at least one is required to call the API");
  ExpectError(kMinimalKeys, "dbexport.toml: no [[clusters]] defined: at least one is required");
  ExpectError(std::string("[[access_keys]]\nid = \"AK\"\n") + kMinimalCluster,
              "dbexport.toml:1:1: missing required key 'secret' (or 'secret_env') in [[access_keys]]");
  ExpectError(std::string(kMinimalKeys) + "[[clusters]]\nname = \"shop\"\n",
              "dbexport.toml:4:1: missing required key 'source' in [[clusters]] 'shop'");
  ExpectError(std::string(kMinimalKeys) + "[[clusters]]\nsource = \"postgresql://h/db\"\n",
              "dbexport.toml:4:1: missing required key 'name' in [[clusters]]");
}

TEST(ServiceConfig, RefusesBadUrls) {
  ExpectError(std::string(kMinimalKeys) + "[[clusters]]\nname = \"shop\"\nsource = \"mongodb://u:secret@h/db\"\n",
              "dbexport.toml:6:10: 'source' in [[clusters]] 'shop': source URL: it must begin with postgresql://, "
              "postgres://, mysql:// or mariadb://");
  ExpectError(std::string(kMinimalKeys) + "[[clusters]]\nname = \"shop\"\nsource = \"postgresql://u@h:99999/db\"\n",
              "dbexport.toml:6:10: 'source' in [[clusters]] 'shop': source URL: the port is not a number from 1 to "
              "65535 (percent-encode '@', ':', '/', '?', '#' and '%' in the user name and password: %40, %3A, %2F, "
              "%3F, %23, %25)");
  ExpectError(std::string(kMinimalKeys) + kMinimalCluster + "[s3]\nendpoint_url = \"127.0.0.1:5391\"\n",
              "dbexport.toml:8:16: 'endpoint_url' in [s3] is not an http:// or https:// URL");
  ExpectError(std::string(kMinimalKeys) + kMinimalCluster + "[notifications]\nwebhook_url = \"ftp://x/y\"\n",
              "dbexport.toml:8:15: 'webhook_url' in [notifications] is not an http:// or https:// URL");
  ExpectError(std::string("listen = \"localhost\"\n") + kMinimalKeys + kMinimalCluster,
              "dbexport.toml:1:10: 'listen' must be \"host:port\" with a port from 0 to 65535, got 'localhost'");
}

// A source URL is checked when the configuration loads, and the error never
// quotes it, whatever part the password ended up in.
TEST(ServiceConfig, BadSourceUrlsAreRefusedWithoutTheirPasswords) {
  const std::string secret = "Zq9-pw";
  for (const std::string& url :
       {"postgresql://u:" + secret + "%zz@h/db", "postgresql://u:a/" + secret + "@h/db",
        "postgresql://u@h/db?password=" + secret + "%", "postgresql://u@h:" + secret + "/db",
        "mysql://u:" + secret + "@h/db?ssl=1", "postgresql://u@h/db?" + secret + "=1",
        std::string("postgresql://u@h:123456789012345678901234567890/db")}) {
    Result<ServiceConfig> config =
        Parse(std::string(kMinimalKeys) + "[[clusters]]\nname = \"shop\"\nsource = \"" + url + "\"\n");
    ASSERT_FALSE(config.ok()) << url;
    EXPECT_TRUE(config.status().message().starts_with("dbexport.toml:6:10: 'source' in [[clusters]] 'shop': "))
        << config.status().message();
    EXPECT_EQ(config.status().message().find("Zq9"), std::string::npos) << config.status().message();
  }
}

// Found by fuzz/config_fuzzer: std::stol threw std::out_of_range out of
// ParseConfig on a port of more digits than a long holds.
TEST(ServiceConfig, RefusesPortsOfManyDigits) {
  ExpectError(std::string(kMinimalKeys) + kMinimalCluster +
                  "[s3]\nendpoint_url = \"http://127.0.0.1:58888888888888888888888\"\n",
              "dbexport.toml:8:16: 'endpoint_url' in [s3] is not an http:// or https:// URL");
  ExpectError(std::string(kMinimalKeys) +
                  "[[clusters]]\nname = \"shop\"\nsource = \"postgresql://h:99999999999999999999/db\"\n",
              "dbexport.toml:6:10: 'source' in [[clusters]] 'shop': source URL: the port is not a number from 1 to "
              "65535 (percent-encode '@', ':', '/', '?', '#' and '%' in the user name and password: %40, %3A, %2F, "
              "%3F, %23, %25)");
}

TEST(ServiceConfig, RefusesDuplicates) {
  ExpectError(std::string(kMinimalKeys) + kMinimalCluster + kMinimalCluster,
              "dbexport.toml:8:8: duplicate cluster name 'shop'");
  ExpectError(std::string(kMinimalKeys) + kMinimalKeys + kMinimalCluster,
              "dbexport.toml:5:6: duplicate access key id 'AK'");
}

TEST(ServiceConfig, RefusesBadValues) {
  ExpectError(std::string(kMinimalKeys) + "[[clusters]]\nname = \"9shop\"\nsource = \"postgresql://h/db\"\n",
              "dbexport.toml:5:8: cluster name '9shop' is not a valid DB cluster identifier: it must begin with a "
              "letter, contain only ASCII letters, digits and hyphens, not end with a hyphen or contain two "
              "consecutive hyphens, and have at most 63 characters");
  ExpectError(std::string(kMinimalKeys) + kMinimalCluster + "parallelism = 0\n",
              "dbexport.toml:7:15: 'parallelism' in [[clusters]] 'shop' must be an integer from 1 to 64");
  ExpectError(std::string(kMinimalKeys) + kMinimalCluster + "type_mapping = \"fast\"\n",
              "dbexport.toml:7:16: 'type_mapping' in [[clusters]] 'shop' must be \"aws\" or \"native\", got 'fast'");
  ExpectError(std::string("resume = \"continue\"\n") + kMinimalKeys + kMinimalCluster,
              "dbexport.toml:1:10: 'resume' must be \"fail\" or \"restart\", got 'continue'");
  ExpectError(std::string("account_id = \"12345\"\n") + kMinimalKeys + kMinimalCluster,
              "dbexport.toml:1:14: 'account_id' must be 12 digits, got '12345'");
  ExpectError(std::string("region = 5\n") + kMinimalKeys + kMinimalCluster,
              "dbexport.toml:1:10: 'region' in the top level must be a string");
}

TEST(ServiceConfig, SecretsFromTheEnvironment) {
  std::string text = "[[access_keys]]\nid = \"AK\"\nsecret_env = \"DBX_ADMIN_SECRET\"\n" + std::string(kMinimalCluster);
  ExpectError(text,
              "dbexport.toml:3:14: 'secret_env' in [[access_keys]] names the environment variable "
              "DBX_ADMIN_SECRET, which is not set");
  Result<ServiceConfig> config = Parse(text, {{"DBX_ADMIN_SECRET", "from-env"}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->access_keys[0].secret, "from-env");
  ExpectError("[[access_keys]]\nid = \"AK\"\nsecret = \"a\"\nsecret_env = \"B\"\n" + std::string(kMinimalCluster),
              "dbexport.toml:4:14: both 'secret' and 'secret_env' in [[access_keys]]: give only one", {{"B", "b"}});
  ExpectError(std::string(kMinimalKeys) +
                  "[[clusters]]\nname = \"shop\"\nsource = \"postgresql://u:inline@h/db\"\npassword_env = \"P\"\n",
              "dbexport.toml:7:16: 'password_env' in [[clusters]] 'shop' conflicts with the password in 'source'",
              {{"P", "p"}});
}

TEST(ServiceConfig, RefusesTomlSyntaxErrors) {
  Result<ServiceConfig> config = Parse("listen = \"127.0.0.1:1\nregion = 1\n");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(config.status().message().rfind("dbexport.toml:1:", 0), 0u) << config.status().message();
}

TEST(ServiceConfig, LoadConfigNamesAMissingFile) {
  Result<ServiceConfig> config = LoadConfig("/nonexistent/dbexport.toml", {});
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(config.status().message(), "reading configuration /nonexistent/dbexport.toml: cannot open the file");
}

TEST(ServiceConfig, LoadConfigReadsAFile) {
  std::string dir = testing::MakeTempDir("service_config");
  std::string path = dir + "/dbexport.toml";
  std::ofstream(path) << kMinimalKeys << kMinimalCluster;
  Result<ServiceConfig> config = LoadConfig(path, {});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->config_path, path);
  EXPECT_EQ(config->clusters[0].name, "shop");
}

}  // namespace
}  // namespace dbexport::service
