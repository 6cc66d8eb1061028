#pragma once
// What the export integration tests share: databases of their own, the
// dbexport binary, the files an export wrote, PostgreSQL results as JSON and
// a child process that can be signalled mid-run.

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/test_env.h"

namespace dbexport::testing {

// Drops database `name` (with its sessions) and creates it again, then runs
// `setup_sql` in it.
Status RecreateDatabase(const std::string& name, const std::string& setup_sql);
// Drops database `name` if it exists, with its sessions.
Status DropDatabase(const std::string& name);
// `base` made unique to this process ("<base>_<pid>"), for a suite that sets
// up one database for all its tests (SetUpTestSuite): ctest runs every test
// in a process of its own, two at once, and two set-ups of one database
// would collide.
std::string ProcessDatabase(const std::string& base);

// The dbexport binary of this build.
std::string DbexportBinary();
// Runs `dbexport <args>`.
CommandResult RunDbexport(const std::vector<std::string>& args);

// Regular files under `root` (hidden ones included), relative, sorted.
std::vector<std::string> ListFiles(const std::string& root);
// Directories directly under `dir`, sorted.
std::vector<std::string> ListDirs(const std::string& dir);

Result<nlohmann::json> ReadJsonFile(const std::string& path);

// Runs a query whose single value is JSON text (e.g. SELECT json_agg(...)),
// with the session's TimeZone set to UTC.
Result<nlohmann::json> PgJson(const std::string& url, const std::string& sql);
// Runs a query returning one integer.
Result<int64_t> PgInt(const std::string& url, const std::string& sql);

// Number of rows DuckDB reads from every Parquet file under `dir`.
Result<int64_t> DuckDbCount(const std::string& dir);

// Polls `condition` every few milliseconds until it holds (true) or
// `timeout` passes (false).
bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout);
// Seconds since `since`.
double SecondsSince(std::chrono::steady_clock::time_point since);

// A process started in the background, its output captured to files.
class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  Status Start(const std::vector<std::string>& argv);
  void Signal(int sig);
  // Waits for the process; returns its exit code (128 + signal if killed).
  int Wait();
  bool Running();
  std::string Stdout() const;
  std::string Stderr() const;

 private:
  pid_t pid_ = -1;
  int exit_code_ = -1;
  std::string out_path_;
  std::string err_path_;
};

}  // namespace dbexport::testing
