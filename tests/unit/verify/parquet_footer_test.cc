#include <gtest/gtest.h>

#include <string>

#include "verify/verify.h"

namespace dbexport::verify {
namespace {

// A FileMetaData in Thrift compact, written by hand:
//   15 02        field 1 (i32) version = 1
//   19 1c        field 2 (list) of 1 struct:
//     48 01 61 00    field 4 (binary) name = "a", stop
//   16 54        field 3 (i64) num_rows = zigzag 84 = 42
//   00           stop
const std::string kFooter("\x15\x02\x19\x1c\x48\x01\x61\x00\x16\x54\x00", 11);

std::string ParquetFile(const std::string& footer) {
  std::string file = "PAR1";
  file += "column data";
  file += footer;
  uint32_t n = static_cast<uint32_t>(footer.size());
  for (int i = 0; i < 4; ++i) file.push_back(static_cast<char>(n >> (8 * i)));
  file += "PAR1";
  return file;
}

TEST(ParquetFooterRows, ReadsNumRowsAfterSkippingTheSchema) {
  Result<int64_t> rows = ParquetFooterRows(ParquetFile(kFooter));
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(*rows, 42);
}

TEST(ParquetFooterRows, TruncatedFileIsInvalidArgument) {
  std::string file = ParquetFile(kFooter);
  Result<int64_t> rows = ParquetFooterRows(file.substr(0, file.size() - 1));
  EXPECT_EQ(rows.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(rows.status().message(), "not a complete Parquet file: no PAR1 magic at the end (truncated?)");
}

TEST(ParquetFooterRows, FooterLongerThanTheFileIsInvalidArgument) {
  std::string file = ParquetFile(kFooter);
  file[file.size() - 8] = '\x7f';
  EXPECT_EQ(ParquetFooterRows(file).status().message(),
            "not a complete Parquet file: footer length 127 exceeds the file");
}

TEST(ParquetFooterRows, CutFooterIsInvalidArgument) {
  EXPECT_EQ(ParquetFooterRows(ParquetFile(kFooter.substr(0, 6))).status().message(),
            "not a complete Parquet file: the footer has no readable num_rows");
}

}  // namespace
}  // namespace dbexport::verify
