#include "parquet/thrift_compact_internal.h"

namespace dbexport::parquet {

void ThriftCompactWriter::VarInt(uint64_t v) {
  while (v >= 0x80) {
    out_->PushBack(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  out_->PushBack(static_cast<uint8_t>(v));
}

void ThriftCompactWriter::FieldHeader(int16_t id, Type type) {
  assert(id > last_id_);
  int delta = id - last_id_;
  if (delta >= 1 && delta <= 15) {
    out_->PushBack(static_cast<uint8_t>((delta << 4) | static_cast<uint8_t>(type)));
  } else {
    out_->PushBack(static_cast<uint8_t>(type));
    VarInt(ZigZag(id));
  }
  last_id_ = id;
}

void ThriftCompactWriter::I8(int16_t id, int8_t v) {
  FieldHeader(id, Type::kI8);
  out_->PushBack(static_cast<uint8_t>(v));
}

void ThriftCompactWriter::I16(int16_t id, int16_t v) {
  FieldHeader(id, Type::kI16);
  VarInt(ZigZag(v));
}

void ThriftCompactWriter::I32(int16_t id, int32_t v) {
  FieldHeader(id, Type::kI32);
  VarInt(ZigZag(v));
}

void ThriftCompactWriter::I64(int16_t id, int64_t v) {
  FieldHeader(id, Type::kI64);
  VarInt(ZigZag(v));
}

void ThriftCompactWriter::Bool(int16_t id, bool v) {
  FieldHeader(id, v ? Type::kBoolTrue : Type::kBoolFalse);
}

void ThriftCompactWriter::Binary(int16_t id, std::string_view v) {
  FieldHeader(id, Type::kBinary);
  ElementBinary(v);
}

void ThriftCompactWriter::ElementBinary(std::string_view v) {
  VarInt(v.size());
  out_->Append(v);
}

void ThriftCompactWriter::BeginStruct(int16_t id) {
  FieldHeader(id, Type::kStruct);
  BeginElementStruct();
}

void ThriftCompactWriter::BeginElementStruct() {
  assert(depth_ < kMaxDepth);
  saved_ids_[depth_++] = last_id_;
  last_id_ = 0;
}

void ThriftCompactWriter::EndStruct() {
  assert(depth_ > 0);
  out_->PushBack(0);
  last_id_ = saved_ids_[--depth_];
}

void ThriftCompactWriter::BeginList(int16_t id, Type element_type, int64_t size) {
  FieldHeader(id, Type::kList);
  uint8_t t = static_cast<uint8_t>(element_type);
  // Bool elements are declared with the "true" type id, as the reference
  // implementations do.
  if (element_type == Type::kBoolFalse) t = static_cast<uint8_t>(Type::kBoolTrue);
  if (size <= 14) {
    out_->PushBack(static_cast<uint8_t>((size << 4) | t));
  } else {
    out_->PushBack(static_cast<uint8_t>(0xF0 | t));
    VarInt(static_cast<uint64_t>(size));
  }
}

}  // namespace dbexport::parquet
