#include <gtest/gtest.h>

#include "source/postgres/type_mapping_internal.h"

namespace dbexport::source::postgres {
namespace {

using parquet::LogicalKind;
using parquet::PhysicalType;

// A pg_type subset as a PostgreSQL 15 catalog has it, plus user types:
// an enum, a domain over numeric(10,2) and its array type.
PgTypeMap Types() {
  PgTypeMap m;
  auto add = [&](uint32_t oid, const char* name, char typtype, char category, uint32_t base = 0,
                 int32_t typmod = -1, uint32_t element = 0, bool catalog = true) {
    m[oid] = PgType{oid, name, typtype, category, base, typmod, element, catalog};
  };
  add(kInt2Oid, "int2", 'b', 'N');
  add(kInt4Oid, "int4", 'b', 'N');
  add(kInt8Oid, "int8", 'b', 'N');
  add(kBoolOid, "bool", 'b', 'B');
  add(kTextOid, "text", 'b', 'S');
  add(kBpcharOid, "bpchar", 'b', 'S');
  add(kNumericOid, "numeric", 'b', 'N');
  add(kDateOid, "date", 'b', 'D');
  add(kTimestamptzOid, "timestamptz", 'b', 'D');
  add(kInetOid, "inet", 'b', 'I');
  add(kUuidOid, "uuid", 'b', 'U');
  add(kOidOid, "oid", 'b', 'N');
  add(2205, "regclass", 'b', 'N');
  add(1007, "_int4", 'b', 'A', 0, -1, kInt4Oid);
  add(1231, "_numeric", 'b', 'A', 0, -1, kNumericOid);
  add(1041, "_inet", 'b', 'A', 0, -1, kInetOid);
  add(1028, "_oid", 'b', 'A', 0, -1, kOidOid);
  add(90000, "mood", 'e', 'E', 0, -1, 0, false);
  add(90001, "money2", 'd', 'N', kNumericOid, ((10 << 16) | 2) + 4, 0, false);
  add(90002, "_money2", 'b', 'A', 0, -1, 90001, false);
  return m;
}

MappedColumn Map(uint32_t oid, int32_t typmod, TypeMapping mapping, const char* name = "c") {
  PgAttribute a;
  a.name = name;
  a.type_oid = oid;
  a.typmod = typmod;
  a.formatted_type = "t";
  return MapColumn(a, Types(), mapping);
}

constexpr int32_t NumericTypmod(int p, int s) { return ((p << 16) | s) + 4; }

TEST(PostgresTypeMapping, AwsMappingMatchesTheReferenceTable) {
  struct Case {
    uint32_t oid;
    int32_t typmod;
    PhysicalType physical;
    LogicalKind logical;
    const char* label;
    const char* expr;
  };
  const Case cases[] = {
      {kInt8Oid, -1, PhysicalType::kInt64, LogicalKind::kNone, "int64", "\"c\""},
      {kInt4Oid, -1, PhysicalType::kInt32, LogicalKind::kNone, "int32", "\"c\""},
      {kInt2Oid, -1, PhysicalType::kInt32, LogicalKind::kInt, "int32 (INT_16)", "\"c\""},
      {kBoolOid, -1, PhysicalType::kBoolean, LogicalKind::kNone, "boolean", "\"c\""},
      {kNumericOid, NumericTypmod(10, 2), PhysicalType::kByteArray, LogicalKind::kString,
       "binary (UTF8)", "\"c\"::text"},
      {kDateOid, -1, PhysicalType::kByteArray, LogicalKind::kString, "binary (UTF8)", "\"c\"::text"},
      {kBpcharOid, 14, PhysicalType::kByteArray, LogicalKind::kString, "binary (UTF8)", "\"c\""},
      {kInetOid, -1, PhysicalType::kByteArray, LogicalKind::kString, "binary (UTF8)",
       "textin(inet_out(\"c\"))"},
      {1007, -1, PhysicalType::kByteArray, LogicalKind::kString, "binary (UTF8)", "\"c\"::text"},
      {90000, -1, PhysicalType::kByteArray, LogicalKind::kString, "binary (UTF8)", "\"c\""},
      {90001, -1, PhysicalType::kByteArray, LogicalKind::kString, "binary (UTF8)", "\"c\"::text"},
  };
  for (const Case& c : cases) {
    MappedColumn m = Map(c.oid, c.typmod, TypeMapping::kAws);
    ASSERT_TRUE(m.exported) << c.oid;
    EXPECT_EQ(m.info.field.type, c.physical) << c.oid;
    EXPECT_EQ(m.info.field.logical.kind, c.logical) << c.oid;
    EXPECT_EQ(m.info.expected_exported_type, c.label) << c.oid;
    EXPECT_EQ(m.plan.select_expr, c.expr) << c.oid;
    EXPECT_FALSE(m.info.field.is_list) << c.oid;
  }
}

TEST(PostgresTypeMapping, OidTypesAreNotExported) {
  for (TypeMapping mapping : {TypeMapping::kAws, TypeMapping::kNative}) {
    EXPECT_FALSE(Map(kOidOid, -1, mapping).exported);
    EXPECT_FALSE(Map(2205, -1, mapping).exported);
    EXPECT_FALSE(Map(1028, -1, mapping).exported);
  }
}

TEST(PostgresTypeMapping, NativeMapsDecimalsByPrecision) {
  MappedColumn a = Map(kNumericOid, NumericTypmod(9, 2), TypeMapping::kNative);
  EXPECT_EQ(a.info.field.type, PhysicalType::kInt32);
  EXPECT_EQ(a.info.field.logical.kind, LogicalKind::kDecimal);
  EXPECT_EQ(a.info.field.logical.precision, 9);
  EXPECT_EQ(a.info.field.logical.scale, 2);
  EXPECT_EQ(a.plan.reader, WireReader::kDecimal32);
  EXPECT_EQ(a.info.expected_exported_type, "int32 (DECIMAL(9,2))");

  MappedColumn b = Map(kNumericOid, NumericTypmod(18, 0), TypeMapping::kNative);
  EXPECT_EQ(b.info.field.type, PhysicalType::kInt64);
  EXPECT_EQ(b.plan.reader, WireReader::kDecimal64);

  MappedColumn c = Map(kNumericOid, NumericTypmod(20, 5), TypeMapping::kNative);
  EXPECT_EQ(c.info.field.type, PhysicalType::kFixedLenByteArray);
  EXPECT_EQ(c.info.field.type_length, 9);
  EXPECT_EQ(c.plan.fixed_width, 9);
  EXPECT_EQ(c.info.expected_exported_type, "fixed_len_byte_array(9) (DECIMAL(20,5))");

  MappedColumn unconstrained = Map(kNumericOid, -1, TypeMapping::kNative);
  EXPECT_EQ(unconstrained.info.field.logical.kind, LogicalKind::kString);
  EXPECT_EQ(unconstrained.plan.select_expr, "\"c\"::text");
  MappedColumn wide = Map(kNumericOid, NumericTypmod(39, 2), TypeMapping::kNative);
  EXPECT_EQ(wide.info.field.logical.kind, LogicalKind::kString);

  // A domain maps as its base type, with the domain's typmod.
  MappedColumn domain = Map(90001, -1, TypeMapping::kNative);
  EXPECT_EQ(domain.info.field.logical.kind, LogicalKind::kDecimal);
  EXPECT_EQ(domain.info.field.logical.precision, 10);
}

TEST(PostgresTypeMapping, NativeMapsDatesTimestampsUuidEnumsAndArrays) {
  MappedColumn d = Map(kDateOid, -1, TypeMapping::kNative);
  EXPECT_EQ(d.info.field.logical.kind, LogicalKind::kDate);
  EXPECT_EQ(d.plan.reader, WireReader::kDate);
  MappedColumn tz = Map(kTimestamptzOid, -1, TypeMapping::kNative);
  EXPECT_EQ(tz.info.field.logical.kind, LogicalKind::kTimestamp);
  EXPECT_TRUE(tz.info.field.logical.adjusted_to_utc);
  MappedColumn u = Map(kUuidOid, -1, TypeMapping::kNative);
  EXPECT_EQ(u.info.field.type, PhysicalType::kFixedLenByteArray);
  EXPECT_EQ(u.info.field.type_length, 16);
  // An enum is STRING, not ENUM (arrow-rs reads ENUM as Binary).
  MappedColumn e = Map(90000, -1, TypeMapping::kNative);
  EXPECT_EQ(e.info.field.logical.kind, LogicalKind::kString);
  EXPECT_EQ(e.info.expected_exported_type, "binary (UTF8)");
  EXPECT_EQ(e.plan.select_expr, "\"c\"");

  MappedColumn ints = Map(1007, -1, TypeMapping::kNative);
  EXPECT_TRUE(ints.info.field.is_list);
  EXPECT_TRUE(ints.plan.is_list);
  EXPECT_EQ(ints.info.field.type, PhysicalType::kInt32);
  EXPECT_EQ(ints.info.expected_exported_type, "list<int32>");
  EXPECT_EQ(ints.plan.select_expr, "\"c\"");

  MappedColumn decimals = Map(1231, NumericTypmod(12, 3), TypeMapping::kNative);
  EXPECT_TRUE(decimals.info.field.is_list);
  EXPECT_EQ(decimals.plan.reader, WireReader::kDecimal64);

  MappedColumn inets = Map(1041, -1, TypeMapping::kNative);
  EXPECT_TRUE(inets.info.field.is_list);
  EXPECT_EQ(inets.info.field.logical.kind, LogicalKind::kString);
  EXPECT_EQ(inets.plan.select_expr, "\"c\"::text[]");

  MappedColumn domains = Map(90002, -1, TypeMapping::kNative);
  EXPECT_TRUE(domains.info.field.is_list);
  EXPECT_EQ(domains.info.field.logical.kind, LogicalKind::kDecimal);
}

}  // namespace
}  // namespace dbexport::source::postgres
