#pragma once
// ColumnWriter: encodes one leaf column into the pages of a column chunk.
//
// Call order, per row group:
//   1. Append(column, begin, end) any number of times, with rows already
//      checked by CheckColumn(); pages are cut as they fill (data_page_rows,
//      data_page_bytes), always at row boundaries so that every page of a
//      LIST column starts at repetition level 0.
//   2. FinishChunk(): flushes the open page and writes the chunk, dictionary
//      page first, to the sink; fills the chunk's metadata and page index.
// Pages are compressed as they are cut and held, with their headers, until
// FinishChunk(), because a row group's chunks must be contiguous.
//
// Encoding: RLE_DICTIONARY while the dictionary's PLAIN size stays within
// options.dictionary_page_bytes (0 disables it; never for BOOLEAN), then
// PLAIN for the rest of the chunk: dictionary page, dictionary-coded pages,
// PLAIN pages, and encoding_stats saying so. The chunk's first page is
// compressed both ways and the dictionary is dropped at once if PLAIN comes
// out smaller (sorted keys, timestamps). Every row group tries afresh.
// Not thread-safe.

#include <cstdint>
#include <memory>
#include <vector>

#include "common/output_stream.h"
#include "common/status.h"
#include "parquet/byte_buffer_internal.h"
#include "parquet/column_batch.h"
#include "parquet/compression_internal.h"
#include "parquet/dictionary_internal.h"
#include "parquet/file_writer.h"
#include "parquet/metadata_internal.h"
#include "parquet/statistics_internal.h"

namespace dbexport::parquet {

// Byte strings in statistics and the page index are truncated past this
// (arrow-rs's default): enough to prune on, small enough that long text
// columns do not bloat the footer.
constexpr size_t kMaxStatisticsBytes = 64;

// A finished column chunk: its footer metadata and its serialized page
// index (column_index empty when the chunk has none, e.g. an all-NaN page).
struct FinishedChunk {
  ColumnChunkMeta meta;
  ByteBuffer column_index;
  ByteBuffer offset_index;
};

class ColumnWriter {
 public:
  // `field`, `options` and `compressor` (nullptr: UNCOMPRESSED) must outlive
  // the writer.
  ColumnWriter(const Field& field, const WriterOptions& options, Compressor* compressor);

  // Appends rows [begin, end) of `column`.
  // REQUIRES: CheckColumn() accepted `column`.
  Status Append(const Column& column, int64_t begin, int64_t end);

  // Uncompressed bytes of the open chunk, pages and dictionary included.
  int64_t buffered_bytes() const;
  // Bytes the open chunk would take in the file if finished now (pages
  // compressed so far, the rest counted uncompressed).
  int64_t estimated_file_bytes() const;

  // Writes the chunk at file offset `offset` to `sink` and resets for the
  // next row group. out->meta.total_compressed_size is the bytes written.
  Status FinishChunk(int64_t offset, OutputStream* sink, FinishedChunk* out);

 private:
  int64_t AppendRows(const Column& column, int64_t begin, int64_t end);
  size_t DictionaryEncode(const Column& column, int64_t vb, int64_t n, const uint8_t* valid);
  void AppendPlain(const Column& column, int64_t vb, int64_t n, const uint8_t* valid);
  void UpdateStatistics(const Column& column, int64_t vb, int64_t n, const uint8_t* valid);
  void AppendListLevels(const Column& column, int64_t begin, int64_t end);
  int64_t RowsWithinPageBytes(const Column& column, int64_t begin, int64_t end) const;
  int64_t PageBytes() const;
  bool PageMayTurnPlain() const;
  size_t DictionarySize() const;
  const ByteBuffer* DictionaryPlain() const;
  void ClearDictionary();
  Status FlushPage();
  void AppendDictionaryValues(ByteBuffer* out) const;
  Status TryDictionary(bool* keep);
  Status CompressedSize(const ByteBuffer& raw, size_t* size);
  Status CompressInto(const ByteBuffer& raw, const ByteBuffer** body);
  void BuildPageIndex(int64_t data_offset, FinishedChunk* out) const;

  const Field& field_;
  const WriterOptions& options_;
  Compressor* compressor_;
  int max_def_;
  int max_rep_;
  int width_;  // bytes per value; 0 for BYTE_ARRAY

  // Dictionary (one of these, by physical type).
  std::unique_ptr<FixedDictionary<uint32_t>> dict32_;
  std::unique_ptr<FixedDictionary<uint64_t>> dict64_;
  std::unique_ptr<BytesDictionary> dict_bytes_;
  bool use_dictionary_ = false;  // this chunk still adds to its dictionary

  // The open page.
  bool page_dictionary_ = false;  // values are dictionary indices
  ByteBuffer def_levels_;         // one byte per level entry
  ByteBuffer rep_levels_;
  ByteBuffer plain_;              // PLAIN values (BOOLEAN: a byte each)
  std::vector<uint32_t> indices_;
  int64_t page_values_ = 0;    // level entries
  int64_t page_rows_ = 0;
  int64_t page_non_null_ = 0;  // values present
  int64_t page_plain_bytes_ = 0;  // PLAIN size of a dictionary-coded page's values
  Statistics page_stats_;

  // The open chunk.
  ByteBuffer chunk_;  // data pages: header + body each
  std::vector<PageLocation> locations_;  // offsets relative to chunk_
  std::vector<PageIndexEntry> index_entries_;
  bool column_index_possible_ = true;
  Statistics chunk_stats_;
  int64_t chunk_rows_ = 0;
  int64_t chunk_values_ = 0;
  int64_t chunk_uncompressed_ = 0;  // data pages, headers included
  int32_t dictionary_pages_ = 0;    // data pages in RLE_DICTIONARY
  int32_t plain_pages_ = 0;

  // Scratch, reused page after page.
  ByteBuffer page_buf_;
  ByteBuffer dictionary_values_;  // bit width + hybrid-coded indices
  ByteBuffer compressed_;
  ByteBuffer header_;
};

}  // namespace dbexport::parquet
