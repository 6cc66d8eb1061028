#include "thrift_decoder.h"

namespace dbexport::parquet::testing {
namespace {

class Decoder {
 public:
  Decoder(const uint8_t* data, size_t size, size_t pos) : data_(data), size_(size), pos_(pos) {}
  size_t pos() const { return pos_; }

  Status Byte(uint8_t* b) {
    if (pos_ >= size_) return InvalidArgument("thrift: truncated at " + std::to_string(pos_));
    *b = data_[pos_++];
    return Status::OK();
  }
  Status VarInt(uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b;
      DBX_RETURN_IF_ERROR(Byte(&b));
      *v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return Status::OK();
    }
    return InvalidArgument("thrift: varint too long");
  }
  Status ZigZag(int64_t* v) {
    uint64_t u;
    DBX_RETURN_IF_ERROR(VarInt(&u));
    *v = static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
    return Status::OK();
  }

  Status Value(uint8_t type, TValue* out) {
    switch (type) {
      case 1:
      case 2:
        out->kind = TValue::Kind::kBool;
        out->b = type == 1;
        return Status::OK();
      case 3: {
        uint8_t b;
        DBX_RETURN_IF_ERROR(Byte(&b));
        out->kind = TValue::Kind::kInt;
        out->i = static_cast<int8_t>(b);
        return Status::OK();
      }
      case 4:
      case 5:
      case 6:
        out->kind = TValue::Kind::kInt;
        return ZigZag(&out->i);
      case 7: {
        if (pos_ + 8 > size_) return InvalidArgument("thrift: truncated double");
        out->kind = TValue::Kind::kDouble;
        pos_ += 8;
        return Status::OK();
      }
      case 8: {
        uint64_t n;
        DBX_RETURN_IF_ERROR(VarInt(&n));
        if (pos_ + n > size_) return InvalidArgument("thrift: truncated binary");
        out->kind = TValue::Kind::kBinary;
        out->s.assign(reinterpret_cast<const char*>(data_ + pos_), n);
        pos_ += n;
        return Status::OK();
      }
      case 9:
        return List(out);
      case 12:
        return Struct(out);
      default:
        return InvalidArgument("thrift: unsupported type " + std::to_string(type));
    }
  }

  Status List(TValue* out) {
    uint8_t header;
    DBX_RETURN_IF_ERROR(Byte(&header));
    uint64_t n = header >> 4;
    if (n == 15) DBX_RETURN_IF_ERROR(VarInt(&n));
    uint8_t type = header & 0x0F;
    out->kind = TValue::Kind::kList;
    for (uint64_t k = 0; k < n; ++k) {
      TValue v;
      if (type == 1 || type == 2) {  // bool elements: one byte each
        uint8_t b;
        DBX_RETURN_IF_ERROR(Byte(&b));
        v.kind = TValue::Kind::kBool;
        v.b = b == 1;
      } else {
        DBX_RETURN_IF_ERROR(Value(type, &v));
      }
      out->list.push_back(std::move(v));
    }
    return Status::OK();
  }

  Status Struct(TValue* out) {
    out->kind = TValue::Kind::kStruct;
    int16_t last = 0;
    for (;;) {
      uint8_t header;
      DBX_RETURN_IF_ERROR(Byte(&header));
      if (header == 0) return Status::OK();
      uint8_t type = header & 0x0F;
      int16_t id;
      if ((header >> 4) != 0) {
        id = static_cast<int16_t>(last + (header >> 4));
      } else {
        int64_t v;
        DBX_RETURN_IF_ERROR(ZigZag(&v));
        id = static_cast<int16_t>(v);
      }
      if (id <= last) return InvalidArgument("thrift: field ids not ascending at " + std::to_string(id));
      last = id;
      TValue v;
      DBX_RETURN_IF_ERROR(Value(type, &v));
      out->fields[id] = std::move(v);
    }
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_;
};

}  // namespace

const TValue& TValue::operator[](int16_t id) const {
  static const TValue empty;
  auto it = fields.find(id);
  return it == fields.end() ? empty : it->second;
}

Result<TValue> DecodeStruct(const uint8_t* data, size_t size, size_t* pos) {
  Decoder d(data, size, *pos);
  TValue v;
  DBX_RETURN_IF_ERROR(d.Struct(&v));
  *pos = d.pos();
  return v;
}

}  // namespace dbexport::parquet::testing
