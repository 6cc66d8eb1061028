#include "parquet/schema.h"

#include <set>
#include <string>

#include "parquet/value_check_internal.h"

namespace dbexport::parquet {
namespace {

// DECIMAL precision limits by physical type (parquet LogicalTypes.md).
constexpr int kMaxDecimalPrecisionInt32 = 9;
constexpr int kMaxDecimalPrecisionInt64 = 18;
// Longest FIXED_LEN_BYTE_ARRAY the writer accepts; the page and statistics
// code needs no more (UUID 16, DECIMAL(38) 16).
constexpr int kMaxFixedLength = 1 << 20;

const char* PhysicalName(PhysicalType t) {
  switch (t) {
    case PhysicalType::kBoolean: return "BOOLEAN";
    case PhysicalType::kInt32: return "INT32";
    case PhysicalType::kInt64: return "INT64";
    case PhysicalType::kFloat: return "FLOAT";
    case PhysicalType::kDouble: return "DOUBLE";
    case PhysicalType::kByteArray: return "BYTE_ARRAY";
    case PhysicalType::kFixedLenByteArray: return "FIXED_LEN_BYTE_ARRAY";
  }
  return "?";
}

Status FieldError(const Field& f, const std::string& why) {
  return InvalidArgument("Parquet schema: field \"" + f.name + "\": " + why);
}

Status Expect(const Field& f, PhysicalType want, const char* logical) {
  if (f.type == want) return Status::OK();
  return FieldError(f, std::string(logical) + " needs physical type " + PhysicalName(want) +
                           ", not " + PhysicalName(f.type));
}

Status ValidateField(const Field& f) {
  if (f.name.empty()) return InvalidArgument("Parquet schema: a field has an empty name");
  if (!IsValidUtf8(reinterpret_cast<const uint8_t*>(f.name.data()), f.name.size())) {
    return InvalidArgument("Parquet schema: a field name is not valid UTF-8");
  }
  switch (f.type) {
    case PhysicalType::kBoolean:
    case PhysicalType::kInt32:
    case PhysicalType::kInt64:
    case PhysicalType::kFloat:
    case PhysicalType::kDouble:
    case PhysicalType::kByteArray:
    case PhysicalType::kFixedLenByteArray:
      break;
    default:
      return FieldError(f, "unknown physical type " + std::to_string(static_cast<int>(f.type)));
  }
  if (f.type == PhysicalType::kFixedLenByteArray) {
    if (f.type_length < 1 || f.type_length > kMaxFixedLength) {
      return FieldError(f, "FIXED_LEN_BYTE_ARRAY length " + std::to_string(f.type_length) +
                               " is outside 1.." + std::to_string(kMaxFixedLength));
    }
  } else if (f.type_length != 0) {
    return FieldError(f, "type_length is set on a " + std::string(PhysicalName(f.type)) +
                             " column");
  }
  const LogicalType& lt = f.logical;
  switch (lt.kind) {
    case LogicalKind::kNone:
      return Status::OK();
    case LogicalKind::kString:
      return Expect(f, PhysicalType::kByteArray, "STRING");
    case LogicalKind::kJson:
      return Expect(f, PhysicalType::kByteArray, "JSON");
    case LogicalKind::kEnum:
      return Expect(f, PhysicalType::kByteArray, "ENUM");
    case LogicalKind::kDate:
      return Expect(f, PhysicalType::kInt32, "DATE");
    case LogicalKind::kTime:
      return Expect(f, PhysicalType::kInt64, "TIME(MICROS)");
    case LogicalKind::kTimestamp:
      return Expect(f, PhysicalType::kInt64, "TIMESTAMP(MICROS)");
    case LogicalKind::kUuid:
      DBX_RETURN_IF_ERROR(Expect(f, PhysicalType::kFixedLenByteArray, "UUID"));
      if (f.type_length != 16) return FieldError(f, "UUID needs FIXED_LEN_BYTE_ARRAY(16)");
      return Status::OK();
    case LogicalKind::kInt: {
      if (lt.bit_width != 8 && lt.bit_width != 16 && lt.bit_width != 32 && lt.bit_width != 64) {
        return FieldError(f, "INT bit width " + std::to_string(lt.bit_width) +
                                 " is not 8, 16, 32 or 64");
      }
      std::string name = "INT(" + std::to_string(lt.bit_width) + ")";
      return Expect(f, lt.bit_width == 64 ? PhysicalType::kInt64 : PhysicalType::kInt32,
                    name.c_str());
    }
    case LogicalKind::kDecimal: {
      std::string name =
          "DECIMAL(" + std::to_string(lt.precision) + "," + std::to_string(lt.scale) + ")";
      if (lt.precision < 1 || lt.precision > kMaxDecimalPrecision) {
        return FieldError(f, name + ": precision must be 1.." +
                                 std::to_string(kMaxDecimalPrecision));
      }
      if (lt.scale < 0 || lt.scale > lt.precision) {
        return FieldError(f, name + ": scale must be 0..precision");
      }
      switch (f.type) {
        case PhysicalType::kInt32:
          if (lt.precision > kMaxDecimalPrecisionInt32) {
            return FieldError(f, name + " does not fit INT32 (precision <= 9)");
          }
          return Status::OK();
        case PhysicalType::kInt64:
          if (lt.precision > kMaxDecimalPrecisionInt64) {
            return FieldError(f, name + " does not fit INT64 (precision <= 18)");
          }
          return Status::OK();
        case PhysicalType::kFixedLenByteArray:
          if (f.type_length < DecimalByteWidth(lt.precision) || f.type_length > 16) {
            return FieldError(f, name + " needs FIXED_LEN_BYTE_ARRAY length " +
                                     std::to_string(DecimalByteWidth(lt.precision)) +
                                     "..16, not " + std::to_string(f.type_length));
          }
          return Status::OK();
        default:
          return FieldError(f, name + " needs physical type INT32, INT64 or "
                                      "FIXED_LEN_BYTE_ARRAY, not " + PhysicalName(f.type));
      }
    }
  }
  return FieldError(f, "unknown logical type " + std::to_string(static_cast<int>(lt.kind)));
}

}  // namespace

Status ValidateSchema(const Schema& schema) {
  if (schema.fields.empty()) return InvalidArgument("Parquet schema: no fields");
  std::set<std::string> names;
  for (const Field& f : schema.fields) {
    DBX_RETURN_IF_ERROR(ValidateField(f));
    if (!names.insert(f.name).second) {
      return InvalidArgument("Parquet schema: field name \"" + f.name + "\" appears twice");
    }
  }
  return Status::OK();
}

int DecimalByteWidth(int precision) {
  // Largest precision n bytes of two's complement hold: floor(log10(2^(8n-1) - 1)).
  static constexpr int kMaxPrecision[17] = {0,  2,  4,  6,  9,  11, 14, 16, 18,
                                            21, 23, 26, 28, 31, 33, 35, 38};
  for (int n = 1; n <= 16; ++n) {
    if (precision <= kMaxPrecision[n]) return n;
  }
  return 16;
}

}  // namespace dbexport::parquet
