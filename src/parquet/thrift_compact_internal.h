#pragma once
// ThriftCompactWriter: the Thrift compact protocol, write side only, as much
// of it as Parquet's footer, page headers and page indexes need.
//
// Encoding (apache/thrift doc/specs/thrift-compact-protocol.md):
//   field header  (delta << 4) | type  when the id is 1..15 above the previous
//                 field id of the same struct, else  type, zigzag-varint(id)
//   i8            the raw byte;  i16/i32/i64: ULEB128(zigzag(v))
//   binary        ULEB128(length), bytes
//   bool field    the value in the type nibble (1 true, 2 false)
//   bool element  one byte, 1 true / 2 false
//   list          (n << 4) | element type  if n <= 14,  else  0xF0 | type, ULEB128(n)
//   struct        its fields, then a 0x00 stop byte; field ids restart at 0
//                 inside each nested struct and resume after it.
//
// Usage: the writer starts inside the top-level struct; write its fields in
// ascending id order, nested structs between BeginStruct()/EndStruct(), list
// elements after BeginList(), then Finish() writes the final stop byte.
// Misuse (unbalanced Begin/End, descending ids) is a programming error,
// caught by assertions in debug builds.

#include <cassert>
#include <cstdint>
#include <string_view>

#include "parquet/byte_buffer_internal.h"

namespace dbexport::parquet {

class ThriftCompactWriter {
 public:
  // Compact protocol type ids.
  enum class Type : uint8_t {
    kBoolTrue = 1,
    kBoolFalse = 2,
    kI8 = 3,
    kI16 = 4,
    kI32 = 5,
    kI64 = 6,
    kDouble = 7,
    kBinary = 8,
    kList = 9,
    kSet = 10,
    kMap = 11,
    kStruct = 12,
  };

  // Appends to `out`, which must outlive the writer.
  explicit ThriftCompactWriter(ByteBuffer* out) : out_(out) {}

  void I8(int16_t id, int8_t v);
  void I16(int16_t id, int16_t v);
  void I32(int16_t id, int32_t v);
  void I64(int16_t id, int64_t v);
  void Bool(int16_t id, bool v);
  void Binary(int16_t id, std::string_view v);

  // A struct-valued field; its fields follow, then EndStruct().
  void BeginStruct(int16_t id);
  // An empty struct-valued field (e.g. a union member with no fields).
  void EmptyStruct(int16_t id) {
    BeginStruct(id);
    EndStruct();
  }
  void EndStruct();

  // A list-valued field of `size` elements of `element_type`; the elements
  // follow as Element*() calls (or BeginElementStruct()/EndStruct()).
  void BeginList(int16_t id, Type element_type, int64_t size);
  void ElementI32(int32_t v) { VarInt(ZigZag(v)); }
  void ElementI64(int64_t v) { VarInt(ZigZag(v)); }
  void ElementBool(bool v) { out_->PushBack(v ? 1 : 2); }
  void ElementBinary(std::string_view v);
  void BeginElementStruct();

  // Ends the top-level struct.
  void Finish() {
    assert(depth_ == 0);
    out_->PushBack(0);
  }

  static uint64_t ZigZag(int64_t v) {
    return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  }

 private:
  static constexpr int kMaxDepth = 16;  // Parquet metadata nests 5 deep at most

  void FieldHeader(int16_t id, Type type);
  void VarInt(uint64_t v);

  ByteBuffer* out_;
  int16_t last_id_ = 0;
  int depth_ = 0;
  int16_t saved_ids_[kMaxDepth] = {};
};

}  // namespace dbexport::parquet
