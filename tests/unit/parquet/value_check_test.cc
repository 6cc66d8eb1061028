// Input checks: every rejected value names its column and row (counted from
// 0 within the file) and says why; well-formed input passes.

#include "parquet/value_check_internal.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace dbexport::parquet {
namespace {

Field MakeField(const std::string& name, PhysicalType type, LogicalType logical = {},
                int type_length = 0) {
  Field f;
  f.name = name;
  f.type = type;
  f.logical = logical;
  f.type_length = type_length;
  return f;
}

template <typename T>
Column Fixed(std::initializer_list<T> values) {
  Column c;
  for (T v : values) c.AppendFixed(v);
  return c;
}

void ExpectError(const Status& s, const std::string& message) {
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s;
  EXPECT_EQ(s.message(), message);
}

TEST(ValueCheck, AcceptsWellFormedColumns) {
  Field f = MakeField("n", PhysicalType::kInt32, LogicalType::Int(8, true));
  Column c = Fixed<int32_t>({-128, 0, 127});
  EXPECT_TRUE(CheckColumn(f, c, 3, 0).ok());
}

TEST(ValueCheck, Int8OutOfRange) {
  Field f = MakeField("tiny", PhysicalType::kInt32, LogicalType::Int(8, true));
  Column c = Fixed<int32_t>({1, 2, 300});
  ExpectError(CheckColumn(f, c, 3, 10),
              "column \"tiny\" row 12: value 300 is out of range for INT(8) [-128, 127]");
}

TEST(ValueCheck, UnsignedRejectsNegative) {
  Field f = MakeField("u", PhysicalType::kInt32, LogicalType::Int(16, false));
  Column c = Fixed<int32_t>({65535, -1});
  ExpectError(CheckColumn(f, c, 2, 0),
              "column \"u\" row 1: value -1 is out of range for UINT(16) [0, 65535]");
}

TEST(ValueCheck, NullSlotsAreNotChecked) {
  Field f = MakeField("tiny", PhysicalType::kInt32, LogicalType::Int(8, true));
  Column c = Fixed<int32_t>({1, 999});
  c.valid = {1, 0};
  EXPECT_TRUE(CheckColumn(f, c, 2, 0).ok());
}

TEST(ValueCheck, DecimalAbovePrecision) {
  Field f = MakeField("price", PhysicalType::kInt32, LogicalType::Decimal(5, 2));
  Column c = Fixed<int32_t>({99999, -99999, 100000});
  ExpectError(CheckColumn(f, c, 3, 0),
              "column \"price\" row 2: DECIMAL(5,2) value 1000.00 has more than 5 digits");
}

TEST(ValueCheck, Int64DecimalAbovePrecision) {
  Field f = MakeField("amount", PhysicalType::kInt64, LogicalType::Decimal(18, 4));
  Column c = Fixed<int64_t>({-1000000000000000000LL});
  ExpectError(CheckColumn(f, c, 1, 7),
              "column \"amount\" row 7: DECIMAL(18,4) value -100000000000000.0000 has more "
              "than 18 digits");
}

TEST(ValueCheck, FixedDecimalAbovePrecision) {
  // DECIMAL(2,1) in one byte: 100 (0x64) has three digits; -99 (0x9d) fits.
  Field f = MakeField("d", PhysicalType::kFixedLenByteArray, LogicalType::Decimal(2, 1), 1);
  Column c;
  c.AppendFixedBytes("\x9d\x64", 2);
  ExpectError(CheckColumn(f, c, 2, 0),
              "column \"d\" row 1: DECIMAL(2,1) value 10.0 has more than 2 digits");
}

TEST(ValueCheck, Decimal38Limits) {
  Field f = MakeField("d", PhysicalType::kFixedLenByteArray, LogicalType::Decimal(38, 0), 16);
  // 10^38 - 1 = 0x4b3b4ca85a86c47a098a223fffffffff fits; 10^38 does not.
  const uint8_t max[16] = {0x4b, 0x3b, 0x4c, 0xa8, 0x5a, 0x86, 0xc4, 0x7a,
                           0x09, 0x8a, 0x22, 0x3f, 0xff, 0xff, 0xff, 0xff};
  Column c;
  c.AppendFixedBytes(max, 16);
  EXPECT_TRUE(CheckColumn(f, c, 1, 0).ok());
  uint8_t over[16];
  std::memcpy(over, max, 16);
  over[11] = 0x40;  // 10^38 = 0x4b3b4ca85a86c47a098a224000000000
  std::memset(over + 12, 0, 4);
  c.Clear();
  c.AppendFixedBytes(over, 16);
  ExpectError(CheckColumn(f, c, 1, 0),
              "column \"d\" row 0: DECIMAL(38,0) value 100000000000000000000000000000000000000 "
              "has more than 38 digits");
}

TEST(ValueCheck, TimeOutsideTheDay) {
  Field f = MakeField("t", PhysicalType::kInt64, LogicalType::Time(false));
  Column c = Fixed<int64_t>({0, 86400000000LL, 86400000001LL});
  ExpectError(CheckColumn(f, c, 3, 0),
              "column \"t\" row 2: value 86400000001 is out of range for TIME(MICROS) "
              "[0, 86400000000]");
}

TEST(ValueCheck, BooleanMustBeZeroOrOne) {
  Field f = MakeField("b", PhysicalType::kBoolean);
  Column c = Fixed<uint8_t>({0, 1, 2});
  ExpectError(CheckColumn(f, c, 3, 0),
              "column \"b\" row 2: value 2 is out of range for BOOLEAN (0 or 1) [0, 1]");
}

TEST(ValueCheck, InvalidUtf8InAString) {
  Field f = MakeField("name", PhysicalType::kByteArray, LogicalType::String());
  Column c;
  c.AppendBytes("ok");
  c.AppendBytes("b\xc3(");
  ExpectError(CheckColumn(f, c, 2, 5),
              "column \"name\" row 6: invalid UTF-8 at byte 1 of a STRING value");
}

TEST(ValueCheck, InvalidUtf8InJsonAndEnum) {
  Column c;
  c.AppendBytes("\xff");
  ExpectError(CheckColumn(MakeField("j", PhysicalType::kByteArray, LogicalType::Json()), c, 1, 0),
              "column \"j\" row 0: invalid UTF-8 at byte 0 of a JSON value");
  ExpectError(CheckColumn(MakeField("e", PhysicalType::kByteArray, LogicalType::Enum()), c, 1, 0),
              "column \"e\" row 0: invalid UTF-8 at byte 0 of a ENUM value");
}

TEST(ValueCheck, BinaryColumnsAcceptAnyBytes) {
  Column c;
  c.AppendBytes("\xff\x00", 2);
  EXPECT_TRUE(CheckColumn(MakeField("blob", PhysicalType::kByteArray), c, 1, 0).ok());
}

TEST(ValueCheck, FixedLengthBufferOfTheWrongSize) {
  Field f = MakeField("id", PhysicalType::kFixedLenByteArray, LogicalType::Uuid(), 16);
  Column c;
  c.AppendFixedBytes(std::string(30, 'x').data(), 30);
  ExpectError(CheckColumn(f, c, 2, 0),
              "column \"id\": FIXED_LEN_BYTE_ARRAY(16) values: buffer holds 30 bytes for 2 rows, "
              "expected 32");
}

TEST(ValueCheck, NullInARequiredColumn) {
  Field f = MakeField("k", PhysicalType::kInt64);
  f.nullable = false;
  Column c = Fixed<int64_t>({1, 0});
  c.valid = {1, 0};
  ExpectError(CheckColumn(f, c, 2, 100), "column \"k\" row 101: NULL in a required column");
}

TEST(ValueCheck, ValidityOfTheWrongSize) {
  Field f = MakeField("k", PhysicalType::kInt64);
  Column c = Fixed<int64_t>({1, 2});
  c.valid = {1};
  ExpectError(CheckColumn(f, c, 2, 0), "column \"k\": valid holds 1 entries for 2 rows");
}

TEST(ValueCheck, ValidityBytesAreZeroOrOne) {
  Field f = MakeField("k", PhysicalType::kInt64);
  Column c = Fixed<int64_t>({1, 2});
  c.valid = {1, 255};
  ExpectError(CheckColumn(f, c, 2, 0), "column \"k\": valid[1] is 255, not 0 or 1");
}

TEST(ValueCheck, ByteArrayOffsetsMustCoverTheData) {
  Field f = MakeField("s", PhysicalType::kByteArray);
  Column c;
  c.offsets = {0, 3};
  c.data = {'a'};
  ExpectError(CheckColumn(f, c, 1, 0), "column \"s\": offsets end at 3 past the 1 bytes of data");
  c.offsets = {0};
  ExpectError(CheckColumn(f, c, 1, 0),
              "column \"s\": offsets holds 1 entries for 1 values (expected values + 1)");
}

Field ListField(bool element_nullable) {
  Field f = MakeField("tags", PhysicalType::kInt32, LogicalType::Int(8, true));
  f.is_list = true;
  f.element_nullable = element_nullable;
  return f;
}

TEST(ValueCheck, ListErrorsNameRowAndElement) {
  // Rows: [1], [], [2, 200]: element 1 of row 2 (file row 12) is too big.
  Column c = Fixed<int32_t>({1, 2, 200});
  c.list_offsets = {0, 1, 1, 3};
  ExpectError(CheckColumn(ListField(true), c, 3, 10),
              "column \"tags\" row 12 element 1: value 200 is out of range for INT(8) "
              "[-128, 127]");
}

TEST(ValueCheck, NullElementInAListOfRequiredElements) {
  Column c = Fixed<int32_t>({1, 0});
  c.list_offsets = {0, 2};
  c.element_valid = {1, 0};
  ExpectError(CheckColumn(ListField(false), c, 1, 0),
              "column \"tags\" row 0 element 1: NULL element in a LIST whose elements are "
              "required");
}

TEST(ValueCheck, NullListMustBeEmpty) {
  Column c = Fixed<int32_t>({1});
  c.list_offsets = {0, 1};
  c.valid = {0};
  ExpectError(CheckColumn(ListField(true), c, 1, 4), "column \"tags\" row 4: a NULL list has elements");
}

TEST(ValueCheck, ListOffsetsShape) {
  Column c;
  c.list_offsets = {0};
  ExpectError(CheckColumn(ListField(true), c, 1, 0),
              "column \"tags\": list_offsets holds 1 entries for 1 rows (expected rows + 1)");
  c.list_offsets = {0, 2, 1};
  c.AppendFixed<int32_t>(1);
  c.AppendFixed<int32_t>(1);
  ExpectError(CheckColumn(ListField(true), c, 2, 0), "column \"tags\" row 1: list_offsets decrease");
}

TEST(ValueCheck, Utf8Validator) {
  auto ok = [](const std::string& s) {
    return IsValidUtf8(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  };
  EXPECT_TRUE(ok(""));
  EXPECT_TRUE(ok("plain ascii text, longer than eight bytes"));
  EXPECT_TRUE(ok("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));  // é € 😀
  EXPECT_TRUE(ok("\xf4\x8f\xbf\xbf"));                      // U+10FFFF
  EXPECT_FALSE(ok("\xc0\x80"));                             // overlong NUL
  EXPECT_FALSE(ok("\xe0\x80\xaf"));                         // overlong '/'
  EXPECT_FALSE(ok("\xed\xa0\x80"));                         // surrogate U+D800
  EXPECT_FALSE(ok("\xf4\x90\x80\x80"));                     // past U+10FFFF
  EXPECT_FALSE(ok("\xe2\x82"));                             // truncated
  EXPECT_FALSE(ok("\x80"));                                 // lone continuation
  EXPECT_FALSE(ok("\xf8\x88\x80\x80\x80"));                 // 5-byte form
  size_t at = 0;
  std::string s = "abcdefghij\xc3";
  EXPECT_FALSE(IsValidUtf8(reinterpret_cast<const uint8_t*>(s.data()), s.size(), &at));
  EXPECT_EQ(at, 10u);
}

}  // namespace
}  // namespace dbexport::parquet
