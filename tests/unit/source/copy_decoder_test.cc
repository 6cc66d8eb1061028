// CopyDecoder on binary COPY streams captured from PostgreSQL 15 with
//   psql -c "\copy (<SQL>) to 'f.bin' (format binary)" && xxd -p f.bin
// Each fixture keeps the SQL that produced it.

#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "parquet/column_batch.h"
#include "source/postgres/copy_decoder_internal.h"

namespace dbexport::source::postgres {
namespace {

using parquet::ColumnBatch;

// SELECT * FROM (VALUES (1::int2, '-2147483648'::int4, 9223372036854775807::int8,
//   1.5::float4, -0.1::float8, true), ('-32768'::int2, NULL, -1::int8, NULL,
//   'Infinity'::float8, false)) v
constexpr char kIntsHex[] =
    "5047434f50590aff0d0a00000000000000000000060000000200010000000480000000000000087fffffffffffffff"
    "000000043fc0000000000008bfb999999999999a00000001010006000000028000ffffffff00000008ffffffffffff"
    "ffffffffffff000000087ff00000000000000000000100ffff";

// SELECT 'héllo'::text, '\x00ff'::bytea, '{"a": [1, null]}'::jsonb,
//   'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid
constexpr char kBytesHex[] =
    "5047434f50590aff0d0a00000000000000000000040000000668c3a96c6c6f0000000200ff00000011017b2261223a"
    "205b312c206e756c6c5d7d00000010a0eebc999c0b4ef8bb6d6bb9bd380a11ffff";

// SELECT * FROM (VALUES ('1970-01-02'::date, '23:59:59.999999'::time,
//   '2000-01-01 00:00:01'::timestamp, '1969-12-31 23:59:59.5+00'::timestamptz),
//   ('infinity', '00:00', 'infinity', '-infinity'),
//   ('-infinity', NULL, '0001-01-01 BC', '2038-01-19 03:14:08+00')) v
constexpr char kTimesHex[] =
    "5047434f50590aff0d0a000000000000000000000400000004ffffd53400000008000000141dd75fff000000080000"
    "0000000f424000000008fffca2fec4c07ee00004000000047fffffff000000080000000000000000000000087fffff"
    "ffffffffff00000008800000000000000000040000000480000000ffffffff00000008ff1fc63d1bb1200000000008"
    "0004441ec4c82000ffff";

// SELECT * FROM (VALUES (12345.67::numeric(9,2),
//   99999999999999999999999999999999999999::numeric(38,0),
//   9.9999999999999999999999999999999999999::numeric(38,37)),
//   (-0.01, -12345678901234567890123456789012345678, -0.0000000000000000000000000000000000001),
//   ('NaN', 0, 0), (0, 100000000000000000000, 1)) v
constexpr char kNumericsHex[] =
    "5047434f50590aff0d0a00000000000000000000030000000e0003000100000002000109291a2c0000001c000a0009"
    "000000000063270f270f270f270f270f270f270f270f270f0000001e000b0000000000250009270f270f270f270f27"
    "0f270f270f270f270f232800030000000a0001ffff4000000200640000001c000a000940000000000c0d801ed204d2"
    "162e23340d801ed204d2162e0000000a0001fff64000002503e800030000000800000000c000000000000008000000"
    "000000000000000008000000000000000000030000000800000000000000000000000a000100050000000000010000"
    "000a00010000000000000001ffff";

// SELECT * FROM (VALUES ('{{1,2},{NULL,4}}'::int4[], '{a,NULL,""}'::text[]),
//   ('{}', '{}'), (NULL, NULL)) v
constexpr char kArraysHex[] =
    "5047434f50590aff0d0a00000000000000000000020000003800000002000000010000001700000002000000010000"
    "00020000000100000004000000010000000400000002ffffffff00000004000000040000002100000001000000010000"
    "001900000003000000010000000161ffffffff0000000000020000000c0000000000000000000000170000000c0000"
    "000000000000000000190002ffffffffffffffffffff";

std::vector<uint8_t> FromHex(const char* hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; hex[i] && hex[i + 1]; i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex + i, 2), nullptr, 16)));
  }
  return out;
}

ColumnPlan Plan(const char* name, WireReader reader, int precision = 0, int scale = 0,
                int fixed_width = 0, bool is_list = false) {
  ColumnPlan p;
  p.name = name;
  p.reader = reader;
  p.precision = precision;
  p.scale = scale;
  p.fixed_width = fixed_width;
  p.is_list = is_list;
  return p;
}

// Decodes `hex` as one message into a batch with one field per plan.
struct Decoded {
  parquet::Schema schema;
  ColumnBatch batch;
  Status status;
  std::vector<int64_t> unrepresentable;
};

std::unique_ptr<Decoded> Decode(const std::vector<ColumnPlan>& plans, const char* hex,
                                int64_t max_value_bytes = 1 << 30) {
  auto d = std::make_unique<Decoded>();
  d->schema.fields.resize(plans.size());
  d->batch = ColumnBatch(d->schema);
  CopyDecoder decoder(&plans, max_value_bytes);
  std::vector<uint8_t> bytes = FromHex(hex);
  d->status = decoder.Decode(bytes.data(), bytes.size(), &d->batch);
  if (d->status.ok()) {
    EXPECT_TRUE(decoder.finished());
  }
  d->unrepresentable = decoder.unrepresentable();
  return d;
}

template <typename T>
std::vector<T> Values(const parquet::Column& c) {
  std::vector<T> out(c.fixed.size() / sizeof(T));
  std::memcpy(out.data(), c.fixed.data(), out.size() * sizeof(T));
  return out;
}

std::string Bytes(const parquet::Column& c, size_t i) {
  return std::string(c.data.begin() + c.offsets[i], c.data.begin() + c.offsets[i + 1]);
}

std::string BigEndian(__int128 v, int width) {
  std::string out(width, '\0');
  auto u = static_cast<unsigned __int128>(v);
  for (int i = width - 1; i >= 0; --i, u >>= 8) out[i] = static_cast<char>(u & 0xff);
  return out;
}

__int128 Pow10(int n) {
  __int128 v = 1;
  while (n-- > 0) v *= 10;
  return v;
}

TEST(CopyDecoder, DecodesIntegersFloatsAndBooleansWithNulls) {
  std::vector<ColumnPlan> plans = {Plan("s", WireReader::kInt16),   Plan("i", WireReader::kInt32),
                                   Plan("b", WireReader::kInt64),   Plan("r", WireReader::kFloat32),
                                   Plan("d", WireReader::kFloat64), Plan("t", WireReader::kBool)};
  auto d = Decode(plans, kIntsHex);
  ASSERT_TRUE(d->status.ok()) << d->status;
  const ColumnBatch& b = d->batch;
  ASSERT_EQ(b.num_rows(), 2);
  EXPECT_EQ(Values<int32_t>(b.column(0)), (std::vector<int32_t>{1, -32768}));
  EXPECT_EQ(Values<int32_t>(b.column(1)), (std::vector<int32_t>{std::numeric_limits<int32_t>::min(), 0}));
  EXPECT_EQ(b.column(1).valid, (std::vector<uint8_t>{1, 0}));
  EXPECT_EQ(Values<int64_t>(b.column(2)), (std::vector<int64_t>{std::numeric_limits<int64_t>::max(), -1}));
  EXPECT_EQ(Values<float>(b.column(3)), (std::vector<float>{1.5f, 0.0f}));
  EXPECT_EQ(b.column(3).valid, (std::vector<uint8_t>{1, 0}));
  EXPECT_EQ(Values<double>(b.column(4)),
            (std::vector<double>{-0.1, std::numeric_limits<double>::infinity()}));
  EXPECT_EQ(b.column(5).fixed, (std::vector<uint8_t>{1, 0}));
  EXPECT_EQ(b.column(5).valid, (std::vector<uint8_t>{1, 1}));
}

TEST(CopyDecoder, DecodesTextByteaJsonbAndUuid) {
  std::vector<ColumnPlan> plans = {Plan("t", WireReader::kBytes), Plan("b", WireReader::kBytes),
                                   Plan("j", WireReader::kJsonb), Plan("u", WireReader::kUuid)};
  auto d = Decode(plans, kBytesHex);
  ASSERT_TRUE(d->status.ok()) << d->status;
  ASSERT_EQ(d->batch.num_rows(), 1);
  EXPECT_EQ(Bytes(d->batch.column(0), 0), "h\xc3\xa9llo");
  EXPECT_EQ(Bytes(d->batch.column(1), 0), std::string("\x00\xff", 2));
  EXPECT_EQ(Bytes(d->batch.column(2), 0), "{\"a\": [1, null]}");
  std::vector<uint8_t> uuid = FromHex("a0eebc999c0b4ef8bb6d6bb9bd380a11");
  EXPECT_EQ(d->batch.column(3).fixed, uuid);
}

TEST(CopyDecoder, ShiftsDatesAndTimestampsToUnixEpochKeepingInfinity) {
  std::vector<ColumnPlan> plans = {Plan("d", WireReader::kDate), Plan("t", WireReader::kTime),
                                   Plan("ts", WireReader::kTimestamp), Plan("tz", WireReader::kTimestamp)};
  auto d = Decode(plans, kTimesHex);
  ASSERT_TRUE(d->status.ok()) << d->status;
  const ColumnBatch& b = d->batch;
  ASSERT_EQ(b.num_rows(), 3);
  constexpr int32_t kMax32 = std::numeric_limits<int32_t>::max();
  constexpr int32_t kMin32 = std::numeric_limits<int32_t>::min();
  constexpr int64_t kMax64 = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin64 = std::numeric_limits<int64_t>::min();
  EXPECT_EQ(Values<int32_t>(b.column(0)), (std::vector<int32_t>{1, kMax32, kMin32}));
  EXPECT_EQ(Values<int64_t>(b.column(1)), (std::vector<int64_t>{86399999999, 0, 0}));
  EXPECT_EQ(b.column(1).valid, (std::vector<uint8_t>{1, 1, 0}));
  EXPECT_EQ(Values<int64_t>(b.column(2)),
            (std::vector<int64_t>{946684801000000, kMax64, -62167219200000000}));
  EXPECT_EQ(Values<int64_t>(b.column(3)), (std::vector<int64_t>{-500000, kMin64, 2147483648000000}));
}

TEST(CopyDecoder, DecodesNumericToScaledDecimalsAndNaNToNull) {
  std::vector<ColumnPlan> plans = {Plan("n9", WireReader::kDecimal32, 9, 2),
                                   Plan("n38", WireReader::kDecimalFixed, 38, 0, 16),
                                   Plan("f38", WireReader::kDecimalFixed, 38, 37, 16)};
  auto d = Decode(plans, kNumericsHex);
  ASSERT_TRUE(d->status.ok()) << d->status;
  const ColumnBatch& b = d->batch;
  ASSERT_EQ(b.num_rows(), 4);
  EXPECT_EQ(Values<int32_t>(b.column(0)), (std::vector<int32_t>{1234567, -1, 0, 0}));
  EXPECT_EQ(b.column(0).valid, (std::vector<uint8_t>{1, 1, 0, 1}));  // NaN -> NULL
  EXPECT_EQ(d->unrepresentable, (std::vector<int64_t>{1, 0, 0}));

  __int128 big = 0;
  for (char c : std::string("12345678901234567890123456789012345678")) big = big * 10 + (c - '0');
  std::string want38 = BigEndian(Pow10(38) - 1, 16) + BigEndian(-big, 16) + BigEndian(0, 16) +
                       BigEndian(Pow10(20), 16);
  EXPECT_EQ(std::string(b.column(1).fixed.begin(), b.column(1).fixed.end()), want38);
  std::string want_frac = BigEndian(Pow10(38) - 1, 16) + BigEndian(-1, 16) + BigEndian(0, 16) +
                          BigEndian(Pow10(37), 16);
  EXPECT_EQ(std::string(b.column(2).fixed.begin(), b.column(2).fixed.end()), want_frac);
}

TEST(CopyDecoder, DecodesNumericIntoInt64) {
  std::vector<ColumnPlan> plans = {Plan("a", WireReader::kDecimal64, 18, 2),
                                   Plan("b", WireReader::kDecimalFixed, 38, 0, 16),
                                   Plan("c", WireReader::kDecimalFixed, 38, 37, 16)};
  auto d = Decode(plans, kNumericsHex);
  ASSERT_TRUE(d->status.ok()) << d->status;
  EXPECT_EQ(Values<int64_t>(d->batch.column(0)), (std::vector<int64_t>{1234567, -1, 0, 0}));
}

TEST(CopyDecoder, RejectsNumericBeyondPrecision) {
  std::vector<ColumnPlan> plans = {Plan("n", WireReader::kDecimal32, 4, 2),
                                   Plan("m", WireReader::kDecimalFixed, 38, 0, 16),
                                   Plan("f", WireReader::kDecimalFixed, 38, 37, 16)};
  auto d = Decode(plans, kNumericsHex);
  EXPECT_EQ(d->status.code(), StatusCode::kOutOfRange);
  EXPECT_EQ(d->status.message(),
            "column \"n\" of row 1: value does not fit the column's DECIMAL precision and scale");
}

TEST(CopyDecoder, RejectsNumericWithDigitsBelowScale) {
  std::vector<ColumnPlan> plans = {Plan("n", WireReader::kDecimal64, 18, 1),
                                   Plan("m", WireReader::kDecimalFixed, 38, 0, 16),
                                   Plan("f", WireReader::kDecimalFixed, 38, 37, 16)};
  auto d = Decode(plans, kNumericsHex);  // 12345.67 has two decimals
  EXPECT_EQ(d->status.code(), StatusCode::kOutOfRange);
  EXPECT_EQ(d->status.message(),
            "column \"n\" of row 1: value does not fit the column's DECIMAL precision and scale");
}

TEST(CopyDecoder, FlattensArraysIntoListsWithNullElementsAndEmptyLists) {
  std::vector<ColumnPlan> plans = {Plan("a", WireReader::kInt32, 0, 0, 0, true),
                                   Plan("t", WireReader::kBytes, 0, 0, 0, true)};
  auto d = Decode(plans, kArraysHex);
  ASSERT_TRUE(d->status.ok()) << d->status;
  const ColumnBatch& b = d->batch;
  ASSERT_EQ(b.num_rows(), 3);
  const parquet::Column& a = b.column(0);
  EXPECT_EQ(a.valid, (std::vector<uint8_t>{1, 1, 0}));
  EXPECT_EQ(a.list_offsets, (std::vector<int64_t>{0, 4, 4, 4}));
  EXPECT_EQ(a.element_valid, (std::vector<uint8_t>{1, 1, 0, 1}));
  EXPECT_EQ(Values<int32_t>(a), (std::vector<int32_t>{1, 2, 0, 4}));
  const parquet::Column& t = b.column(1);
  EXPECT_EQ(t.valid, (std::vector<uint8_t>{1, 1, 0}));
  EXPECT_EQ(t.list_offsets, (std::vector<int64_t>{0, 3, 3, 3}));
  EXPECT_EQ(t.element_valid, (std::vector<uint8_t>{1, 0, 1}));
  ASSERT_EQ(t.offsets.size(), 4u);
  EXPECT_EQ(Bytes(t, 0), "a");
  EXPECT_EQ(Bytes(t, 1), "");
  EXPECT_EQ(Bytes(t, 2), "");
}

TEST(CopyDecoder, FailsOnValueCloseTo500MB) {
  std::vector<ColumnPlan> plans = {Plan("t", WireReader::kBytes), Plan("b", WireReader::kBytes),
                                   Plan("j", WireReader::kJsonb), Plan("u", WireReader::kUuid)};
  auto d = Decode(plans, kBytesHex, /*max_value_bytes=*/4);
  EXPECT_EQ(d->status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(d->status.message(),
            "column \"t\" of row 1 holds a large object close to 500 MB (6 bytes; the limit is 4 "
            "bytes): values near or above 500 MB cannot be exported");
}

TEST(CopyDecoder, FailsOnTruncatedStreamAndWrongWidth) {
  std::vector<ColumnPlan> plans = {Plan("t", WireReader::kBytes), Plan("b", WireReader::kBytes),
                                   Plan("j", WireReader::kJsonb), Plan("u", WireReader::kUuid)};
  std::string truncated(kBytesHex, 90);  // ends inside the jsonb value
  auto d = Decode(plans, truncated.c_str());
  EXPECT_EQ(d->status.code(), StatusCode::kInternal);
  EXPECT_EQ(d->status.message(), "column \"j\" of row 1: binary COPY value is truncated");

  plans[3] = Plan("u", WireReader::kInt64);
  auto w = Decode(plans, kBytesHex);
  EXPECT_EQ(w->status.code(), StatusCode::kInternal);
  EXPECT_EQ(w->status.message(), "column \"u\" of row 1: value has the wrong length for its type");

  plans.pop_back();
  auto n = Decode(plans, kBytesHex);
  EXPECT_EQ(n->status.code(), StatusCode::kInternal);
  EXPECT_EQ(n->status.message(), "binary COPY tuple has 4 fields, expected 3");
}

// Found by fuzz/pg_copy_fuzzer: the product of three dimensions of 2^31 - 1
// overflowed int64 (undefined behaviour) before any element was read, and a
// negative dimension read as an empty list.
TEST(CopyDecoder, RejectsArrayDimensionsThatOverflowOrAreNegative) {
  std::vector<ColumnPlan> plans = {Plan("a", WireReader::kInt32, 0, 0, 0, true)};
  const std::string header = "5047434f50590aff0d0a000000000000000000";
  // int4[] with ndim 3, each dimension 2147483647, and no elements.
  auto huge = Decode(plans, (header + "000100000024000000030000000000000017" +
                             "7fffffff000000017fffffff000000017fffffff00000001ffff").c_str());
  EXPECT_EQ(huge->status.code(), StatusCode::kInternal);
  EXPECT_EQ(huge->status.message(), "column \"a\" of row 1: malformed binary array");
  // int4[] with ndim 1 and dimension -1.
  auto negative = Decode(plans, (header + "000100000014000000010000000000000017ffffffff00000001ffff").c_str());
  EXPECT_EQ(negative->status.code(), StatusCode::kInternal);
  EXPECT_EQ(negative->status.message(), "column \"a\" of row 1: malformed binary array");
  // More elements declared than the value holds.
  auto truncated = Decode(plans, (header + "000100000014000000010000000000000017" + "0000000300000001ffff").c_str());
  EXPECT_EQ(truncated->status.code(), StatusCode::kInternal);
  EXPECT_EQ(truncated->status.message(), "column \"a\" of row 1: malformed binary array");
}

TEST(CopyDecoder, RejectsStreamWithoutSignature) {
  std::vector<ColumnPlan> plans = {Plan("t", WireReader::kBytes)};
  auto d = Decode(plans, "00112233445566778899aabbccddeeff00112233");
  EXPECT_EQ(d->status.code(), StatusCode::kInternal);
  EXPECT_EQ(d->status.message(), "binary COPY stream does not start with the PGCOPY signature");
}

}  // namespace
}  // namespace dbexport::source::postgres
