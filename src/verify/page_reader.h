#pragma once
// The deep check of one Parquet file (`dbexport verify --deep`): parses the
// footer's FileMetaData fully (schema, row groups, column chunks), then
// reads each column chunk and decodes every page in it:
//   - the page header (Thrift compact) and, when it has one, the page CRC;
//   - the page decompressed with the chunk's codec (UNCOMPRESSED, SNAPPY,
//     GZIP, ZSTD) to exactly the uncompressed size the header gives;
//   - repetition and definition levels (RLE / bit-packed hybrid), each
//     within the column's maximum level;
//   - the values: PLAIN (every physical type, byte arrays within the page)
//     or RLE_DICTIONARY / PLAIN_DICTIONARY indexes within the chunk's
//     dictionary page;
// and checks that the values of each page and of the chunk add up to the
// metadata's counts, that the rows of every column add up to the row
// group's num_rows and those to the file's, that the chunk's byte sizes
// match its pages, that the chunk's statistics bound every value (min/max
// in the column's sort order, the null count of flat columns), and that
// every value section is consumed exactly.
//
// Input is untrusted: every size is checked against the file and the
// limits before anything is allocated, so hostile bytes end in a problem,
// never a crash or an unbounded allocation. Memory: the footer, one column
// chunk (compressed) and one decompressed page at a time.
// Data page v2 and the DELTA / BYTE_STREAM_SPLIT encodings, which dbexport
// does not write, are reported as problems.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace dbexport::verify {

struct PageCheckLimits {
  // The largest uncompressed page and column chunk accepted; larger is a
  // problem, not an allocation.
  int64_t max_page_bytes = int64_t{256} << 20;
  int64_t max_chunk_bytes = int64_t{2} << 30;
};

// What the check decoded.
struct PageCheckStats {
  int64_t row_groups = 0;
  int64_t column_chunks = 0;
  int64_t pages = 0;          // dictionary pages included
  int64_t values = 0;         // level entries of the data pages, NULLs included
  int64_t bytes_read = 0;     // column chunks and footer
  int64_t bytes_decompressed = 0;
};

struct PageCheckResult {
  // Empty when the file is sound; else the first problem, naming where it
  // is: "row group 0, column l_comment, page 3 at byte 1234: ...".
  std::string problem;
  PageCheckStats stats;
};

// Reads `length` bytes at `offset` of the file being checked; fewer only
// past its end.
using ReadRangeFn = std::function<Result<std::string>(int64_t offset, int64_t length)>;

// Checks the Parquet file of `file_size` bytes that `read` reads. A problem
// with the file goes into the result; an error is returned only when
// `read` fails (its status).
Result<PageCheckResult> CheckParquetPages(int64_t file_size, const ReadRangeFn& read,
                                          const PageCheckLimits& limits = {});

// The same over a file in memory.
PageCheckResult CheckParquetPages(std::string_view file, const PageCheckLimits& limits = {});

}  // namespace dbexport::verify
