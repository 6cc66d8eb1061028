#include "parquet/encoding_internal.h"

#include <bit>
#include <cstring>

namespace dbexport::parquet {

static_assert(std::endian::native == std::endian::little,
              "PLAIN encoding is written as memory copies: little-endian only");

namespace {

// Minimum run of equal values worth an RLE run instead of bit-packing.
constexpr size_t kMinRleRun = 8;

template <typename T>
size_t RunLength(const T* values, size_t i, size_t n) {
  size_t j = i + 1;
  while (j < n && values[j] == values[i]) ++j;
  return j - i;
}

void AppendRleRun(uint64_t value, size_t count, int bit_width, ByteBuffer* out) {
  AppendUleb128(static_cast<uint64_t>(count) << 1, out);
  int bytes = (bit_width + 7) / 8;
  for (int b = 0; b < bytes; ++b) out->PushBack(static_cast<uint8_t>(value >> (8 * b)));
}

// Bit-packs values[0, n) LSB-first as ceil(n / 8) groups, zero-padded.
template <typename T>
void AppendBitPacked(const T* values, size_t n, int bit_width, ByteBuffer* out) {
  size_t groups = (n + 7) / 8;
  AppendUleb128((static_cast<uint64_t>(groups) << 1) | 1, out);
  uint8_t* p = out->Extend(groups * static_cast<size_t>(bit_width));
  uint64_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < groups * 8; ++i) {
    uint64_t v = i < n ? static_cast<uint64_t>(values[i]) : 0;
    acc |= v << bits;
    bits += bit_width;
    while (bits >= 8) {
      *p++ = static_cast<uint8_t>(acc);
      acc >>= 8;
      bits -= 8;
    }
  }
}

template <typename T>
void AppendHybridImpl(const T* values, size_t n, int bit_width, ByteBuffer* out) {
  size_t literal_start = 0;
  size_t i = 0;
  while (i < n) {
    size_t run = RunLength(values, i, n);
    if (run < kMinRleRun) {
      i += run;
      continue;
    }
    // Bit-packed runs hold whole groups of 8: lend the pending literals
    // values from the start of this run to complete their last group.
    size_t pending = i - literal_start;
    size_t pad = (8 - pending % 8) % 8;
    if (pending > 0) {
      AppendBitPacked(values + literal_start, pending + pad, bit_width, out);
    }
    i += pad;
    run -= pad;
    if (run >= kMinRleRun) {
      AppendRleRun(static_cast<uint64_t>(values[i]), run, bit_width, out);
      i += run;
    } else {
      i += run;  // too short after lending: bit-pack with what follows
      literal_start = i - run;
      continue;
    }
    literal_start = i;
  }
  if (literal_start < n) AppendBitPacked(values + literal_start, n - literal_start, bit_width, out);
}

}  // namespace

int BitWidth(uint64_t max_value) { return max_value == 0 ? 0 : 64 - std::countl_zero(max_value); }

void AppendUleb128(uint64_t v, ByteBuffer* out) {
  while (v >= 0x80) {
    out->PushBack(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  out->PushBack(static_cast<uint8_t>(v));
}

void AppendHybrid(const uint8_t* values, size_t n, int bit_width, ByteBuffer* out) {
  AppendHybridImpl(values, n, bit_width, out);
}

void AppendHybrid(const uint32_t* values, size_t n, int bit_width, ByteBuffer* out) {
  AppendHybridImpl(values, n, bit_width, out);
}

void AppendLevels(const uint8_t* levels, size_t n, int max_level, ByteBuffer* out) {
  size_t length_at = out->size();
  out->Extend(4);
  AppendHybrid(levels, n, BitWidth(static_cast<uint64_t>(max_level)), out);
  uint32_t length = static_cast<uint32_t>(out->size() - length_at - 4);
  std::memcpy(out->data() + length_at, &length, 4);
}

void AppendRepeatedLevel(uint8_t level, size_t n, int max_level, ByteBuffer* out) {
  size_t length_at = out->size();
  out->Extend(4);
  if (n > 0) AppendRleRun(level, n, BitWidth(static_cast<uint64_t>(max_level)), out);
  uint32_t length = static_cast<uint32_t>(out->size() - length_at - 4);
  std::memcpy(out->data() + length_at, &length, 4);
}

void AppendPlainBooleans(const uint8_t* values, size_t n, ByteBuffer* out) {
  uint8_t* p = out->Extend((n + 7) / 8);
  size_t full = n / 8;
  for (size_t g = 0; g < full; ++g) {
    const uint8_t* v = values + 8 * g;
    p[g] = static_cast<uint8_t>(v[0] | v[1] << 1 | v[2] << 2 | v[3] << 3 | v[4] << 4 |
                                v[5] << 5 | v[6] << 6 | v[7] << 7);
  }
  if (full * 8 < n) {
    uint8_t b = 0;
    for (size_t i = full * 8; i < n; ++i) b |= static_cast<uint8_t>(values[i] << (i - full * 8));
    p[full] = b;
  }
}

}  // namespace dbexport::parquet
