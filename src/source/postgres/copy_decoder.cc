#include "source/postgres/copy_decoder_internal.h"

#include <cstring>
#include <limits>
#include <string>

#include "source/postgres/numeric_internal.h"

namespace dbexport::source::postgres {
namespace {

using parquet::Column;

constexpr uint8_t kSignature[11] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xFF, '\r', '\n', 0};
// Arrays have at most MAXDIM dimensions (PostgreSQL utils/array.h).
constexpr int32_t kMaxArrayDims = 6;
// Days and microseconds between 1970-01-01 and PostgreSQL's epoch 2000-01-01.
constexpr int32_t kEpochShiftDays = 10957;
constexpr int64_t kEpochShiftMicros = 946684800000000;

inline uint16_t Load16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return __builtin_bswap16(v);
}
inline uint32_t Load32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return __builtin_bswap32(v);
}
inline uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return __builtin_bswap64(v);
}

template <typename T>
inline void Put(std::vector<uint8_t>& out, T v) {
  size_t n = out.size();
  out.resize(n + sizeof(T));
  std::memcpy(out.data() + n, &v, sizeof(T));
}

inline void PutBytes(Column& c, const uint8_t* p, size_t size) {
  c.data.insert(c.data.end(), p, p + size);
  c.offsets.push_back(static_cast<int64_t>(c.data.size()));
}

// Big-endian two's complement, `width` low bytes of v.
inline void PutDecimalFixed(std::vector<uint8_t>& out, __int128 v, int width) {
  size_t n = out.size();
  out.resize(n + width);
  auto u = static_cast<unsigned __int128>(v);
  for (int i = width - 1; i >= 0; --i) {
    out[n + i] = static_cast<uint8_t>(u);
    u >>= 8;
  }
}

// The slot a NULL takes in `fixed` (ColumnBatch keeps values dense).
int SlotWidth(const ColumnPlan& plan) {
  switch (plan.reader) {
    case WireReader::kBool: return 1;
    case WireReader::kInt16:
    case WireReader::kInt32:
    case WireReader::kFloat32:
    case WireReader::kDate:
    case WireReader::kDecimal32: return 4;
    case WireReader::kInt64:
    case WireReader::kFloat64:
    case WireReader::kTime:
    case WireReader::kTimestamp:
    case WireReader::kDecimal64: return 8;
    case WireReader::kDecimalFixed: return plan.fixed_width;
    case WireReader::kUuid: return 16;
    case WireReader::kBytes:
    case WireReader::kJsonb: return 0;
  }
  return 0;
}

inline void PutNullSlot(Column& c, int slot_width) {
  if (slot_width > 0) {
    c.fixed.resize(c.fixed.size() + slot_width);
  } else {
    c.offsets.push_back(static_cast<int64_t>(c.data.size()));
  }
}

enum class ValueResult : uint8_t { kOk, kUnrepresentable, kBadLength, kOutOfRange, kMalformed };

// Appends one non-NULL value to the values of `c` (a flat column's rows or
// a LIST's elements). Writes nothing unless it returns kOk.
inline ValueResult ReadValue(const ColumnPlan& plan, const uint8_t* p, int32_t len, Column& c) {
  switch (plan.reader) {
    case WireReader::kBool:
      if (len != 1) return ValueResult::kBadLength;
      c.fixed.push_back(*p != 0);
      return ValueResult::kOk;
    case WireReader::kInt16:
      if (len != 2) return ValueResult::kBadLength;
      Put<int32_t>(c.fixed, static_cast<int16_t>(Load16(p)));
      return ValueResult::kOk;
    case WireReader::kInt32:
    case WireReader::kFloat32:  // IEEE bits, byte-swapped
      if (len != 4) return ValueResult::kBadLength;
      Put<uint32_t>(c.fixed, Load32(p));
      return ValueResult::kOk;
    case WireReader::kInt64:
    case WireReader::kFloat64:
    case WireReader::kTime:
      if (len != 8) return ValueResult::kBadLength;
      Put<uint64_t>(c.fixed, Load64(p));
      return ValueResult::kOk;
    case WireReader::kBytes:
      PutBytes(c, p, static_cast<size_t>(len));
      return ValueResult::kOk;
    case WireReader::kJsonb:
      if (len < 1 || p[0] != 1) return ValueResult::kMalformed;  // jsonb version 1
      PutBytes(c, p + 1, static_cast<size_t>(len - 1));
      return ValueResult::kOk;
    case WireReader::kDate: {
      if (len != 4) return ValueResult::kBadLength;
      auto d = static_cast<int32_t>(Load32(p));
      // +-infinity are INT32_MAX / INT32_MIN on the wire and stay so.
      if (d != std::numeric_limits<int32_t>::max() && d != std::numeric_limits<int32_t>::min()) {
        if (d > std::numeric_limits<int32_t>::max() - kEpochShiftDays) {
          return ValueResult::kUnrepresentable;
        }
        d += kEpochShiftDays;
      }
      Put<int32_t>(c.fixed, d);
      return ValueResult::kOk;
    }
    case WireReader::kTimestamp: {
      if (len != 8) return ValueResult::kBadLength;
      auto t = static_cast<int64_t>(Load64(p));
      // +-infinity are INT64_MAX / INT64_MIN on the wire and stay so.
      if (t != std::numeric_limits<int64_t>::max() && t != std::numeric_limits<int64_t>::min()) {
        if (t > std::numeric_limits<int64_t>::max() - kEpochShiftMicros) {
          return ValueResult::kUnrepresentable;  // after year 294246
        }
        t += kEpochShiftMicros;
      }
      Put<int64_t>(c.fixed, t);
      return ValueResult::kOk;
    }
    case WireReader::kDecimal32:
    case WireReader::kDecimal64:
    case WireReader::kDecimalFixed: {
      __int128 v;
      switch (DecodeNumeric(p, static_cast<size_t>(len), plan.precision, plan.scale, &v)) {
        case NumericResult::kOk: break;
        case NumericResult::kNotFinite: return ValueResult::kUnrepresentable;
        case NumericResult::kOutOfRange: return ValueResult::kOutOfRange;
        case NumericResult::kMalformed: return ValueResult::kMalformed;
      }
      if (plan.reader == WireReader::kDecimal32) {
        Put<int32_t>(c.fixed, static_cast<int32_t>(v));
      } else if (plan.reader == WireReader::kDecimal64) {
        Put<int64_t>(c.fixed, static_cast<int64_t>(v));
      } else {
        PutDecimalFixed(c.fixed, v, plan.fixed_width);
      }
      return ValueResult::kOk;
    }
    case WireReader::kUuid:
      if (len != 16) return ValueResult::kBadLength;
      c.fixed.insert(c.fixed.end(), p, p + 16);
      return ValueResult::kOk;
  }
  return ValueResult::kMalformed;
}

const char* Reason(ValueResult r) {
  switch (r) {
    case ValueResult::kBadLength: return "value has the wrong length for its type";
    case ValueResult::kOutOfRange: return "value does not fit the column's DECIMAL precision and scale";
    case ValueResult::kMalformed: return "malformed binary value";
    default: return "cannot decode value";
  }
}

Status ReasonStatus(ValueResult r, std::string message) {
  return r == ValueResult::kOutOfRange ? OutOfRange(std::move(message))
                                       : Internal(std::move(message));
}

}  // namespace

CopyDecoder::CopyDecoder(const std::vector<ColumnPlan>* plans, int64_t max_value_bytes)
    : plans_(plans), max_value_bytes_(max_value_bytes), unrepresentable_(plans->size(), 0) {
  slot_width_.reserve(plans->size());
  for (const auto& plan : *plans) slot_width_.push_back(static_cast<uint8_t>(SlotWidth(plan)));
}

Status CopyDecoder::ValueError(int column, const char* reason) const {
  return Internal("column \"" + (*plans_)[column].name + "\" of row " + std::to_string(rows_ + 1) +
                  ": " + reason);
}

Status CopyDecoder::DecodeHeader(const uint8_t*& p, const uint8_t* end) {
  if (end - p < 19 || std::memcmp(p, kSignature, sizeof kSignature) != 0) {
    return Internal("binary COPY stream does not start with the PGCOPY signature");
  }
  uint32_t flags = Load32(p + 11);
  if (flags & 0xFFFF0000u & ~(1u << 16)) {
    return Internal("binary COPY header has unknown critical flags");
  }
  uint32_t ext = Load32(p + 15);
  if (static_cast<uint64_t>(end - p) < 19ull + ext) return Internal("binary COPY header is truncated");
  p += 19 + ext;
  header_done_ = true;
  return Status::OK();
}

Status CopyDecoder::Decode(const uint8_t* data, size_t size, parquet::ColumnBatch* batch) {
  const uint8_t* p = data;
  const uint8_t* const end = data + size;
  if (!header_done_) DBX_RETURN_IF_ERROR(DecodeHeader(p, end));
  const std::vector<ColumnPlan>& plans = *plans_;
  const int ncols = static_cast<int>(plans.size());

  while (p < end) {
    if (finished_) return Internal("binary COPY stream has data after its trailer");
    if (end - p < 2) return Internal("binary COPY tuple is truncated");
    auto nfields = static_cast<int16_t>(Load16(p));
    p += 2;
    if (nfields == -1) {
      finished_ = true;
      continue;
    }
    if (nfields != ncols) {
      return Internal("binary COPY tuple has " + std::to_string(nfields) + " fields, expected " +
                      std::to_string(ncols));
    }
    for (int i = 0; i < ncols; ++i) {
      if (end - p < 4) return ValueError(i, "binary COPY tuple is truncated");
      auto len = static_cast<int32_t>(Load32(p));
      p += 4;
      Column& col = batch->column(i);
      const ColumnPlan& plan = plans[i];
      if (len < 0) {
        if (len != -1) return ValueError(i, "negative value length");
        col.valid.push_back(0);
        if (plan.is_list) {
          col.list_offsets.push_back(static_cast<int64_t>(col.element_valid.size()));
        } else {
          PutNullSlot(col, slot_width_[i]);
        }
        continue;
      }
      if (len > max_value_bytes_) {
        return FailedPrecondition("column \"" + plan.name + "\" of row " + std::to_string(rows_ + 1) +
                                  " holds a large object close to 500 MB (" + std::to_string(len) +
                                  " bytes; the limit is " + std::to_string(max_value_bytes_) +
                                  " bytes): values near or above 500 MB cannot be exported");
      }
      if (end - p < len) return ValueError(i, "binary COPY value is truncated");
      if (!plan.is_list) {
        ValueResult r = ReadValue(plan, p, len, col);
        if (r == ValueResult::kOk) {
          col.valid.push_back(1);
        } else if (r == ValueResult::kUnrepresentable) {
          col.valid.push_back(0);
          PutNullSlot(col, slot_width_[i]);
          ++unrepresentable_[i];
        } else {
          return ReasonStatus(r, ValueError(i, Reason(r)).message());
        }
        p += len;
        continue;
      }
      // Binary array (array_send): int32 ndim, int32 flags, int32 element
      // type, per dimension int32 size and lower bound, then the elements as
      // length + bytes. Dimensions flatten in row-major order.
      const uint8_t* a = p;
      const uint8_t* const a_end = p + len;
      if (len < 12) return ValueError(i, "malformed binary array");
      auto ndim = static_cast<int32_t>(Load32(a));
      a += 12;
      if (ndim < 0 || ndim > kMaxArrayDims || a_end - a < 8 * ndim) {
        return ValueError(i, "malformed binary array");
      }
      // Every element takes at least its 4-byte length, which bounds the
      // element count before the product of the dimensions can overflow.
      const int64_t max_count = (a_end - a - 8 * ndim) / 4;
      int64_t count = ndim == 0 ? 0 : 1;
      for (int d = 0; d < ndim; ++d, a += 8) {
        auto dim = static_cast<int32_t>(Load32(a));
        if (dim < 0 || (dim > 0 && count > max_count / dim)) return ValueError(i, "malformed binary array");
        count *= dim;
      }
      for (int64_t e = 0; e < count; ++e) {
        if (a_end - a < 4) return ValueError(i, "binary array is truncated");
        auto elen = static_cast<int32_t>(Load32(a));
        a += 4;
        if (elen < 0) {
          col.element_valid.push_back(0);
          PutNullSlot(col, slot_width_[i]);
          continue;
        }
        if (a_end - a < elen) return ValueError(i, "binary array is truncated");
        ValueResult r = ReadValue(plan, a, elen, col);
        if (r == ValueResult::kOk) {
          col.element_valid.push_back(1);
        } else if (r == ValueResult::kUnrepresentable) {
          col.element_valid.push_back(0);
          PutNullSlot(col, slot_width_[i]);
          ++unrepresentable_[i];
        } else {
          return ReasonStatus(r, ValueError(i, Reason(r)).message());
        }
        a += elen;
      }
      col.valid.push_back(1);
      col.list_offsets.push_back(static_cast<int64_t>(col.element_valid.size()));
      p += len;
    }
    ++rows_;
    batch->set_num_rows(batch->num_rows() + 1);
  }
  return Status::OK();
}

}  // namespace dbexport::source::postgres
