#include <gtest/gtest.h>

#include "cli/flags.h"
#include "cli/progress_display.h"
#include "cli/run_command.h"

namespace dbexport::cli {
namespace {

TEST(CliFlags, ParsesByteSizes) {
  EXPECT_EQ(*ParseByteSize("1000000"), 1000000);
  EXPECT_EQ(*ParseByteSize("64k"), 64 << 10);
  EXPECT_EQ(*ParseByteSize("512MiB"), 512ll << 20);
  EXPECT_EQ(*ParseByteSize("20GB"), 20ll << 30);
  EXPECT_EQ(*ParseByteSize("1 TiB"), 1ll << 40);
  Status bad = ParseByteSize("20 parsecs").status();
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.message(),
            "invalid size '20 parsecs': expected a number of bytes with an optional unit (KiB, MiB, GiB, TiB)");
  EXPECT_EQ(ParseByteSize("0").status().message(), "invalid size '0': must be positive");
  EXPECT_EQ(ParseByteSize("99999999999999999999").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseByteSize("9999999999T").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseByteSize("").status().code(), StatusCode::kInvalidArgument);
}

TEST(CliFlags, ParsesCodecsAndMappings) {
  EXPECT_EQ(*ParseCodec("gzip"), parquet::Codec::kGzip);
  EXPECT_EQ(*ParseCodec("SNAPPY"), parquet::Codec::kSnappy);
  EXPECT_EQ(*ParseCodec("zstd"), parquet::Codec::kZstd);
  EXPECT_EQ(*ParseCodec("none"), parquet::Codec::kUncompressed);
  EXPECT_EQ(ParseCodec("lz4").status().message(), "invalid compression 'lz4': expected gzip, snappy, zstd or none");
  EXPECT_EQ(*ParseTypeMapping("aws"), source::TypeMapping::kAws);
  EXPECT_EQ(*ParseTypeMapping("native"), source::TypeMapping::kNative);
  EXPECT_EQ(ParseTypeMapping("spark").status().message(), "invalid type mapping 'spark': expected aws or native");
}

RunFlags ValidFlags() {
  RunFlags f;
  f.source = "postgresql://app:s3cret@db:5432/shop";
  f.dest = "s3://lake/exports/daily/";
  f.task_id = "nightly-1";
  return f;
}

// SpecFromFlags(f), which must succeed.
exporter::ExportSpec Spec(const RunFlags& f) {
  exporter::ExportSpec spec;
  std::optional<CommandFailure> failure = SpecFromFlags(f, &spec);
  EXPECT_FALSE(failure.has_value()) << failure->message;
  return spec;
}

TEST(CliFlags, DescribeOneExportSpec) {
  RunFlags f = ValidFlags();
  f.export_only = {"shop.public"};
  f.type_mapping = "native";
  f.compression = "zstd";
  f.compression_level = 3;
  f.max_file_size = "1GiB";
  f.parallelism = 8;
  f.chunk_rows = 5000;
  f.lock_wait_timeout = "5s";
  f.max_table_locks = 10;
  f.store_timeout = "2m";
  f.endpoint_url = "http://127.0.0.1:9000";
  f.region = "eu-west-1";
  f.iam_role_arn = "arn:aws:iam::123456789012:role/export";
  f.kms_key_id = "alias/export";
  exporter::ExportSpec spec = Spec(f);
  EXPECT_EQ(spec.task_id, "nightly-1");
  EXPECT_EQ(spec.source_url, f.source);
  EXPECT_EQ(spec.source_arn, "postgresql://app@db:5432/shop");
  EXPECT_EQ(spec.source_cluster, "");
  EXPECT_EQ(spec.export_only, f.export_only);
  // The type mapping's one home: what the source reads with and the manifest echoes.
  EXPECT_EQ(spec.source_options.type_mapping, source::TypeMapping::kNative);
  EXPECT_EQ(spec.source_options.lock_wait_timeout_ms, 5000);
  EXPECT_EQ(spec.source_options.max_table_locks, 10);
  EXPECT_EQ(spec.parallelism, 8);
  EXPECT_EQ(spec.chunk_rows, 5000);
  EXPECT_EQ(spec.writer.codec, parquet::Codec::kZstd);
  EXPECT_EQ(spec.writer.compression_level, 3);
  EXPECT_EQ(spec.writer.max_file_bytes, 1ll << 30);
  EXPECT_EQ(spec.destination.s3_bucket, "lake");
  EXPECT_EQ(spec.destination.s3_prefix, "exports/daily");
  EXPECT_EQ(spec.destination.directory, "");
  EXPECT_EQ(spec.store.endpoint_url, "http://127.0.0.1:9000");
  EXPECT_EQ(spec.store.region, "eu-west-1");
  EXPECT_EQ(spec.store.iam_role_arn, f.iam_role_arn);
  EXPECT_EQ(spec.store.kms_key_id, "alias/export");
  EXPECT_EQ(spec.store.timeout, std::chrono::minutes(2));
  EXPECT_TRUE(spec.store.on_retry);
  EXPECT_TRUE(ValidateSpec(spec).ok());
}

TEST(CliFlags, DestinationsAreDirectoriesOrS3) {
  RunFlags f = ValidFlags();
  f.dest = "s3://lake";
  EXPECT_EQ(Spec(f).destination.s3_bucket, "lake");
  EXPECT_EQ(Spec(f).destination.s3_prefix, "");
  f.dest = "./out";
  EXPECT_EQ(Spec(f).destination.s3_bucket, "");
  EXPECT_EQ(Spec(f).destination.directory, "./out");
  f.dest = "file:///tmp/out";
  EXPECT_EQ(Spec(f).destination.directory, "/tmp/out");
  f.dest = "ftp://host/dir";
  exporter::ExportSpec spec;
  std::optional<CommandFailure> failure = SpecFromFlags(f, &spec);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->exit_code, kExitUsage);
  EXPECT_EQ(failure->message,
            "error: destination URL 'ftp://host/dir' has an unsupported scheme: expected a directory, file:///dir or "
            "s3://bucket[/prefix]");
}

TEST(CliFlags, BadValuesAreUsageErrorsNamingTheFlag) {
  RunFlags f = ValidFlags();
  f.source_arn = "arn:aws:rds:us-east-1:123456789012:cluster:shop";
  f.task_id = "";
  exporter::ExportSpec spec = Spec(f);
  EXPECT_TRUE(spec.task_id.starts_with("export-")) << spec.task_id;
  EXPECT_EQ(spec.source_arn, f.source_arn);
  f.task_id = "1-bad";
  std::optional<CommandFailure> failure = SpecFromFlags(f, &spec);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->exit_code, kExitUsage);
  EXPECT_TRUE(failure->message.starts_with("--task-id: The parameter ExportTaskIdentifier is not a valid identifier."))
      << failure->message;
  f = ValidFlags();
  f.store_timeout = "500ms";
  failure = SpecFromFlags(f, &spec);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->message, "--store-timeout: must be at least 1 s\nRun 'dbexport run --help' for the flags.");
  f = ValidFlags();
  f.type_mapping = "spark";
  failure = SpecFromFlags(f, &spec);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->message,
            "--type-mapping: invalid type mapping 'spark': expected aws or native\nRun 'dbexport run --help' for the "
            "flags.");
}

TEST(ProgressLine, ShowsCountsRateAndEta) {
  exporter::ExportProgress p;
  p.phase = exporter::ExportProgress::Phase::kInProgress;
  p.percent = 50;
  p.tables_total = 10;
  p.tables_done = 3;
  p.chunks_total = 40;
  p.chunks_done = 12;
  p.rows_exported = 1234567;
  p.bytes_read = 100ll << 20;
  p.bytes_estimated = 200ll << 20;
  p.bytes_written = 30ll << 20;
  EXPECT_EQ(ProgressDisplay::FormatLine(p, 10.0, true, 0),
            "[##########..........]  50%  tables 3/10  chunks 12/40  rows 1.23M  read 100.0 MB  written 30.0 MB  "
            "10.0 MB/s  ETA 0:10");
  EXPECT_EQ(ProgressDisplay::FormatLine(p, 10.0, true, 30).size(), 29u);
  p.phase = exporter::ExportProgress::Phase::kStarting;
  EXPECT_EQ(ProgressDisplay::FormatLine(p, 0, false, 0), "starting: taking the snapshot and planning tables");
}

TEST(ProgressLine, HumanUnits) {
  EXPECT_EQ(FormatBytes(512), "512 B");
  EXPECT_EQ(FormatBytes(1536), "1.5 KB");
  EXPECT_EQ(FormatBytes(3ll << 30), "3.0 GB");
  EXPECT_EQ(FormatCount(999), "999");
  EXPECT_EQ(FormatCount(123456), "123.5K");
  EXPECT_EQ(FormatCount(12'345'678), "12.35M");
  EXPECT_EQ(FormatDuration(3725), "1:02:05");
  EXPECT_EQ(FormatDuration(65), "1:05");
}

}  // namespace
}  // namespace dbexport::cli
