// Reads FileMetaData.num_rows from a Parquet footer without a Parquet
// library. Layout (apache/parquet-format README, "File format"):
//   ... <FileMetaData, Thrift compact> <4-byte LE length of it> "PAR1"
// FileMetaData fields: 1 version i32, 2 schema list<SchemaElement>,
// 3 num_rows i64, ... Field 2 comes first, so the reader skips values of any
// type (apache/thrift doc/specs/thrift-compact-protocol.md).

#include <cstring>

#include "verify/verify.h"

namespace dbexport::verify {
namespace {

constexpr char kMagic[] = "PAR1";
constexpr size_t kMagicSize = 4;
constexpr size_t kTrailerSize = 4 + kMagicSize;  // footer length + magic
constexpr int16_t kFileMetaDataNumRows = 3;
// Thrift structs in a footer nest a few levels; more means corrupt input.
constexpr int kMaxDepth = 32;

// Compact protocol type ids.
enum : uint8_t {
  kStop = 0, kTrue = 1, kFalse = 2, kI8 = 3, kI16 = 4, kI32 = 5, kI64 = 6,
  kDouble = 7, kBinary = 8, kList = 9, kSet = 10, kMap = 11, kStruct = 12,
};

class CompactReader {
 public:
  CompactReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  bool ok() const { return ok_; }

  uint8_t Byte() {
    if (pos_ >= size_) {
      Fail();
      return 0;
    }
    return data_[pos_++];
  }
  uint64_t VarInt() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && ok_; shift += 7) {
      uint8_t b = Byte();
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    Fail();
    return 0;
  }
  int64_t ZigZag() {
    uint64_t v = VarInt();
    return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
  }
  void Skip(size_t n) {
    if (n > size_ - pos_) return Fail();
    pos_ += n;
  }

  // Skips one value of `type`.
  void SkipValue(uint8_t type, int depth) {
    if (depth > kMaxDepth) return Fail();
    switch (type) {
      case kTrue: case kFalse: return;  // a field's bool lives in its header
      case kI8: Skip(1); return;
      case kI16: case kI32: case kI64: VarInt(); return;
      case kDouble: Skip(8); return;
      case kBinary: Skip(VarInt()); return;
      case kList: case kSet: {
        uint8_t header = Byte();
        uint64_t n = header >> 4;
        uint8_t element = header & 0x0f;
        if (n == 15) n = VarInt();
        for (uint64_t i = 0; i < n && ok_; ++i) {
          if (element == kTrue || element == kFalse) Skip(1);  // list bools are a byte each
          else SkipValue(element, depth + 1);
        }
        return;
      }
      case kMap: {
        uint64_t n = VarInt();
        if (n == 0) return;
        uint8_t types = Byte();
        for (uint64_t i = 0; i < n && ok_; ++i) {
          SkipValue(types >> 4, depth + 1);
          SkipValue(types & 0x0f, depth + 1);
        }
        return;
      }
      case kStruct: SkipStruct(depth + 1); return;
      default: Fail(); return;
    }
  }
  void SkipStruct(int depth) {
    int16_t id = 0;
    while (ok_) {
      uint8_t header = Byte();
      if (header == kStop) return;
      NextField(header, &id);
      SkipValue(header & 0x0f, depth);
    }
  }
  // Decodes a field header's id (short form: delta from the previous id).
  void NextField(uint8_t header, int16_t* id) {
    uint8_t delta = header >> 4;
    *id = delta != 0 ? static_cast<int16_t>(*id + delta) : static_cast<int16_t>(ZigZag());
  }

 private:
  void Fail() { ok_ = false; }

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  bool ok_ = true;
};

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
  CompactReader reader(bytes + at - length, length);
  int16_t id = 0;
  while (reader.ok()) {
    uint8_t header = reader.Byte();
    if (!reader.ok() || header == kStop) break;
    reader.NextField(header, &id);
    uint8_t type = header & 0x0f;
    if (id == kFileMetaDataNumRows && type == kI64) {
      int64_t rows = reader.ZigZag();
      if (reader.ok()) return rows;
      break;
    }
    reader.SkipValue(type, 0);
  }
  return NotParquet("the footer has no readable num_rows");
}

}  // namespace dbexport::verify
