// FileWriter behaviour that needs no reader: argument checks with their
// exact errors, the sticky error, call order, file framing, roll-over and
// compression framing. Files are read back by DuckDB in
// tests/integration/parquet/.

#include "parquet/file_writer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "parquet/compression_internal.h"
#include "parquet/schema.h"
#include "parquet_test_util.h"

namespace dbexport::parquet {
namespace {

using testing::Hex;
using testing::MemoryOutputStream;

Schema OneColumn(PhysicalType type = PhysicalType::kInt64, LogicalType logical = {}) {
  Schema s;
  Field f;
  f.name = "x";
  f.type = type;
  f.logical = logical;
  s.fields = {f};
  return s;
}

ColumnBatch Int64Rows(const Schema& schema, int64_t first, int64_t n) {
  ColumnBatch b(schema);
  for (int64_t i = 0; i < n; ++i) b.column(0).AppendFixed<int64_t>(first + i);
  b.set_num_rows(n);
  return b;
}

void ExpectStatus(const Status& s, StatusCode code, const std::string& message) {
  EXPECT_EQ(s.code(), code) << s;
  EXPECT_EQ(s.message(), message);
}

TEST(ParquetSchema, RejectsBadFields) {
  auto check = [](PhysicalType t, LogicalType lt, int len = 0) {
    Schema s = OneColumn(t, lt);
    s.fields[0].type_length = len;
    return ValidateSchema(s);
  };
  ExpectStatus(check(PhysicalType::kInt32, LogicalType::String()), StatusCode::kInvalidArgument,
               "Parquet schema: field \"x\": STRING needs physical type BYTE_ARRAY, not INT32");
  ExpectStatus(check(PhysicalType::kInt64, LogicalType::Decimal(19, 2)),
               StatusCode::kInvalidArgument,
               "Parquet schema: field \"x\": DECIMAL(19,2) does not fit INT64 (precision <= 18)");
  ExpectStatus(check(PhysicalType::kFixedLenByteArray, LogicalType::Decimal(39, 0), 16),
               StatusCode::kInvalidArgument,
               "Parquet schema: field \"x\": DECIMAL(39,0): precision must be 1..38");
  ExpectStatus(check(PhysicalType::kFixedLenByteArray, LogicalType::Decimal(20, 0), 8),
               StatusCode::kInvalidArgument,
               "Parquet schema: field \"x\": DECIMAL(20,0) needs FIXED_LEN_BYTE_ARRAY length "
               "9..16, not 8");
  ExpectStatus(check(PhysicalType::kFixedLenByteArray, LogicalType::Uuid(), 8),
               StatusCode::kInvalidArgument,
               "Parquet schema: field \"x\": UUID needs FIXED_LEN_BYTE_ARRAY(16)");
  ExpectStatus(check(PhysicalType::kInt32, LogicalType::Int(12, true)),
               StatusCode::kInvalidArgument,
               "Parquet schema: field \"x\": INT bit width 12 is not 8, 16, 32 or 64");
  ExpectStatus(check(PhysicalType::kInt32, LogicalType::Int(64, true)),
               StatusCode::kInvalidArgument,
               "Parquet schema: field \"x\": INT(64) needs physical type INT64, not INT32");
  ExpectStatus(check(PhysicalType::kFixedLenByteArray, LogicalType::None(), 0),
               StatusCode::kInvalidArgument,
               "Parquet schema: field \"x\": FIXED_LEN_BYTE_ARRAY length 0 is outside 1..1048576");
  Schema dup = OneColumn();
  dup.fields.push_back(dup.fields[0]);
  ExpectStatus(ValidateSchema(dup), StatusCode::kInvalidArgument,
               "Parquet schema: field name \"x\" appears twice");
  ExpectStatus(ValidateSchema(Schema{}), StatusCode::kInvalidArgument, "Parquet schema: no fields");
  Schema bad_name = OneColumn();
  bad_name.fields[0].name = "caf\xe9";  // Latin-1, not UTF-8
  ExpectStatus(ValidateSchema(bad_name), StatusCode::kInvalidArgument,
               "Parquet schema: a field name is not valid UTF-8");
}

TEST(ParquetSchema, DecimalByteWidthIsMinimal) {
  // n bytes hold floor(log10(2^(8n-1) - 1)) digits.
  EXPECT_EQ(DecimalByteWidth(1), 1);
  EXPECT_EQ(DecimalByteWidth(2), 1);
  EXPECT_EQ(DecimalByteWidth(3), 2);
  EXPECT_EQ(DecimalByteWidth(9), 4);
  EXPECT_EQ(DecimalByteWidth(10), 5);
  EXPECT_EQ(DecimalByteWidth(18), 8);
  EXPECT_EQ(DecimalByteWidth(19), 9);
  EXPECT_EQ(DecimalByteWidth(38), 16);
}

TEST(ParquetFileWriter, RejectsBadOptions) {
  MemoryOutputStream out;
  WriterOptions o;
  o.data_page_rows = 0;
  ExpectStatus(FileWriter::Make(OneColumn(), o, &out).status(), StatusCode::kInvalidArgument,
               "Parquet writer options: data_page_rows 0 is outside 1..2^31-1");
  o = WriterOptions{};
  o.created_by = "dbexport";
  ExpectStatus(FileWriter::Make(OneColumn(), o, &out).status(), StatusCode::kInvalidArgument,
               "Parquet writer options: created_by \"dbexport\" does not read \"<application> "
               "version <x.y.z> (build <id>)\"");
  o = WriterOptions{};
  o.compression_level = 13;
  ExpectStatus(FileWriter::Make(OneColumn(), o, &out).status(), StatusCode::kInvalidArgument,
               "Parquet writer options: GZIP level 13 is outside 0..12");
  ExpectStatus(FileWriter::Make(OneColumn(), WriterOptions{}, nullptr).status(),
               StatusCode::kInvalidArgument, "Parquet writer: no output stream");
}

// Found by fuzz/mysql_row_fuzzer: a BYTE_ARRAY column whose values are all
// empty has no data buffer, and PLAIN encoding and the dictionary passed its
// null pointer to memcpy / memcmp (undefined behaviour, even for 0 bytes).
TEST(ParquetFileWriter, ByteArrayColumnOfEmptyValuesOnly) {
  Schema s = OneColumn(PhysicalType::kByteArray, LogicalType::String());
  for (int64_t dictionary_bytes : {int64_t{0}, int64_t{1} << 20}) {
    MemoryOutputStream out;
    WriterOptions o;
    o.dictionary_page_bytes = dictionary_bytes;
    auto w = FileWriter::Make(s, o, &out);
    ASSERT_TRUE(w.ok()) << w.status();
    ColumnBatch b(s);
    for (int i = 0; i < 3; ++i) b.column(0).AppendBytes("");
    b.set_num_rows(3);
    ASSERT_TRUE(b.column(0).data.empty());
    EXPECT_TRUE((*w)->Append(b).ok());
    EXPECT_TRUE((*w)->Close().ok());
    EXPECT_EQ((*w)->rows_written(), 3);
  }
}

TEST(ParquetFileWriter, ZeroRowFileIsMagicFooterMagic) {
  MemoryOutputStream out;
  auto w = FileWriter::Make(OneColumn(), WriterOptions{}, &out);
  ASSERT_TRUE(w.ok()) << w.status();
  ASSERT_TRUE((*w)->Close().ok());
  const auto& b = out.bytes;
  ASSERT_GT(b.size(), 12u);
  EXPECT_EQ(std::string(b.begin(), b.begin() + 4), "PAR1");
  EXPECT_EQ(std::string(b.end() - 4, b.end()), "PAR1");
  uint32_t footer = 0;
  std::memcpy(&footer, b.data() + b.size() - 8, 4);
  EXPECT_EQ(footer + 12, b.size());  // magic + footer + length + magic
  EXPECT_EQ((*w)->rows_written(), 0);
}

TEST(ParquetFileWriter, CountsRowsAndBytes) {
  MemoryOutputStream out;
  Schema s = OneColumn();
  auto w = FileWriter::Make(s, WriterOptions{}, &out);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append(Int64Rows(s, 0, 1000)).ok());
  EXPECT_EQ((*w)->rows_written(), 1000);
  EXPECT_GT((*w)->bytes_written(), 0);
  ASSERT_TRUE((*w)->Close().ok());
  EXPECT_LE(static_cast<size_t>((*w)->bytes_written()), out.bytes.size());
}

TEST(ParquetFileWriter, BadInputIsStickyAndNothingIsFinished) {
  MemoryOutputStream out;
  Schema s = OneColumn(PhysicalType::kInt32, LogicalType::Int(8, true));
  auto w = FileWriter::Make(s, WriterOptions{}, &out);
  ASSERT_TRUE(w.ok());
  ColumnBatch good(s);
  good.column(0).AppendFixed<int32_t>(1);
  good.set_num_rows(1);
  ASSERT_TRUE((*w)->Append(good).ok());
  ColumnBatch bad(s);
  bad.column(0).AppendFixed<int32_t>(5);
  bad.column(0).AppendFixed<int32_t>(-129);
  bad.set_num_rows(2);
  const std::string message =
      "column \"x\" row 2: value -129 is out of range for INT(8) [-128, 127]";
  ExpectStatus((*w)->Append(bad), StatusCode::kInvalidArgument, message);
  ExpectStatus((*w)->Append(good), StatusCode::kInvalidArgument, message);
  ExpectStatus((*w)->Close(), StatusCode::kInvalidArgument, message);
  // No footer was written: a reader finds no trailing magic.
  EXPECT_TRUE(out.bytes.size() < 4 ||
              std::string(out.bytes.end() - 4, out.bytes.end()) != "PAR1");
}

TEST(ParquetFileWriter, CallsAfterCloseFail) {
  MemoryOutputStream out;
  Schema s = OneColumn();
  auto w = FileWriter::Make(s, WriterOptions{}, &out);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Close().ok());
  ExpectStatus((*w)->Append(Int64Rows(s, 0, 1)), StatusCode::kFailedPrecondition,
               "Parquet writer: Append() after Close()");
  ExpectStatus((*w)->Close(), StatusCode::kFailedPrecondition,
               "Parquet writer: Close() called twice");
}

TEST(ParquetFileWriter, BatchWithTheWrongColumnCount) {
  MemoryOutputStream out;
  Schema s = OneColumn();
  Schema two = s;
  two.fields.push_back(s.fields[0]);
  two.fields[1].name = "y";
  auto w = FileWriter::Make(s, WriterOptions{}, &out);
  ASSERT_TRUE(w.ok());
  ColumnBatch b(two);
  ExpectStatus((*w)->Append(b), StatusCode::kInvalidArgument,
               "Parquet writer: batch has 2 columns, the schema 1");
}

TEST(ParquetFileWriter, SinkErrorsAreSticky) {
  MemoryOutputStream out(/*fail_after=*/100);
  Schema s = OneColumn();
  WriterOptions o;
  o.row_group_rows = 1000;
  auto w = FileWriter::Make(s, o, &out);
  ASSERT_TRUE(w.ok());
  Status st = (*w)->Append(Int64Rows(s, 0, 5000));
  ExpectStatus(st, StatusCode::kIoError, "writing test stream: disk full");
  ExpectStatus((*w)->Close(), StatusCode::kIoError, "writing test stream: disk full");
}

TEST(ParquetFileWriter, RollsOverPastMaxFileBytes) {
  MemoryOutputStream out;
  Schema s = OneColumn();
  WriterOptions o;
  o.codec = Codec::kUncompressed;
  o.dictionary_page_bytes = 0;
  o.row_group_rows = 10000;
  o.max_file_bytes = 200000;  // 25,000 INT64 values
  auto w = FileWriter::Make(s, o, &out);
  ASSERT_TRUE(w.ok());
  int64_t appended = 0;
  while (!(*w)->ShouldRollOver()) {
    ASSERT_TRUE((*w)->Append(Int64Rows(s, appended, 1000)).ok());
    appended += 1000;
    ASSERT_LT(appended, 100000);
  }
  EXPECT_EQ(appended, 25000);
  ASSERT_TRUE((*w)->Close().ok());
}

TEST(ParquetCompression, GzipMembersHaveThePlainHeader) {
  // DuckDB accepts only 1f 8b 08 with FLG 0 (no file name): check every
  // GZIP implementation the writer may use.
  std::string text(10000, 'a');
  for (int level : {0, 1, 2, 3, 4, 5, 9, 12}) {
    auto c = Compressor::Make(Codec::kGzip, level);
    ASSERT_TRUE(c.ok()) << c.status();
    ByteBuffer out;
    ASSERT_TRUE((*c)->Compress(reinterpret_cast<const uint8_t*>(text.data()), text.size(), &out).ok());
    ASSERT_GT(out.size(), 18u);
    EXPECT_EQ(Hex(out.data(), 4), "1f 8b 08 00") << "level " << level;
    // Trailer: CRC32 then ISIZE = 10000 = 10 27 00 00.
    EXPECT_EQ(Hex(out.data() + out.size() - 4, 4), "10 27 00 00") << "level " << level;
  }
}

TEST(ParquetCompression, UnknownLevels) {
  ExpectStatus(Compressor::Make(Codec::kZstd, 99).status(), StatusCode::kInvalidArgument,
               "Parquet writer options: ZSTD level 99 is outside 0..22");
  ExpectStatus(MakeGzipCompressor(GzipLibrary::kIsal, 4).status(), StatusCode::kInvalidArgument,
               "Parquet writer options: GZIP (ISA-L) level 4 is outside 0..3");
  auto none = Compressor::Make(Codec::kUncompressed, -1);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->get(), nullptr);
}

}  // namespace
}  // namespace dbexport::parquet
