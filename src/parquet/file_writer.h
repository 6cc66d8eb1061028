#pragma once
// FileWriter: writes one Parquet file into an OutputStream.
//
// Call order:
//   1. FileWriter::Make(schema, options, sink)
//   2. Append(batch) any number of times; row groups are cut by
//      options.row_group_bytes / row_group_rows as data arrives.
//   3. After each Append(), the caller may check ShouldRollOver(): the file has
//      reached options.max_file_bytes and the caller should Close() it and
//      open the next part.
//   4. Close(): flushes the last row group, writes the page indexes and the
//      footer. Close() does not close the sink; the caller commits it.
// Errors are sticky: after a failed Append() every later call returns the
// same Status. Bad input (a value not fitting its column, a decimal above its
// precision, invalid UTF-8 in a STRING column) is reported with the column
// name and the row number within the file; nothing a reader would reject is
// ever written. Not thread-safe; one writer per file.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/output_stream.h"
#include "common/status.h"
#include "parquet/column_batch.h"
#include "parquet/schema.h"

namespace dbexport::parquet {

// Numbered as in parquet.thrift `CompressionCodec`.
enum class Codec : int8_t { kUncompressed = 0, kSnappy = 1, kGzip = 2, kZstd = 6 };

struct WriterOptions {
  Codec codec = Codec::kGzip;
  // -1: the codec's default. GZIP 0-3 use ISA-L, 4-12 libdeflate (default
  // 5: zlib 6's ratio, several times faster); ZSTD 0-22 (default 1);
  // SNAPPY has no levels.
  int compression_level = -1;
  int64_t data_page_bytes = 1 << 20;             // ~1 MiB pages, as Arrow/parquet-java
  int64_t data_page_rows = 20000;                // rows per page cap, as Arrow >= 23
  int64_t dictionary_page_bytes = 1 << 20;       // past this: fall back to PLAIN; 0: none
  // Uncompressed bytes per row group. The open row group's pages stay in
  // memory until it is flushed, so this bounds the writer's memory: 64 MiB
  // (about 20 MiB of GZIP pages on lineitem) keeps a 4-worker export under
  // 512 MiB of RSS, with row groups of ~280k rows, above DuckDB's 122,880.
  int64_t row_group_bytes = 64ll << 20;
  int64_t row_group_rows = 1 << 20;              // rows per row group
  int64_t max_file_bytes = 20ll << 30;           // ~20 GB files, as the hosted export
  bool write_page_index = true;
  std::string created_by = "dbexport version 0.1.0 (build dbexport)";
};

// What a closed file holds per column, from its footer's column chunks:
// what a table format's data file entry (Apache Iceberg's metrics) needs.
struct ColumnSummary {
  int64_t compressed_bytes = 0;  // the column chunks' bytes, page headers included
  int64_t num_values = 0;        // level entries: NULLs and LIST elements included
  int64_t null_count = 0;        // of the leaf values (LIST: NULL elements and lists)
  int64_t nan_count = -1;        // FLOAT/DOUBLE only; -1: not counted
  // Over all row groups, PLAIN-encoded as the footer's statistics; byte
  // strings may be truncated (then the bound is inexact but still a bound).
  bool has_min_max = false;
  std::string min;
  std::string max;
  bool min_exact = true;
  bool max_exact = true;
};

struct FileSummary {
  int64_t rows = 0;
  std::vector<ColumnSummary> columns;  // one per schema field, in order
};

class FileWriter {
 public:
  static Result<std::unique_ptr<FileWriter>> Make(const Schema& schema, WriterOptions options,
                                                  OutputStream* sink);
  virtual ~FileWriter() = default;

  virtual Status Append(const ColumnBatch& batch) = 0;
  virtual bool ShouldRollOver() const = 0;
  virtual Status Close() = 0;

  // After a successful Close(): the file's per-column summary.
  virtual FileSummary Summary() const = 0;

  virtual int64_t rows_written() const = 0;
  // Bytes handed to the sink so far plus bytes buffered in the open row group
  // (compressed estimate).
  virtual int64_t bytes_written() const = 0;
};

}  // namespace dbexport::parquet
