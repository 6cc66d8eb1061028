// FileWriter: cuts row groups, writes them as they complete, then the page
// indexes and the footer (docs/parquet-writer.md has the layout).

#include "parquet/file_writer.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "parquet/column_writer_internal.h"
#include "parquet/compression_internal.h"
#include "parquet/metadata_internal.h"
#include "parquet/value_check_internal.h"

namespace dbexport::parquet {
namespace {

constexpr uint8_t kMagic[4] = {'P', 'A', 'R', '1'};
// Upper bound for page and dictionary sizes in the options: page sizes are
// i32 in parquet.thrift, and a page is held in memory several times over.
constexpr int64_t kMaxPageOption = int64_t{1} << 30;

Status CheckOptions(const WriterOptions& o) {
  auto bad = [](const std::string& what) {
    return InvalidArgument("Parquet writer options: " + what);
  };
  if (o.data_page_bytes < 1 || o.data_page_bytes > kMaxPageOption) {
    return bad("data_page_bytes " + std::to_string(o.data_page_bytes) + " is outside 1..2^30");
  }
  if (o.data_page_rows < 1 || o.data_page_rows > std::numeric_limits<int32_t>::max()) {
    return bad("data_page_rows " + std::to_string(o.data_page_rows) + " is outside 1..2^31-1");
  }
  if (o.dictionary_page_bytes < 0 || o.dictionary_page_bytes > kMaxPageOption) {
    return bad("dictionary_page_bytes " + std::to_string(o.dictionary_page_bytes) +
               " is outside 0..2^30");
  }
  if (o.row_group_bytes < 1) return bad("row_group_bytes must be positive");
  if (o.row_group_rows < 1) return bad("row_group_rows must be positive");
  if (o.max_file_bytes < 1) return bad("max_file_bytes must be positive");
  // parquet-java ignores BYTE_ARRAY statistics unless created_by parses as
  // "<application> version <semver> (build <hash>)".
  if (o.created_by.find(" version ") == std::string::npos) {
    return bad("created_by \"" + o.created_by +
               "\" does not read \"<application> version <x.y.z> (build <id>)\"");
  }
  return Status::OK();
}

class FileWriterImpl final : public FileWriter {
 public:
  FileWriterImpl(const Schema& schema, WriterOptions options, OutputStream* sink,
                 std::unique_ptr<Compressor> compressor)
      : schema_(schema),
        options_(std::move(options)),
        sink_(sink),
        compressor_(std::move(compressor)) {
    for (const Field& f : schema_.fields) {
      columns_.push_back(std::make_unique<ColumnWriter>(f, options_, compressor_.get()));
    }
  }

  Status Append(const ColumnBatch& batch) override {
    if (closed_) return FailedPrecondition("Parquet writer: Append() after Close()");
    if (!status_.ok()) return status_;
    status_ = AppendBatch(batch);
    return status_;
  }

  bool ShouldRollOver() const override { return bytes_written() >= options_.max_file_bytes; }

  FileSummary Summary() const override {
    FileSummary out;
    out.rows = rows_;
    out.columns.resize(schema_.fields.size());
    for (size_t c = 0; c < schema_.fields.size(); ++c) {
      ColumnSummary& sum = out.columns[c];
      StatsKind kind = StatsKindFor(schema_.fields[c]);
      for (const RowGroupMeta& rg : row_groups_) {
        const ColumnChunkMeta& m = rg.columns[c];
        const EncodedStats& st = m.statistics;
        sum.compressed_bytes += m.total_compressed_size;
        sum.num_values += m.num_values;
        sum.null_count += st.null_count;
        if (st.has_nan_count) sum.nan_count = std::max<int64_t>(sum.nan_count, 0) + st.nan_count;
        if (!st.has_min_max) continue;
        if (!sum.has_min_max || CompareEncoded(kind, st.min, sum.min) < 0) {
          sum.min = st.min;
          sum.min_exact = st.min_exact;
        }
        if (!sum.has_min_max || CompareEncoded(kind, st.max, sum.max) > 0) {
          sum.max = st.max;
          sum.max_exact = st.max_exact;
        }
        sum.has_min_max = true;
      }
    }
    return out;
  }

  Status Close() override {
    if (closed_) return FailedPrecondition("Parquet writer: Close() called twice");
    closed_ = true;
    if (!status_.ok()) return status_;
    status_ = Finish();
    return status_;
  }

  int64_t rows_written() const override { return rows_; }

  int64_t bytes_written() const override {
    int64_t n = offset_;
    for (const auto& c : columns_) n += c->estimated_file_bytes();
    return n;
  }

 private:
  int64_t BufferedBytes() const {
    int64_t n = 0;
    for (const auto& c : columns_) n += c->buffered_bytes();
    return n;
  }

  Status Write(const void* p, size_t n) {
    DBX_RETURN_IF_ERROR(sink_->Write(static_cast<const uint8_t*>(p), n));
    offset_ += static_cast<int64_t>(n);
    return Status::OK();
  }

  Status AppendBatch(const ColumnBatch& batch) {
    if (batch.num_columns() != static_cast<int>(columns_.size())) {
      return InvalidArgument("Parquet writer: batch has " + std::to_string(batch.num_columns()) +
                             " columns, the schema " + std::to_string(columns_.size()));
    }
    int64_t n = batch.num_rows();
    if (n == 0) return Status::OK();
    for (size_t c = 0; c < columns_.size(); ++c) {
      DBX_RETURN_IF_ERROR(
          CheckColumn(schema_.fields[c], batch.column(static_cast<int>(c)), n, rows_));
    }
    int64_t bytes_per_row = std::max<int64_t>(1, batch.ByteSize() / n);
    int64_t pos = 0;
    while (pos < n) {
      int64_t take = std::min(n - pos, options_.row_group_rows - row_group_rows_);
      int64_t room = options_.row_group_bytes - BufferedBytes();
      take = std::clamp<int64_t>(room / bytes_per_row, 1, take);
      for (size_t c = 0; c < columns_.size(); ++c) {
        DBX_RETURN_IF_ERROR(columns_[c]->Append(batch.column(static_cast<int>(c)), pos, pos + take));
      }
      pos += take;
      rows_ += take;
      row_group_rows_ += take;
      if (row_group_rows_ >= options_.row_group_rows ||
          BufferedBytes() >= options_.row_group_bytes) {
        DBX_RETURN_IF_ERROR(FlushRowGroup());
      }
    }
    return Status::OK();
  }

  Status FlushRowGroup() {
    if (offset_ == 0) DBX_RETURN_IF_ERROR(Write(kMagic, sizeof kMagic));
    RowGroupMeta rg;
    rg.num_rows = row_group_rows_;
    rg.file_offset = offset_;
    std::vector<PageIndexes> indexes(columns_.size());
    for (size_t c = 0; c < columns_.size(); ++c) {
      FinishedChunk chunk;
      DBX_RETURN_IF_ERROR(columns_[c]->FinishChunk(offset_, sink_, &chunk));
      offset_ += chunk.meta.total_compressed_size;
      rg.total_byte_size += chunk.meta.total_uncompressed_size;
      rg.total_compressed_size += chunk.meta.total_compressed_size;
      rg.columns.push_back(std::move(chunk.meta));
      indexes[c].column_index = std::move(chunk.column_index);
      indexes[c].offset_index = std::move(chunk.offset_index);
    }
    row_groups_.push_back(std::move(rg));
    page_indexes_.push_back(std::move(indexes));
    row_group_rows_ = 0;
    return Status::OK();
  }

  // Page indexes after the last row group (all ColumnIndexes, then all
  // OffsetIndexes, as Arrow lays them out), then the footer.
  Status Finish() {
    if (row_group_rows_ > 0) DBX_RETURN_IF_ERROR(FlushRowGroup());
    if (offset_ == 0) DBX_RETURN_IF_ERROR(Write(kMagic, sizeof kMagic));
    for (size_t g = 0; g < row_groups_.size(); ++g) {
      for (size_t c = 0; c < columns_.size(); ++c) {
        const ByteBuffer& b = page_indexes_[g][c].column_index;
        if (b.empty()) continue;
        row_groups_[g].columns[c].column_index_offset = offset_;
        row_groups_[g].columns[c].column_index_length = static_cast<int32_t>(b.size());
        DBX_RETURN_IF_ERROR(Write(b.data(), b.size()));
      }
    }
    for (size_t g = 0; g < row_groups_.size(); ++g) {
      for (size_t c = 0; c < columns_.size(); ++c) {
        const ByteBuffer& b = page_indexes_[g][c].offset_index;
        if (b.empty()) continue;
        row_groups_[g].columns[c].offset_index_offset = offset_;
        row_groups_[g].columns[c].offset_index_length = static_cast<int32_t>(b.size());
        DBX_RETURN_IF_ERROR(Write(b.data(), b.size()));
      }
    }
    ByteBuffer footer;
    AppendFileMetaData(schema_, row_groups_, rows_, options_.created_by, &footer);
    if (footer.size() > std::numeric_limits<uint32_t>::max()) {
      return ResourceExhausted("Parquet writer: footer of " + std::to_string(footer.size()) +
                               " bytes exceeds the 4 GiB limit; write smaller files");
    }
    auto length = static_cast<uint32_t>(footer.size());
    footer.AppendLE(length);
    footer.Append(kMagic, sizeof kMagic);
    return Write(footer.data(), footer.size());
  }

  struct PageIndexes {
    ByteBuffer column_index;
    ByteBuffer offset_index;
  };

  const Schema schema_;
  const WriterOptions options_;
  OutputStream* sink_;
  std::unique_ptr<Compressor> compressor_;
  std::vector<std::unique_ptr<ColumnWriter>> columns_;
  std::vector<RowGroupMeta> row_groups_;
  std::vector<std::vector<PageIndexes>> page_indexes_;
  int64_t offset_ = 0;  // bytes handed to the sink
  int64_t rows_ = 0;
  int64_t row_group_rows_ = 0;
  Status status_;
  bool closed_ = false;
};

}  // namespace

Result<std::unique_ptr<FileWriter>> FileWriter::Make(const Schema& schema, WriterOptions options,
                                                     OutputStream* sink) {
  if (sink == nullptr) return InvalidArgument("Parquet writer: no output stream");
  DBX_RETURN_IF_ERROR(ValidateSchema(schema));
  DBX_RETURN_IF_ERROR(CheckOptions(options));
  DBX_ASSIGN_OR_RETURN(std::unique_ptr<Compressor> compressor,
                       Compressor::Make(options.codec, options.compression_level));
  return std::unique_ptr<FileWriter>(
      new FileWriterImpl(schema, std::move(options), sink, std::move(compressor)));
}

}  // namespace dbexport::parquet
