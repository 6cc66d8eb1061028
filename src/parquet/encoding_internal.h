#pragma once
// Parquet value and level encodings used by the writer (parquet-format
// Encodings.md): the RLE / bit-packed hybrid for definition and repetition
// levels and dictionary indices, and PLAIN-encoded booleans. Fixed-width
// PLAIN values are little-endian memory copies and need no helper.

#include <cstddef>
#include <cstdint>

#include "parquet/byte_buffer_internal.h"

namespace dbexport::parquet {

// Encoding ids, as in parquet.thrift `Encoding`.
enum class Encoding : int32_t {
  kPlain = 0,
  kRle = 3,
  kRleDictionary = 8,
};

// Bits needed for values 0..max_value: 0 for 0, 1 for 1, 2 for 2..3, ...
int BitWidth(uint64_t max_value);

void AppendUleb128(uint64_t v, ByteBuffer* out);

// Appends `n` values, each < 2^bit_width (1 <= bit_width <= 32), as RLE /
// bit-packed hybrid runs without a length prefix. Runs of 8 or more equal
// values become RLE runs; the rest are bit-packed in groups of 8, and the
// last group is zero-padded, so the runs must end the page's section.
void AppendHybrid(const uint8_t* values, size_t n, int bit_width, ByteBuffer* out);
void AppendHybrid(const uint32_t* values, size_t n, int bit_width, ByteBuffer* out);

// Appends a data page v1 level section: u32 LE byte length, then the hybrid
// runs of `n` levels with the bit width of `max_level` (> 0).
void AppendLevels(const uint8_t* levels, size_t n, int max_level, ByteBuffer* out);

// Appends the level section of `n` levels all equal to `level`: one RLE run.
void AppendRepeatedLevel(uint8_t level, size_t n, int max_level, ByteBuffer* out);

// Appends PLAIN booleans: `n` bytes of 0/1 packed 8 per byte, LSB first.
void AppendPlainBooleans(const uint8_t* values, size_t n, ByteBuffer* out);

}  // namespace dbexport::parquet
