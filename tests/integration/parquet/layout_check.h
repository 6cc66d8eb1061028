#pragma once
// Reads a Parquet file's footer, page headers and page indexes with the
// test Thrift decoder and checks the invariants readers rely on
// (parquet-notes §1, §3, §5, §8): offsets and sizes that add up, the
// dictionary page first, encoding_stats matching the pages, OffsetIndex
// locations on page headers, ColumnIndex sizes and null counts. Returns
// what it found so that tests can assert on it.

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace dbexport::parquet::testing {

struct ChunkLayout {
  std::string path;  // path_in_schema joined with '.'
  int64_t codec = 0;
  int dictionary_pages = 0;
  int dictionary_coded_pages = 0;  // data pages in RLE_DICTIONARY
  int plain_pages = 0;             // data pages in PLAIN
  std::vector<int64_t> page_first_rows;  // from the OffsetIndex
  bool has_column_index = false;
  int64_t boundary_order = -1;
  int64_t null_count = -1;
  bool has_min_max = false;
  std::string min_value, max_value;  // encoded
  bool has_deprecated_min_max = false;
  bool min_exact = false, max_exact = false;
};

struct FileLayout {
  int64_t num_rows = 0;
  std::string created_by;
  std::vector<int64_t> row_group_rows;
  std::vector<std::vector<ChunkLayout>> chunks;  // [row group][column]
};

Result<FileLayout> ReadLayout(const std::string& path);

}  // namespace dbexport::parquet::testing
