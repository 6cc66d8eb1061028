#pragma once
// `dbexport run`: one export from a database URL to a directory or S3 URL.

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "export/export.h"

namespace CLI {
class App;
}

namespace dbexport::cli {

// Process exit codes of the dbexport command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;    // the export failed
inline constexpr int kExitUsage = 2;      // bad flags or arguments
inline constexpr int kExitCancelled = 130;  // 128 + SIGINT, as shells report Ctrl-C

struct RunFlags {
  std::string source;
  std::string dest;
  std::vector<std::string> export_only;
  std::string task_id;  // empty: DefaultTaskIdentifier(now)
  int parallelism = 4;
  int64_t chunk_rows = 1'000'000;
  std::string type_mapping = "aws";
  std::string compression = "gzip";
  int compression_level = -1;  // -1: the codec's default
  std::string max_file_size = "20GiB";
  std::string progress = "auto";
  std::string source_arn;
  std::string iam_role_arn;
  std::string kms_key_id;
  std::string endpoint_url;
  std::string region;
  std::string lock_wait_timeout = "30s";
  int64_t max_table_locks = -1;  // -1: a quarter of the server's lock table
  std::string store_timeout = "5m";
  std::string consistency = "auto";
  bool no_success_marker = false;
  bool no_catalog = false;
  std::string max_rate;     // empty: no limit
  int max_connections = 0;  // 0: no limit
  bool verify_counts = false;
};

// Adds the `run` subcommand and its flags to `app`, bound to `flags`.
CLI::App* AddRunCommand(CLI::App& app, RunFlags* flags);

// Why the command stops: its exit code and the message for stderr (after
// "dbexport: ").
struct CommandFailure {
  int exit_code = kExitFailure;
  std::string message;
};

// Fills `spec` with the export `flags` describe (the task identifier
// defaults to DefaultTaskIdentifier(now)), checking everything that needs
// no server. A bad value is kExitUsage with a message naming the flag.
std::optional<CommandFailure> SpecFromFlags(const RunFlags& flags, exporter::ExportSpec* spec);

// Runs the export `flags` describe; returns the process exit code. Messages
// go to stderr, the summary to stdout.
int RunExportCommand(const RunFlags& flags, const std::atomic<bool>* cancel);

}  // namespace dbexport::cli
