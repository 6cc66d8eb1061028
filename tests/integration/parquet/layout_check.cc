#include "layout_check.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <set>

#include "thrift_decoder.h"

namespace dbexport::parquet::testing {
namespace {

Status Fail(const std::string& where, const std::string& what) {
  return InvalidArgument("layout: " + where + ": " + what);
}

#define EXPECT_OR_FAIL(cond, where, what) \
  do {                                    \
    if (!(cond)) return Fail(where, what); \
  } while (0)

std::string Str(int64_t v) { return std::to_string(v); }

}  // namespace

Result<FileLayout> ReadLayout(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("layout: cannot open " + path);
  std::vector<uint8_t> file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const uint8_t* d = file.data();
  size_t n = file.size();
  EXPECT_OR_FAIL(n >= 12, path, "shorter than 12 bytes");
  EXPECT_OR_FAIL(std::memcmp(d, "PAR1", 4) == 0 && std::memcmp(d + n - 4, "PAR1", 4) == 0, path,
                 "missing PAR1 magic");
  uint32_t footer_len;
  std::memcpy(&footer_len, d + n - 8, 4);
  EXPECT_OR_FAIL(footer_len + 12 <= n, path, "footer length past the file");
  size_t footer_at = n - 8 - footer_len;
  size_t pos = footer_at;
  DBX_ASSIGN_OR_RETURN(TValue meta, DecodeStruct(d, n - 8, &pos));
  EXPECT_OR_FAIL(pos == n - 8, path, "footer length does not match the FileMetaData");

  FileLayout out;
  EXPECT_OR_FAIL(meta[1].i == 1, "FileMetaData", "version " + Str(meta[1].i));
  out.num_rows = meta[3].i;
  out.created_by = meta[6].s;
  const auto& schema = meta[2].list;
  EXPECT_OR_FAIL(!schema.empty() && !schema[0].Has(1) && schema[0].Has(5), "schema",
                 "root must be a group with num_children");
  int leaves = 0;
  for (size_t i = 1; i < schema.size(); ++i) {
    bool group = schema[i].Has(5);
    EXPECT_OR_FAIL(group != schema[i].Has(1), "schema element " + schema[i][4].s,
                   "a group must have no type and a leaf no num_children");
    EXPECT_OR_FAIL(schema[i].Has(3), "schema element " + schema[i][4].s, "no repetition_type");
    leaves += group ? 0 : 1;
  }
  EXPECT_OR_FAIL(static_cast<int>(meta[7].list.size()) == leaves, "column_orders",
                 Str(static_cast<int64_t>(meta[7].list.size())) + " for " + Str(leaves) + " leaves");

  int64_t rows = 0;
  size_t data_end = 4;
  std::vector<std::pair<size_t, size_t>> index_ranges;
  for (size_t g = 0; g < meta[4].list.size(); ++g) {
    const TValue& rg = meta[4].list[g];
    std::string where_rg = "row group " + Str(static_cast<int64_t>(g));
    out.row_group_rows.push_back(rg[3].i);
    rows += rg[3].i;
    int64_t rg_compressed = 0;
    int64_t rg_uncompressed = 0;
    std::vector<ChunkLayout> chunks;
    for (size_t c = 0; c < rg[1].list.size(); ++c) {
      const TValue& chunk = rg[1].list[c];
      const TValue& cm = chunk[3];
      ChunkLayout l;
      for (const auto& p : cm[3].list) l.path += (l.path.empty() ? "" : ".") + p.s;
      std::string where = where_rg + " column " + l.path;
      EXPECT_OR_FAIL(chunk.Has(2) && chunk[2].i == 0, where, "ColumnChunk.file_offset must be 0");
      l.codec = cm[4].i;
      int64_t start = cm.Has(11) ? cm[11].i : cm[9].i;
      int64_t end = start + cm[7].i;
      if (c == 0) EXPECT_OR_FAIL(rg[5].i == start, where_rg, "file_offset is not the first page");
      EXPECT_OR_FAIL(start >= static_cast<int64_t>(data_end) && end <= static_cast<int64_t>(footer_at),
                     where, "chunk outside the data area or overlapping");
      data_end = static_cast<size_t>(end);
      rg_compressed += cm[7].i;
      rg_uncompressed += cm[6].i;

      // Walk the pages.
      size_t p = static_cast<size_t>(start);
      int64_t values = 0, uncompressed = 0;
      std::vector<int64_t> data_page_offsets;
      std::vector<int64_t> data_page_sizes;
      std::vector<int64_t> data_page_values;
      bool repeated = cm[3].list.size() == 3;  // name.list.element
      while (p < static_cast<size_t>(end)) {
        size_t header_at = p;
        DBX_ASSIGN_OR_RETURN(TValue h, DecodeStruct(d, static_cast<size_t>(end), &p));
        int64_t body = h[3].i;
        size_t header_size = p - header_at;
        if (l.codec == 0) EXPECT_OR_FAIL(h[2].i == body, where, "UNCOMPRESSED page sizes differ");
        uncompressed += static_cast<int64_t>(header_size) + h[2].i;
        if (h[1].i == 2) {
          EXPECT_OR_FAIL(cm.Has(11) && static_cast<int64_t>(header_at) == cm[11].i &&
                             l.dictionary_pages == 0,
                         where, "dictionary page not first or not at dictionary_page_offset");
          EXPECT_OR_FAIL(h[7][2].i == 0, where, "dictionary page not PLAIN");
          ++l.dictionary_pages;
        } else {
          EXPECT_OR_FAIL(h[1].i == 0, where, "page type " + Str(h[1].i));
          if (data_page_offsets.empty()) {
            EXPECT_OR_FAIL(static_cast<int64_t>(header_at) == cm[9].i, where,
                           "data_page_offset is not the first data page");
          }
          const TValue& dh = h[5];
          values += dh[1].i;
          EXPECT_OR_FAIL(dh[3].i == 3 && dh[4].i == 3, where, "level encodings not RLE");
          if (dh[2].i == 8) {
            EXPECT_OR_FAIL(l.dictionary_pages == 1 && l.plain_pages == 0, where,
                           "dictionary-coded page without a dictionary or after PLAIN pages");
            ++l.dictionary_coded_pages;
          } else {
            EXPECT_OR_FAIL(dh[2].i == 0, where, "data page encoding " + Str(dh[2].i));
            ++l.plain_pages;
          }
          data_page_offsets.push_back(static_cast<int64_t>(header_at));
          data_page_sizes.push_back(static_cast<int64_t>(header_size) + body);
          data_page_values.push_back(dh[1].i);
          if (repeated && l.codec == 0) {
            // A page must start a row: its first repetition level is 0. The
            // section is u32 length, then a run header: RLE (even) with the
            // value in the next byte, or bit-packed (odd) with the first
            // value in the low bit of the next byte (bit width 1).
            EXPECT_OR_FAIL(body >= 6, where, "page too small for levels");
            const uint8_t* levels = d + p + 4;
            uint8_t first = (levels[0] & 1) == 0 ? levels[1] : (levels[1] & 1);
            EXPECT_OR_FAIL(first == 0, where, "a page starts inside a row");
          }
        }
        p += static_cast<size_t>(body);
      }
      EXPECT_OR_FAIL(p == static_cast<size_t>(end), where, "pages overrun total_compressed_size");
      EXPECT_OR_FAIL(values == cm[5].i, where,
                     "num_values " + Str(cm[5].i) + " but pages hold " + Str(values));
      EXPECT_OR_FAIL(uncompressed == cm[6].i, where, "total_uncompressed_size is not the sum");

      // encoding_stats must describe exactly the pages found.
      int stats_dict = 0, stats_rle_dict = 0, stats_plain = 0;
      for (const auto& es : cm[13].list) {
        if (es[1].i == 2) stats_dict += static_cast<int>(es[3].i);
        if (es[1].i == 0 && es[2].i == 8) stats_rle_dict += static_cast<int>(es[3].i);
        if (es[1].i == 0 && es[2].i == 0) stats_plain += static_cast<int>(es[3].i);
      }
      EXPECT_OR_FAIL(stats_dict == l.dictionary_pages && stats_rle_dict == l.dictionary_coded_pages &&
                         stats_plain == l.plain_pages,
                     where, "encoding_stats do not match the pages");
      std::set<int64_t> encodings;
      for (const auto& e : cm[2].list) encodings.insert(e.i);
      EXPECT_OR_FAIL(encodings.count(3) == 1, where, "encodings lack RLE");
      EXPECT_OR_FAIL((encodings.count(8) == 1) == (l.dictionary_coded_pages > 0), where,
                     "encodings and RLE_DICTIONARY pages disagree");
      EXPECT_OR_FAIL((encodings.count(0) == 1) == (l.plain_pages > 0 || l.dictionary_pages > 0),
                     where, "encodings and PLAIN pages disagree");

      const TValue& st = cm[12];
      l.null_count = st[3].i;
      l.has_min_max = st.Has(5) && st.Has(6);
      l.max_value = st[5].s;
      l.min_value = st[6].s;
      l.has_deprecated_min_max = st.Has(1) && st.Has(2);
      l.max_exact = st[7].b;
      l.min_exact = st[8].b;
      EXPECT_OR_FAIL(st.Has(3), where, "statistics without null_count");
      if (l.has_min_max) EXPECT_OR_FAIL(st.Has(7) && st.Has(8), where, "exactness flags missing");

      if (chunk.Has(4)) {
        size_t at = static_cast<size_t>(chunk[4].i);
        size_t stop = at + static_cast<size_t>(chunk[5].i);
        index_ranges.emplace_back(at, stop);
        DBX_ASSIGN_OR_RETURN(TValue oi, DecodeStruct(d, stop, &at));
        EXPECT_OR_FAIL(at == stop, where, "offset_index_length does not match");
        const auto& locs = oi[1].list;
        EXPECT_OR_FAIL(locs.size() == data_page_offsets.size(), where,
                       "OffsetIndex has " + Str(static_cast<int64_t>(locs.size())) +
                           " pages, the chunk " + Str(static_cast<int64_t>(data_page_offsets.size())));
        for (size_t k = 0; k < locs.size(); ++k) {
          EXPECT_OR_FAIL(locs[k][1].i == data_page_offsets[k] && locs[k][2].i == data_page_sizes[k],
                         where, "PageLocation " + Str(static_cast<int64_t>(k)) + " is off");
          int64_t first = locs[k][3].i;
          EXPECT_OR_FAIL(k == 0 ? first == 0 : first > l.page_first_rows.back(), where,
                         "first_row_index not increasing from 0");
          if (!repeated && k > 0) {  // one level entry per row
            EXPECT_OR_FAIL(first == l.page_first_rows.back() + data_page_values[k - 1], where,
                           "first_row_index does not count the rows before it");
          }
          EXPECT_OR_FAIL(first < rg[3].i, where, "first_row_index past the row group");
          l.page_first_rows.push_back(first);
        }
      }
      if (chunk.Has(6)) {
        size_t at = static_cast<size_t>(chunk[6].i);
        size_t stop = at + static_cast<size_t>(chunk[7].i);
        index_ranges.emplace_back(at, stop);
        DBX_ASSIGN_OR_RETURN(TValue ci, DecodeStruct(d, stop, &at));
        EXPECT_OR_FAIL(at == stop, where, "column_index_length does not match");
        l.has_column_index = true;
        l.boundary_order = ci[4].i;
        size_t pages = data_page_offsets.size();
        EXPECT_OR_FAIL(ci[1].list.size() == pages && ci[2].list.size() == pages &&
                           ci[3].list.size() == pages && ci[5].list.size() == pages,
                       where, "ColumnIndex lists do not have one entry per page");
        int64_t nulls = 0;
        for (size_t k = 0; k < pages; ++k) {
          nulls += ci[5].list[k].i;
          if (ci[1].list[k].b) {
            EXPECT_OR_FAIL(ci[2].list[k].s.empty() && ci[3].list[k].s.empty(), where,
                           "null page with bounds");
          }
        }
        EXPECT_OR_FAIL(nulls == l.null_count, where, "ColumnIndex null_counts do not sum up");
      }
      chunks.push_back(std::move(l));
    }
    EXPECT_OR_FAIL(rg[6].i == rg_compressed, where_rg, "total_compressed_size is not the sum");
    EXPECT_OR_FAIL(rg[2].i == rg_uncompressed, where_rg, "total_byte_size is not the sum");
    out.chunks.push_back(std::move(chunks));
  }
  EXPECT_OR_FAIL(rows == out.num_rows, path, "row groups hold " + Str(rows) + " rows, footer says " +
                                                 Str(out.num_rows));
  for (const auto& [a, b] : index_ranges) {
    EXPECT_OR_FAIL(a >= data_end && b <= footer_at, path, "page index overlaps data or footer");
  }
  return out;
}

}  // namespace dbexport::parquet::testing
