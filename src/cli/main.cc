// The dbexport command: subcommands `run` (one export), `verify` (check an
// export against its manifests), `serve` (the RDS-compatible export service)
// and `version`.

#include <malloc.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/run_command.h"
#include "cli/signals.h"
#include "cli/verify_command.h"
#include "service/serve.h"

#ifndef DBX_VERSION
#error "DBX_VERSION must be defined by the build"
#endif

namespace {

constexpr char kVersionText[] = "dbexport " DBX_VERSION;
constexpr int kMmapThresholdBytes = 128 << 10;  // glibc's initial default

int UsageExit(CLI::App& app, const CLI::ParseError& e) {
  // --help and --version are "errors" that CLI11 prints itself, with exit code 0.
  if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
  std::fprintf(stderr, "dbexport: %s\nRun 'dbexport --help' or 'dbexport <command> --help' for usage.\n",
               e.what());
  return dbexport::cli::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  // Export buffers (batches, pages, S3 parts) are a few MiB each and freed
  // often. glibc raises its mmap threshold past the largest block freed, after
  // which such buffers come from arenas that never shrink; a fixed threshold
  // returns them to the system (peak RSS of a 4-worker lineitem export:
  // 319 -> 273 MiB, same speed).
  mallopt(M_MMAP_THRESHOLD, kMmapThresholdBytes);
  CLI::App app{"dbexport: export live PostgreSQL databases to S3 or a local directory as consistent Parquet."};
  app.name("dbexport");
  app.require_subcommand(1);
  app.set_version_flag("--version", kVersionText, "Print the version and exit");

  dbexport::cli::RunFlags run_flags;
  CLI::App* run = dbexport::cli::AddRunCommand(app, &run_flags);
  std::string config_path;
  CLI::App* serve = app.add_subcommand(
      "serve",
      "Run the export service: the RDS export-task API (StartExportTask, DescribeExportTasks,\n"
      "CancelExportTask) over HTTP, running tasks in the background (docs/service.md)");
  serve->add_option("--config", config_path, "TOML configuration file (see docs/service.md)")
      ->required()
      ->check(CLI::ExistingFile);
  dbexport::cli::VerifyFlags verify_flags;
  CLI::App* verify = dbexport::cli::AddVerifyCommand(app, &verify_flags);
  CLI::App* version = app.add_subcommand("version", "Print the version");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return UsageExit(app, e);
  }
  if (version->parsed()) {
    std::printf("%s\n", kVersionText);
    return 0;
  }
  // ServeMain handles SIGINT/SIGTERM itself: no cancel handlers here.
  if (serve->parsed()) return dbexport::service::ServeMain(config_path);
  if (verify->parsed()) return dbexport::cli::RunVerifyCommand(verify_flags);
  if (run->parsed()) return dbexport::cli::RunExportCommand(run_flags, dbexport::cli::InstallCancelSignals());
  return dbexport::cli::kExitUsage;
}
