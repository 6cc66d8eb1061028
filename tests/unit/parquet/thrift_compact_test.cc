// Byte-level tests of the Thrift compact protocol encoder. Each expectation
// is derived by hand from apache/thrift doc/specs/thrift-compact-protocol.md:
// a short field header is (id delta << 4) | type; types are 1 true, 2 false,
// 3 i8, 4 i16, 5 i32, 6 i64, 8 binary, 9 list, 12 struct; integers are
// zigzag (n << 1 ^ n >> 63) then ULEB128.

#include "parquet/thrift_compact_internal.h"

#include <gtest/gtest.h>

#include "parquet_test_util.h"

namespace dbexport::parquet {
namespace {

using testing::Hex;
using TType = ThriftCompactWriter::Type;

TEST(ThriftCompact, ShortFieldHeaderAndZigZagVarints) {
  ByteBuffer out;
  ThriftCompactWriter w(&out);
  // Consecutive ids: every header has delta 1 in its high nibble.
  w.I32(1, 1);     // 0x15 = delta 1, i32; zigzag(1) = 2
  w.I32(2, -1);    // 0x15; zigzag(-1) = 1
  w.I64(3, 300);   // 0x16; zigzag(300) = 600 = 0b100_1011000 -> d8 04
  w.I16(4, -300);  // 0x14; zigzag(-300) = 599 -> d7 04
  w.I8(5, -2);     // 0x13; i8 is one raw byte: fe
  w.I32(9, 0);     // 0x45 = delta 4, i32; 00
  EXPECT_EQ(Hex(out), "15 02 15 01 16 d8 04 14 d7 04 13 fe 45 00");
}

TEST(ThriftCompact, LongFieldHeaderWhenDeltaExceeds15) {
  ByteBuffer out;
  ThriftCompactWriter w(&out);
  w.I64(17, 1);  // delta 17 > 15: type byte 06, then zigzag(17) = 34 = 0x22, value 02
  w.I32(18, 0);  // back to a short header: delta 1 -> 15, value 00
  EXPECT_EQ(Hex(out), "06 22 02 15 00");
}

TEST(ThriftCompact, BoolFieldsCarryTheValueInTheTypeNibble) {
  ByteBuffer out;
  ThriftCompactWriter w(&out);
  w.Bool(1, true);   // 0x11
  w.Bool(2, false);  // 0x12
  EXPECT_EQ(Hex(out), "11 12");
}

TEST(ThriftCompact, BinaryIsLengthThenBytes) {
  ByteBuffer out;
  ThriftCompactWriter w(&out);
  w.Binary(4, "ab");  // 0x48 = delta 4, binary; length 2; 61 62
  w.Binary(5, "");    // 0x18; length 0
  EXPECT_EQ(Hex(out), "48 02 61 62 18 00");
}

TEST(ThriftCompact, NestedStructRestartsAndRestoresFieldIds) {
  ByteBuffer out;
  ThriftCompactWriter w(&out);
  w.BeginStruct(5);  // 0x5c = delta 5, struct
  w.I32(1, 7);       // inside ids restart at 0: 0x15, zigzag(7) = 14 = 0e
  w.EndStruct();     // 00 stop
  w.I32(6, 1);       // outer id resumes at 5: delta 1 -> 15 02
  w.Finish();        // 00 stop of the top-level struct
  EXPECT_EQ(Hex(out), "5c 15 0e 00 15 02 00");
}

TEST(ThriftCompact, EmptyUnionMemberIsHeaderAndStop) {
  // LogicalType (field 10) = STRING (member 1, empty StringType struct):
  // ac = delta 10, struct; 1c = delta 1, struct; 00 ends StringType, 00 ends
  // the union (parquet-notes §2: "LT STRING: 1C 00 00").
  ByteBuffer out;
  ThriftCompactWriter w(&out);
  w.BeginStruct(10);
  w.EmptyStruct(1);
  w.EndStruct();
  EXPECT_EQ(Hex(out), "ac 1c 00 00");
}

TEST(ThriftCompact, ShortAndLongListHeaders) {
  ByteBuffer out;
  ThriftCompactWriter w(&out);
  w.BeginList(2, TType::kI32, 3);  // 0x29 = delta 2, list; 0x35 = 3 elements of i32
  for (int v : {1, 2, 3}) w.ElementI32(v);  // 02 04 06
  w.BeginList(3, TType::kI64, 15);  // 0x19; 15 > 14: f6 then ULEB(15) = 0f
  for (int i = 0; i < 15; ++i) w.ElementI64(0);
  std::string expected = "29 35 02 04 06 19 f6 0f";
  for (int i = 0; i < 15; ++i) expected += " 00";
  EXPECT_EQ(Hex(out), expected);
}

TEST(ThriftCompact, BoolListElementsAreOneByteEach) {
  ByteBuffer out;
  ThriftCompactWriter w(&out);
  w.BeginList(1, TType::kBoolTrue, 2);  // 0x19; 0x21 = 2 elements of bool (type 1)
  w.ElementBool(true);                  // 01
  w.ElementBool(false);                 // 02
  EXPECT_EQ(Hex(out), "19 21 01 02");
}

TEST(ThriftCompact, ListOfStructsRestartsIdsPerElement) {
  ByteBuffer out;
  ThriftCompactWriter w(&out);
  w.BeginList(1, TType::kStruct, 2);  // 0x19; 0x2c = 2 elements of struct
  for (int i = 0; i < 2; ++i) {
    w.BeginElementStruct();
    w.I32(1, i);  // 15 00, then 15 02
    w.EndStruct();
  }
  w.I32(2, 5);  // delta 1 from field 1: 15 0a
  EXPECT_EQ(Hex(out), "19 2c 15 00 00 15 02 00 15 0a");
}

}  // namespace
}  // namespace dbexport::parquet
