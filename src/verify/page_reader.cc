// CheckParquetPages: parquet-format's File format, PageHeader and
// Encodings.md, read with the bounds of page_reader.h.

#include "verify/page_reader.h"

#include <libdeflate.h>
#include <snappy.h>
#include <zstd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "verify/hybrid_decoder_internal.h"
#include "verify/thrift_reader_internal.h"

namespace dbexport::verify {
namespace {

constexpr char kMagic[] = "PAR1";
constexpr int64_t kMagicSize = 4;
constexpr int64_t kTrailerSize = 4 + kMagicSize;  // footer length + magic
// Schema trees of dbexport are two or three levels deep.
constexpr int kMaxSchemaDepth = 64;

// parquet.thrift enums.
enum PhysicalType : int32_t {
  kBoolean = 0, kInt32 = 1, kInt64 = 2, kInt96 = 3, kFloat = 4, kDouble = 5, kByteArray = 6, kFlba = 7,
};
enum Repetition : int32_t { kRequired = 0, kOptional = 1, kRepeated = 2 };
enum Codec : int32_t { kUncompressed = 0, kSnappy = 1, kGzip = 2, kZstd = 6 };
enum PageType : int32_t { kDataPage = 0, kIndexPage = 1, kDictionaryPage = 2, kDataPageV2 = 3 };
enum Encoding : int32_t { kPlain = 0, kPlainDictionary = 2, kRle = 3, kRleDictionary = 8 };
enum ConvertedType : int32_t { kUint8 = 11, kUint16 = 12, kUint32 = 13, kUint64 = 14, kDecimal = 5 };

// The order min/max statistics are in (parquet.thrift ColumnOrder).
enum class SortOrder { kNone, kBool, kInt32, kUInt32, kInt64, kUInt64, kFloat, kDouble, kBytes, kDecimalBytes };

struct SchemaElement {
  int32_t type = -1;  // -1: a group
  int32_t type_length = 0;
  int32_t repetition = kRequired;
  std::string name;
  int32_t num_children = 0;
  int32_t converted_type = -1;
};

struct Leaf {
  std::vector<std::string> path;
  std::string name;  // path joined with '.'
  int32_t type = 0;
  int32_t type_length = 0;
  int max_def = 0;
  int max_rep = 0;
  SortOrder order = SortOrder::kNone;
};

struct ColumnMeta {
  int32_t type = -1;
  std::vector<std::string> path;
  int32_t codec = -1;
  int64_t num_values = -1;
  int64_t total_uncompressed_size = -1;
  int64_t total_compressed_size = -1;
  int64_t data_page_offset = -1;
  int64_t dictionary_page_offset = -1;
  bool has_min = false, has_max = false;
  std::string min, max;  // min_value / max_value (fields 6, 5)
  int64_t null_count = -1;
};

struct RowGroup {
  std::vector<ColumnMeta> columns;
  int64_t num_rows = -1;
};

struct FileMeta {
  std::vector<SchemaElement> schema;
  int64_t num_rows = -1;
  std::vector<RowGroup> row_groups;
};

// ---- Footer -------------------------------------------------------------

void ReadStatistics(ThriftReader& r, ColumnMeta* c) {
  int16_t id = 0;
  uint8_t type = 0;
  while (r.NextField(&id, &type)) {
    if (id == 3 && type == ThriftReader::kI64) c->null_count = r.I64();
    else if (id == 5 && type == ThriftReader::kBinary) c->has_max = true, c->max = r.Binary();
    else if (id == 6 && type == ThriftReader::kBinary) c->has_min = true, c->min = r.Binary();
    else r.SkipValue(type, 3);
  }
}

void ReadColumnMeta(ThriftReader& r, ColumnMeta* c) {
  int16_t id = 0;
  uint8_t type = 0;
  while (r.NextField(&id, &type)) {
    if (id == 1 && type == ThriftReader::kI32) {
      c->type = r.I32();
    } else if (id == 3 && type == ThriftReader::kList) {
      uint8_t element = 0;
      uint64_t n = r.ListHeader(&element);
      if (element != ThriftReader::kBinary) return r.Fail();
      for (uint64_t i = 0; i < n && r.ok(); ++i) c->path.emplace_back(r.Binary());
    } else if (id == 4 && type == ThriftReader::kI32) {
      c->codec = r.I32();
    } else if (id == 5 && type == ThriftReader::kI64) {
      c->num_values = r.I64();
    } else if (id == 6 && type == ThriftReader::kI64) {
      c->total_uncompressed_size = r.I64();
    } else if (id == 7 && type == ThriftReader::kI64) {
      c->total_compressed_size = r.I64();
    } else if (id == 9 && type == ThriftReader::kI64) {
      c->data_page_offset = r.I64();
    } else if (id == 11 && type == ThriftReader::kI64) {
      c->dictionary_page_offset = r.I64();
    } else if (id == 12 && type == ThriftReader::kStruct) {
      ReadStatistics(r, c);
    } else {
      r.SkipValue(type, 2);
    }
  }
}

void ReadRowGroup(ThriftReader& r, RowGroup* g) {
  int16_t id = 0;
  uint8_t type = 0;
  while (r.NextField(&id, &type)) {
    if (id == 1 && type == ThriftReader::kList) {
      uint8_t element = 0;
      uint64_t n = r.ListHeader(&element);
      if (element != ThriftReader::kStruct) return r.Fail();
      g->columns.reserve(n);
      for (uint64_t i = 0; i < n && r.ok(); ++i) {
        ColumnMeta& c = g->columns.emplace_back();
        int16_t cid = 0;
        uint8_t ctype = 0;
        bool has_meta = false;
        while (r.NextField(&cid, &ctype)) {
          if (cid == 3 && ctype == ThriftReader::kStruct) {
            ReadColumnMeta(r, &c);
            has_meta = true;
          } else {
            r.SkipValue(ctype, 2);
          }
        }
        if (!has_meta) r.Fail();
      }
    } else if (id == 3 && type == ThriftReader::kI64) {
      g->num_rows = r.I64();
    } else {
      r.SkipValue(type, 1);
    }
  }
}

void ReadSchemaElement(ThriftReader& r, SchemaElement* e) {
  int16_t id = 0;
  uint8_t type = 0;
  while (r.NextField(&id, &type)) {
    if (id == 1 && type == ThriftReader::kI32) e->type = r.I32();
    else if (id == 2 && type == ThriftReader::kI32) e->type_length = r.I32();
    else if (id == 3 && type == ThriftReader::kI32) e->repetition = r.I32();
    else if (id == 4 && type == ThriftReader::kBinary) e->name = r.Binary();
    else if (id == 5 && type == ThriftReader::kI32) e->num_children = r.I32();
    else if (id == 6 && type == ThriftReader::kI32) e->converted_type = r.I32();
    else r.SkipValue(type, 1);
  }
}

bool ReadFileMeta(const uint8_t* data, size_t size, FileMeta* meta) {
  ThriftReader r(data, size);
  int16_t id = 0;
  uint8_t type = 0;
  while (r.NextField(&id, &type)) {
    if (id == 2 && type == ThriftReader::kList) {
      uint8_t element = 0;
      uint64_t n = r.ListHeader(&element);
      if (element != ThriftReader::kStruct) return false;
      meta->schema.reserve(n);
      for (uint64_t i = 0; i < n && r.ok(); ++i) ReadSchemaElement(r, &meta->schema.emplace_back());
    } else if (id == 3 && type == ThriftReader::kI64) {
      meta->num_rows = r.I64();
    } else if (id == 4 && type == ThriftReader::kList) {
      uint8_t element = 0;
      uint64_t n = r.ListHeader(&element);
      if (element != ThriftReader::kStruct) return false;
      meta->row_groups.reserve(n);
      for (uint64_t i = 0; i < n && r.ok(); ++i) ReadRowGroup(r, &meta->row_groups.emplace_back());
    } else {
      r.SkipValue(type, 0);
    }
  }
  return r.ok();
}

SortOrder SortOrderOf(const SchemaElement& e) {
  switch (e.type) {
    case kBoolean: return SortOrder::kBool;
    case kInt32:
      return e.converted_type == kUint8 || e.converted_type == kUint16 || e.converted_type == kUint32
                 ? SortOrder::kUInt32
                 : SortOrder::kInt32;
    case kInt64: return e.converted_type == kUint64 ? SortOrder::kUInt64 : SortOrder::kInt64;
    case kFloat: return SortOrder::kFloat;
    case kDouble: return SortOrder::kDouble;
    case kByteArray: return SortOrder::kBytes;
    case kFlba: return e.converted_type == kDecimal ? SortOrder::kDecimalBytes : SortOrder::kBytes;
    default: return SortOrder::kNone;  // INT96: undefined order
  }
}

// Walks the schema tree from element `*at`, appending its leaves.
bool CollectLeaves(const std::vector<SchemaElement>& schema, size_t* at, int depth, int def, int rep,
                   std::vector<std::string>* path, std::vector<Leaf>* leaves, std::string* why) {
  if (depth > kMaxSchemaDepth || *at >= schema.size()) {
    *why = "the schema tree is deeper or longer than its elements";
    return false;
  }
  const SchemaElement& e = schema[(*at)++];
  if (e.repetition < kRequired || e.repetition > kRepeated) {
    *why = "schema element " + e.name + " has repetition " + std::to_string(e.repetition);
    return false;
  }
  if (e.repetition != kRequired) def += 1;
  if (e.repetition == kRepeated) rep += 1;
  path->push_back(e.name);
  if (e.num_children <= 0) {
    if (e.type < kBoolean || e.type > kFlba) {
      *why = "schema element " + e.name + " is a leaf without a valid physical type";
      return false;
    }
    if (e.type == kFlba && (e.type_length <= 0 || e.type_length > (1 << 20))) {
      *why = "schema element " + e.name + " has FIXED_LEN_BYTE_ARRAY length " + std::to_string(e.type_length);
      return false;
    }
    Leaf leaf;
    leaf.path = *path;
    for (size_t i = 0; i < path->size(); ++i) leaf.name += (i > 0 ? "." : "") + (*path)[i];
    leaf.type = e.type;
    leaf.type_length = e.type_length;
    leaf.max_def = def;
    leaf.max_rep = rep;
    leaf.order = SortOrderOf(e);
    leaves->push_back(std::move(leaf));
  } else {
    for (int32_t i = 0; i < e.num_children; ++i) {
      if (!CollectLeaves(schema, at, depth + 1, def, rep, path, leaves, why)) return false;
    }
  }
  path->pop_back();
  return true;
}

// ---- Pages ----------------------------------------------------------------

struct PageHeader {
  int32_t type = -1;
  int32_t uncompressed_size = -1;
  int32_t compressed_size = -1;
  std::optional<uint32_t> crc;
  // DataPageHeader / DictionaryPageHeader
  bool has_data_header = false;
  bool has_dictionary_header = false;
  int32_t num_values = -1;
  int32_t encoding = -1;
  int32_t def_encoding = -1;
  int32_t rep_encoding = -1;
};

bool ReadPageHeader(ThriftReader& r, PageHeader* h) {
  int16_t id = 0;
  uint8_t type = 0;
  while (r.NextField(&id, &type)) {
    if (id == 1 && type == ThriftReader::kI32) {
      h->type = r.I32();
    } else if (id == 2 && type == ThriftReader::kI32) {
      h->uncompressed_size = r.I32();
    } else if (id == 3 && type == ThriftReader::kI32) {
      h->compressed_size = r.I32();
    } else if (id == 4 && type == ThriftReader::kI32) {
      h->crc = static_cast<uint32_t>(r.I32());
    } else if ((id == 5 || id == 7) && type == ThriftReader::kStruct) {
      (id == 5 ? h->has_data_header : h->has_dictionary_header) = true;
      int16_t sid = 0;
      uint8_t stype = 0;
      while (r.NextField(&sid, &stype)) {
        if (sid == 1 && stype == ThriftReader::kI32) h->num_values = r.I32();
        else if (sid == 2 && stype == ThriftReader::kI32) h->encoding = r.I32();
        else if (id == 5 && sid == 3 && stype == ThriftReader::kI32) h->def_encoding = r.I32();
        else if (id == 5 && sid == 4 && stype == ThriftReader::kI32) h->rep_encoding = r.I32();
        else r.SkipValue(stype, 1);
      }
    } else {
      r.SkipValue(type, 0);
    }
  }
  return r.ok();
}

uint32_t LoadLe32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[3]) << 24;
}

// Min and max of values in a sort order, compared as PLAIN bytes.
int Compare(SortOrder order, std::string_view a, std::string_view b) {
  auto cmp = [](auto x, auto y) { return x < y ? -1 : (y < x ? 1 : 0); };
  auto load = [](std::string_view s, auto zero) {
    decltype(zero) v = zero;
    std::memcpy(&v, s.data(), std::min(s.size(), sizeof(v)));
    return v;
  };
  switch (order) {
    case SortOrder::kBool: return cmp(load(a, uint8_t{0}), load(b, uint8_t{0}));
    case SortOrder::kInt32: return cmp(load(a, int32_t{0}), load(b, int32_t{0}));
    case SortOrder::kUInt32: return cmp(load(a, uint32_t{0}), load(b, uint32_t{0}));
    case SortOrder::kInt64: return cmp(load(a, int64_t{0}), load(b, int64_t{0}));
    case SortOrder::kUInt64: return cmp(load(a, uint64_t{0}), load(b, uint64_t{0}));
    case SortOrder::kFloat: return cmp(load(a, 0.0f), load(b, 0.0f));
    case SortOrder::kDouble: return cmp(load(a, 0.0), load(b, 0.0));
    case SortOrder::kDecimalBytes:
      // Big-endian two's complement of equal width: the sign byte signed.
      if (!a.empty() && !b.empty() && a[0] != b[0]) {
        return cmp(static_cast<int8_t>(a[0]), static_cast<int8_t>(b[0]));
      }
      [[fallthrough]];
    case SortOrder::kBytes: {
      int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
      if (c != 0) return c < 0 ? -1 : 1;
      return cmp(a.size(), b.size());
    }
    case SortOrder::kNone: return 0;
  }
  return 0;
}

bool IsNaN(SortOrder order, std::string_view v) {
  if (order == SortOrder::kFloat && v.size() == 4) {
    float f;
    std::memcpy(&f, v.data(), 4);
    return std::isnan(f);
  }
  if (order == SortOrder::kDouble && v.size() == 8) {
    double d;
    std::memcpy(&d, v.data(), 8);
    return std::isnan(d);
  }
  return false;
}

// The smallest and largest values seen, NaN aside.
class MinMax {
 public:
  explicit MinMax(SortOrder order) : order_(order) {}
  void Add(std::string_view v) {
    if (order_ == SortOrder::kNone || IsNaN(order_, v)) return;
    if (!has_ || Compare(order_, v, min_) < 0) min_.assign(v);
    if (!has_ || Compare(order_, v, max_) > 0) max_.assign(v);
    has_ = true;
  }
  bool has() const { return has_; }
  const std::string& min() const { return min_; }
  const std::string& max() const { return max_; }

 private:
  SortOrder order_;
  bool has_ = false;
  std::string min_, max_;
};

// Decodes `n` PLAIN values of `leaf`'s type from data[0, size): exactly
// those bytes. Calls on_value(view) for each (booleans as one byte 0/1).
template <typename OnValue>
bool DecodePlain(const Leaf& leaf, const uint8_t* data, size_t size, uint64_t n, OnValue&& on_value,
                 std::string* why) {
  auto exact = [&](uint64_t width) {
    if (width != 0 && n > size / width) {
      *why = std::to_string(n) + " values of " + std::to_string(width) + " bytes do not fit in the " +
             std::to_string(size) + " bytes of the page's values";
      return false;
    }
    if (n * width != size) {
      *why = std::to_string(n) + " values of " + std::to_string(width) + " bytes leave " +
             std::to_string(size - n * width) + " bytes of the page's values unread";
      return false;
    }
    return true;
  };
  switch (leaf.type) {
    case kBoolean: {
      if ((n + 7) / 8 != size) {
        *why = std::to_string(n) + " PLAIN booleans take " + std::to_string((n + 7) / 8) + " bytes, the page has " +
               std::to_string(size);
        return false;
      }
      for (uint64_t i = 0; i < n; ++i) {
        char bit = static_cast<char>((data[i / 8] >> (i % 8)) & 1);
        on_value(std::string_view(&bit, 1));
      }
      return true;
    }
    case kInt32: case kFloat: case kInt64: case kDouble: case kInt96: case kFlba: {
      uint64_t width = leaf.type == kInt32 || leaf.type == kFloat ? 4
                       : leaf.type == kInt96                      ? 12
                       : leaf.type == kFlba                       ? static_cast<uint64_t>(leaf.type_length)
                                                                  : 8;
      if (!exact(width)) return false;
      for (uint64_t i = 0; i < n; ++i) {
        on_value(std::string_view(reinterpret_cast<const char*>(data + i * width), static_cast<size_t>(width)));
      }
      return true;
    }
    case kByteArray: {
      size_t pos = 0;
      for (uint64_t i = 0; i < n; ++i) {
        if (size - pos < 4) {
          *why = "byte array " + std::to_string(i) + " of " + std::to_string(n) + ": its length runs past the page";
          return false;
        }
        uint32_t length = LoadLe32(data + pos);
        pos += 4;
        if (length > size - pos) {
          *why = "byte array " + std::to_string(i) + " of " + std::to_string(n) + ": length " +
                 std::to_string(length) + " runs past the page (" + std::to_string(size - pos) + " bytes left)";
          return false;
        }
        on_value(std::string_view(reinterpret_cast<const char*>(data + pos), length));
        pos += length;
      }
      if (pos != size) {
        *why = std::to_string(n) + " byte arrays leave " + std::to_string(size - pos) +
               " bytes of the page's values unread";
        return false;
      }
      return true;
    }
  }
  *why = "physical type " + std::to_string(leaf.type);
  return false;
}

const char* CodecName(int32_t codec) {
  switch (codec) {
    case kUncompressed: return "UNCOMPRESSED";
    case kSnappy: return "SNAPPY";
    case kGzip: return "GZIP";
    case kZstd: return "ZSTD";
    default: return nullptr;
  }
}

struct LibdeflateFree {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};

// Checks one file; the first problem ends the check.
class FileChecker {
 public:
  FileChecker(int64_t file_size, const ReadRangeFn& read, const PageCheckLimits& limits)
      : file_size_(file_size), read_(read), limits_(limits) {}

  Result<PageCheckResult> Run() {
    Status s = Check();
    if (!s.ok()) return s;
    return PageCheckResult{std::move(problem_), stats_};
  }

 private:
  // Returns a read error; a problem with the file sets problem_ and returns OK.
  Status Check() {
    if (file_size_ < kMagicSize + kTrailerSize) return Problem("shorter than a Parquet header and trailer");
    DBX_ASSIGN_OR_RETURN(std::string head, Read(0, kMagicSize));
    if (head != kMagic) return Problem("no PAR1 magic at the start");
    DBX_ASSIGN_OR_RETURN(std::string trailer, Read(file_size_ - kTrailerSize, kTrailerSize));
    if (trailer.compare(4, 4, kMagic) != 0) return Problem("no PAR1 magic at the end (truncated?)");
    const int64_t footer_length = LoadLe32(reinterpret_cast<const uint8_t*>(trailer.data()));
    footer_start_ = file_size_ - kTrailerSize - footer_length;
    if (footer_start_ < kMagicSize) {
      return Problem("footer length " + std::to_string(footer_length) + " exceeds the file");
    }
    DBX_ASSIGN_OR_RETURN(std::string footer, Read(footer_start_, footer_length));
    FileMeta meta;
    if (!ReadFileMeta(reinterpret_cast<const uint8_t*>(footer.data()), footer.size(), &meta)) {
      return Problem("the footer (FileMetaData) is not valid Thrift compact");
    }
    footer.clear();
    footer.shrink_to_fit();
    if (meta.schema.empty()) return Problem("the footer has no schema");
    size_t at = 0;
    std::vector<std::string> path;
    std::vector<Leaf> leaves;
    std::string why;
    // The root's own repetition does not count toward the levels.
    meta.schema[0].repetition = kRequired;
    if (!CollectLeaves(meta.schema, &at, 0, 0, 0, &path, &leaves, &why)) return Problem(why);
    if (at != meta.schema.size()) return Problem("the schema lists elements outside its tree");
    for (Leaf& leaf : leaves) {  // paths_in_schema leave out the root
      leaf.path.erase(leaf.path.begin());
      leaf.name = leaf.name.substr(std::min(leaf.name.size(), meta.schema[0].name.size() + 1));
    }
    int64_t rows = 0;
    for (size_t g = 0; g < meta.row_groups.size(); ++g) {
      const RowGroup& group = meta.row_groups[g];
      where_ = "row group " + std::to_string(g);
      if (group.num_rows < 0) return Problem("no num_rows");
      if (group.columns.size() != leaves.size()) {
        return Problem(std::to_string(group.columns.size()) + " column chunks, the schema has " +
                       std::to_string(leaves.size()) + " columns");
      }
      for (size_t c = 0; c < leaves.size(); ++c) {
        where_ = "row group " + std::to_string(g) + ", column " + leaves[c].name;
        DBX_RETURN_IF_ERROR(CheckChunk(leaves[c], group.columns[c], group.num_rows));
        if (!problem_.empty()) return Status::OK();
        stats_.column_chunks += 1;
      }
      stats_.row_groups += 1;
      rows += group.num_rows;
    }
    where_.clear();
    if (meta.num_rows != rows) {
      return Problem("the footer's num_rows is " + std::to_string(meta.num_rows) + ", its row groups hold " +
                     std::to_string(rows));
    }
    return Status::OK();
  }

  Result<std::string> Read(int64_t offset, int64_t length) {
    DBX_ASSIGN_OR_RETURN(std::string bytes, read_(offset, length));
    if (static_cast<int64_t>(bytes.size()) != length) {
      return IoError("read " + std::to_string(bytes.size()) + " bytes at offset " + std::to_string(offset) +
                     ", asked for " + std::to_string(length) + " (the file changed?)");
    }
    stats_.bytes_read += length;
    return bytes;
  }

  // Records the first problem, at where_.
  void Note(const std::string& what) {
    if (problem_.empty()) problem_ = where_.empty() ? what : where_ + ": " + what;
  }
  Status Problem(const std::string& what) {
    Note(what);
    return Status::OK();
  }

  Status CheckChunk(const Leaf& leaf, const ColumnMeta& m, int64_t group_rows) {
    if (m.path != leaf.path) {
      std::string listed;
      for (size_t i = 0; i < m.path.size(); ++i) listed += (i > 0 ? "." : "") + m.path[i];
      return Problem("path_in_schema is '" + listed + "', the schema's column is '" + leaf.name + "'");
    }
    if (m.type != leaf.type) {
      return Problem("type " + std::to_string(m.type) + ", the schema says " + std::to_string(leaf.type));
    }
    if (CodecName(m.codec) == nullptr) return Problem("codec " + std::to_string(m.codec) + " is not one dbexport writes");
    if (m.num_values < 0 || m.total_compressed_size <= 0 || m.total_uncompressed_size < 0 || m.data_page_offset < 0) {
      return Problem("num_values, sizes or data_page_offset missing or negative");
    }
    const int64_t start = m.dictionary_page_offset >= 0 ? m.dictionary_page_offset : m.data_page_offset;
    if (m.dictionary_page_offset >= 0 && m.dictionary_page_offset >= m.data_page_offset) {
      return Problem("dictionary_page_offset " + std::to_string(m.dictionary_page_offset) +
                     " is not before data_page_offset " + std::to_string(m.data_page_offset));
    }
    if (start < kMagicSize || m.total_compressed_size > footer_start_ - start) {
      return Problem("the chunk's bytes [" + std::to_string(start) + ", +" + std::to_string(m.total_compressed_size) +
                     ") are not within the file's data [4, " + std::to_string(footer_start_) + ")");
    }
    if (m.data_page_offset - start >= m.total_compressed_size) {
      return Problem("data_page_offset is past the chunk's bytes");
    }
    if (m.total_compressed_size > limits_.max_chunk_bytes) {
      return Problem("the chunk's " + std::to_string(m.total_compressed_size) + " bytes exceed the limit of " +
                     std::to_string(limits_.max_chunk_bytes));
    }
    DBX_ASSIGN_OR_RETURN(std::string chunk, Read(start, m.total_compressed_size));
    const auto* bytes = reinterpret_cast<const uint8_t*>(chunk.data());
    const std::string chunk_where = where_;

    ChunkState state(leaf.order);
    size_t pos = 0;
    int page = 0;
    int64_t uncompressed_total = 0;
    while (pos < chunk.size()) {
      const int64_t page_offset = start + static_cast<int64_t>(pos);
      where_ = chunk_where + ", page " + std::to_string(page) + " at byte " + std::to_string(page_offset);
      if (page == 0 && m.dictionary_page_offset < 0 && page_offset != m.data_page_offset) {
        return Problem("the chunk does not start at data_page_offset");
      }
      ThriftReader r(bytes + pos, chunk.size() - pos);
      PageHeader h;
      if (!ReadPageHeader(r, &h)) return Problem("the page header is not valid Thrift compact (or runs past the chunk)");
      const size_t header_size = r.position();
      if (h.compressed_size < 0 || h.uncompressed_size < 0) {
        return Problem("the page header has no (or negative) page sizes");
      }
      if (static_cast<uint64_t>(h.compressed_size) > chunk.size() - pos - header_size) {
        return Problem("the page's " + std::to_string(h.compressed_size) + " compressed bytes run past the chunk (" +
                       std::to_string(chunk.size() - pos - header_size) + " bytes left)");
      }
      if (h.uncompressed_size > limits_.max_page_bytes) {
        return Problem("uncompressed page size " + std::to_string(h.uncompressed_size) + " exceeds the limit of " +
                       std::to_string(limits_.max_page_bytes));
      }
      const uint8_t* body = bytes + pos + header_size;
      if (h.crc && *h.crc != static_cast<uint32_t>(libdeflate_crc32(0, body, static_cast<size_t>(h.compressed_size)))) {
        return Problem("CRC mismatch: the page's bytes are not those written");
      }
      uncompressed_total += static_cast<int64_t>(header_size) + h.uncompressed_size;
      stats_.pages += 1;
      switch (h.type) {
        case kDictionaryPage:
          if (page != 0) return Problem("a dictionary page that is not the chunk's first page");
          if (!h.has_dictionary_header) return Problem("a dictionary page without a DictionaryPageHeader");
          DBX_RETURN_IF_ERROR(Decompress(m.codec, body, h, &page_buf_));
          if (!problem_.empty()) return Status::OK();
          CheckDictionary(leaf, h, &state);
          break;
        case kDataPage:
          if (!h.has_data_header) return Problem("a data page without a DataPageHeader");
          DBX_RETURN_IF_ERROR(Decompress(m.codec, body, h, &page_buf_));
          if (!problem_.empty()) return Status::OK();
          CheckDataPage(leaf, h, &state);
          break;
        case kDataPageV2:
          return Problem("data page v2, which dbexport does not write, is not checked");
        case kIndexPage:
          break;
        default:
          return Problem("unknown page type " + std::to_string(h.type));
      }
      if (!problem_.empty()) return Status::OK();
      pos += header_size + static_cast<size_t>(h.compressed_size);
      ++page;
    }
    where_ = chunk_where;
    if (state.values != m.num_values) {
      return Problem("the pages hold " + std::to_string(state.values) + " values, the chunk's num_values says " +
                     std::to_string(m.num_values));
    }
    if (state.rows != group_rows) {
      return Problem("the pages hold " + std::to_string(state.rows) + " rows, the row group's num_rows says " +
                     std::to_string(group_rows));
    }
    if (uncompressed_total != m.total_uncompressed_size) {
      return Problem("the pages' uncompressed sizes (headers included) add up to " +
                     std::to_string(uncompressed_total) + ", total_uncompressed_size says " +
                     std::to_string(m.total_uncompressed_size));
    }
    if (leaf.max_rep == 0 && m.null_count >= 0 && m.null_count != state.nulls) {
      return Problem("the pages hold " + std::to_string(state.nulls) + " NULLs, the statistics' null_count says " +
                     std::to_string(m.null_count));
    }
    // Dictionary entries the pages used count as values.
    for (size_t i = 0; i < state.dictionary.size(); ++i) {
      if (state.dictionary_used[i]) state.values_seen.Add(state.dictionary[i]);
    }
    if (state.values_seen.has()) {
      if (m.has_min && Compare(leaf.order, state.values_seen.min(), m.min) < 0) {
        return Problem("a value is below the statistics' min_value");
      }
      if (m.has_max && Compare(leaf.order, state.values_seen.max(), m.max) > 0) {
        return Problem("a value is above the statistics' max_value");
      }
    }
    return Status::OK();
  }

  struct ChunkState {
    explicit ChunkState(SortOrder order) : values_seen(order) {}
    int64_t values = 0;  // level entries
    int64_t rows = 0;
    int64_t nulls = 0;
    bool has_dictionary = false;
    std::string dictionary_bytes;             // the decompressed dictionary page
    std::vector<std::string_view> dictionary;  // into dictionary_bytes
    std::vector<bool> dictionary_used;
    MinMax values_seen;
  };

  // Decompresses the page body into `out` (exactly h.uncompressed_size bytes).
  Status Decompress(int32_t codec, const uint8_t* in, const PageHeader& h, std::string* out) {
    const size_t in_size = static_cast<size_t>(h.compressed_size);
    const size_t out_size = static_cast<size_t>(h.uncompressed_size);
    out->resize(out_size);
    stats_.bytes_decompressed += static_cast<int64_t>(out_size);
    auto* dst = reinterpret_cast<uint8_t*>(out->data());
    switch (codec) {
      case kUncompressed:
        if (in_size != out_size) {
          return Problem("an uncompressed page of " + std::to_string(in_size) + " bytes, its header says " +
                         std::to_string(out_size) + " uncompressed");
        }
        std::memcpy(dst, in, in_size);
        return Status::OK();
      case kGzip: {
        if (!inflater_) inflater_.reset(libdeflate_alloc_decompressor());
        if (!inflater_) return ResourceExhausted("allocating a GZIP decompressor");
        size_t in_used = 0, out_used = 0;
        libdeflate_result rc = libdeflate_gzip_decompress_ex(inflater_.get(), in, in_size, dst, out_size,
                                                             &in_used, &out_used);
        if (rc == LIBDEFLATE_INSUFFICIENT_SPACE) {
          return Problem("GZIP data decompresses to more than the header's " + std::to_string(out_size) + " bytes");
        }
        if (rc != LIBDEFLATE_SUCCESS) return Problem("GZIP data is corrupt (truncated or altered)");
        if (out_used != out_size) {
          return Problem("GZIP data decompresses to " + std::to_string(out_used) + " bytes, the header says " +
                         std::to_string(out_size));
        }
        if (in_used != in_size) {
          return Problem("GZIP stream ends " + std::to_string(in_size - in_used) + " bytes before the page");
        }
        return Status::OK();
      }
      case kZstd: {
        size_t n = ZSTD_decompress(dst, out_size, in, in_size);
        if (ZSTD_isError(n)) return Problem(std::string("ZSTD data is corrupt: ") + ZSTD_getErrorName(n));
        if (n != out_size) {
          return Problem("ZSTD data decompresses to " + std::to_string(n) + " bytes, the header says " +
                         std::to_string(out_size));
        }
        return Status::OK();
      }
      case kSnappy: {
        size_t n = 0;
        const char* src = reinterpret_cast<const char*>(in);
        if (!snappy::GetUncompressedLength(src, in_size, &n)) return Problem("SNAPPY data is corrupt");
        if (n != out_size) {
          return Problem("SNAPPY data decompresses to " + std::to_string(n) + " bytes, the header says " +
                         std::to_string(out_size));
        }
        if (!snappy::RawUncompress(src, in_size, out->data())) return Problem("SNAPPY data is corrupt");
        return Status::OK();
      }
      default:
        return Problem("codec " + std::to_string(codec));
    }
  }

  void CheckDictionary(const Leaf& leaf, const PageHeader& h, ChunkState* state) {
    if (h.encoding != kPlain && h.encoding != kPlainDictionary) {
      Note("dictionary page encoding " + std::to_string(h.encoding) + ", not PLAIN");
      return;
    }
    if (h.num_values < 0) {
      Note("dictionary page with " + std::to_string(h.num_values) + " entries");
      return;
    }
    state->dictionary_bytes.swap(page_buf_);
    const auto* data = reinterpret_cast<const uint8_t*>(state->dictionary_bytes.data());
    std::string why;
    // Each entry takes at least one byte (a boolean an eighth): the count
    // is bounded by the page before anything is reserved.
    if (leaf.type != kBoolean && static_cast<size_t>(h.num_values) > state->dictionary_bytes.size()) {
      Note(std::to_string(h.num_values) + " dictionary entries cannot fit in " +
              std::to_string(state->dictionary_bytes.size()) + " bytes");
      return;
    }
    state->dictionary.reserve(static_cast<size_t>(h.num_values));
    if (!DecodePlain(leaf, data, state->dictionary_bytes.size(), static_cast<uint64_t>(h.num_values),
                     [&](std::string_view v) { state->dictionary.push_back(v); }, &why)) {
      Note("dictionary: " + why);
      return;
    }
    if (leaf.type == kBoolean) {
      Note("a dictionary of BOOLEAN values");  // booleans are not dictionary-encoded
      return;
    }
    state->has_dictionary = true;
    state->dictionary_used.assign(state->dictionary.size(), false);
  }

  void CheckDataPage(const Leaf& leaf, const PageHeader& h, ChunkState* state) {
    if (h.num_values < 0) {
      Note("num_values " + std::to_string(h.num_values));
      return;
    }
    const uint64_t n = static_cast<uint64_t>(h.num_values);
    const auto* data = reinterpret_cast<const uint8_t*>(page_buf_.data());
    const size_t size = page_buf_.size();
    size_t pos = 0;
    std::string why;
    // Levels: u32 length, then hybrid runs.
    auto levels = [&](const char* what, int max_level, int32_t encoding, auto&& on_run) -> bool {
      if (encoding != kRle) {
        Note(std::string(what) + " level encoding " + std::to_string(encoding) + ", not RLE");
        return false;
      }
      if (size - pos < 4) {
        Note(std::string(what) + " levels: the length runs past the page");
        return false;
      }
      uint32_t length = LoadLe32(data + pos);
      pos += 4;
      if (length > size - pos) {
        Note(std::string(what) + " levels: length " + std::to_string(length) + " runs past the page");
        return false;
      }
      HybridDecoder decoder(data + pos, length, BitWidth(static_cast<uint64_t>(max_level)));
      bool ok = decoder.Decode(
          n,
          [&](uint64_t level, uint64_t count) {
            if (level > static_cast<uint64_t>(max_level)) {
              Note(std::string(what) + " level " + std::to_string(level) + " exceeds the column's maximum " +
                      std::to_string(max_level));
              return false;
            }
            on_run(level, count);
            return true;
          },
          &why);
      if (!ok) {
        if (problem_.empty()) Note(std::string(what) + " levels: " + why);
        return false;
      }
      if (decoder.consumed() != length) {
        Note(std::string(what) + " levels: " + std::to_string(length - decoder.consumed()) +
                " bytes after the last run");
        return false;
      }
      pos += length;
      return true;
    };
    uint64_t rows = n;
    if (leaf.max_rep > 0) {
      rows = 0;
      bool first = true;
      bool first_is_row = true;
      if (!levels("repetition", leaf.max_rep, h.rep_encoding, [&](uint64_t level, uint64_t count) {
            if (first) first_is_row = level == 0, first = false;
            if (level == 0) rows += count;
          })) {
        return;
      }
      if (n > 0 && !first_is_row) {
        Note("the page starts inside a row (its first repetition level is not 0)");
        return;
      }
    }
    uint64_t present = n;
    if (leaf.max_def > 0) {
      present = 0;
      if (!levels("definition", leaf.max_def, h.def_encoding, [&](uint64_t level, uint64_t count) {
            if (level == static_cast<uint64_t>(leaf.max_def)) present += count;
          })) {
        return;
      }
    }
    if (leaf.max_rep == 0) state->nulls += static_cast<int64_t>(n - present);
    const uint8_t* values = data + pos;
    const size_t values_size = size - pos;
    if (h.encoding == kPlain) {
      if (!DecodePlain(leaf, values, values_size, present, [&](std::string_view v) { state->values_seen.Add(v); },
                       &why)) {
        Note("PLAIN values: " + why);
        return;
      }
    } else if (h.encoding == kRleDictionary || h.encoding == kPlainDictionary) {
      if (!state->has_dictionary) {
        Note("dictionary-encoded values without a dictionary page");
        return;
      }
      if (present > 0) {
        if (values_size < 1) {
          Note("dictionary indexes: no bit width");
          return;
        }
        int width = values[0];
        if (width > 32) {
          Note("dictionary indexes: bit width " + std::to_string(width));
          return;
        }
        HybridDecoder decoder(values + 1, values_size - 1, width);
        const uint64_t entries = state->dictionary.size();
        bool ok = decoder.Decode(
            present,
            [&](uint64_t index, uint64_t) {
              if (index >= entries) {
                Note("dictionary index " + std::to_string(index) + " is past the dictionary's " +
                        std::to_string(entries) + " entries");
                return false;
              }
              state->dictionary_used[index] = true;
              return true;
            },
            &why);
        if (!ok) {
          if (problem_.empty()) Note("dictionary indexes: " + why);
          return;
        }
        if (decoder.consumed() != values_size - 1) {
          Note("dictionary indexes: " + std::to_string(values_size - 1 - decoder.consumed()) +
                  " bytes after the last run");
          return;
        }
      }
    } else {
      Note("value encoding " + std::to_string(h.encoding) + " is not one dbexport writes (PLAIN, RLE_DICTIONARY)");
      return;
    }
    state->values += static_cast<int64_t>(n);
    state->rows += static_cast<int64_t>(rows);
    stats_.values += static_cast<int64_t>(n);
  }

  const int64_t file_size_;
  const ReadRangeFn& read_;
  const PageCheckLimits limits_;
  int64_t footer_start_ = 0;
  std::string where_;
  std::string problem_;
  PageCheckStats stats_;
  std::string page_buf_;
  std::unique_ptr<libdeflate_decompressor, LibdeflateFree> inflater_;
};

}  // namespace

Result<PageCheckResult> CheckParquetPages(int64_t file_size, const ReadRangeFn& read, const PageCheckLimits& limits) {
  FileChecker checker(file_size, read, limits);
  return checker.Run();
}

PageCheckResult CheckParquetPages(std::string_view file, const PageCheckLimits& limits) {
  ReadRangeFn read = [file](int64_t offset, int64_t length) -> Result<std::string> {
    if (offset < 0 || length < 0 || static_cast<uint64_t>(offset) > file.size()) return std::string();
    return std::string(file.substr(static_cast<size_t>(offset), static_cast<size_t>(length)));
  };
  Result<PageCheckResult> result = CheckParquetPages(static_cast<int64_t>(file.size()), read, limits);
  if (!result.ok()) return PageCheckResult{result.status().message(), {}};
  return *std::move(result);
}

}  // namespace dbexport::verify
