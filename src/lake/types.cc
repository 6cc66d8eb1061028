// Type mappings from the Parquet schema to Athena/Hive, DuckDB and Iceberg,
// and Iceberg's binary serialization of bounds.

#include <cstring>

#include "lake/catalog.h"

namespace dbexport::lake {
namespace {

using parquet::Field;
using parquet::LogicalKind;
using parquet::PhysicalType;

std::string DecimalText(const Field& f, const char* sep) {
  return "decimal(" + std::to_string(f.logical.precision) + sep + std::to_string(f.logical.scale) + ")";
}

std::string AthenaPrimitive(const Field& f) {
  const parquet::LogicalType& lt = f.logical;
  switch (lt.kind) {
    case LogicalKind::kString:
    case LogicalKind::kJson:
    case LogicalKind::kEnum: return "string";
    case LogicalKind::kDecimal: return DecimalText(f, ",");
    case LogicalKind::kDate: return "date";
    case LogicalKind::kTimestamp: return "timestamp";
    case LogicalKind::kTime: return "bigint";  // Hive has no TIME: microseconds since midnight
    case LogicalKind::kUuid: return "binary";
    case LogicalKind::kInt:
      if (lt.is_signed) {
        return lt.bit_width == 8 ? "tinyint" : lt.bit_width == 16 ? "smallint" : lt.bit_width == 32 ? "int" : "bigint";
      }
      return lt.bit_width == 8 ? "smallint" : lt.bit_width == 16 ? "int" : "bigint";
    case LogicalKind::kNone: break;
  }
  switch (f.type) {
    case PhysicalType::kBoolean: return "boolean";
    case PhysicalType::kInt32: return "int";
    case PhysicalType::kInt64: return "bigint";
    case PhysicalType::kFloat: return "float";
    case PhysicalType::kDouble: return "double";
    case PhysicalType::kByteArray:
    case PhysicalType::kFixedLenByteArray: return "binary";
  }
  return "binary";
}

std::string DuckDbPrimitive(const Field& f) {
  const parquet::LogicalType& lt = f.logical;
  switch (lt.kind) {
    case LogicalKind::kString:
    case LogicalKind::kJson:
    case LogicalKind::kEnum: return "VARCHAR";
    case LogicalKind::kDecimal: return "DECIMAL(" + std::to_string(lt.precision) + "," + std::to_string(lt.scale) + ")";
    case LogicalKind::kDate: return "DATE";
    case LogicalKind::kTimestamp: return lt.adjusted_to_utc ? "TIMESTAMPTZ" : "TIMESTAMP";
    case LogicalKind::kTime: return lt.adjusted_to_utc ? "TIMETZ" : "TIME";
    case LogicalKind::kUuid: return "UUID";
    case LogicalKind::kInt: {
      const char* s[] = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT"};
      const char* u[] = {"UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"};
      int i = lt.bit_width == 8 ? 0 : lt.bit_width == 16 ? 1 : lt.bit_width == 32 ? 2 : 3;
      return lt.is_signed ? s[i] : u[i];
    }
    case LogicalKind::kNone: break;
  }
  switch (f.type) {
    case PhysicalType::kBoolean: return "BOOLEAN";
    case PhysicalType::kInt32: return "INTEGER";
    case PhysicalType::kInt64: return "BIGINT";
    case PhysicalType::kFloat: return "FLOAT";
    case PhysicalType::kDouble: return "DOUBLE";
    case PhysicalType::kByteArray:
    case PhysicalType::kFixedLenByteArray: return "BLOB";
  }
  return "BLOB";
}

// Big-endian two's complement with redundant sign bytes removed (at least
// one byte left).
std::string MinimalBigEndian(std::string be) {
  size_t drop = 0;
  while (drop + 1 < be.size()) {
    auto b0 = static_cast<uint8_t>(be[drop]);
    auto b1 = static_cast<uint8_t>(be[drop + 1]);
    if ((b0 == 0x00 && (b1 & 0x80) == 0) || (b0 == 0xFF && (b1 & 0x80) != 0)) {
      ++drop;
    } else {
      break;
    }
  }
  return be.substr(drop);
}

}  // namespace

std::string AthenaType(const Field& field) {
  std::string t = AthenaPrimitive(field);
  return field.is_list ? "array<" + t + ">" : t;
}

std::string DuckDbType(const Field& field) {
  std::string t = DuckDbPrimitive(field);
  return field.is_list ? t + "[]" : t;
}

std::string GlueName(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') out += static_cast<char>(c - 'A' + 'a');
    else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') out += c;
    else out += '_';
  }
  if (out.empty()) out = "_";
  if (out.size() > 255) out.resize(255);
  return out;
}

std::string QuoteBackticks(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  return out + "`";
}

Result<std::string> IcebergPrimitiveType(const Field& f) {
  const parquet::LogicalType& lt = f.logical;
  switch (lt.kind) {
    case LogicalKind::kString:
    case LogicalKind::kJson:
    case LogicalKind::kEnum: return std::string("string");
    case LogicalKind::kDecimal: return DecimalText(f, ", ");
    case LogicalKind::kDate: return std::string("date");
    case LogicalKind::kTimestamp: return std::string(lt.adjusted_to_utc ? "timestamptz" : "timestamp");
    case LogicalKind::kTime: return std::string("time");
    case LogicalKind::kUuid: return std::string("uuid");
    case LogicalKind::kInt:
      if (lt.is_signed) return std::string(lt.bit_width == 64 ? "long" : "int");
      if (lt.bit_width == 64) {
        return InvalidArgument("column " + f.name + ": Iceberg has no unsigned 64-bit integer type");
      }
      return std::string(lt.bit_width == 32 ? "long" : "int");
    case LogicalKind::kNone: break;
  }
  switch (f.type) {
    case PhysicalType::kBoolean: return std::string("boolean");
    case PhysicalType::kInt32: return std::string("int");
    case PhysicalType::kInt64: return std::string("long");
    case PhysicalType::kFloat: return std::string("float");
    case PhysicalType::kDouble: return std::string("double");
    case PhysicalType::kByteArray: return std::string("binary");
    case PhysicalType::kFixedLenByteArray: return "fixed[" + std::to_string(f.type_length) + "]";
  }
  return std::string("binary");
}

std::string IcebergBound(const Field& f, std::string_view plain) {
  if (f.logical.kind == LogicalKind::kDecimal) {
    if (f.type == PhysicalType::kFixedLenByteArray) return MinimalBigEndian(std::string(plain));
    // INT32/INT64 little-endian -> big-endian, sign-extended to 8 bytes.
    int64_t v = 0;
    if (plain.size() == 4) {
      int32_t x;
      std::memcpy(&x, plain.data(), 4);
      v = x;
    } else if (plain.size() == 8) {
      std::memcpy(&v, plain.data(), 8);
    }
    std::string be(8, '\0');
    for (int i = 0; i < 8; ++i) be[i] = static_cast<char>(static_cast<uint64_t>(v) >> (56 - 8 * i));
    return MinimalBigEndian(std::move(be));
  }
  if (f.logical.kind == LogicalKind::kInt && !f.logical.is_signed && f.logical.bit_width == 32 && plain.size() == 4) {
    // Iceberg long: zero-extended to 8 bytes.
    std::string out(plain);
    out.append(4, '\0');
    return out;
  }
  return std::string(plain);
}

}  // namespace dbexport::lake
