#include "source/postgres/numeric_internal.h"

namespace dbexport::source::postgres {
namespace {

constexpr uint16_t kSignPositive = 0x0000;
constexpr uint16_t kSignNegative = 0x4000;
constexpr int kDecimalDigitsPerNbase = 4;  // NBASE = 10000

inline uint16_t Load16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

constexpr __int128 Pow10(int n) {
  __int128 v = 1;
  for (int i = 0; i < n; ++i) v *= 10;
  return v;
}

struct Pow10Table {
  __int128 v[39];
  constexpr Pow10Table() : v() {
    for (int i = 0; i <= 38; ++i) v[i] = Pow10(i);
  }
};
constexpr Pow10Table kPow10;

}  // namespace

NumericResult DecodeNumeric(const uint8_t* p, size_t size, int precision, int scale,
                            __int128* out) {
  if (size < 8) return NumericResult::kMalformed;
  int ndigits = static_cast<int16_t>(Load16(p));
  int weight = static_cast<int16_t>(Load16(p + 2));
  uint16_t sign = Load16(p + 4);
  if (sign != kSignPositive && sign != kSignNegative) {
    return (sign & 0xC000) == 0xC000 ? NumericResult::kNotFinite : NumericResult::kMalformed;
  }
  if (ndigits < 0 || size != 8 + 2 * static_cast<size_t>(ndigits)) return NumericResult::kMalformed;
  const uint8_t* digits = p + 8;
  if (precision < 1 || precision > 38 || scale < 0 || scale > precision) {
    return NumericResult::kMalformed;
  }
  const __int128 limit = kPow10.v[precision];  // |value * 10^scale| < 10^precision
  // Before v *= 10000 the result is at least v * 10000; stop once that
  // reaches the limit (this also keeps every product inside 128 bits).
  const __int128 shift_limit = precision >= 4 ? kPow10.v[precision - 4] : 1;

  // Digit i is worth 10^k units of the result, k = 4 * (weight - i) + scale.
  // Digits with k >= 0 accumulate by Horner's rule; then the value is
  // scaled by 10^k of the last of them. A digit straddling the scale keeps
  // its high part; its low part and any later digit must be zero.
  __int128 v = 0;
  int i = 0;
  int last_k = 0;
  for (; i < ndigits; ++i) {
    int k = kDecimalDigitsPerNbase * (weight - i) + scale;
    if (k < 0) break;
    uint16_t d = Load16(digits + 2 * i);
    if (d >= 10000) return NumericResult::kMalformed;
    if (i > 0) {
      if (v >= shift_limit) return NumericResult::kOutOfRange;
      v *= 10000;
    }
    v += d;
    last_k = k;
  }
  if (v != 0) {
    if (last_k > precision || v >= kPow10.v[precision - last_k]) return NumericResult::kOutOfRange;
    v *= kPow10.v[last_k];
  }
  if (i < ndigits) {
    int k = kDecimalDigitsPerNbase * (weight - i) + scale;  // -3..-1: straddles the scale
    uint16_t d = Load16(digits + 2 * i);
    if (d >= 10000) return NumericResult::kMalformed;
    if (k > -kDecimalDigitsPerNbase) {
      int32_t div = static_cast<int32_t>(kPow10.v[-k]);
      if (d % div != 0) return NumericResult::kOutOfRange;
      v += d / div;
    } else if (d != 0) {
      return NumericResult::kOutOfRange;
    }
    for (++i; i < ndigits; ++i) {
      if (Load16(digits + 2 * i) != 0) return NumericResult::kOutOfRange;
    }
  }
  if (v >= limit) return NumericResult::kOutOfRange;
  *out = sign == kSignNegative ? -v : v;
  return NumericResult::kOk;
}

}  // namespace dbexport::source::postgres
