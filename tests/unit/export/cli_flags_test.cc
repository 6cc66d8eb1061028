#include <gtest/gtest.h>

#include "cli/flags.h"
#include "cli/progress_display.h"

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

TEST(CliFlags, RedactsPasswords) {
  EXPECT_EQ(RedactUrl("postgresql://app:s3cret@db:5432/shop"), "postgresql://app@db:5432/shop");
  EXPECT_EQ(RedactUrl("postgresql://app@db/shop"), "postgresql://app@db/shop");
  EXPECT_EQ(RedactUrl("postgresql://db:5432/shop"), "postgresql://db:5432/shop");
  EXPECT_EQ(RedactUrl("postgresql://app:p%40ss@db/shop?sslmode=require"), "postgresql://app@db/shop?sslmode=require");
}

TEST(CliFlags, SplitsS3Locations) {
  S3Location l = ParseS3Location("s3://lake/exports/daily/");
  EXPECT_EQ(l.bucket, "lake");
  EXPECT_EQ(l.prefix, "exports/daily");
  EXPECT_EQ(ParseS3Location("s3://lake").prefix, "");
  EXPECT_EQ(ParseS3Location("./out").bucket, "");
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
