// Page headers and footer pieces on known bytes. Field ids and types are
// those of parquet.thrift; the encoding is Thrift compact (see
// thrift_compact_test.cc for the rules used in the derivations below).

#include "parquet/metadata_internal.h"

#include <gtest/gtest.h>

#include <string>

#include "parquet_test_util.h"

namespace dbexport::parquet {
namespace {

using testing::Hex;

TEST(Metadata, DataPageHeader) {
  ByteBuffer out;
  AppendDataPageHeader(100, 50, 10, Encoding::kPlain, &out);
  // 15 00     1: type = DATA_PAGE (0)
  // 15 c8 01  2: uncompressed_page_size = 100 (zigzag 200)
  // 15 64     3: compressed_page_size = 50 (zigzag 100)
  // 2c        5: data_page_header (struct, delta 2)
  //   15 14   1: num_values = 10
  //   15 00   2: encoding = PLAIN
  //   15 06   3: definition_level_encoding = RLE (3)
  //   15 06   4: repetition_level_encoding = RLE
  //   00      end of DataPageHeader
  // 00        end of PageHeader
  EXPECT_EQ(Hex(out), "15 00 15 c8 01 15 64 2c 15 14 15 00 15 06 15 06 00 00");
}

TEST(Metadata, DictionaryPageHeader) {
  ByteBuffer out;
  AppendDictionaryPageHeader(8, 8, 2, &out);
  // 15 04 type = DICTIONARY_PAGE (2); 15 10 / 15 10 sizes 8; 4c field 7
  // (delta 4) struct { 15 04 num_values 2, 15 00 encoding PLAIN } 00.
  EXPECT_EQ(Hex(out), "15 04 15 10 15 10 4c 15 04 15 00 00 00");
}

TEST(Metadata, OffsetIndex) {
  ByteBuffer out;
  AppendOffsetIndex({{4, 100, 0}, {104, 50, 20000}}, &out);
  // 19 2c: field 1, list of 2 structs; each PageLocation {1 offset i64,
  // 2 compressed_page_size i32, 3 first_row_index i64}:
  // 16 08 | 15 c8 01 | 16 00 | 00   and   16 d0 01 | 15 64 | 16 c0 b8 02 | 00
  // (20000 zigzag = 40000 = c0 b8 02).
  EXPECT_EQ(Hex(out), "19 2c 16 08 15 c8 01 16 00 00 16 d0 01 15 64 16 c0 b8 02 00 00");
}

TEST(Metadata, ColumnIndex) {
  ByteBuffer out;
  PageIndexEntry a{false, "a", "c", 1};
  PageIndexEntry b{true, "", "", 3};
  AppendColumnIndex({a, b}, BoundaryOrder::kAscending, &out);
  // 19 21 02 01      1: null_pages [false, true] (bool elements: 1 true, 2 false)
  // 19 28 01 61 00   2: min_values ["a", ""] (a null page has empty bounds)
  // 19 28 01 63 00   3: max_values ["c", ""]
  // 15 02            4: boundary_order = ASCENDING (1)
  // 19 26 02 06      5: null_counts [1, 3] as i64
  // 00
  EXPECT_EQ(Hex(out), "19 21 02 01 19 28 01 61 00 19 28 01 63 00 15 02 19 26 02 06 00");
}

std::string FooterOf(const Field& field) {
  Schema schema;
  schema.fields = {field};
  ByteBuffer out;
  AppendFileMetaData(schema, {}, 0, "dbexport version 0.1.0 (build test)", &out);
  return std::string(out.view());
}

bool Contains(const std::string& haystack, const std::string& hex_needle) {
  return testing::Hex(haystack).find(hex_needle) != std::string::npos;
}

TEST(Metadata, StringLeafHasLogicalAndConvertedType) {
  Field f;
  f.name = "s";
  f.type = PhysicalType::kByteArray;
  f.logical = LogicalType::String();
  std::string footer = FooterOf(f);
  // Leaf SchemaElement: 15 0c type BYTE_ARRAY (6), 25 02 repetition OPTIONAL
  // (field 3, delta 2), 18 01 73 name "s", 25 00 converted_type UTF8 (delta
  // 2), 35 02 field_id 1 (field 9, delta 3), 1c 1c 00 00 logicalType STRING
  // (delta 1), 00.
  EXPECT_TRUE(Contains(footer, "15 0c 25 02 18 01 73 25 00 35 02 1c 1c 00 00 00")) << Hex(footer);
}

TEST(Metadata, TimestampLeafIsMicrosWithItsUtcFlag) {
  Field f;
  f.name = "t";
  f.type = PhysicalType::kInt64;
  f.logical = LogicalType::Timestamp(false);
  // 25 14 converted_type TIMESTAMP_MICROS (10); 35 02 field_id 1; 1c
  // logicalType; 8c member 8 TIMESTAMP; 12 isAdjustedToUTC false; 1c unit;
  // 2c 00 MICROS; 00 00 00.
  EXPECT_TRUE(Contains(FooterOf(f), "25 14 35 02 1c 8c 12 1c 2c 00 00 00 00")) << Hex(FooterOf(f));
}

TEST(Metadata, DecimalLeafHasScaleAndPrecision) {
  Field f;
  f.name = "d";
  f.type = PhysicalType::kFixedLenByteArray;
  f.type_length = 16;
  f.logical = LogicalType::Decimal(38, 4);
  // 15 0e type FLBA (7), 15 20 type_length 16, 15 02 OPTIONAL, 18 01 64 name,
  // 25 0a converted DECIMAL (5), 15 08 scale 4, 15 4c precision 38, 15 02
  // field_id 1, 1c logicalType 5c member 5 { 15 08 scale, 15 4c precision } 00 00 00.
  EXPECT_TRUE(Contains(FooterOf(f),
                       "15 0e 15 20 15 02 18 01 64 25 0a 15 08 15 4c 15 02 1c 5c 15 08 15 4c 00 00 00"))
      << Hex(FooterOf(f));
}

TEST(Metadata, UuidHasNoConvertedType) {
  Field f;
  f.name = "u";
  f.type = PhysicalType::kFixedLenByteArray;
  f.type_length = 16;
  f.logical = LogicalType::Uuid();
  f.nullable = false;
  // ... 15 00 REQUIRED, 18 01 75 name, then straight to 55 02 (field_id 1,
  // field 9, delta 5): no converted_type; 1c logicalType. ec 00 is member 14
  // (UUID, delta 14), 00 ends the union, 00 the element.
  EXPECT_TRUE(Contains(FooterOf(f), "15 00 18 01 75 55 02 1c ec 00 00 00")) << Hex(FooterOf(f));
}

TEST(Metadata, ListIsThreeLevels) {
  Field f;
  f.name = "l";
  f.type = PhysicalType::kInt32;
  f.is_list = true;
  std::string footer = FooterOf(f);
  // Schema list of 4 elements: 19 4c. Root: 48 06 "schema" 15 02 (5 children = 1), 00.
  // Group l: 35 02 OPTIONAL, 18 01 6c, 15 02 num_children 1, 15 06 converted
  //   LIST (3), 35 02 field_id 1, 1c 3c 00 00 logicalType LIST (member 3), 00.
  // Group list: 35 04 REPEATED, 18 04 "list", 15 02, 00 (no field_id).
  // Leaf element: 15 02 INT32, 25 02 OPTIONAL (delta 2), 18 07 "element",
  //   55 04 field_id 2 (ElementFieldId: one field + 0 + 1), 00.
  EXPECT_TRUE(Contains(footer, "19 4c 48 06 73 63 68 65 6d 61 15 02 00")) << Hex(footer);
  EXPECT_TRUE(Contains(footer, "35 02 18 01 6c 15 02 15 06 35 02 1c 3c 00 00 00")) << Hex(footer);
  EXPECT_TRUE(Contains(footer, "35 04 18 04 6c 69 73 74 15 02 00")) << Hex(footer);
  EXPECT_TRUE(Contains(footer, "15 02 25 02 18 07 65 6c 65 6d 65 6e 74 55 04 00")) << Hex(footer);
}

TEST(Metadata, FooterEndsWithCreatedByAndColumnOrders) {
  Field f;
  f.name = "x";
  f.type = PhysicalType::kInt64;
  std::string footer = FooterOf(f);
  // 16 00 num_rows 0 (field 3), 19 0c row_groups: empty list of structs,
  // 28 23 created_by (35 bytes, field 6 after 4: delta 2), ...,
  // 19 1c column_orders: 1 struct { 1c 00 TYPE_ORDER {} 00 }, 00 end.
  EXPECT_TRUE(Contains(footer, "16 00 19 0c 28 23")) << Hex(footer);
  EXPECT_EQ(Hex(footer.substr(footer.size() - 6)), "19 1c 1c 00 00 00");
}

}  // namespace
}  // namespace dbexport::parquet
