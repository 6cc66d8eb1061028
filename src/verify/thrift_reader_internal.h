#pragma once
// A bounds-checked reader of the Thrift compact protocol
// (apache/thrift doc/specs/thrift-compact-protocol.md), for Parquet footers
// and page headers, which may be corrupt or hostile: every read is checked
// against the buffer, nesting is limited, and after the first error the
// reader stays failed and returns zeros (check ok() once at the end).

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace dbexport::verify {

class ThriftReader {
 public:
  // Compact protocol type ids.
  enum Type : uint8_t {
    kStop = 0, kTrue = 1, kFalse = 2, kI8 = 3, kI16 = 4, kI32 = 5, kI64 = 6,
    kDouble = 7, kBinary = 8, kList = 9, kSet = 10, kMap = 11, kStruct = 12,
  };
  // Structs in Parquet metadata nest a few levels; more means corrupt input.
  static constexpr int kMaxDepth = 32;

  ThriftReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  bool ok() const { return ok_; }
  size_t position() const { return pos_; }
  void Fail() { ok_ = false; }

  uint8_t Byte() {
    if (!ok_ || pos_ >= size_) {
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
  // An i32 value: zigzag varint, failing when it does not fit.
  int32_t I32() {
    int64_t v = ZigZag();
    if (v < INT32_MIN || v > INT32_MAX) {
      Fail();
      return 0;
    }
    return static_cast<int32_t>(v);
  }
  int64_t I64() { return ZigZag(); }
  // A binary / string value; a view into the buffer.
  std::string_view Binary() {
    uint64_t n = VarInt();
    if (!ok_ || n > size_ - pos_) {
      Fail();
      return {};
    }
    std::string_view s(reinterpret_cast<const char*>(data_ + pos_), static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return s;
  }
  void Skip(uint64_t n) {
    if (n > size_ - pos_) return Fail();
    pos_ += static_cast<size_t>(n);
  }

  // Reads the next field header of a struct: false at its stop (or on an
  // error). `id` carries the previous field id in and the new one out.
  bool NextField(int16_t* id, uint8_t* type) {
    uint8_t header = Byte();
    if (!ok_ || header == kStop) return false;
    uint8_t delta = header >> 4;
    *id = delta != 0 ? static_cast<int16_t>(*id + delta) : static_cast<int16_t>(ZigZag());
    *type = header & 0x0f;
    return ok_;
  }
  // The value of a bool field: its type in the field header.
  static bool FieldBool(uint8_t type) { return type == kTrue; }

  // A list header: element type and count. The count is checked against the
  // bytes left (every element takes at least one byte, bools included), so
  // a caller may reserve() it.
  uint64_t ListHeader(uint8_t* element) {
    uint8_t header = Byte();
    uint64_t n = header >> 4;
    *element = header & 0x0f;
    if (n == 15) n = VarInt();
    if (!ok_ || n > size_ - pos_) {
      Fail();
      return 0;
    }
    return n;
  }

  // Skips one value of `type`.
  void SkipValue(uint8_t type, int depth = 0) {
    if (depth > kMaxDepth) return Fail();
    switch (type) {
      case kTrue: case kFalse: return;  // a field's bool lives in its header
      case kI8: Skip(1); return;
      case kI16: case kI32: case kI64: VarInt(); return;
      case kDouble: Skip(8); return;
      case kBinary: Skip(VarInt()); return;
      case kList: case kSet: {
        uint8_t element = 0;
        uint64_t n = ListHeader(&element);
        for (uint64_t i = 0; i < n && ok_; ++i) {
          if (element == kTrue || element == kFalse) Skip(1);  // list bools are a byte each
          else SkipValue(element, depth + 1);
        }
        return;
      }
      case kMap: {
        uint64_t n = VarInt();
        if (n == 0) return;
        if (n > size_ - pos_) return Fail();
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
  void SkipStruct(int depth = 0) {
    if (depth > kMaxDepth) return Fail();
    int16_t id = 0;
    uint8_t type = 0;
    while (NextField(&id, &type)) SkipValue(type, depth);
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace dbexport::verify
