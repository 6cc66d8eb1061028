// Byte-level tests of the level and value encodings. Expected sequences are
// derived by hand from parquet-format Encodings.md: an RLE run is
// ULEB128(count << 1) then the value in ceil(width / 8) bytes; a bit-packed
// run is ULEB128(groups << 1 | 1) then groups of 8 values packed LSB first;
// a v1 level section is prefixed by its u32 little-endian byte length.

#include "parquet/encoding_internal.h"

#include <gtest/gtest.h>

#include <vector>

#include "parquet_test_util.h"

namespace dbexport::parquet {
namespace {

using testing::Hex;

TEST(Encoding, BitWidthCoversTheMaximum) {
  EXPECT_EQ(BitWidth(0), 0);
  EXPECT_EQ(BitWidth(1), 1);
  EXPECT_EQ(BitWidth(2), 2);
  EXPECT_EQ(BitWidth(3), 2);
  EXPECT_EQ(BitWidth(4), 3);
  EXPECT_EQ(BitWidth(255), 8);
  EXPECT_EQ(BitWidth(256), 9);
  EXPECT_EQ(BitWidth(~uint64_t{0}), 64);
}

TEST(Encoding, Uleb128) {
  ByteBuffer out;
  for (uint64_t v : {0ull, 127ull, 128ull, 300ull}) AppendUleb128(v, &out);
  // 300 = 0b10_0101100: low 7 bits 0x2c | 0x80 = ac, then 02.
  EXPECT_EQ(Hex(out), "00 7f 80 01 ac 02");
}

TEST(Encoding, LongRunBecomesOneRleRun) {
  std::vector<uint8_t> v(10, 1);
  ByteBuffer out;
  AppendHybrid(v.data(), v.size(), 1, &out);
  // ULEB(10 << 1) = 14, value 01 in one byte.
  EXPECT_EQ(Hex(out), "14 01");
}

TEST(Encoding, BitPackedGroupMatchesTheSpecExample) {
  // Encodings.md: values 0..7 with bit width 3 pack to
  // 10001000 11000110 11111010 = 88 c6 fa; header ULEB(1 << 1 | 1) = 03.
  std::vector<uint32_t> v = {0, 1, 2, 3, 4, 5, 6, 7};
  ByteBuffer out;
  AppendHybrid(v.data(), v.size(), 3, &out);
  EXPECT_EQ(Hex(out), "03 88 c6 fa");
}

TEST(Encoding, LiteralsBorrowFromARunToFillTheirGroup) {
  // [1, 2, 3] then 13 x 5, width 3. The three literals take five 5s to make
  // a group of 8: 1,2,3,5,5,5,5,5 packed LSB first:
  //   byte 0: 1 | 2 << 3 | (3 << 6 & 0xff)               = 01 + 10 + c0 = d1
  //   byte 1: (3 >> 2) | 5 << 1 | 5 << 4 | (5 << 7 & 0xff) = 00 + 0a + 50 + 80 = da
  //   byte 2: (5 >> 1) | 5 << 2 | 5 << 5                  = 02 + 14 + a0 = b6
  // The 8 remaining 5s are an RLE run: ULEB(8 << 1) = 10, value 05.
  std::vector<uint32_t> v = {1, 2, 3};
  v.insert(v.end(), 13, 5);
  ByteBuffer out;
  AppendHybrid(v.data(), v.size(), 3, &out);
  EXPECT_EQ(Hex(out), "03 d1 da b6 10 05");
}

TEST(Encoding, TrailingLiteralsAreZeroPadded) {
  // Three values of width 2: one group, 1 | 2 << 2 | 3 << 4 = 39, padding 0.
  std::vector<uint32_t> v = {1, 2, 3};
  ByteBuffer out;
  AppendHybrid(v.data(), v.size(), 2, &out);
  EXPECT_EQ(Hex(out), "03 39 00");
}

TEST(Encoding, WideRleValueTakesWholeBytes) {
  // Width 9 stores the run value in 2 little-endian bytes: 300 = 2c 01.
  std::vector<uint32_t> v(8, 300);
  ByteBuffer out;
  AppendHybrid(v.data(), v.size(), 9, &out);
  EXPECT_EQ(Hex(out), "10 2c 01");
}

TEST(Encoding, LevelSectionHasALengthPrefix) {
  // Levels 1,1,1,0 at max level 1 (width 1): one bit-packed group
  // 03, 1 | 1 << 1 | 1 << 2 = 07; length 2 as u32 LE.
  std::vector<uint8_t> levels = {1, 1, 1, 0};
  ByteBuffer out;
  AppendLevels(levels.data(), levels.size(), 1, &out);
  EXPECT_EQ(Hex(out), "02 00 00 00 03 07");
}

TEST(Encoding, RepeatedLevelIsOneRun) {
  // 1000 entries of level 1: ULEB(2000) = d0 0f, value 01; length 3.
  ByteBuffer out;
  AppendRepeatedLevel(1, 1000, 1, &out);
  EXPECT_EQ(Hex(out), "03 00 00 00 d0 0f 01");
}

TEST(Encoding, ListLevelsUseTwoBitsForMaxLevelThree) {
  // Definition levels of [NULL, [], [null], [a, b]] for an optional list of
  // optional elements (parquet-notes §4): 0, 1, 2, 3, 3. Width 2, one
  // group: 0 | 1 << 2 | 2 << 4 | 3 << 6 = e4, then 3 = 03.
  std::vector<uint8_t> levels = {0, 1, 2, 3, 3};
  ByteBuffer out;
  AppendLevels(levels.data(), levels.size(), 3, &out);
  EXPECT_EQ(Hex(out), "03 00 00 00 03 e4 03");
}

TEST(Encoding, PlainBooleansPackLsbFirst) {
  // 1,0,1,1,0,0,0,0 -> 0b00001101 = 0d; the ninth value 1 -> 01.
  std::vector<uint8_t> v = {1, 0, 1, 1, 0, 0, 0, 0, 1};
  ByteBuffer out;
  AppendPlainBooleans(v.data(), v.size(), &out);
  EXPECT_EQ(Hex(out), "0d 01");
}

}  // namespace
}  // namespace dbexport::parquet
