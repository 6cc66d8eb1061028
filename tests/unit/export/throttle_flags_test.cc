// --max-rate and --max-connections: flag parsing into the ExportSpec, the
// spec's checks, and the progress line of a throttled export.

#include <gtest/gtest.h>

#include "cli/progress_display.h"
#include "cli/run_command.h"
#include "export/export.h"

namespace dbexport::cli {
namespace {

RunFlags ValidFlags() {
  RunFlags f;
  f.source = "postgresql://app:s3cret@db:5432/shop";
  f.dest = "/tmp/out";
  f.task_id = "nightly-1";
  return f;
}

// The usage error SpecFromFlags(f) gives; "" when it succeeds.
std::string FailureOf(const RunFlags& f, exporter::ExportSpec* spec) {
  std::optional<CommandFailure> failure = SpecFromFlags(f, spec);
  if (!failure.has_value()) return "";
  EXPECT_EQ(failure->exit_code, kExitUsage);
  return failure->message;
}

TEST(ThrottleFlags, DefaultsAreNoLimit) {
  exporter::ExportSpec spec;
  ASSERT_EQ(FailureOf(ValidFlags(), &spec), "");
  EXPECT_EQ(spec.max_rate, 0);
  EXPECT_EQ(spec.max_connections, 0);
}

TEST(ThrottleFlags, MaxRateAndMaxConnectionsReachTheSpec) {
  RunFlags f = ValidFlags();
  f.max_rate = "50MB";
  f.max_connections = 3;
  exporter::ExportSpec spec;
  ASSERT_EQ(FailureOf(f, &spec), "");
  EXPECT_EQ(spec.max_rate, 50ll << 20);
  EXPECT_EQ(spec.max_connections, 3);
  EXPECT_TRUE(exporter::ValidateSpec(spec).ok());
  f.max_rate = "200MiB/s";
  ASSERT_EQ(FailureOf(f, &spec), "");
  EXPECT_EQ(spec.max_rate, 200ll << 20);
}

TEST(ThrottleFlags, BadValuesAreUsageErrorsNamingTheFlag) {
  RunFlags f = ValidFlags();
  exporter::ExportSpec spec;
  f.max_rate = "fast";
  EXPECT_EQ(FailureOf(f, &spec),
            "--max-rate: invalid rate 'fast': expected bytes per second, a number with an optional unit (K, M, G, T "
            "as KB/KiB, MB/MiB, ...: powers of 1024) and an optional /s, e.g. 50MB or 200MiB/s\n"
            "Run 'dbexport run --help' for the flags.");
  f.max_rate = "0";
  EXPECT_EQ(FailureOf(f, &spec),
            "--max-rate: invalid rate '0': must be at least 1KiB (1024 bytes) per second\n"
            "Run 'dbexport run --help' for the flags.");
  f = ValidFlags();
  f.max_connections = 1;
  EXPECT_EQ(FailureOf(f, &spec),
            "--max-connections: 1 is too small: the export needs at least 2 source connections (the snapshot's "
            "and one reader's); 0 means no limit\nRun 'dbexport run --help' for the flags.");
  f.max_connections = -4;
  EXPECT_TRUE(FailureOf(f, &spec).starts_with("--max-connections: -4 is too small")) << FailureOf(f, &spec);
}

TEST(ThrottleFlags, ValidateSpecChecksTheLimits) {
  exporter::ExportSpec spec;
  spec.task_id = "nightly-1";
  spec.max_rate = 100;
  EXPECT_EQ(exporter::ValidateSpec(spec),
            InvalidArgument("max rate must be at least 1024 bytes per second (or 0: no limit), got 100"));
  spec.max_rate = 0;
  spec.max_connections = 1;
  EXPECT_EQ(exporter::ValidateSpec(spec),
            InvalidArgument("max connections must be at least 2 (the snapshot's connection and one reader's), or 0: "
                            "no limit; got 1"));
  spec.max_connections = 2;
  EXPECT_TRUE(exporter::ValidateSpec(spec).ok());
}

TEST(ThrottleFlags, ProgressLineSaysWhenReadsAreThrottled) {
  exporter::ExportProgress p;
  p.phase = exporter::ExportProgress::Phase::kInProgress;
  p.percent = 50;
  p.tables_total = 1;
  p.chunks_total = 4;
  p.chunks_done = 2;
  p.bytes_read = 100ll << 20;
  p.bytes_estimated = 200ll << 20;
  p.max_rate = 10ll << 20;
  p.throttled = true;
  EXPECT_TRUE(ProgressDisplay::FormatLine(p, 10.0, false, 0).ends_with("  throttled to 10.0 MB/s"))
      << ProgressDisplay::FormatLine(p, 10.0, false, 0);
  p.throttled = false;
  EXPECT_EQ(ProgressDisplay::FormatLine(p, 10.0, false, 0).find("throttled"), std::string::npos);
}

}  // namespace
}  // namespace dbexport::cli
