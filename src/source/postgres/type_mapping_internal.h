#pragma once
// How a PostgreSQL column is exported: the Parquet field and manifest label
// (per TypeMapping, see docs/type-mapping.md), the expression the COPY selects
// and the reader that decodes its binary COPY value.

#include <cstdint>
#include <string>
#include <unordered_map>

#include "parquet/schema.h"
#include "source/source.h"

namespace dbexport::source::postgres {

// Built-in type OIDs (pg_type.dat); stable across PostgreSQL versions.
inline constexpr uint32_t kBoolOid = 16;
inline constexpr uint32_t kByteaOid = 17;
inline constexpr uint32_t kCharOid = 18;
inline constexpr uint32_t kNameOid = 19;
inline constexpr uint32_t kInt8Oid = 20;
inline constexpr uint32_t kInt2Oid = 21;
inline constexpr uint32_t kInt4Oid = 23;
inline constexpr uint32_t kTextOid = 25;
inline constexpr uint32_t kOidOid = 26;
inline constexpr uint32_t kJsonOid = 114;
inline constexpr uint32_t kCidrOid = 650;
inline constexpr uint32_t kFloat4Oid = 700;
inline constexpr uint32_t kFloat8Oid = 701;
inline constexpr uint32_t kInetOid = 869;
inline constexpr uint32_t kBpcharOid = 1042;
inline constexpr uint32_t kVarcharOid = 1043;
inline constexpr uint32_t kDateOid = 1082;
inline constexpr uint32_t kTimeOid = 1083;
inline constexpr uint32_t kTimestampOid = 1114;
inline constexpr uint32_t kTimestamptzOid = 1184;
inline constexpr uint32_t kNumericOid = 1700;
inline constexpr uint32_t kUuidOid = 2950;
inline constexpr uint32_t kJsonbOid = 3802;

// How one binary COPY value is decoded. One small reader per wire format.
enum class WireReader : uint8_t {
  kBool,           // 1 byte
  kInt16,          // int2, widened to INT32
  kInt32,
  kInt64,
  kFloat32,
  kFloat64,
  kBytes,          // raw bytes: text types, bytea, enum, json, casts to text
  kJsonb,          // version byte 1, then the JSON text
  kDate,           // int32 days since 2000-01-01 -> since 1970-01-01
  kTime,           // int64 microseconds since midnight
  kTimestamp,      // int64 microseconds since 2000 -> since 1970
  kDecimal32,      // numeric -> scaled integer, INT32
  kDecimal64,      // ... INT64
  kDecimalFixed,   // ... FIXED_LEN_BYTE_ARRAY, big-endian two's complement
  kUuid,           // 16 bytes
};

// What the reader needs to know about one exported column.
struct ColumnPlan {
  std::string name;
  std::string select_expr;  // expression in the COPY's SELECT list
  WireReader reader = WireReader::kBytes;
  bool is_list = false;     // a PostgreSQL array read as a Parquet LIST
  int precision = 0;        // decimals
  int scale = 0;
  int fixed_width = 0;      // kDecimalFixed: bytes per value
};

// One row of pg_type, the part the mapping needs.
struct PgType {
  uint32_t oid = 0;
  std::string name;
  char typtype = 'b';       // b base, c composite, d domain, e enum, r range, m multirange, p pseudo
  char category = 'U';      // pg_type.typcategory; 'A' arrays
  uint32_t base_type = 0;   // domains: the type it is based on
  int32_t base_typmod = -1;
  uint32_t element = 0;     // arrays: element type
  bool in_pg_catalog = false;
};

using PgTypeMap = std::unordered_map<uint32_t, PgType>;

// A column as pg_attribute and information_schema describe it.
struct PgAttribute {
  std::string name;
  uint32_t type_oid = 0;
  int32_t typmod = -1;
  std::string formatted_type;  // format_type(atttypid, atttypmod)
  int char_max_length = 0;
  int num_precision = 0;
  int num_scale = 0;
  int datetime_precision = 0;
};

struct MappedColumn {
  bool exported = false;  // false: an OID-type column, not exported
  ColumnInfo info;
  ColumnPlan plan;
};

// Maps one column. Pure: depends only on its arguments.
MappedColumn MapColumn(const PgAttribute& attr, const PgTypeMap& types, TypeMapping mapping);

}  // namespace dbexport::source::postgres
