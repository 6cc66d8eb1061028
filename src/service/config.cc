#include "service/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

#include "common/ascii.h"
#include "common/secrets.h"
#include "export/naming.h"
#include "export/rate_limiter.h"
#include "source/source.h"
#include "storage/s3/sigv4.h"

extern char** environ;

namespace dbexport::service {
namespace {

// RDS DB cluster identifiers are at most 63 characters.
constexpr size_t kMaxClusterNameLength = 63;
// Export workers per cluster; more than this only adds source connections.
constexpr int64_t kMaxParallelism = 64;
constexpr int64_t kMaxConnections = 1024;
// Timeouts in the file are seconds; a day is more than any wait should be.
constexpr int64_t kMaxTimeoutSeconds = 86'400;

// Collects the first error with its position; every check below returns
// false after recording it so that parsing stops at the first problem.
class Checker {
 public:
  explicit Checker(std::string path) : path_(std::move(path)) {}

  bool Fail(const toml::source_region& where, const std::string& reason) {
    if (status_.ok()) {
      std::ostringstream os;
      os << path_ << ":" << where.begin.line << ":" << where.begin.column << ": " << reason;
      status_ = InvalidArgument(os.str());
    }
    return false;
  }
  bool FailNoPosition(const std::string& reason) {
    if (status_.ok()) status_ = InvalidArgument(path_ + ": " + reason);
    return false;
  }
  const Status& status() const { return status_; }

 private:
  std::string path_;
  Status status_;
};

// Rejects keys of `table` not in `allowed`.
bool CheckKeys(Checker& check, const toml::table& table, const std::set<std::string>& allowed,
               const std::string& where) {
  for (auto&& [key, node] : table) {
    if (!allowed.count(std::string(key.str()))) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      return check.Fail(key.source(), "unknown key '" + std::string(key.str()) + "' in " + where +
                                          " (allowed: " + list + ")");
    }
  }
  return true;
}

// Reads an optional string key; `*out` keeps its value when absent.
bool GetString(Checker& check, const toml::table& table, const char* key, std::string* out,
               const std::string& where) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return true;
  if (!node->is_string()) {
    return check.Fail(node->source(), std::string("'") + key + "' in " + where + " must be a string");
  }
  *out = node->value<std::string>().value_or("");
  return true;
}

bool RequireString(Checker& check, const toml::table& table, const char* key, std::string* out,
                   const std::string& where) {
  if (table.get(key) == nullptr) {
    return check.Fail(table.source(), std::string("missing required key '") + key + "' in " + where);
  }
  if (!GetString(check, table, key, out, where)) return false;
  if (out->empty()) {
    return check.Fail(table.get(key)->source(), std::string("'") + key + "' in " + where + " is empty");
  }
  return true;
}

// True for http[s]://host[:port][/...] with a port from 1 to 65535.
bool IsHttpUrl(std::string_view url) {
  size_t colon = url.find("://");
  if (colon == std::string_view::npos) return false;
  std::string_view scheme = url.substr(0, colon);
  if (scheme != "http" && scheme != "https") return false;
  std::string_view authority = url.substr(colon + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  authority = authority.substr(authority.rfind('@') + 1);  // npos + 1 == 0
  size_t port_colon = authority.rfind(':');
  if (port_colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
    std::string_view port = authority.substr(port_colon + 1);
    int value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value < 1 || value > 65535) return false;
    authority = authority.substr(0, port_colon);
  }
  return !authority.empty();
}

bool CheckHttpUrl(Checker& check, const toml::table& table, const char* key, const std::string& value,
                  const std::string& where) {
  // Not echoed: the URL may carry credentials.
  if (!IsHttpUrl(value)) {
    return check.Fail(table.get(key)->source(),
                      std::string("'") + key + "' in " + where + " is not an http:// or https:// URL");
  }
  return true;
}

// Reads the environment variable named by `env_key`, which must be set and
// non-empty, and registers its value as a secret (common/secrets.h).
// `*out` is unchanged when the key is absent.
bool GetEnvSecret(Checker& check, const toml::table& table, const char* env_key,
                  const std::map<std::string, std::string>& env, std::string* out, const std::string& where) {
  std::string env_name;
  if (!GetString(check, table, env_key, &env_name, where)) return false;
  if (table.get(env_key) == nullptr) return true;
  auto it = env.find(env_name);
  if (it == env.end() || it->second.empty()) {
    return check.Fail(table.get(env_key)->source(), std::string("'") + env_key + "' in " + where +
                                                        " names the environment variable " + env_name +
                                                        ", which is not set");
  }
  *out = it->second;
  RegisterSecret(*out);
  return true;
}

// A required secret given inline (`value_key`) or through an environment
// variable (`env_key`): exactly one of them. Registered as a secret.
bool GetSecret(Checker& check, const toml::table& table, const char* value_key, const char* env_key,
               const std::map<std::string, std::string>& env, std::string* out, const std::string& where) {
  bool has_inline = table.get(value_key) != nullptr;
  bool has_env = table.get(env_key) != nullptr;
  if (has_inline && has_env) {
    return check.Fail(table.get(env_key)->source(),
                      std::string("both '") + value_key + "' and '" + env_key + "' in " + where +
                          ": give only one");
  }
  if (has_env) return GetEnvSecret(check, table, env_key, env, out, where);
  if (!has_inline) {
    return check.Fail(table.source(), std::string("missing required key '") + value_key + "' (or '" +
                                          env_key + "') in " + where);
  }
  if (!RequireString(check, table, value_key, out, where)) return false;
  RegisterSecret(*out);
  return true;
}

bool ParseListen(Checker& check, const toml::table& root, ServiceConfig* config) {
  std::string listen;
  if (!GetString(check, root, "listen", &listen, "the top level")) return false;
  if (root.get("listen") == nullptr) return true;
  size_t colon = listen.rfind(':');
  std::string port = colon == std::string::npos ? "" : listen.substr(colon + 1);
  bool ok = colon != std::string::npos && colon > 0 && !port.empty() && port.size() <= 5;
  for (char c : port) ok = ok && IsAsciiDigit(c);
  if (ok) ok = std::stol(port) <= 65535;
  if (!ok) {
    return check.Fail(root.get("listen")->source(),
                      "'listen' must be \"host:port\" with a port from 0 to 65535, got '" + listen + "'");
  }
  config->listen_host = listen.substr(0, colon);
  config->listen_port = static_cast<int>(std::stol(port));
  return true;
}

bool ParseAccessKeys(Checker& check, const toml::table& root, const std::map<std::string, std::string>& env,
                     ServiceConfig* config) {
  const toml::node* node = root.get("access_keys");
  if (node == nullptr) {
    return check.FailNoPosition("no [[access_keys]] defined: at least one is required to call the API");
  }
  if (!node->is_array_of_tables()) {
    return check.Fail(node->source(), "'access_keys' must be an array of tables ([[access_keys]])");
  }
  std::set<std::string> seen;
  for (const toml::node& element : *node->as_array()) {
    const toml::table& table = *element.as_table();
    const std::string where = "[[access_keys]]";
    if (!CheckKeys(check, table, {"id", "secret", "secret_env"}, where)) return false;
    AccessKey key;
    if (!RequireString(check, table, "id", &key.id, where)) return false;
    if (!GetSecret(check, table, "secret", "secret_env", env, &key.secret, where)) return false;
    if (!seen.insert(key.id).second) {
      return check.Fail(table.get("id")->source(), "duplicate access key id '" + key.id + "'");
    }
    config->access_keys.push_back(std::move(key));
  }
  return true;
}

// The optional integer `key` of `table`, checked to lie in [min, max].
bool GetInteger(Checker& check, const toml::table& table, const char* key, int64_t min, int64_t max,
                int64_t* out, const std::string& where) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return true;
  auto value = node->value<int64_t>();
  if (!node->is_integer() || !value || *value < min || *value > max) {
    return check.Fail(node->source(), "'" + std::string(key) + "' in " + where + " must be an integer from " +
                                          std::to_string(min) + " to " + std::to_string(max));
  }
  *out = *value;
  return true;
}

// max_rate: bytes per second as an integer, or a string with a unit
// ("50MB", "200MiB/s"; exporter::ParseByteRate). 0 or absent: no limit.
bool GetMaxRate(Checker& check, const toml::table& table, const std::string& where, int64_t* out) {
  const toml::node* node = table.get("max_rate");
  if (node == nullptr) return true;
  const std::string bad = "'max_rate' in " + where + " must be bytes per second: 0 (no limit), an integer of at "
                          "least 1024 or a string such as \"50MB\" or \"200MiB/s\" (units powers of 1024)";
  if (node->is_integer()) {
    int64_t value = node->value<int64_t>().value_or(-1);
    if (value != 0 && value < 1024) return check.Fail(node->source(), bad);
    *out = value;
    return true;
  }
  if (!node->is_string()) return check.Fail(node->source(), bad);
  Result<int64_t> rate = exporter::ParseByteRate(node->value<std::string>().value_or(""));
  if (!rate.ok()) return check.Fail(node->source(), "'max_rate' in " + where + ": " + rate.status().message());
  *out = *rate;
  return true;
}

bool ParseCluster(Checker& check, const toml::table& table, const std::map<std::string, std::string>& env,
                  ClusterConfig* cluster) {
  const std::string where = "[[clusters]]";
  if (!CheckKeys(check, table,
                 {"name", "source", "password_env", "parallelism", "type_mapping", "lock_wait_timeout",
                  "max_table_locks", "consistency", "engine", "max_rate", "max_connections", "verify_counts"},
                 where)) {
    return false;
  }
  if (!RequireString(check, table, "name", &cluster->name, where)) return false;
  if (!exporter::IsValidRdsIdentifier(cluster->name, kMaxClusterNameLength)) {
    return check.Fail(table.get("name")->source(),
                      "cluster name '" + cluster->name +
                          "' is not a valid DB cluster identifier: it must begin with a letter, contain only "
                          "ASCII letters, digits and hyphens, not end with a hyphen or contain two consecutive "
                          "hyphens, and have at most 63 characters");
  }
  const std::string named = "[[clusters]] '" + cluster->name + "'";
  if (!RequireString(check, table, "source", &cluster->source_url, named)) return false;
  Result<source::SourceUrl> url = source::CheckSourceUrl(cluster->source_url);
  if (!url.ok()) {
    // The message names the part that is wrong and never quotes the URL.
    return check.Fail(table.get("source")->source(), "'source' in " + named + ": " + url.status().message());
  }
  for (const std::string& secret : url->secrets) RegisterSecret(secret);
  const bool postgres = url->IsPostgres();
  cluster->engine = postgres ? "aurora-postgresql" : url->scheme == "mariadb" ? "mariadb" : "aurora-mysql";
  cluster->port = postgres ? 5432 : 3306;
  if (!GetString(check, table, "engine", &cluster->engine, named)) return false;
  const std::vector<std::string> engines =
      postgres ? std::vector<std::string>{"aurora-postgresql", "postgres"}
               : std::vector<std::string>{"aurora-mysql", "mysql", "mariadb"};
  if (std::find(engines.begin(), engines.end(), cluster->engine) == engines.end()) {
    return check.Fail(table.get("engine")->source(), "'engine' in " + named + " must be one of " +
                                                         (postgres ? "aurora-postgresql, postgres"
                                                                   : "aurora-mysql, mysql, mariadb") +
                                                         " for this source, got '" + cluster->engine + "'");
  }
  if (!GetString(check, table, "consistency", &cluster->source_options.consistency, named)) return false;
  if (cluster->source_options.consistency != "auto" && cluster->source_options.consistency != "lock" && cluster->source_options.consistency != "backup-lock" &&
      cluster->source_options.consistency != "no-lock") {
    return check.Fail(table.get("consistency")->source(), "'consistency' in " + named +
                                                              " must be \"auto\", \"lock\", \"backup-lock\" or "
                                                              "\"no-lock\", got '" + cluster->source_options.consistency + "'");
  }
  if (!url->hosts.empty()) {
    cluster->host = url->hosts.front().first;
    if (url->hosts.front().second != 0) cluster->port = url->hosts.front().second;
  }
  cluster->user = url->user;
  cluster->database = url->database;
  std::string password;
  if (!GetEnvSecret(check, table, "password_env", env, &password, named)) return false;
  if (!password.empty()) {
    if (url->has_password) {
      return check.Fail(table.get("password_env")->source(),
                        "'password_env' in " + named + " conflicts with the password in 'source'");
    }
    if (url->user.empty()) {
      return check.Fail(table.get("password_env")->source(),
                        "'password_env' in " + named + " needs a user name in 'source' (user@host)");
    }
    cluster->source_url = source::WithPassword(cluster->source_url, password);
  }
  int64_t parallelism = cluster->parallelism;
  if (!GetInteger(check, table, "parallelism", 1, kMaxParallelism, &parallelism, named)) return false;
  cluster->parallelism = static_cast<int>(parallelism);
  if (!GetMaxRate(check, table, named, &cluster->max_rate)) return false;
  int64_t max_connections = cluster->max_connections;
  if (!GetInteger(check, table, "max_connections", 0, kMaxConnections, &max_connections, named)) return false;
  if (max_connections == 1) {
    return check.Fail(table.get("max_connections")->source(),
                      "'max_connections' in " + named + " is 1: an export needs at least 2 source connections "
                      "(the snapshot's and one reader's); 0 means no limit");
  }
  cluster->max_connections = static_cast<int>(max_connections);
  if (const toml::node* verify = table.get("verify_counts")) {
    if (!verify->is_boolean()) {
      return check.Fail(verify->source(), "'verify_counts' in " + named + " must be true or false");
    }
    cluster->verify_counts = verify->value<bool>().value_or(false);
  }
  source::SourceOptions& options = cluster->source_options;
  int64_t lock_wait_s = options.lock_wait_timeout_ms / 1000;
  if (!GetInteger(check, table, "lock_wait_timeout", 0, kMaxTimeoutSeconds, &lock_wait_s, named)) return false;
  options.lock_wait_timeout_ms = lock_wait_s * 1000;
  if (!GetInteger(check, table, "max_table_locks", -1, 1ll << 30, &options.max_table_locks, named)) return false;
  std::string mapping = "aws";
  if (!GetString(check, table, "type_mapping", &mapping, named)) return false;
  if (mapping == "aws") {
    options.type_mapping = source::TypeMapping::kAws;
  } else if (mapping == "native") {
    options.type_mapping = source::TypeMapping::kNative;
  } else {
    return check.Fail(table.get("type_mapping")->source(),
                      "'type_mapping' in " + named + " must be \"aws\" or \"native\", got '" + mapping + "'");
  }
  return true;
}

bool ParseClusters(Checker& check, const toml::table& root, const std::map<std::string, std::string>& env,
                   ServiceConfig* config) {
  const toml::node* node = root.get("clusters");
  if (node == nullptr) return check.FailNoPosition("no [[clusters]] defined: at least one is required");
  if (!node->is_array_of_tables()) {
    return check.Fail(node->source(), "'clusters' must be an array of tables ([[clusters]])");
  }
  for (const toml::node& element : *node->as_array()) {
    ClusterConfig cluster;
    if (!ParseCluster(check, *element.as_table(), env, &cluster)) return false;
    if (config->FindCluster(cluster.name) != nullptr) {
      return check.Fail(element.as_table()->get("name")->source(),
                        "duplicate cluster name '" + cluster.name + "'");
    }
    config->clusters.push_back(std::move(cluster));
  }
  return true;
}

bool ParseS3(Checker& check, const toml::table& root, ServiceConfig* config) {
  const toml::node* node = root.get("s3");
  if (node == nullptr) return true;
  const std::string where = "[s3]";
  if (!node->is_table()) return check.Fail(node->source(), "'s3' must be a table");
  const toml::table& table = *node->as_table();
  if (!CheckKeys(check, table, {"endpoint_url", "timeout"}, where)) return false;
  if (!GetString(check, table, "endpoint_url", &config->s3_endpoint_url, where)) return false;
  if (table.get("endpoint_url") != nullptr &&
      !CheckHttpUrl(check, table, "endpoint_url", config->s3_endpoint_url, where)) {
    return false;
  }
  int64_t timeout_s = config->s3_timeout_ms / 1000;
  if (!GetInteger(check, table, "timeout", 1, kMaxTimeoutSeconds, &timeout_s, where)) return false;
  config->s3_timeout_ms = timeout_s * 1000;
  return true;
}

bool ParseNotifications(Checker& check, const toml::table& root, const std::map<std::string, std::string>& env,
                        ServiceConfig* config) {
  const toml::node* node = root.get("notifications");
  if (node == nullptr) return true;
  const std::string where = "[notifications]";
  if (!node->is_table()) return check.Fail(node->source(), "'notifications' must be a table");
  const toml::table& table = *node->as_table();
  if (!CheckKeys(check, table, {"webhook_url", "webhook_secret", "webhook_secret_env"}, where)) return false;
  if (!GetString(check, table, "webhook_url", &config->webhook_url, where)) return false;
  if (table.get("webhook_url") != nullptr && !CheckHttpUrl(check, table, "webhook_url", config->webhook_url, where)) {
    return false;
  }
  if (table.get("webhook_secret") != nullptr || table.get("webhook_secret_env") != nullptr) {
    if (!GetSecret(check, table, "webhook_secret", "webhook_secret_env", env, &config->webhook_secret, where)) {
      return false;
    }
  }
  return true;
}

bool ParseRoot(Checker& check, const toml::table& root, const std::map<std::string, std::string>& env,
               ServiceConfig* config) {
  const std::string top = "the top level";
  if (!CheckKeys(check, root,
                 {"listen", "region", "account_id", "state_dir", "resume", "access_keys", "s3", "clusters",
                  "notifications"},
                 top)) {
    return false;
  }
  if (!ParseListen(check, root, config)) return false;
  if (!GetString(check, root, "region", &config->region, top)) return false;
  bool region_ok = config->region.size() >= 3;
  for (char c : config->region) region_ok = region_ok && ((c >= 'a' && c <= 'z') ||
                                                          IsAsciiDigit(c) || c == '-');
  if (!region_ok) {
    return check.Fail(root.get("region")->source(), "'region' is not an AWS region name: '" + config->region + "'");
  }
  if (!GetString(check, root, "account_id", &config->account_id, top)) return false;
  bool account_ok = config->account_id.size() == 12;
  for (char c : config->account_id) account_ok = account_ok && IsAsciiDigit(c);
  if (!account_ok) {
    return check.Fail(root.get("account_id")->source(),
                      "'account_id' must be 12 digits, got '" + config->account_id + "'");
  }
  if (!GetString(check, root, "state_dir", &config->state_dir, top)) return false;
  if (config->state_dir.empty()) return check.Fail(root.get("state_dir")->source(), "'state_dir' is empty");
  std::string resume = "fail";
  if (!GetString(check, root, "resume", &resume, top)) return false;
  if (resume == "fail") {
    config->resume = ResumePolicy::kFail;
  } else if (resume == "restart") {
    config->resume = ResumePolicy::kRestart;
  } else {
    return check.Fail(root.get("resume")->source(), "'resume' must be \"fail\" or \"restart\", got '" + resume + "'");
  }
  if (!ParseAccessKeys(check, root, env, config)) return false;
  if (!ParseS3(check, root, config)) return false;
  if (!ParseClusters(check, root, env, config)) return false;
  if (!ParseNotifications(check, root, env, config)) return false;
  return true;
}

}  // namespace

const ClusterConfig* ServiceConfig::FindCluster(const std::string& name) const {
  for (const auto& c : clusters) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

const AccessKey* ServiceConfig::FindAccessKey(const std::string& id) const {
  for (const auto& k : access_keys) {
    if (k.id == id) return &k;
  }
  return nullptr;
}

std::string ServiceConfig::ClusterArn(const std::string& name) const {
  return "arn:aws:rds:" + region + ":" + account_id + ":cluster:" + name;
}

Result<ServiceConfig> ParseConfig(const std::string& text, const std::string& path,
                                  const std::map<std::string, std::string>& env) {
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << path << ":" << e.source().begin.line << ":" << e.source().begin.column << ": " << e.description();
    return InvalidArgument(os.str());
  }
  ServiceConfig config;
  config.config_path = path;
  Checker check(path);
  if (!ParseRoot(check, root, env, &config)) return check.status();
  return config;
}

Result<ServiceConfig> LoadConfig(const std::string& path, const std::map<std::string, std::string>& env) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("reading configuration " + path + ": cannot open the file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return IoError("reading configuration " + path + ": read failed");
  return ParseConfig(text.str(), path, env);
}

std::map<std::string, std::string> ProcessEnvironment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry(*e);
    size_t eq = entry.find('=');
    if (eq != std::string::npos) env.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return env;
}

}  // namespace dbexport::service
