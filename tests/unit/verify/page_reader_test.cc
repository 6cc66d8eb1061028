// CheckParquetPages on files the writer (src/parquet) makes in memory:
// sound files of every codec pass; damage of each kind is found and named
// with its row group, column and page. HybridDecoder on known bytes.

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <string>

#include "parquet/column_batch.h"
#include "parquet/file_writer.h"
#include "verify/hybrid_decoder_internal.h"
#include "verify/page_reader.h"

namespace dbexport::verify {
namespace {

using parquet::Codec;
using parquet::ColumnBatch;
using parquet::Field;
using parquet::LogicalType;
using parquet::PhysicalType;
using parquet::Schema;

class StringOutputStream final : public OutputStream {
 public:
  Status Write(const uint8_t* data, size_t size) override {
    bytes.append(reinterpret_cast<const char*>(data), size);
    return Status::OK();
  }
  int64_t Tell() const override { return static_cast<int64_t>(bytes.size()); }
  Status Close() override { return Status::OK(); }
  Status Abort() override { return Status::OK(); }
  std::string bytes;
};

// id int64 required, name string (few distinct: dictionary), x double with
// NULLs, flag boolean, tags LIST<int32>, uid UUID (FIXED_LEN_BYTE_ARRAY 16),
// u8 unsigned INT(8).
Schema TestSchema() {
  Schema s;
  s.fields.push_back({.name = "id", .type = PhysicalType::kInt64, .nullable = false});
  s.fields.push_back({.name = "name", .type = PhysicalType::kByteArray, .logical = LogicalType::String()});
  s.fields.push_back({.name = "x", .type = PhysicalType::kDouble});
  s.fields.push_back({.name = "flag", .type = PhysicalType::kBoolean});
  s.fields.push_back({.name = "tags", .type = PhysicalType::kInt32, .is_list = true});
  s.fields.push_back({.name = "uid", .type = PhysicalType::kFixedLenByteArray, .type_length = 16,
                      .logical = LogicalType::Uuid()});
  s.fields.push_back({.name = "u8", .type = PhysicalType::kInt32, .logical = LogicalType::Int(8, false)});
  return s;
}

std::string WriteFile(Codec codec, int64_t rows = 30000, int64_t page_rows = 20000) {
  Schema schema = TestSchema();
  StringOutputStream out;
  parquet::WriterOptions options;
  options.codec = codec;
  options.data_page_rows = page_rows;
  options.row_group_rows = 25000;
  auto writer = parquet::FileWriter::Make(schema, options, &out);
  EXPECT_TRUE(writer.ok()) << writer.status();
  ColumnBatch b(schema);
  for (int64_t i = 0; i < rows; ++i) {
    b.column(0).AppendFixed<int64_t>(i * 3 - 1000);
    // Dense values: a NULL still takes a slot (column_batch.h).
    b.column(1).valid.push_back(i % 11 != 0);
    b.column(1).AppendBytes(i % 11 != 0 ? "name-" + std::to_string(i % 13) : "");
    b.column(2).valid.push_back(i % 5 != 0);
    b.column(2).AppendFixed<double>(i % 5 == 0 ? 0.0 : i % 7 == 0 ? NAN : static_cast<double>(i) / 8);
    b.column(3).valid.push_back(1);
    b.column(3).AppendFixed<uint8_t>(i % 3 == 0);
    b.column(4).valid.push_back(i % 9 != 0);
    for (int64_t e = 0; i % 9 != 0 && e < i % 4; ++e) {
      b.column(4).AppendFixed<int32_t>(e == 2 ? 0 : static_cast<int32_t>(i + e));
      b.column(4).element_valid.push_back(e != 2);
    }
    b.column(4).list_offsets.push_back(static_cast<int64_t>(b.column(4).element_valid.size()));
    b.column(5).valid.push_back(1);
    uint8_t uid[16] = {};
    std::memcpy(uid, &i, sizeof i);
    b.column(5).AppendFixedBytes(uid, 16);
    b.column(6).valid.push_back(1);
    b.column(6).AppendFixed<int32_t>(static_cast<int32_t>(i % 250));
  }
  b.set_num_rows(rows);
  Status appended = (*writer)->Append(b);
  EXPECT_TRUE(appended.ok()) << appended;
  Status closed = (*writer)->Close();
  EXPECT_TRUE(closed.ok()) << closed;
  return out.bytes;
}

// Rewrites the varint of field `field` (an i32) of the page header at
// `header_at` with `value`, in as many bytes as before (padding with
// continuation bits), so nothing after it moves.
void PatchPageHeaderI32(std::string* file, size_t header_at, int field, int32_t value) {
  size_t pos = header_at;
  int id = 0;
  for (;;) {
    uint8_t header = static_cast<uint8_t>((*file)[pos++]);
    ASSERT_EQ(header & 0x0f, 5) << "expected an i32 field";  // fields 1-3 are i32s
    id += header >> 4;
    size_t start = pos;
    while (static_cast<uint8_t>((*file)[pos]) & 0x80) ++pos;
    ++pos;
    if (id != field) continue;
    uint64_t zz = (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 31);
    for (size_t i = start; i < pos; ++i) {
      uint8_t b = static_cast<uint8_t>(zz & 0x7f);
      zz >>= 7;
      if (i + 1 < pos) b |= 0x80;
      (*file)[i] = static_cast<char>(b);
    }
    ASSERT_EQ(zz, 0u) << "value does not fit the varint's bytes";
    return;
  }
}

// The i32 field `field` of the page header at `header_at`.
int32_t PageHeaderI32(const std::string& file, size_t header_at, int field) {
  size_t pos = header_at;
  int id = 0;
  for (;;) {
    uint8_t header = static_cast<uint8_t>(file[pos++]);
    id += header >> 4;
    uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      uint8_t b = static_cast<uint8_t>(file[pos++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) break;
    }
    if (id == field) return static_cast<int32_t>((v >> 1) ^ (~(v & 1) + 1));
  }
}

TEST(CheckParquetPages, SoundFilesOfEveryCodecPass) {
  for (Codec codec : {Codec::kGzip, Codec::kZstd, Codec::kSnappy, Codec::kUncompressed}) {
    std::string file = WriteFile(codec);
    PageCheckResult r = CheckParquetPages(file);
    EXPECT_EQ(r.problem, "") << "codec " << static_cast<int>(codec);
    EXPECT_EQ(r.stats.row_groups, 2);
    EXPECT_EQ(r.stats.column_chunks, 14);
    // 7 columns x 2 row groups, at least one page each, dictionaries more.
    EXPECT_GT(r.stats.pages, 14);
    // Flat columns: one level per row; the LIST column more.
    EXPECT_GT(r.stats.values, 6 * 30000);
    EXPECT_GT(r.stats.bytes_decompressed, 0);
  }
}

TEST(CheckParquetPages, ReadsOnlyTheFooterAndTheChunks) {
  std::string file = WriteFile(Codec::kGzip);
  int64_t largest = 0;
  ReadRangeFn read = [&](int64_t offset, int64_t length) -> Result<std::string> {
    largest = std::max(largest, length);
    return file.substr(static_cast<size_t>(offset), static_cast<size_t>(length));
  };
  Result<PageCheckResult> r = CheckParquetPages(static_cast<int64_t>(file.size()), read);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->problem, "");
  EXPECT_LT(largest, static_cast<int64_t>(file.size()) / 2) << "one read per column chunk, not the whole file";
  EXPECT_LE(r->stats.bytes_read, static_cast<int64_t>(file.size()));
}

TEST(CheckParquetPages, ReadErrorIsReturnedNotAProblem) {
  std::string file = WriteFile(Codec::kGzip, 100);
  ReadRangeFn read = [](int64_t, int64_t) -> Result<std::string> { return IoError("disk on fire"); };
  Result<PageCheckResult> r = CheckParquetPages(static_cast<int64_t>(file.size()), read);
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
}

TEST(CheckParquetPages, CorruptGzipPageIsNamed) {
  std::string file = WriteFile(Codec::kGzip);
  // The first page of the first column starts at byte 4; its header is a
  // few dozen bytes, the GZIP stream follows.
  const int32_t compressed = PageHeaderI32(file, 4, 3);
  ASSERT_GT(compressed, 200);
  file[4 + 40 + compressed / 2] ^= 0x55;
  PageCheckResult r = CheckParquetPages(file);
  EXPECT_EQ(r.problem.rfind("row group 0, column id, page 0 at byte 4: GZIP data", 0), 0u) << r.problem;
}

TEST(CheckParquetPages, TruncatedCompressedPageIsNamed) {
  std::string file = WriteFile(Codec::kZstd);
  const int32_t compressed = PageHeaderI32(file, 4, 3);
  PatchPageHeaderI32(&file, 4, 3, compressed - 7);
  PageCheckResult r = CheckParquetPages(file);
  EXPECT_EQ(r.problem.rfind("row group 0, column id, page 0 at byte 4: ZSTD data is corrupt", 0), 0u) << r.problem;
}

TEST(CheckParquetPages, WrongUncompressedSizeIsNamed) {
  std::string file = WriteFile(Codec::kSnappy);
  const int32_t uncompressed = PageHeaderI32(file, 4, 2);
  PatchPageHeaderI32(&file, 4, 2, uncompressed + 1);
  PageCheckResult r = CheckParquetPages(file);
  EXPECT_EQ(r.problem, "row group 0, column id, page 0 at byte 4: SNAPPY data decompresses to " +
                           std::to_string(uncompressed) + " bytes, the header says " +
                           std::to_string(uncompressed + 1));
}

TEST(CheckParquetPages, ValueOutsideTheStatisticsIsFound) {
  // Uncompressed PLAIN int64s: make one of them far larger than max.
  std::string file = WriteFile(Codec::kUncompressed, 1000);
  int64_t v = 500 * 3 - 1000;
  size_t at = file.find(std::string(reinterpret_cast<const char*>(&v), 8));
  ASSERT_NE(at, std::string::npos);
  file[at + 6] = 0x7f;
  PageCheckResult r = CheckParquetPages(file);
  EXPECT_EQ(r.problem, "row group 0, column id: a value is above the statistics' max_value");
}

TEST(CheckParquetPages, PageCountThatDisagreesWithTheChunkIsFound) {
  std::string file = WriteFile(Codec::kUncompressed, 1000);
  // Data page header: field 5 DataPageHeader { 1: num_values }. The
  // header's fields 1-3 are i32s; field 5 follows as a struct: patch its
  // first varint by hand.
  size_t pos = 4;
  for (int f = 0; f < 3; ++f) {
    ++pos;
    while (static_cast<uint8_t>(file[pos]) & 0x80) ++pos;
    ++pos;
  }
  ASSERT_EQ(static_cast<uint8_t>(file[pos]), 0x2c) << "field 5, a struct";
  ASSERT_EQ(static_cast<uint8_t>(file[pos + 1]), 0x15) << "its field 1, an i32";
  // 1000 values: zigzag 2000 = d0 0f; 999: ce 0f.
  ASSERT_EQ(static_cast<uint8_t>(file[pos + 2]), 0xd0);
  file[pos + 2] = static_cast<char>(0xce);
  PageCheckResult r = CheckParquetPages(file);
  EXPECT_EQ(r.problem.rfind("row group 0, column id, page 0 at byte 4: PLAIN values: 999 values of 8 bytes leave 8 bytes", 0),
            0u)
      << r.problem;
}

TEST(CheckParquetPages, PageLargerThanTheLimitIsAProblemNotAnAllocation) {
  std::string file = WriteFile(Codec::kGzip, 1000);
  PageCheckLimits limits;
  limits.max_page_bytes = 1000;
  PageCheckResult r = CheckParquetPages(file, limits);
  EXPECT_NE(r.problem.find("exceeds the limit of 1000"), std::string::npos) << r.problem;
}

TEST(CheckParquetPages, NotParquetAndTruncatedFiles) {
  EXPECT_EQ(CheckParquetPages("hello").problem, "shorter than a Parquet header and trailer");
  EXPECT_EQ(CheckParquetPages("PAR1 this is not parquet at all").problem, "no PAR1 magic at the end (truncated?)");
  std::string file = WriteFile(Codec::kGzip, 1000);
  EXPECT_EQ(CheckParquetPages(file.substr(0, file.size() - 1)).problem, "no PAR1 magic at the end (truncated?)");
  // Cut out of the middle, keeping the trailer: the footer no longer parses.
  std::string cut = file.substr(0, file.size() / 2) + file.substr(file.size() - 40);
  EXPECT_NE(CheckParquetPages(cut).problem, "");
}

TEST(HybridDecoder, RleAndBitPackedRuns) {
  // RLE run: header 3 << 1 = 6, value 2 (width 2: one byte); then a
  // bit-packed run of one group (header 1 << 1 | 1 = 3) of 8 2-bit values
  // 0,1,2,3,0,1,2,3 = bytes e4 e4.
  const uint8_t bytes[] = {0x06, 0x02, 0x03, 0xe4, 0xe4};
  HybridDecoder d(bytes, sizeof bytes, 2);
  std::string seen, why;
  ASSERT_TRUE(d.Decode(
      11,
      [&](uint64_t v, uint64_t n) {
        seen += std::to_string(v) + "x" + std::to_string(n) + " ";
        return true;
      },
      &why))
      << why;
  EXPECT_EQ(seen, "2x3 0x1 1x1 2x1 3x1 0x1 1x1 2x1 3x1 ");
  EXPECT_EQ(d.consumed(), sizeof bytes);
}

TEST(HybridDecoder, HugeRleRunIsOneCall) {
  // count 2^40: header varint of 2^41.
  const uint8_t bytes[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x40, 0x01};
  HybridDecoder d(bytes, sizeof bytes, 1);
  int calls = 0;
  std::string why;
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(d.Decode(uint64_t{1} << 40, [&](uint64_t, uint64_t) { return ++calls, true; }, &why)) << why;
  EXPECT_EQ(calls, 1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(HybridDecoder, MalformedRunsFail) {
  std::string why;
  auto any = [](uint64_t, uint64_t) { return true; };
  const uint8_t wide[] = {0x02, 0x04};  // RLE value 4 in 2 bits
  EXPECT_FALSE(HybridDecoder(wide, 2, 2).Decode(1, any, &why));
  EXPECT_EQ(why, "an RLE run's value is wider than its bit width");
  const uint8_t past[] = {0x05, 0xff};  // 2 bit-packed groups of width 1: 2 bytes, 1 there
  EXPECT_FALSE(HybridDecoder(past, 2, 1).Decode(16, any, &why));
  EXPECT_EQ(why, "a bit-packed run runs past the section");
  const uint8_t short_section[] = {0x04, 0x01};  // 2 values, 3 asked
  EXPECT_FALSE(HybridDecoder(short_section, 2, 1).Decode(3, any, &why));
  EXPECT_EQ(why, "a run header runs past the section");
  const uint8_t zero[] = {0x00};
  EXPECT_FALSE(HybridDecoder(zero, 1, 1).Decode(1, any, &why));
  EXPECT_EQ(why, "an RLE run of 0 values");
}

}  // namespace
}  // namespace dbexport::verify
