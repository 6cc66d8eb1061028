#pragma once
// What the source fuzzers check of a batch a decoder filled: the shape
// column_batch.h promises (one validity byte per row, a dense slot for every
// NULL, offsets that end at the data), then that the Parquet writer takes it
// or refuses it with a Status (a value its column type cannot hold), writing
// into a stream that discards the bytes.

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "common/output_stream.h"
#include "parquet/column_batch.h"
#include "parquet/file_writer.h"

namespace dbexport::fuzz {

class DiscardStream : public OutputStream {
 public:
  Status Write(const uint8_t*, size_t size) override {
    written_ += static_cast<int64_t>(size);
    return Status::OK();
  }
  int64_t Tell() const override { return written_; }
  Status Close() override { return Status::OK(); }
  Status Abort() override { return Status::OK(); }

 private:
  int64_t written_ = 0;
};

[[noreturn]] inline void ShapeError(int column, const char* what) {
  std::fprintf(stderr, "decoded batch, column %d: %s\n", column, what);
  std::abort();
}

// Values (elements of a LIST) in `c` must be `count`, each `width` bytes
// in `fixed`, or in `data` through `offsets` when width is 0.
inline void CheckValues(int i, const parquet::Column& c, size_t count, int width) {
  if (width > 0) {
    if (c.fixed.size() != count * static_cast<size_t>(width)) ShapeError(i, "fixed values do not match the rows");
    return;
  }
  if (c.offsets.size() != count + 1) ShapeError(i, "offsets do not match the rows");
  if (c.offsets.back() != static_cast<int64_t>(c.data.size())) ShapeError(i, "offsets do not end at the data");
  for (size_t k = 1; k < c.offsets.size(); ++k) {
    if (c.offsets[k] < c.offsets[k - 1]) ShapeError(i, "offsets go backwards");
  }
}

inline void CheckBatch(const parquet::ColumnBatch& batch) {
  const auto rows = static_cast<size_t>(batch.num_rows());
  for (int i = 0; i < batch.num_columns(); ++i) {
    const parquet::Field& field = batch.schema().fields[i];
    const parquet::Column& c = batch.column(i);
    if (c.valid.size() != rows) ShapeError(i, "validity does not match the rows");
    const int width = parquet::FixedValueWidth(field);
    if (!field.is_list) {
      CheckValues(i, c, rows, width);
      continue;
    }
    if (c.list_offsets.size() != rows + 1) ShapeError(i, "list offsets do not match the rows");
    const auto elements = static_cast<size_t>(c.list_offsets.back());
    if (c.element_valid.size() != elements) ShapeError(i, "element validity does not match the list offsets");
    CheckValues(i, c, elements, width);
  }
}

// Writes `batch` as one uncompressed Parquet file with small pages. A refusal is fine (a
// value the column's type cannot hold); a crash is not.
inline void WriteBatch(const parquet::ColumnBatch& batch) {
  DiscardStream sink;
  parquet::WriterOptions options;
  options.codec = parquet::Codec::kUncompressed;
  // Small limits, so that small inputs cut pages and row groups and fall
  // back from dictionary to PLAIN.
  options.data_page_bytes = 4096;
  options.data_page_rows = 32;
  options.dictionary_page_bytes = 1024;
  options.row_group_bytes = 64 << 10;
  options.row_group_rows = 100;
  auto writer = parquet::FileWriter::Make(batch.schema(), options, &sink);
  if (!writer.ok()) {
    std::fprintf(stderr, "FileWriter::Make refused the decoder's schema: %s\n", writer.status().ToString().c_str());
    std::abort();
  }
  if ((*writer)->Append(batch).ok()) (void)(*writer)->Close();
}

}  // namespace dbexport::fuzz
