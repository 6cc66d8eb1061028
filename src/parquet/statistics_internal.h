#pragma once
// Column statistics: min/max in the column's sort order, null and NaN
// counts, for one page (the page index) or one column chunk (the footer).
//
// Sort orders (parquet.thrift ColumnOrder / LogicalTypes.md):
//   signed     INT32/INT64 without annotation, INT(signed), DATE, TIME,
//              TIMESTAMP, DECIMAL on INT32/INT64, FLOAT/DOUBLE
//   unsigned   INT(unsigned), BOOLEAN (false < true), BYTE_ARRAY and
//              FIXED_LEN_BYTE_ARRAY compared bytewise as unsigned (strings,
//              JSON, ENUM, UUID, binary)
//   DECIMAL on FIXED_LEN_BYTE_ARRAY: big-endian two's complement, signed.
// Floating point: NaN never becomes min or max, it is counted instead; a
// zero min is written as -0.0 and a zero max as +0.0, so a reader comparing
// either zero against them stays correct.
// Encoded min/max are PLAIN values without a length prefix, exactly the
// width of the physical type (BOOLEAN 1 byte, INT32 4, ...). Byte strings
// longer than the limit are truncated: min to a prefix, max to a prefix with
// its last byte (for UTF-8: code point) incremented; both marked inexact.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "parquet/schema.h"

namespace dbexport::parquet {

enum class StatsKind : int8_t {
  kBoolean,
  kInt32,
  kUInt32,
  kInt64,
  kUInt64,
  kFloat,
  kDouble,
  kBinary,       // bytewise unsigned; truncated bytewise
  kUtf8,         // bytewise unsigned; truncated at code point boundaries
  kDecimalFlba,  // big-endian two's complement; never truncated
};

StatsKind StatsKindFor(const Field& field);

// Signed sort orders also get the deprecated min/max fields (1, 2), which
// old readers compare as signed values.
bool IsSignedOrder(StatsKind kind);

// Statistics as written to the file.
struct EncodedStats {
  int64_t null_count = 0;
  bool has_min_max = false;
  std::string min;  // PLAIN bytes
  std::string max;
  bool min_exact = true;
  bool max_exact = true;
  bool has_nan_count = false;  // floating-point columns
  int64_t nan_count = 0;
  bool signed_order = false;
};

// Three-way comparison of two encoded values in `kind`'s sort order.
int CompareEncoded(StatsKind kind, std::string_view a, std::string_view b);

class Statistics {
 public:
  explicit Statistics(StatsKind kind) : kind_(kind) {}

  StatsKind kind() const { return kind_; }
  void Reset();

  // Each Update reads `n` dense values; `valid` (nullptr: all present)
  // selects those that are not NULL. NULLs are counted with AddNulls().
  // BOOLEAN (1-byte 0/1), INT32, INT64, FLOAT, DOUBLE values:
  void UpdateFixed(const uint8_t* values, const uint8_t* valid, size_t n);
  void UpdateFlba(const uint8_t* values, int width, const uint8_t* valid, size_t n);
  // Value i = data[offsets[i], offsets[i + 1]).
  void UpdateByteArray(const int64_t* offsets, const uint8_t* data, const uint8_t* valid,
                       size_t n);
  void AddNulls(int64_t n) { null_count_ += n; }

  void Merge(const Statistics& other);

  int64_t null_count() const { return null_count_; }
  bool has_min_max() const { return has_; }

  // `max_bytes` bounds byte-string min/max (see the file comment).
  EncodedStats Encode(size_t max_bytes) const;

 private:
  void MergeNumeric(int64_t mn, int64_t mx);
  void MergeUnsigned(uint64_t mn, uint64_t mx);
  void MergeDouble(double mn, double mx);
  void MergeBytes(std::string_view mn, std::string_view mx);

  StatsKind kind_;
  bool has_ = false;
  int64_t null_count_ = 0;
  int64_t nan_count_ = 0;
  int64_t imin_ = 0, imax_ = 0;    // kBoolean, kInt32, kInt64
  uint64_t umin_ = 0, umax_ = 0;   // kUInt32, kUInt64
  double dmin_ = 0, dmax_ = 0;     // kFloat, kDouble
  std::string smin_, smax_;        // byte strings
};

// Truncation helpers (exposed for tests). Each returns false when no bound
// shorter than the value exists (e.g. a max made only of 0xFF bytes).
bool TruncateMin(std::string_view value, size_t max_bytes, bool utf8, std::string* out);
bool TruncateMax(std::string_view value, size_t max_bytes, bool utf8, std::string* out);

}  // namespace dbexport::parquet
