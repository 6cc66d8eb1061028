#pragma once
// The Thrift structures of parquet.thrift that the writer emits, as plain
// structs, and their compact-protocol serialization: page headers, the page
// index (ColumnIndex, OffsetIndex) and the footer (FileMetaData). Field ids
// are those of parquet.thrift; optional fields are written only when set.

#include <cstdint>
#include <string>
#include <vector>

#include "parquet/byte_buffer_internal.h"
#include "parquet/encoding_internal.h"
#include "parquet/file_writer.h"
#include "parquet/schema.h"
#include "parquet/statistics_internal.h"

namespace dbexport::parquet {

// parquet.thrift `PageType`.
enum class PageType : int32_t { kDataPage = 0, kDictionaryPage = 2 };

// parquet.thrift `BoundaryOrder`.
enum class BoundaryOrder : int32_t { kUnordered = 0, kAscending = 1, kDescending = 2 };

struct PageEncodingCount {
  PageType page_type;
  Encoding encoding;
  int32_t count;
};

// PageHeader + DataPageHeader (v1): levels are RLE-encoded.
void AppendDataPageHeader(int32_t uncompressed_size, int32_t compressed_size, int32_t num_values,
                          Encoding encoding, ByteBuffer* out);
// PageHeader + DictionaryPageHeader (PLAIN entries).
void AppendDictionaryPageHeader(int32_t uncompressed_size, int32_t compressed_size,
                                int32_t num_entries, ByteBuffer* out);

// One page of a ColumnIndex.
struct PageIndexEntry {
  bool null_page = false;  // only NULLs: min/max empty
  std::string min;         // encoded as in Statistics
  std::string max;
  int64_t null_count = 0;
};
void AppendColumnIndex(const std::vector<PageIndexEntry>& pages, BoundaryOrder order,
                       ByteBuffer* out);

// One data page of an OffsetIndex.
struct PageLocation {
  int64_t offset;                // of the page header in the file
  int32_t compressed_page_size;  // header included
  int64_t first_row_index;       // within the row group
};
void AppendOffsetIndex(const std::vector<PageLocation>& pages, ByteBuffer* out);

struct ColumnChunkMeta {
  PhysicalType type;
  std::vector<Encoding> encodings;
  std::vector<std::string> path_in_schema;
  Codec codec;
  int64_t num_values = 0;  // level entries, NULLs and LIST elements included
  int64_t total_uncompressed_size = 0;  // page headers included
  int64_t total_compressed_size = 0;
  int64_t data_page_offset = 0;
  int64_t dictionary_page_offset = -1;  // -1: no dictionary page
  EncodedStats statistics;
  std::vector<PageEncodingCount> encoding_stats;
  int64_t column_index_offset = -1;  // -1: none
  int32_t column_index_length = 0;
  int64_t offset_index_offset = -1;
  int32_t offset_index_length = 0;
};

struct RowGroupMeta {
  std::vector<ColumnChunkMeta> columns;
  int64_t num_rows = 0;
  int64_t total_byte_size = 0;  // uncompressed
  int64_t total_compressed_size = 0;
  int64_t file_offset = 0;  // first page of the first column chunk
};

// FileMetaData: schema tree, row groups, created_by and one TypeDefinedOrder
// per leaf column.
void AppendFileMetaData(const Schema& schema, const std::vector<RowGroupMeta>& row_groups,
                        int64_t num_rows, const std::string& created_by, ByteBuffer* out);

// Path of a field's leaf below the root: {name} or {name, "list", "element"}.
std::vector<std::string> LeafPath(const Field& field);

}  // namespace dbexport::parquet
