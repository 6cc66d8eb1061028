#include "source/postgres/type_mapping_internal.h"

#include <optional>

#include "source/postgres/connection_internal.h"

namespace dbexport::source::postgres {
namespace {

using parquet::LogicalType;
using parquet::PhysicalType;

// A type after following domains to their base.
struct Resolved {
  const PgType* type = nullptr;  // null: unknown OID
  uint32_t oid = 0;
  int32_t typmod = -1;
};

Resolved Resolve(const PgTypeMap& types, uint32_t oid, int32_t typmod) {
  for (int depth = 0; depth < 32; ++depth) {  // domains nest; cycles are impossible
    auto it = types.find(oid);
    if (it == types.end()) return {nullptr, oid, typmod};
    const PgType& t = it->second;
    if (t.typtype != 'd') return {&t, oid, typmod};
    if (t.base_typmod != -1) typmod = t.base_typmod;
    oid = t.base_type;
  }
  return {nullptr, oid, typmod};
}

bool IsArray(const Resolved& r) {
  return r.type != nullptr && r.type->category == 'A' && r.type->element != 0;
}

bool IsOidType(const Resolved& r) {
  if (r.oid == kOidOid) return true;
  return r.type != nullptr && r.type->in_pg_catalog && r.type->category == 'N' &&
         r.type->name.rfind("reg", 0) == 0;
}

// Types whose binary COPY value is exactly their text output.
bool IsRawText(const Resolved& r) {
  switch (r.oid) {
    case kTextOid:
    case kVarcharOid:
    case kBpcharOid:  // the padded value; a cast to text would trim it
    case kNameOid:
    case kJsonOid:
      return true;
    default:
      return r.type != nullptr && r.type->typtype == 'e';
  }
}

// The expression giving a column's text output (the type's output function).
// A cast to text is that output except for the few types with an explicit
// cast function in pg_cast (bool -> "true", inet -> "/32" added, ...).
std::string TextExpression(const std::string& q, const Resolved& r) {
  if (IsRawText(r)) return q;
  switch (r.oid) {
    case kBoolOid: return "textin(boolout(" + q + "))";
    case kCharOid: return "textin(charout(" + q + "))";
    case kCidrOid: return "textin(cidr_out(" + q + "))";
    case kInetOid: return "textin(inet_out(" + q + "))";
    default: return q + "::text";
  }
}

// A Parquet column type with its reader and manifest label.
struct Target {
  PhysicalType physical = PhysicalType::kByteArray;
  int type_length = 0;
  LogicalType logical;
  WireReader reader = WireReader::kBytes;
  std::string label;
  int precision = 0;
  int scale = 0;
};

Target StringTarget() {
  return {PhysicalType::kByteArray, 0, LogicalType::String(), WireReader::kBytes, "binary (UTF8)"};
}

// Types both mappings export as numbers (spec/reference.md section 3).
std::optional<Target> AwsTarget(const Resolved& r) {
  switch (r.oid) {
    case kInt8Oid: return Target{PhysicalType::kInt64, 0, {}, WireReader::kInt64, "int64"};
    case kInt4Oid: return Target{PhysicalType::kInt32, 0, {}, WireReader::kInt32, "int32"};
    case kInt2Oid:
      return Target{PhysicalType::kInt32, 0, LogicalType::Int(16, true), WireReader::kInt16,
                    "int32 (INT_16)"};
    case kFloat4Oid: return Target{PhysicalType::kFloat, 0, {}, WireReader::kFloat32, "float"};
    case kFloat8Oid: return Target{PhysicalType::kDouble, 0, {}, WireReader::kFloat64, "double"};
    case kBoolOid: return Target{PhysicalType::kBoolean, 0, {}, WireReader::kBool, "boolean"};
    case kByteaOid: return Target{PhysicalType::kByteArray, 0, {}, WireReader::kBytes, "binary"};
    default: return std::nullopt;
  }
}

// The native mapping's typed targets; nullopt: exported as text.
std::optional<Target> NativeTarget(const Resolved& r) {
  if (auto aws = AwsTarget(r)) return aws;
  switch (r.oid) {
    case kDateOid:
      return Target{PhysicalType::kInt32, 0, LogicalType::Date(), WireReader::kDate, "int32 (DATE)"};
    case kTimeOid:
      return Target{PhysicalType::kInt64, 0, LogicalType::Time(false), WireReader::kTime,
                    "int64 (TIME_MICRO)"};
    case kTimestampOid:
      return Target{PhysicalType::kInt64, 0, LogicalType::Timestamp(false), WireReader::kTimestamp,
                    "int64 (TIMESTAMP_MICRO)"};
    case kTimestamptzOid:
      return Target{PhysicalType::kInt64, 0, LogicalType::Timestamp(true), WireReader::kTimestamp,
                    "int64 (TIMESTAMP_MICRO, UTC)"};
    case kUuidOid:
      return Target{PhysicalType::kFixedLenByteArray, 16, LogicalType::Uuid(), WireReader::kUuid,
                    "fixed_len_byte_array(16) (UUID)"};
    case kJsonOid:
      return Target{PhysicalType::kByteArray, 0, LogicalType::Json(), WireReader::kBytes,
                    "binary (JSON)"};
    case kJsonbOid:
      return Target{PhysicalType::kByteArray, 0, LogicalType::Json(), WireReader::kJsonb,
                    "binary (JSON)"};
    case kNumericOid: {
      // typmod = ((precision << 16) | scale) + VARHDRSZ; -1 when unconstrained.
      if (r.typmod < 4) return std::nullopt;
      int p = ((r.typmod - 4) >> 16) & 0xffff;
      int s = (r.typmod - 4) & 0xffff;
      // PostgreSQL 15 allows a negative scale or one above the precision;
      // Parquet DECIMAL does not.
      if (p < 1 || p > parquet::kMaxDecimalPrecision || s > p || s >= 0x8000) return std::nullopt;
      DecimalColumn d = DecimalColumnFor(p, s);
      WireReader reader = d.type == PhysicalType::kInt32   ? WireReader::kDecimal32
                          : d.type == PhysicalType::kInt64 ? WireReader::kDecimal64
                                                           : WireReader::kDecimalFixed;
      return Target{d.type, d.type_length, LogicalType::Decimal(p, s), reader, d.label, p, s};
    }
    default:
      break;
  }
  // An enum's label as STRING, not ENUM: arrow-rs reads ENUM-annotated
  // BYTE_ARRAY as Binary (docs/type-mapping.md, "What readers see").
  if (r.type != nullptr && r.type->typtype == 'e') return StringTarget();
  return std::nullopt;
}

void Apply(const Target& t, MappedColumn* out) {
  parquet::Field& f = out->info.field;
  f.type = t.physical;
  f.type_length = t.type_length;
  f.logical = t.logical;
  out->plan.reader = t.reader;
  out->plan.precision = t.precision;
  out->plan.scale = t.scale;
  out->plan.fixed_width = t.type_length;
  out->info.expected_exported_type = t.label;
}

}  // namespace

MappedColumn MapColumn(const PgAttribute& attr, const PgTypeMap& types, TypeMapping mapping) {
  MappedColumn out;
  Resolved r = Resolve(types, attr.type_oid, attr.typmod);
  Resolved element;
  if (IsArray(r)) element = Resolve(types, r.type->element, r.typmod);
  if (IsOidType(r) || (IsArray(r) && IsOidType(element))) return out;  // not exported

  out.exported = true;
  out.info.name = attr.name;
  out.info.original_type = attr.formatted_type;
  out.info.char_max_length = attr.char_max_length;
  out.info.num_precision = attr.num_precision;
  out.info.num_scale = attr.num_scale;
  out.info.datetime_precision = attr.datetime_precision;
  out.info.field.name = attr.name;
  out.info.field.nullable = true;
  out.plan.name = attr.name;

  const std::string q = QuoteIdent(attr.name);
  out.plan.select_expr = q;
  if (mapping == TypeMapping::kAws) {
    // The reference maps domains to text whatever their base type.
    bool domain = types.count(attr.type_oid) && types.at(attr.type_oid).typtype == 'd';
    std::optional<Target> t = domain ? std::nullopt : AwsTarget(r);
    if (!t) {
      t = StringTarget();
      out.plan.select_expr = IsArray(r) ? q + "::text" : TextExpression(q, r);
    }
    Apply(*t, &out);
    return out;
  }

  if (IsArray(r)) {
    std::optional<Target> t = NativeTarget(element);
    if (!t) {
      t = StringTarget();
      // Elements without a typed reader arrive as text: raw text types as
      // they are, others converted by the server.
      if (!IsRawText(element)) out.plan.select_expr = q + "::text[]";
    }
    Apply(*t, &out);
    out.plan.is_list = true;
    out.info.field.is_list = true;
    out.info.field.element_nullable = true;
    out.info.expected_exported_type = "list<" + out.info.expected_exported_type + ">";
    return out;
  }
  std::optional<Target> t = NativeTarget(r);
  if (!t) {
    t = StringTarget();
    out.plan.select_expr = TextExpression(q, r);
  }
  Apply(*t, &out);
  return out;
}

}  // namespace dbexport::source::postgres
