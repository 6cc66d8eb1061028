#pragma once
// PostgreSQL's binary numeric (numeric_send) to a scaled 128-bit integer.
//
// Wire format, all big-endian: int16 ndigits, int16 weight, uint16 sign,
// int16 dscale, then ndigits int16 base-10000 digits; the value is
// sum(digit[i] * 10000^(weight - i)), negated when sign is 0x4000.
// sign 0xC000 is NaN, 0xD000 +Infinity, 0xF000 -Infinity.

#include <cstddef>
#include <cstdint>

namespace dbexport::source::postgres {

enum class NumericResult : uint8_t {
  kOk,
  kNotFinite,   // NaN or +-Infinity: no DECIMAL can hold it
  kOutOfRange,  // more than `precision` digits, or digits below `scale`
  kMalformed,   // not a numeric_send value
};

// Decodes `size` bytes at `p` into value * 10^scale, checked to fit
// `precision` digits (1..38).
NumericResult DecodeNumeric(const uint8_t* p, size_t size, int precision, int scale,
                            __int128* out);

}  // namespace dbexport::source::postgres
