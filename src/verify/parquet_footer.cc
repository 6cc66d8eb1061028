// Reads FileMetaData.num_rows from a Parquet footer without a Parquet
// library. Layout (apache/parquet-format README, "File format"):
//   ... <FileMetaData, Thrift compact> <4-byte LE length of it> "PAR1"
// FileMetaData fields: 1 version i32, 2 schema list<SchemaElement>,
// 3 num_rows i64, ... Field 2 comes first, so the reader skips values of any
// type (apache/thrift doc/specs/thrift-compact-protocol.md).

#include <cstring>

#include "verify/thrift_reader_internal.h"
#include "verify/verify.h"

namespace dbexport::verify {
namespace {

constexpr char kMagic[] = "PAR1";
constexpr size_t kMagicSize = 4;
constexpr size_t kTrailerSize = 4 + kMagicSize;  // footer length + magic
constexpr int16_t kFileMetaDataNumRows = 3;

Status NotParquet(const std::string& why) { return InvalidArgument("not a complete Parquet file: " + why); }

}  // namespace

Result<int64_t> ParquetFooterRows(std::string_view file) {
  if (file.size() < kMagicSize + kTrailerSize) return NotParquet("shorter than a Parquet header and trailer");
  if (std::memcmp(file.data() + file.size() - kMagicSize, kMagic, kMagicSize) != 0) {
    return NotParquet("no PAR1 magic at the end (truncated?)");
  }
  const auto* bytes = reinterpret_cast<const uint8_t*>(file.data());
  size_t at = file.size() - kTrailerSize;
  uint32_t length = static_cast<uint32_t>(bytes[at]) | static_cast<uint32_t>(bytes[at + 1]) << 8 |
                    static_cast<uint32_t>(bytes[at + 2]) << 16 | static_cast<uint32_t>(bytes[at + 3]) << 24;
  if (length > at - kMagicSize) return NotParquet("footer length " + std::to_string(length) + " exceeds the file");
  ThriftReader reader(bytes + at - length, length);
  int16_t id = 0;
  uint8_t type = 0;
  while (reader.NextField(&id, &type)) {
    if (id == kFileMetaDataNumRows && type == ThriftReader::kI64) {
      int64_t rows = reader.I64();
      if (reader.ok()) return rows;
      break;
    }
    reader.SkipValue(type);
  }
  return NotParquet("the footer has no readable num_rows");
}

}  // namespace dbexport::verify
