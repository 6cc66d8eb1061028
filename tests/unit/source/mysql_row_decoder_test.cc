// AppendRow / AppendValue: MySQL text-protocol values into a ColumnBatch,
// without a server. Column plans come from MapColumn, as in ListTables.

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "parquet/column_batch.h"
#include "source/mysql/mysql_source_internal.h"

namespace dbexport::source::mysql {
namespace {

struct Table {
  std::vector<ColumnPlan> plans;
  parquet::Schema schema;
};

Table Columns(const std::vector<MySqlColumn>& columns) {
  Table t;
  for (const MySqlColumn& c : columns) {
    MappedColumn m = MapColumn(c, TypeMapping::kNative);
    t.plans.push_back(m.plan);
    t.schema.fields.push_back(m.info.field);
  }
  return t;
}

MySqlColumn Column(const char* name, const char* data_type, const char* column_type, int precision = 0, int scale = 0) {
  MySqlColumn c;
  c.name = name;
  c.data_type = data_type;
  c.column_type = column_type;
  c.num_precision = precision;
  c.num_scale = scale;
  return c;
}

// One row; nullptr is NULL.
Status Append(const Table& t, const std::vector<const char*>& row, parquet::ColumnBatch* batch,
              std::vector<int64_t>* unrepresentable, int64_t max_value_bytes = 1 << 20) {
  std::vector<unsigned long> lengths;
  for (const char* v : row) lengths.push_back(v == nullptr ? 0 : std::strlen(v));
  return AppendRow(t.plans, row.data(), lengths.data(), max_value_bytes, batch, unrepresentable);
}

template <typename T>
std::vector<T> Values(const parquet::Column& c) {
  std::vector<T> out(c.fixed.size() / sizeof(T));
  std::memcpy(out.data(), c.fixed.data(), out.size() * sizeof(T));
  return out;
}

TEST(MySqlRowDecoder, DecodesRowsAndKeepsNullSlotsDense) {
  Table t = Columns({Column("i", "int", "int(11)"), Column("d", "date", "date"), Column("s", "varchar", "varchar(9)")});
  parquet::ColumnBatch batch(t.schema);
  std::vector<int64_t> unrepresentable(3, 0);
  ASSERT_TRUE(Append(t, {"-7", "1970-01-02", "abc"}, &batch, &unrepresentable).ok());
  ASSERT_TRUE(Append(t, {nullptr, "0000-00-00", nullptr}, &batch, &unrepresentable).ok());
  EXPECT_EQ(batch.num_rows(), 2);
  EXPECT_EQ(batch.column(0).valid, (std::vector<uint8_t>{1, 0}));
  EXPECT_EQ(Values<int32_t>(batch.column(0)), (std::vector<int32_t>{-7, 0}));
  EXPECT_EQ(batch.column(1).valid, (std::vector<uint8_t>{1, 0}));
  EXPECT_EQ(Values<int32_t>(batch.column(1)), (std::vector<int32_t>{1, 0}));
  EXPECT_EQ(batch.column(2).offsets, (std::vector<int64_t>{0, 3, 3}));
  // The zero date is a value its type cannot hold; the NULLs are not.
  EXPECT_EQ(unrepresentable, (std::vector<int64_t>{0, 1, 0}));
}

// Found by fuzz/mysql_row_fuzzer: a DECIMAL text of more digits than
// __int128 holds overflowed it (undefined behaviour). A value of more
// significant digits than the column's precision is no value of the column.
TEST(MySqlRowDecoder, DecimalsBeyondTheirPrecisionAreUnrepresentable) {
  Table t =
      Columns({Column("small", "decimal", "decimal(9,2)", 9, 2), Column("wide", "decimal", "decimal(38,0)", 38, 0)});
  parquet::ColumnBatch batch(t.schema);
  std::vector<int64_t> unrepresentable(2, 0);
  const std::string digits60(60, '9');
  ASSERT_TRUE(Append(t, {"1234567.89", "99999999999999999999999999999999999999"}, &batch, &unrepresentable).ok());
  ASSERT_TRUE(Append(t, {"12345678.90", digits60.c_str()}, &batch, &unrepresentable).ok());
  ASSERT_TRUE(Append(t, {"-0000000000000000000000000000000000000000000000001.5", "-0"}, &batch, &unrepresentable).ok());
  EXPECT_EQ(batch.column(0).valid, (std::vector<uint8_t>{1, 0, 1}));
  EXPECT_EQ(Values<int32_t>(batch.column(0)), (std::vector<int32_t>{123456789, 0, -150}));
  EXPECT_EQ(batch.column(1).valid, (std::vector<uint8_t>{1, 0, 1}));
  EXPECT_EQ(unrepresentable, (std::vector<int64_t>{1, 1}));
}

// BIGINT UNSIGNED (native mapping): INT64 with INT(64, unsigned), the bits
// of the value, so that every reader gets it exactly.
TEST(MySqlRowDecoder, BigintUnsignedIsAnUnsigned64BitInteger) {
  Table t = Columns({Column("u", "bigint", "bigint(20) unsigned")});
  ASSERT_EQ(t.schema.fields[0].type, parquet::PhysicalType::kInt64);
  EXPECT_EQ(t.schema.fields[0].logical.kind, parquet::LogicalKind::kInt);
  EXPECT_EQ(t.schema.fields[0].logical.bit_width, 64);
  EXPECT_FALSE(t.schema.fields[0].logical.is_signed);
  parquet::ColumnBatch batch(t.schema);
  std::vector<int64_t> unrepresentable(1, 0);
  ASSERT_TRUE(Append(t, {"18446744073709551615"}, &batch, &unrepresentable).ok());
  ASSERT_TRUE(Append(t, {"9007199254740993"}, &batch, &unrepresentable).ok());
  EXPECT_EQ(Values<int64_t>(batch.column(0)), (std::vector<int64_t>{-1, 9007199254740993}));
  EXPECT_EQ(unrepresentable, (std::vector<int64_t>{0}));
}

// The native mapping keeps each integer's width and sign; INT UNSIGNED is
// INT32 with INT(32, unsigned), holding the value's bits.
TEST(MySqlRowDecoder, SmallIntegersKeepTheirWidthAndSign) {
  Table t = Columns({Column("ti", "tinyint", "tinyint(4)"), Column("uti", "tinyint", "tinyint(3) unsigned"),
                     Column("us", "smallint", "smallint(5) unsigned"), Column("ui", "int", "int(10) unsigned"),
                     Column("um", "mediumint", "mediumint(8) unsigned")});
  const std::vector<std::pair<int, bool>> want = {{8, true}, {8, false}, {16, false}, {32, false}};
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(t.schema.fields[i].name);
    EXPECT_EQ(t.schema.fields[i].type, parquet::PhysicalType::kInt32);
    EXPECT_EQ(t.schema.fields[i].logical.kind, parquet::LogicalKind::kInt);
    EXPECT_EQ(t.schema.fields[i].logical.bit_width, want[i].first);
    EXPECT_EQ(t.schema.fields[i].logical.is_signed, want[i].second);
  }
  EXPECT_EQ(t.schema.fields[4].logical.kind, parquet::LogicalKind::kNone);
  parquet::ColumnBatch batch(t.schema);
  std::vector<int64_t> unrepresentable(5, 0);
  ASSERT_TRUE(Append(t, {"-128", "255", "65535", "4294967295", "16777215"}, &batch, &unrepresentable).ok());
  ASSERT_TRUE(Append(t, {"127", "0", "0", "4294967296", "0"}, &batch, &unrepresentable).ok());
  EXPECT_EQ(Values<int32_t>(batch.column(0)), (std::vector<int32_t>{-128, 127}));
  EXPECT_EQ(Values<int32_t>(batch.column(1)), (std::vector<int32_t>{255, 0}));
  EXPECT_EQ(Values<int32_t>(batch.column(2)), (std::vector<int32_t>{65535, 0}));
  EXPECT_EQ(Values<int32_t>(batch.column(3)), (std::vector<int32_t>{-1, 0}));
  EXPECT_EQ(batch.column(3).valid, (std::vector<uint8_t>{1, 0}));
  EXPECT_EQ(unrepresentable, (std::vector<int64_t>{0, 0, 0, 1, 0}));
}

// MariaDB's UUID type (native mapping): the 16 bytes of the text form, in
// order; any other text is no UUID.
TEST(MySqlRowDecoder, UuidTextBecomesItsSixteenBytes) {
  Table t = Columns({Column("u", "uuid", "uuid")});
  ASSERT_EQ(t.schema.fields[0].type, parquet::PhysicalType::kFixedLenByteArray);
  ASSERT_EQ(t.schema.fields[0].type_length, 16);
  parquet::ColumnBatch batch(t.schema);
  std::vector<int64_t> unrepresentable(1, 0);
  ASSERT_TRUE(Append(t, {"a0eebc99-9c0b-4ef8-BB6D-6bb9bd380a11"}, &batch, &unrepresentable).ok());
  ASSERT_TRUE(Append(t, {"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1"}, &batch, &unrepresentable).ok());   // 35 chars
  ASSERT_TRUE(Append(t, {"a0eebc999c0b-4ef8-bb6d-6bb9bd380a11-"}, &batch, &unrepresentable).ok());  // dash moved
  ASSERT_TRUE(Append(t, {"g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}, &batch, &unrepresentable).ok());  // not hex
  ASSERT_TRUE(Append(t, {nullptr}, &batch, &unrepresentable).ok());
  EXPECT_EQ(batch.column(0).valid, (std::vector<uint8_t>{1, 0, 0, 0, 0}));
  ASSERT_EQ(batch.column(0).fixed.size(), 5u * 16u);
  const std::vector<uint8_t> first(batch.column(0).fixed.begin(), batch.column(0).fixed.begin() + 16);
  EXPECT_EQ(first, (std::vector<uint8_t>{0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd,
                                         0x38, 0x0a, 0x11}));
  EXPECT_EQ(unrepresentable, (std::vector<int64_t>{3}));
}

TEST(MySqlRowDecoder, FailsOnValueAboveTheLimit) {
  Table t = Columns({Column("i", "int", "int(11)"), Column("blob", "blob", "blob")});
  parquet::ColumnBatch batch(t.schema);
  std::vector<int64_t> unrepresentable(2, 0);
  Status s = Append(t, {"1", "0123456789"}, &batch, &unrepresentable, /*max_value_bytes=*/4);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(s.message(), "column \"blob\" holds a value of 10 bytes, close to or above the 500 MB limit for a value");
}

}  // namespace
}  // namespace dbexport::source::mysql
