#include "parquet/statistics_internal.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "parquet/column_batch.h"

namespace dbexport::parquet {
namespace {

template <typename T>
std::string Plain(T v) {
  return std::string(reinterpret_cast<const char*>(&v), sizeof(T));
}

// Min and max of the non-NULL values; false when there are none.
template <typename T>
bool IntegerMinMax(const uint8_t* values, const uint8_t* valid, size_t n, T* out_min, T* out_max) {
  T mn = std::numeric_limits<T>::max();
  T mx = std::numeric_limits<T>::lowest();
  size_t present = n;
  if (valid == nullptr) {
    for (size_t i = 0; i < n; ++i) {
      T x = LoadUnaligned<T>(values + i * sizeof(T));
      mn = std::min(mn, x);
      mx = std::max(mx, x);
    }
  } else {
    present = 0;
    for (size_t i = 0; i < n; ++i) {
      T x = LoadUnaligned<T>(values + i * sizeof(T));
      bool ok = valid[i] != 0;
      mn = std::min(mn, ok ? x : std::numeric_limits<T>::max());
      mx = std::max(mx, ok ? x : std::numeric_limits<T>::lowest());
      present += ok;
    }
  }
  *out_min = mn;
  *out_max = mx;
  return present > 0;
}

// As IntegerMinMax, skipping and counting NaN.
template <typename T>
bool FloatMinMax(const uint8_t* values, const uint8_t* valid, size_t n, T* out_min, T* out_max,
                 int64_t* nans) {
  T mn = std::numeric_limits<T>::infinity();
  T mx = -std::numeric_limits<T>::infinity();
  bool any = false;
  for (size_t i = 0; i < n; ++i) {
    if (valid != nullptr && valid[i] == 0) continue;
    T x = LoadUnaligned<T>(values + i * sizeof(T));
    if (std::isnan(x)) {
      ++*nans;
      continue;
    }
    any = true;
    mn = std::min(mn, x);
    mx = std::max(mx, x);
  }
  *out_min = mn;
  *out_max = mx;
  return any;
}

int CompareDecimal(std::string_view a, std::string_view b) {
  // Same width by construction. The sign lives in the first byte's MSB.
  if (a.empty() || b.empty()) return static_cast<int>(a.size()) - static_cast<int>(b.size());
  uint8_t a0 = static_cast<uint8_t>(a[0]) ^ 0x80, b0 = static_cast<uint8_t>(b[0]) ^ 0x80;
  if (a0 != b0) return a0 < b0 ? -1 : 1;
  return a.substr(1).compare(b.substr(1));
}

int CompareBytes(StatsKind kind, std::string_view a, std::string_view b) {
  if (kind == StatsKind::kDecimalFlba) return CompareDecimal(a, b);
  int c = a.compare(b);  // char_traits<char>::compare is memcmp: unsigned bytes
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

template <typename T>
int Cmp(T a, T b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

// Start of the UTF-8 sequence containing byte `i` (or i itself if invalid).
size_t CodePointStart(std::string_view s, size_t i) {
  size_t j = i;
  while (j > 0 && (static_cast<uint8_t>(s[j]) & 0xC0) == 0x80 && i - j < 3) --j;
  return j;
}

bool DecodeUtf8(std::string_view s, uint32_t* cp) {
  const auto* b = reinterpret_cast<const uint8_t*>(s.data());
  if (s.size() == 1 && b[0] < 0x80) return *cp = b[0], true;
  if (s.size() == 2 && (b[0] & 0xE0) == 0xC0) return *cp = (b[0] & 0x1Fu) << 6 | (b[1] & 0x3F), true;
  if (s.size() == 3 && (b[0] & 0xF0) == 0xE0) {
    return *cp = (b[0] & 0x0Fu) << 12 | (b[1] & 0x3Fu) << 6 | (b[2] & 0x3F), true;
  }
  if (s.size() == 4 && (b[0] & 0xF8) == 0xF0) {
    return *cp = (b[0] & 0x07u) << 18 | (b[1] & 0x3Fu) << 12 | (b[2] & 0x3Fu) << 6 | (b[3] & 0x3F),
           true;
  }
  return false;
}

void EncodeUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | cp >> 6));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | cp >> 12));
    out->push_back(static_cast<char>(0x80 | (cp >> 6 & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | cp >> 18));
    out->push_back(static_cast<char>(0x80 | (cp >> 12 & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp >> 6 & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Length of the longest prefix of `s` of at most `max_bytes` bytes that ends
// on a code point boundary.
size_t Utf8PrefixLength(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s.size();
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<uint8_t>(s[cut]) & 0xC0) == 0x80) --cut;
  return cut;
}

}  // namespace

StatsKind StatsKindFor(const Field& field) {
  const LogicalType& lt = field.logical;
  switch (field.type) {
    case PhysicalType::kBoolean:
      return StatsKind::kBoolean;
    case PhysicalType::kInt32:
      return lt.kind == LogicalKind::kInt && !lt.is_signed ? StatsKind::kUInt32 : StatsKind::kInt32;
    case PhysicalType::kInt64:
      return lt.kind == LogicalKind::kInt && !lt.is_signed ? StatsKind::kUInt64 : StatsKind::kInt64;
    case PhysicalType::kFloat:
      return StatsKind::kFloat;
    case PhysicalType::kDouble:
      return StatsKind::kDouble;
    case PhysicalType::kByteArray:
      return lt.kind == LogicalKind::kString || lt.kind == LogicalKind::kJson ||
                     lt.kind == LogicalKind::kEnum
                 ? StatsKind::kUtf8
                 : StatsKind::kBinary;
    case PhysicalType::kFixedLenByteArray:
      return lt.kind == LogicalKind::kDecimal ? StatsKind::kDecimalFlba : StatsKind::kBinary;
  }
  return StatsKind::kBinary;
}

bool IsSignedOrder(StatsKind kind) {
  switch (kind) {
    case StatsKind::kInt32:
    case StatsKind::kInt64:
    case StatsKind::kFloat:
    case StatsKind::kDouble:
    case StatsKind::kDecimalFlba:
      return true;
    default:
      return false;
  }
}

int CompareEncoded(StatsKind kind, std::string_view a, std::string_view b) {
  auto load = [](std::string_view s, auto zero) {
    decltype(zero) v = zero;
    std::memcpy(&v, s.data(), std::min(s.size(), sizeof(v)));
    return v;
  };
  switch (kind) {
    case StatsKind::kBoolean: return Cmp(load(a, uint8_t{0}), load(b, uint8_t{0}));
    case StatsKind::kInt32: return Cmp(load(a, int32_t{0}), load(b, int32_t{0}));
    case StatsKind::kUInt32: return Cmp(load(a, uint32_t{0}), load(b, uint32_t{0}));
    case StatsKind::kInt64: return Cmp(load(a, int64_t{0}), load(b, int64_t{0}));
    case StatsKind::kUInt64: return Cmp(load(a, uint64_t{0}), load(b, uint64_t{0}));
    case StatsKind::kFloat: return Cmp(load(a, 0.0f), load(b, 0.0f));
    case StatsKind::kDouble: return Cmp(load(a, 0.0), load(b, 0.0));
    default: return CompareBytes(kind, a, b);
  }
}

void Statistics::Reset() {
  has_ = false;
  null_count_ = 0;
  nan_count_ = 0;
  smin_.clear();
  smax_.clear();
}

void Statistics::MergeNumeric(int64_t mn, int64_t mx) {
  if (!has_) {
    imin_ = mn, imax_ = mx, has_ = true;
    return;
  }
  imin_ = std::min(imin_, mn);
  imax_ = std::max(imax_, mx);
}

void Statistics::MergeUnsigned(uint64_t mn, uint64_t mx) {
  if (!has_) {
    umin_ = mn, umax_ = mx, has_ = true;
    return;
  }
  umin_ = std::min(umin_, mn);
  umax_ = std::max(umax_, mx);
}

void Statistics::MergeDouble(double mn, double mx) {
  if (!has_) {
    dmin_ = mn, dmax_ = mx, has_ = true;
    return;
  }
  dmin_ = std::min(dmin_, mn);
  dmax_ = std::max(dmax_, mx);
}

void Statistics::MergeBytes(std::string_view mn, std::string_view mx) {
  if (!has_) {
    smin_.assign(mn);
    smax_.assign(mx);
    has_ = true;
    return;
  }
  if (CompareBytes(kind_, mn, smin_) < 0) smin_.assign(mn);
  if (CompareBytes(kind_, mx, smax_) > 0) smax_.assign(mx);
}

void Statistics::UpdateFixed(const uint8_t* values, const uint8_t* valid, size_t n) {
  switch (kind_) {
    case StatsKind::kBoolean: {
      uint8_t mn, mx;
      if (IntegerMinMax(values, valid, n, &mn, &mx)) MergeNumeric(mn, mx);
      return;
    }
    case StatsKind::kInt32: {
      int32_t mn, mx;
      if (IntegerMinMax(values, valid, n, &mn, &mx)) MergeNumeric(mn, mx);
      return;
    }
    case StatsKind::kUInt32: {
      uint32_t mn, mx;
      if (IntegerMinMax(values, valid, n, &mn, &mx)) MergeUnsigned(mn, mx);
      return;
    }
    case StatsKind::kInt64: {
      int64_t mn, mx;
      if (IntegerMinMax(values, valid, n, &mn, &mx)) MergeNumeric(mn, mx);
      return;
    }
    case StatsKind::kUInt64: {
      uint64_t mn, mx;
      if (IntegerMinMax(values, valid, n, &mn, &mx)) MergeUnsigned(mn, mx);
      return;
    }
    case StatsKind::kFloat: {
      float mn, mx;
      if (FloatMinMax(values, valid, n, &mn, &mx, &nan_count_)) MergeDouble(mn, mx);
      return;
    }
    case StatsKind::kDouble: {
      double mn, mx;
      if (FloatMinMax(values, valid, n, &mn, &mx, &nan_count_)) MergeDouble(mn, mx);
      return;
    }
    default:
      return;  // byte kinds use UpdateFlba / UpdateByteArray
  }
}

void Statistics::UpdateFlba(const uint8_t* values, int width, const uint8_t* valid, size_t n) {
  const char* mn = nullptr;
  const char* mx = nullptr;
  auto w = static_cast<size_t>(width);
  for (size_t i = 0; i < n; ++i) {
    if (valid != nullptr && valid[i] == 0) continue;
    const char* v = reinterpret_cast<const char*>(values + i * w);
    if (mn == nullptr) {
      mn = mx = v;
      continue;
    }
    if (CompareBytes(kind_, {v, w}, {mn, w}) < 0) mn = v;
    if (CompareBytes(kind_, {v, w}, {mx, w}) > 0) mx = v;
  }
  if (mn != nullptr) MergeBytes({mn, w}, {mx, w});
}

void Statistics::UpdateByteArray(const int64_t* offsets, const uint8_t* data, const uint8_t* valid,
                                 size_t n) {
  std::string_view mn, mx;
  bool any = false;
  const char* base = reinterpret_cast<const char*>(data);
  for (size_t i = 0; i < n; ++i) {
    if (valid != nullptr && valid[i] == 0) continue;
    std::string_view v(base + offsets[i], static_cast<size_t>(offsets[i + 1] - offsets[i]));
    if (!any) {
      mn = mx = v;
      any = true;
      continue;
    }
    if (v < mn) mn = v;
    if (v > mx) mx = v;
  }
  if (any) MergeBytes(mn, mx);
}

void Statistics::Merge(const Statistics& other) {
  null_count_ += other.null_count_;
  nan_count_ += other.nan_count_;
  if (!other.has_) return;
  switch (kind_) {
    case StatsKind::kBoolean:
    case StatsKind::kInt32:
    case StatsKind::kInt64:
      MergeNumeric(other.imin_, other.imax_);
      return;
    case StatsKind::kUInt32:
    case StatsKind::kUInt64:
      MergeUnsigned(other.umin_, other.umax_);
      return;
    case StatsKind::kFloat:
    case StatsKind::kDouble:
      MergeDouble(other.dmin_, other.dmax_);
      return;
    default:
      MergeBytes(other.smin_, other.smax_);
      return;
  }
}

EncodedStats Statistics::Encode(size_t max_bytes) const {
  EncodedStats e;
  e.null_count = null_count_;
  e.signed_order = IsSignedOrder(kind_);
  e.has_nan_count = kind_ == StatsKind::kFloat || kind_ == StatsKind::kDouble;
  e.nan_count = nan_count_;
  if (!has_) return e;
  e.has_min_max = true;
  switch (kind_) {
    case StatsKind::kBoolean:
      e.min = Plain(static_cast<uint8_t>(imin_));
      e.max = Plain(static_cast<uint8_t>(imax_));
      return e;
    case StatsKind::kInt32:
      e.min = Plain(static_cast<int32_t>(imin_));
      e.max = Plain(static_cast<int32_t>(imax_));
      return e;
    case StatsKind::kInt64:
      e.min = Plain(imin_);
      e.max = Plain(imax_);
      return e;
    case StatsKind::kUInt32:
      e.min = Plain(static_cast<uint32_t>(umin_));
      e.max = Plain(static_cast<uint32_t>(umax_));
      return e;
    case StatsKind::kUInt64:
      e.min = Plain(umin_);
      e.max = Plain(umax_);
      return e;
    case StatsKind::kFloat:
    case StatsKind::kDouble: {
      double mn = dmin_ == 0 ? -0.0 : dmin_;
      double mx = dmax_ == 0 ? +0.0 : dmax_;
      if (kind_ == StatsKind::kFloat) {
        e.min = Plain(static_cast<float>(mn));
        e.max = Plain(static_cast<float>(mx));
      } else {
        e.min = Plain(mn);
        e.max = Plain(mx);
      }
      return e;
    }
    case StatsKind::kDecimalFlba:
      e.min = smin_;
      e.max = smax_;
      return e;
    case StatsKind::kBinary:
    case StatsKind::kUtf8: {
      bool utf8 = kind_ == StatsKind::kUtf8;
      if (smin_.size() <= max_bytes) {
        e.min = smin_;
      } else {
        TruncateMin(smin_, max_bytes, utf8, &e.min);
        e.min_exact = false;
      }
      if (smax_.size() <= max_bytes) {
        e.max = smax_;
      } else if (TruncateMax(smax_, max_bytes, utf8, &e.max)) {
        e.max_exact = false;
      } else {
        // No short upper bound exists: omit min/max altogether.
        e.has_min_max = false;
        e.min.clear();
        e.max.clear();
        e.min_exact = e.max_exact = true;
      }
      return e;
    }
  }
  return e;
}

bool TruncateMin(std::string_view value, size_t max_bytes, bool utf8, std::string* out) {
  size_t len = utf8 ? Utf8PrefixLength(value, max_bytes) : std::min(value.size(), max_bytes);
  out->assign(value.substr(0, len));
  return true;
}

bool TruncateMax(std::string_view value, size_t max_bytes, bool utf8, std::string* out) {
  if (!utf8) {
    std::string s(value.substr(0, std::min(value.size(), max_bytes)));
    while (!s.empty()) {
      auto last = static_cast<uint8_t>(s.back());
      if (last != 0xFF) {
        s.back() = static_cast<char>(last + 1);
        *out = std::move(s);
        return true;
      }
      s.pop_back();
    }
    return false;
  }
  std::string s(value.substr(0, Utf8PrefixLength(value, max_bytes)));
  while (!s.empty()) {
    size_t start = CodePointStart(s, s.size() - 1);
    uint32_t cp;
    if (!DecodeUtf8(std::string_view(s).substr(start), &cp)) {
      return TruncateMax(value, max_bytes, false, out);  // not UTF-8 after all
    }
    s.resize(start);
    uint32_t next = cp + 1;
    if (next >= 0xD800 && next <= 0xDFFF) next = 0xE000;  // skip surrogates
    if (next <= 0x10FFFF) {
      EncodeUtf8(next, &s);
      *out = std::move(s);
      return true;
    }
  }
  return false;
}

}  // namespace dbexport::parquet
