#pragma once
// The schema of a Parquet file written by dbexport: a flat list of fields,
// each a primitive column or a LIST of a primitive (three-level layout).

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace dbexport::parquet {

// Physical types, numbered as in parquet.thrift `Type`.
enum class PhysicalType : int8_t {
  kBoolean = 0,
  kInt32 = 1,
  kInt64 = 2,
  kFloat = 4,
  kDouble = 5,
  kByteArray = 6,
  kFixedLenByteArray = 7,
};

enum class LogicalKind : int8_t {
  kNone,       // no annotation (e.g. bytea, plain INT32/INT64/DOUBLE)
  kString,     // BYTE_ARRAY UTF-8
  kInt,        // INT(bit_width, is_signed) on INT32/INT64
  kDecimal,    // DECIMAL(precision, scale) on INT32/INT64/FIXED_LEN_BYTE_ARRAY
  kDate,       // INT32 days since 1970-01-01
  kTime,       // INT64 microseconds since midnight
  kTimestamp,  // INT64 microseconds since 1970-01-01 00:00:00
  kUuid,       // FIXED_LEN_BYTE_ARRAY(16), big-endian
  kJson,       // BYTE_ARRAY UTF-8 JSON text
  kEnum,       // BYTE_ARRAY UTF-8
};

struct LogicalType {
  LogicalKind kind = LogicalKind::kNone;
  int bit_width = 0;             // kInt: 8, 16, 32, 64
  bool is_signed = true;         // kInt
  int precision = 0;             // kDecimal: 1..38
  int scale = 0;                 // kDecimal: 0..precision
  bool adjusted_to_utc = false;  // kTime, kTimestamp

  static LogicalType None() { return {}; }
  static LogicalType String() { return {.kind = LogicalKind::kString}; }
  static LogicalType Int(int bits, bool is_signed) {
    return {.kind = LogicalKind::kInt, .bit_width = bits, .is_signed = is_signed};
  }
  static LogicalType Decimal(int precision, int scale) {
    return {.kind = LogicalKind::kDecimal, .precision = precision, .scale = scale};
  }
  static LogicalType Date() { return {.kind = LogicalKind::kDate}; }
  static LogicalType Time(bool utc) { return {.kind = LogicalKind::kTime, .adjusted_to_utc = utc}; }
  static LogicalType Timestamp(bool utc) {
    return {.kind = LogicalKind::kTimestamp, .adjusted_to_utc = utc};
  }
  static LogicalType Uuid() { return {.kind = LogicalKind::kUuid}; }
  static LogicalType Json() { return {.kind = LogicalKind::kJson}; }
  static LogicalType Enum() { return {.kind = LogicalKind::kEnum}; }
};

struct Field {
  std::string name;
  PhysicalType type = PhysicalType::kByteArray;
  int type_length = 0;  // FIXED_LEN_BYTE_ARRAY only
  LogicalType logical;
  bool nullable = true;
  // LIST of the primitive described above (PostgreSQL arrays, native mapping):
  // `<opt|req> group name (LIST) { repeated group list { <opt> T element; } }`.
  bool is_list = false;
  bool element_nullable = true;
};

struct Schema {
  std::vector<Field> fields;
};

// Parquet field_id values the writer puts in every file's schema, so that
// table formats keyed by field ids (Apache Iceberg) can map columns without
// rewriting the files: field i (from 0) has id i + 1; the element of a LIST
// field i has id fields.size() + i + 1 (the repeated "list" group has none).
inline int32_t FieldId(size_t index) { return static_cast<int32_t>(index) + 1; }
inline int32_t ElementFieldId(const Schema& schema, size_t index) {
  return static_cast<int32_t>(schema.fields.size() + index) + 1;
}

// Checks the combination of physical and logical types, names and lengths.
Status ValidateSchema(const Schema& schema);

// 16-byte two's complement holds 38 digits: the largest DECIMAL precision
// readers accept.
inline constexpr int kMaxDecimalPrecision = 38;

// Smallest FIXED_LEN_BYTE_ARRAY length holding a DECIMAL of `precision`
// digits (parquet LogicalTypes.md).
int DecimalByteWidth(int precision);

}  // namespace dbexport::parquet
