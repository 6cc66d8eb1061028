#include "parquet/value_check_internal.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>

namespace dbexport::parquet {
namespace {

// Microseconds in a day; PostgreSQL's TIME accepts 24:00:00 itself.
constexpr int64_t kMicrosPerDay = int64_t{86400} * 1000000;

// Where a value sits: its row and, in a LIST column, its element.
struct Locator {
  const Field& field;
  const Column& column;
  int64_t first_row;

  std::string At(int64_t value_index) const {
    std::string s = "column \"" + field.name + "\" row ";
    if (!field.is_list) return s + std::to_string(first_row + value_index);
    // Row r holds elements [list_offsets[r], list_offsets[r + 1]).
    const auto& lo = column.list_offsets;
    auto it = std::upper_bound(lo.begin(), lo.end(), value_index);
    int64_t row = (it - lo.begin()) - 1;
    return s + std::to_string(first_row + row) + " element " +
           std::to_string(value_index - lo[static_cast<size_t>(row)]);
  }
  Status Error(int64_t value_index, const std::string& what) const {
    return InvalidArgument(At(value_index) + ": " + what);
  }
  Status ColumnError(const std::string& what) const {
    return InvalidArgument("column \"" + field.name + "\": " + what);
  }
};

std::string Int128ToString(__int128 v) {
  if (v == 0) return "0";
  bool negative = v < 0;
  unsigned __int128 u = negative ? -static_cast<unsigned __int128>(v) : v;
  std::string s;
  while (u != 0) {
    s.push_back(static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  if (negative) s.push_back('-');
  return std::string(s.rbegin(), s.rend());
}

std::string DecimalText(__int128 unscaled, int scale) {
  std::string digits = Int128ToString(unscaled < 0 ? -unscaled : unscaled);
  if (scale > 0) {
    if (digits.size() <= static_cast<size_t>(scale)) {
      digits.insert(0, static_cast<size_t>(scale) + 1 - digits.size(), '0');
    }
    digits.insert(digits.size() - static_cast<size_t>(scale), ".");
  }
  return (unscaled < 0 ? "-" : "") + digits;
}

__int128 Pow10(int p) {
  __int128 v = 1;
  for (int i = 0; i < p; ++i) v *= 10;
  return v;
}

// Index of the first non-NULL value outside [lo, hi], or -1. A min/max
// reduction first (vectorizable); the scan runs only when it fails.
template <typename T>
int64_t FindOutOfRange(const uint8_t* values, const uint8_t* valid, int64_t n, T lo, T hi) {
  T mn = std::numeric_limits<T>::max(), mx = std::numeric_limits<T>::lowest();
  for (int64_t i = 0; i < n; ++i) {
    T x = LoadUnaligned<T>(values + i * static_cast<int64_t>(sizeof(T)));
    bool ok = valid == nullptr || valid[i] != 0;
    mn = std::min(mn, ok ? x : std::numeric_limits<T>::max());
    mx = std::max(mx, ok ? x : std::numeric_limits<T>::lowest());
  }
  if (mn >= lo && mx <= hi) return -1;
  for (int64_t i = 0; i < n; ++i) {
    if (valid != nullptr && valid[i] == 0) continue;
    T x = LoadUnaligned<T>(values + i * static_cast<int64_t>(sizeof(T)));
    if (x < lo || x > hi) return i;
  }
  return -1;
}

bool AllAscii(const uint8_t* p, size_t n) {
  uint64_t acc = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) acc |= LoadUnaligned<uint64_t>(p + i);
  for (; i < n; ++i) acc |= p[i];
  return (acc & 0x8080808080808080ull) == 0;
}

Status CheckValidity(const Locator& at, const std::vector<uint8_t>& valid, int64_t expected,
                     bool nullable, const char* what) {
  if (valid.empty()) return Status::OK();
  if (static_cast<int64_t>(valid.size()) != expected) {
    return at.ColumnError(std::string(what) + " holds " + std::to_string(valid.size()) +
                          " entries for " + std::to_string(expected) + " " +
                          (std::strcmp(what, "valid") == 0 ? "rows" : "elements"));
  }
  uint8_t bits = 0;
  for (uint8_t v : valid) bits |= v;
  if ((bits & ~1) != 0 || !nullable) {
    for (size_t i = 0; i < valid.size(); ++i) {
      if (valid[i] > 1) {
        return at.ColumnError(std::string(what) + "[" + std::to_string(i) + "] is " +
                              std::to_string(valid[i]) + ", not 0 or 1");
      }
      if (valid[i] == 0 && !nullable) {
        bool element = std::strcmp(what, "valid") != 0;
        return element ? at.Error(static_cast<int64_t>(i), "NULL element in a LIST whose "
                                                           "elements are required")
                       : InvalidArgument("column \"" + at.field.name + "\" row " +
                                         std::to_string(at.first_row + static_cast<int64_t>(i)) +
                                         ": NULL in a required column");
      }
    }
  }
  return Status::OK();
}

Status CheckListShape(const Locator& at, const Column& c, int64_t num_rows) {
  const auto& lo = c.list_offsets;
  if (static_cast<int64_t>(lo.size()) != num_rows + 1) {
    return at.ColumnError("list_offsets holds " + std::to_string(lo.size()) + " entries for " +
                          std::to_string(num_rows) + " rows (expected rows + 1)");
  }
  if (lo[0] != 0) return at.ColumnError("list_offsets[0] is " + std::to_string(lo[0]) + ", not 0");
  for (int64_t r = 0; r < num_rows; ++r) {
    auto i = static_cast<size_t>(r);
    if (lo[i + 1] < lo[i]) {
      return InvalidArgument("column \"" + at.field.name + "\" row " +
                             std::to_string(at.first_row + r) + ": list_offsets decrease");
    }
    if (!c.valid.empty() && c.valid[i] == 0 && lo[i + 1] != lo[i]) {
      return InvalidArgument("column \"" + at.field.name + "\" row " +
                             std::to_string(at.first_row + r) + ": a NULL list has elements");
    }
  }
  return Status::OK();
}

Status CheckByteArrayShape(const Locator& at, const Column& c, int64_t count) {
  const auto& off = c.offsets;
  if (static_cast<int64_t>(off.size()) != count + 1) {
    return at.ColumnError("offsets holds " + std::to_string(off.size()) + " entries for " +
                          std::to_string(count) + " values (expected values + 1)");
  }
  if (off[0] < 0) return at.ColumnError("offsets[0] is negative");
  for (int64_t i = 0; i < count; ++i) {
    int64_t len = off[static_cast<size_t>(i) + 1] - off[static_cast<size_t>(i)];
    if (len < 0) return at.Error(i, "offsets decrease");
    if (len > kMaxByteArrayValue) {
      return at.Error(i, "value of " + std::to_string(len) + " bytes exceeds the " +
                             std::to_string(kMaxByteArrayValue) + "-byte limit");
    }
  }
  if (off.back() > static_cast<int64_t>(c.data.size())) {
    return at.ColumnError("offsets end at " + std::to_string(off.back()) + " past the " +
                          std::to_string(c.data.size()) + " bytes of data");
  }
  return Status::OK();
}

const char* LogicalName(const LogicalType& lt) {
  switch (lt.kind) {
    case LogicalKind::kString: return "STRING";
    case LogicalKind::kJson: return "JSON";
    case LogicalKind::kEnum: return "ENUM";
    default: return "BYTE_ARRAY";
  }
}

template <typename T>
Status CheckRange(const Locator& at, const uint8_t* values, const uint8_t* valid, int64_t n, T lo,
                  T hi, const std::string& type_name) {
  int64_t bad = FindOutOfRange<T>(values, valid, n, lo, hi);
  if (bad < 0) return Status::OK();
  T v = LoadUnaligned<T>(values + bad * static_cast<int64_t>(sizeof(T)));
  return at.Error(bad, "value " + std::to_string(v) + " is out of range for " + type_name + " [" +
                           std::to_string(lo) + ", " + std::to_string(hi) + "]");
}

Status CheckDecimal(const Locator& at, const uint8_t* values, const uint8_t* valid, int64_t n) {
  const Field& f = at.field;
  int p = f.logical.precision;
  std::string name = "DECIMAL(" + std::to_string(p) + "," + std::to_string(f.logical.scale) + ")";
  auto too_many = [&](int64_t i, __int128 v) {
    return at.Error(i, name + " value " + DecimalText(v, f.logical.scale) + " has more than " +
                           std::to_string(p) + " digits");
  };
  __int128 limit = Pow10(p) - 1;
  if (f.type == PhysicalType::kInt32) {
    auto lim = static_cast<int32_t>(limit);
    int64_t bad = FindOutOfRange<int32_t>(values, valid, n, -lim, lim);
    return bad < 0 ? Status::OK() : too_many(bad, LoadUnaligned<int32_t>(values + 4 * bad));
  }
  if (f.type == PhysicalType::kInt64) {
    auto lim = static_cast<int64_t>(limit);
    int64_t bad = FindOutOfRange<int64_t>(values, valid, n, -lim, lim);
    return bad < 0 ? Status::OK() : too_many(bad, LoadUnaligned<int64_t>(values + 8 * bad));
  }
  // FIXED_LEN_BYTE_ARRAY: big-endian two's complement, sign-extended.
  auto w = static_cast<int64_t>(f.type_length);
  for (int64_t i = 0; i < n; ++i) {
    if (valid != nullptr && valid[i] == 0) continue;
    const uint8_t* b = values + i * w;
    __int128 v = (b[0] & 0x80) ? -1 : 0;
    for (int64_t k = 0; k < w; ++k) v = static_cast<__int128>(static_cast<unsigned __int128>(v) << 8 | b[k]);
    if (v > limit || v < -limit) return too_many(i, v);
  }
  return Status::OK();
}

Status CheckUtf8(const Locator& at, const Column& c, const uint8_t* valid, int64_t n) {
  const uint8_t* data = c.data.data();
  const int64_t* off = c.offsets.data();
  if (AllAscii(data + off[0], static_cast<size_t>(off[n] - off[0]))) return Status::OK();
  for (int64_t i = 0; i < n; ++i) {
    if (valid != nullptr && valid[i] == 0) continue;
    size_t error_at = 0;
    if (!IsValidUtf8(data + off[i], static_cast<size_t>(off[i + 1] - off[i]), &error_at)) {
      return at.Error(i, std::string("invalid UTF-8 at byte ") + std::to_string(error_at) +
                             " of a " + LogicalName(at.field.logical) + " value");
    }
  }
  return Status::OK();
}

Status CheckValues(const Locator& at, const Column& c, const uint8_t* valid, int64_t n) {
  const Field& f = at.field;
  const LogicalType& lt = f.logical;
  const uint8_t* values = c.fixed.data();
  switch (lt.kind) {
    case LogicalKind::kString:
    case LogicalKind::kJson:
    case LogicalKind::kEnum:
      return CheckUtf8(at, c, valid, n);
    case LogicalKind::kDecimal:
      return CheckDecimal(at, values, valid, n);
    case LogicalKind::kTime:
      return CheckRange<int64_t>(at, values, valid, n, 0, kMicrosPerDay, "TIME(MICROS)");
    case LogicalKind::kInt: {
      std::string name = std::string(lt.is_signed ? "INT(" : "UINT(") +
                         std::to_string(lt.bit_width) + ")";
      if (lt.bit_width == 8) {
        return lt.is_signed ? CheckRange<int32_t>(at, values, valid, n, -128, 127, name)
                            : CheckRange<int32_t>(at, values, valid, n, 0, 255, name);
      }
      if (lt.bit_width == 16) {
        return lt.is_signed ? CheckRange<int32_t>(at, values, valid, n, -32768, 32767, name)
                            : CheckRange<int32_t>(at, values, valid, n, 0, 65535, name);
      }
      return Status::OK();  // 32 and 64 bits: every bit pattern is a value
    }
    default:
      break;
  }
  if (f.type == PhysicalType::kBoolean) {
    return CheckRange<uint8_t>(at, values, valid, n, 0, 1, "BOOLEAN (0 or 1)");
  }
  return Status::OK();
}

}  // namespace

bool IsValidUtf8(const uint8_t* p, size_t n, size_t* error_at) {
  size_t i = 0;
  auto fail = [&](size_t at) {
    if (error_at != nullptr) *error_at = at;
    return false;
  };
  while (i < n) {
    if (i + 8 <= n && (LoadUnaligned<uint64_t>(p + i) & 0x8080808080808080ull) == 0) {
      i += 8;
      continue;
    }
    uint8_t b = p[i];
    if (b < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((b & 0xE0) == 0xC0) {
      len = 2, cp = b & 0x1Fu;
    } else if ((b & 0xF0) == 0xE0) {
      len = 3, cp = b & 0x0Fu;
    } else if ((b & 0xF8) == 0xF0) {
      len = 4, cp = b & 0x07u;
    } else {
      return fail(i);
    }
    if (i + len > n) return fail(i);
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return fail(i);
      cp = cp << 6 | (p[i + k] & 0x3Fu);
    }
    static constexpr uint32_t kMinForLength[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return fail(i);
    }
    i += len;
  }
  return true;
}

Status CheckColumn(const Field& field, const Column& column, int64_t num_rows, int64_t first_row) {
  Locator at{field, column, first_row};
  DBX_RETURN_IF_ERROR(CheckValidity(at, column.valid, num_rows, field.nullable, "valid"));
  int64_t count = num_rows;
  const uint8_t* value_valid = column.valid.empty() ? nullptr : column.valid.data();
  if (field.is_list) {
    DBX_RETURN_IF_ERROR(CheckListShape(at, column, num_rows));
    count = column.list_offsets.back();
    DBX_RETURN_IF_ERROR(CheckValidity(at, column.element_valid, count, field.element_nullable,
                                      "element_valid"));
    value_valid = column.element_valid.empty() ? nullptr : column.element_valid.data();
  }
  if (field.type == PhysicalType::kByteArray) {
    DBX_RETURN_IF_ERROR(CheckByteArrayShape(at, column, count));
  } else {
    int64_t width = FixedValueWidth(field);
    if (static_cast<int64_t>(column.fixed.size()) != count * width) {
      std::string type = field.type == PhysicalType::kFixedLenByteArray
                             ? "FIXED_LEN_BYTE_ARRAY(" + std::to_string(width) + ")"
                             : std::to_string(width) + "-byte";
      return at.ColumnError(type + " values: buffer holds " + std::to_string(column.fixed.size()) +
                            " bytes for " + std::to_string(count) + (field.is_list ? " elements" : " rows") +
                            ", expected " + std::to_string(count * width));
    }
  }
  return CheckValues(at, column, value_valid, count);
}

}  // namespace dbexport::parquet
