#include "cli/run_command.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "cli/flags.h"
#include "common/secrets.h"
#include "cli/progress_display.h"
#include "export/export.h"
#include "export/naming.h"
#include "export/rate_limiter.h"
#include "storage/object_store.h"

namespace dbexport::cli {
namespace {

int Report(const CommandFailure& f) {
  std::fprintf(stderr, "dbexport: %s\n", RedactSecrets(f.message).c_str());
  return f.exit_code;
}

CommandFailure UsageError(const std::string& message) {
  return {kExitUsage, message + "\nRun 'dbexport run --help' for the flags."};
}

// Bad input is a usage error; anything else means the export could not run.
// The source's and the stores' messages already name what they were doing.
CommandFailure ErrorExit(const Status& status, const std::string& context = "") {
  int code = status.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  return {code, "error: " + (context.empty() ? "" : context + ": ") + status.message()};
}

}  // namespace

CLI::App* AddRunCommand(CLI::App& app, RunFlags* f) {
  CLI::App* run = app.add_subcommand(
      "run", "Export a database (or part of it) to a directory or S3 as Parquet files plus manifests.");
  run->add_option("--source", f->source,
                  "Database URL: postgresql://user[:password]@host[:port]/database (the password may "
                  "also come from PGPASSWORD), or mysql://user[:password]@host[:port][/database] (mariadb:// "
                  "too; the password may come from MYSQL_PWD; no database: all but the system ones)")
      ->required();
  run->add_option("--dest", f->dest,
                  "Destination: a directory (created if missing), file:///dir or s3://bucket[/prefix]. "
                  "Files go under <dest>/<task-id>/")
      ->required();
  run->add_option("--export-only", f->export_only,
                  "Export only these: database, database.schema or database.schema.table (names of "
                  "A-Z a-z 0-9 $ _), several after one flag or the flag repeated. Default: everything");
  run->add_option("--task-id", f->task_id,
                  "Export task identifier: a letter first, then letters, digits and single hyphens, at "
                  "most 60. Default: export-<yyyymmdd>-<hhmmss> (UTC)");
  run->add_option("--parallelism", f->parallelism, "Chunks exported at the same time")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  run->add_option("--chunk-rows", f->chunk_rows,
                  "Target rows per chunk (one partition directory each) for tables split by key or ctid")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  run->add_option("--type-mapping", f->type_mapping,
                  "aws: types as the hosted export writes them (dates, numerics, arrays as strings); "
                  "native: DATE, TIMESTAMP, DECIMAL, UUID, JSON, LIST")
      ->capture_default_str();
  run->add_option("--compression", f->compression, "Parquet compression: gzip, snappy, zstd or none")
      ->capture_default_str();
  run->add_option("--compression-level", f->compression_level,
                  "Codec level (gzip 0-12: 0-3 ISA-L, 4-12 libdeflate; zstd 1-22). -1: gzip ISA-L level 2, "
                  "else the codec's default")
      ->capture_default_str()
      ->check(CLI::Range(-1, 22));
  run->add_option("--max-file-size", f->max_file_size,
                  "Start a new part file past this size (units KiB, MiB, GiB, TiB; powers of 1024)")
      ->capture_default_str();
  run->add_option("--progress", f->progress,
                  "auto: a live bar when stderr is a terminal, else a line every 5 s; bar; plain; none")
      ->capture_default_str();
  run->add_option("--source-arn", f->source_arn,
                  "SourceArn recorded in the manifest. Default: the source URL without its password and "
                  "parameters");
  run->add_option("--iam-role-arn", f->iam_role_arn, "S3 only: IAM role assumed to write the files");
  run->add_option("--kms-key-id", f->kms_key_id, "S3 only: KMS key for server-side encryption");
  run->add_option("--endpoint-url", f->endpoint_url,
                  "S3 only: endpoint of an S3-compatible store, as in the AWS CLI (default: AWS_ENDPOINT_URL_S3, "
                  "AWS_ENDPOINT_URL, else AWS)");
  run->add_option("--s3-endpoint", f->endpoint_url)->group("");  // the earlier name, kept working
  run->add_option("--region", f->region, "S3 only: AWS region");
  run->add_option("--lock-wait-timeout", f->lock_wait_timeout,
                  "Longest wait for a table lock that another session holds or asks for (DROP, TRUNCATE, "
                  "ALTER TABLE); then the export fails, naming that session, and releases its locks. "
                  "Units ms, s, m, h")
      ->capture_default_str();
  run->add_option("--max-table-locks", f->max_table_locks,
                  "Tables locked for the whole export so that no DDL can change them (a partitioned table "
                  "counts its partitions); the others are checked for rewrites before each read. -1: a "
                  "quarter of the server's lock table. See docs/consistency.md")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{-1}, int64_t{1} << 30));
  run->add_option("--consistency", f->consistency,
                  "MySQL/MariaDB: how the readers share one snapshot. lock: FLUSH TABLES WITH READ LOCK while "
                  "they start; backup-lock: MariaDB's backup stages (commits wait, statements run); no-lock: no "
                  "lock, the readers proven to see the same binlog position or GTID set; auto: backup-lock or "
                  "lock with the RELOAD privilege, else no-lock")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "lock", "backup-lock", "no-lock"}));
  run->add_option("--store-timeout", f->store_timeout,
                  "S3 only: how long a request may keep retrying, and how long the store may stay silent "
                  "before the export stops. Units ms, s, m, h")
      ->capture_default_str();
  run->add_option("--max-rate", f->max_rate,
                  "Read the source at most this fast: source bytes per second across all readers, e.g. 50MB "
                  "or 200MiB/s (K, M, G, T: powers of 1024; at least 1KiB), with a burst of a quarter second. "
                  "Default: no limit. See docs/throttling.md");
  run->add_option("--max-connections", f->max_connections,
                  "Source connections open at once, the snapshot's own included (PostgreSQL: one per database "
                  "exported; MySQL: one), the rest chunk readers: --parallelism is lowered to fit. At least 2. "
                  "0: no limit")
      ->capture_default_str();
  run->add_flag("--no-success-marker", f->no_success_marker,
                "Do not write <task-id>/_SUCCESS after the manifests of a completed export");
  run->add_flag("--no-catalog", f->no_catalog,
                "Do not write <task-id>/_catalog/ (Athena DDL, DuckDB script, Iceberg metadata; docs/catalog.md)");
  run->add_flag("--verify-counts", f->verify_counts,
                "Before declaring the export complete, count each table's rows on the export's snapshot "
                "and in its files as stored (Parquet footers, read back); fail if they differ from the rows "
                "written");
  run->footer(
      "Ctrl-C (or SIGTERM) cancels within seconds, even a read waiting on the server: open files are "
      "discarded, the files of finished partitions stay, and the manifest says what is there.\n"
      "Exit codes: 0 exported, 1 the export failed, 2 bad flags or arguments, 130 cancelled.");
  return run;
}

std::optional<CommandFailure> SpecFromFlags(const RunFlags& flags, exporter::ExportSpec* spec) {
  spec->task_id = flags.task_id.empty() ? exporter::DefaultTaskIdentifier(std::chrono::system_clock::now())
                                        : flags.task_id;
  if (Status s = exporter::ValidateTaskIdentifier(spec->task_id); !s.ok()) {
    return UsageError("--task-id: " + s.message());
  }
  if (Status s = exporter::ValidateExportOnly(flags.export_only); !s.ok()) {
    return UsageError("--export-only: " + s.message());
  }
  spec->export_only = flags.export_only;
  Result<parquet::Codec> codec = ParseCodec(flags.compression);
  if (!codec.ok()) return UsageError("--compression: " + codec.status().message());
  spec->writer.codec = *codec;
  spec->writer.compression_level = flags.compression_level;
  Result<source::TypeMapping> mapping = ParseTypeMapping(flags.type_mapping);
  if (!mapping.ok()) return UsageError("--type-mapping: " + mapping.status().message());
  spec->source_options.type_mapping = *mapping;
  Result<int64_t> max_file_size = ParseByteSize(flags.max_file_size);
  if (!max_file_size.ok()) return UsageError("--max-file-size: " + max_file_size.status().message());
  spec->writer.max_file_bytes = *max_file_size;
  Result<int64_t> lock_wait = ParseDurationMillis(flags.lock_wait_timeout);
  if (!lock_wait.ok()) return UsageError("--lock-wait-timeout: " + lock_wait.status().message());
  spec->source_options.lock_wait_timeout_ms = *lock_wait;
  spec->source_options.max_table_locks = flags.max_table_locks;
  spec->source_options.consistency = flags.consistency;
  Result<int64_t> store_timeout = ParseDurationMillis(flags.store_timeout);
  if (!store_timeout.ok() || *store_timeout < 1000) {
    return UsageError("--store-timeout: " + (store_timeout.ok() ? "must be at least 1 s" : store_timeout.status().message()));
  }
  spec->store.timeout = std::chrono::milliseconds(*store_timeout);
  Result<StoreLocation> destination = ParseStoreUrl(flags.dest);
  if (!destination.ok()) return ErrorExit(destination.status());
  spec->destination = std::move(destination).value();
  spec->store.endpoint_url = flags.endpoint_url;
  spec->store.region = flags.region;
  spec->store.iam_role_arn = flags.iam_role_arn;
  spec->store.kms_key_id = flags.kms_key_id;
  spec->store.on_retry = [](const std::string& message) {
    std::fprintf(stderr, "\nwarning: %s\n", RedactSecrets(message).c_str());
  };
  Result<source::SourceUrl> source_url = source::CheckSourceUrl(flags.source);
  if (!source_url.ok()) return UsageError("--source: " + source_url.status().message());
  for (const std::string& secret : source_url->secrets) RegisterSecret(secret);
  for (const char* variable : {"PGPASSWORD", "MYSQL_PWD"}) {
    if (const char* value = std::getenv(variable)) RegisterSecret(value);
  }
  spec->source_url = flags.source;
  spec->source_arn = flags.source_arn.empty() ? source::RedactedSourceUrl(flags.source) : flags.source_arn;
  spec->parallelism = flags.parallelism;
  spec->chunk_rows = flags.chunk_rows;
  spec->success_marker = !flags.no_success_marker;
  spec->catalog = !flags.no_catalog;
  if (!flags.max_rate.empty()) {
    Result<int64_t> rate = exporter::ParseByteRate(flags.max_rate);
    if (!rate.ok()) return UsageError("--max-rate: " + rate.status().message());
    spec->max_rate = *rate;
  }
  if (flags.max_connections < 0 || flags.max_connections == 1) {
    return UsageError("--max-connections: " + std::to_string(flags.max_connections) +
                      " is too small: the export needs at least 2 source connections (the snapshot's and one "
                      "reader's); 0 means no limit");
  }
  spec->max_connections = flags.max_connections;
  spec->verify_counts = flags.verify_counts;
  return std::nullopt;
}

int RunExportCommand(const RunFlags& flags, const std::atomic<bool>* cancel) {
  // 1. Everything that can be checked without a server, before anything is written.
  exporter::ExportSpec spec;
  if (std::optional<CommandFailure> failure = SpecFromFlags(flags, &spec)) return Report(*failure);
  bool terminal = isatty(STDERR_FILENO) == 1;
  if (flags.progress == "bar") terminal = true;
  else if (flags.progress == "plain") terminal = false;
  else if (flags.progress != "auto" && flags.progress != "none") {
    return Report(UsageError("--progress: invalid value '" + flags.progress + "': expected auto, bar, plain or none"));
  }

  // 2. The export: S3 pre-flight, source, destination, engine.
  ProgressDisplay display(stderr, terminal);
  exporter::ProgressObserver observer;
  if (flags.progress != "none") observer = [&display](const exporter::ExportProgress& p) { display.Update(p); };
  auto started = std::chrono::steady_clock::now();
  exporter::TaskFailure failure;
  Result<exporter::ExportSummary> summary = exporter::RunExportTask(spec, observer, cancel, &failure);
  display.Finish();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  if (!summary.ok()) {
    const Status& status = summary.status();
    const std::string context = "export " + spec.task_id + " failed";
    if (status.code() == StatusCode::kCancelled) return Report({kExitCancelled, "export cancelled"});
    switch (failure.step) {
      case exporter::TaskStep::kPreflight:
        // The user guide's cause, then what S3, STS or KMS said.
        return Report(ErrorExit(Status(status.code(), status.message() + " (" + failure.detail.message() + ")"),
                                context));
      case exporter::TaskStep::kExport:
        return Report(ErrorExit(status, context));
      default:
        return Report(ErrorExit(status));
    }
  }
  if (!summary->snapshot.mode.empty()) {
    const source::SnapshotInfo& snap = summary->snapshot;
    std::string where = snap.binlog_file.empty() ? "" : " at " + snap.binlog_file + ":" + std::to_string(snap.binlog_position);
    if (snap.writers_blocked_ms >= 0) {
      std::fprintf(stderr, "snapshot: --consistency %s%s; writers were blocked for %lld ms\n", snap.mode.c_str(),
                   where.c_str(), static_cast<long long>(snap.writers_blocked_ms));
    } else {
      std::fprintf(stderr, "snapshot: --consistency %s%s; no lock was taken\n", snap.mode.c_str(), where.c_str());
    }
  }
  for (const exporter::SkippedTable& s : summary->skipped) {
    std::fprintf(stderr, "warning: skipped table %s: %s%s%s\n", s.target.c_str(), s.reason.c_str(),
                 s.detail.empty() ? "" : ": ", s.detail.c_str());
  }
  if (summary->verify_counts_ms >= 0) {
    std::fprintf(stderr, "row counts verified: %lld %s counted on the snapshot and %lld data files read back in %.1f s\n",
                 static_cast<long long>(summary->tables_exported), summary->tables_exported == 1 ? "table" : "tables",
                 static_cast<long long>(summary->files_verified), summary->verify_counts_ms / 1000.0);
  }
  char took[32];
  if (seconds < 60) std::snprintf(took, sizeof took, "%.1f s", seconds);
  else std::snprintf(took, sizeof took, "%s", FormatDuration(seconds).c_str());
  std::printf("export %s complete: %lld %s, %lld rows, %s of Parquet in %s (snapshot %s)\n%s\n",
              spec.task_id.c_str(), static_cast<long long>(summary->tables_exported),
              summary->tables_exported == 1 ? "table" : "tables",
              static_cast<long long>(summary->rows_exported), FormatBytes(summary->bytes_written).c_str(), took,
              summary->snapshot_time.c_str(), summary->location.c_str());
  return kExitOk;
}

}  // namespace dbexport::cli
