// Statistics: sort orders, NaN and signed-zero rules, PLAIN widths and
// truncation (parquet-notes §7). Encoded values are little-endian PLAIN
// bytes without a length prefix.

#include "parquet/statistics_internal.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "parquet_test_util.h"

namespace dbexport::parquet {
namespace {

using testing::Hex;

template <typename T>
std::vector<uint8_t> Bytes(const std::vector<T>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(T));
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

struct Strings {
  std::vector<int64_t> offsets{0};
  std::string data;
  explicit Strings(const std::vector<std::string>& values) {
    for (const auto& s : values) {
      data += s;
      offsets.push_back(static_cast<int64_t>(data.size()));
    }
  }
  const uint8_t* bytes() const { return reinterpret_cast<const uint8_t*>(data.data()); }
};

TEST(Statistics, SignedInt32) {
  Statistics s(StatsKind::kInt32);
  auto v = Bytes<int32_t>({5, -3, 7});
  s.UpdateFixed(v.data(), nullptr, 3);
  EncodedStats e = s.Encode(64);
  EXPECT_TRUE(e.has_min_max);
  EXPECT_TRUE(e.signed_order);
  EXPECT_EQ(Hex(e.min), "fd ff ff ff");  // -3, 4 bytes LE
  EXPECT_EQ(Hex(e.max), "07 00 00 00");
  EXPECT_FALSE(e.has_nan_count);
}

TEST(Statistics, UnsignedOrderForUnsignedInts) {
  // 0xffffffff is -1 as int32 but the largest UINT_32.
  Statistics s(StatsKind::kUInt32);
  auto v = Bytes<int32_t>({1, -1, 7});
  s.UpdateFixed(v.data(), nullptr, 3);
  EncodedStats e = s.Encode(64);
  EXPECT_FALSE(e.signed_order);
  EXPECT_EQ(Hex(e.min), "01 00 00 00");
  EXPECT_EQ(Hex(e.max), "ff ff ff ff");
}

TEST(Statistics, NullsAreSkippedAndCounted) {
  Statistics s(StatsKind::kInt64);
  auto v = Bytes<int64_t>({0, 9, 0, 4});  // NULL slots hold zeros
  std::vector<uint8_t> valid = {0, 1, 0, 1};
  s.UpdateFixed(v.data(), valid.data(), 4);
  s.AddNulls(2);
  EncodedStats e = s.Encode(64);
  EXPECT_EQ(e.null_count, 2);
  EXPECT_EQ(Hex(e.min), "04 00 00 00 00 00 00 00");
  EXPECT_EQ(Hex(e.max), "09 00 00 00 00 00 00 00");
}

TEST(Statistics, AllNullHasNoMinMax) {
  Statistics s(StatsKind::kInt64);
  auto v = Bytes<int64_t>({0, 0});
  std::vector<uint8_t> valid = {0, 0};
  s.UpdateFixed(v.data(), valid.data(), 2);
  s.AddNulls(2);
  EncodedStats e = s.Encode(64);
  EXPECT_FALSE(e.has_min_max);
  EXPECT_EQ(e.null_count, 2);
}

TEST(Statistics, BooleanIsOneByte) {
  Statistics s(StatsKind::kBoolean);
  std::vector<uint8_t> v = {1, 1, 0};
  s.UpdateFixed(v.data(), nullptr, 3);
  EncodedStats e = s.Encode(64);
  EXPECT_EQ(Hex(e.min), "00");
  EXPECT_EQ(Hex(e.max), "01");
  EXPECT_FALSE(e.signed_order);
}

TEST(Statistics, FloatSkipsNanAndWritesSignedZeros) {
  Statistics s(StatsKind::kFloat);
  float nan = std::numeric_limits<float>::quiet_NaN();
  auto v = Bytes<float>({nan, 0.0f, 2.5f, -0.0f, nan});
  s.UpdateFixed(v.data(), nullptr, 5);
  EncodedStats e = s.Encode(64);
  EXPECT_TRUE(e.has_nan_count);
  EXPECT_EQ(e.nan_count, 2);
  EXPECT_EQ(Hex(e.min), "00 00 00 80");  // -0.0f
  EXPECT_EQ(Hex(e.max), "00 00 20 40");  // 2.5f
}

TEST(Statistics, ZeroMaxIsPositiveZero) {
  Statistics s(StatsKind::kDouble);
  auto v = Bytes<double>({-0.0, -1.0});
  s.UpdateFixed(v.data(), nullptr, 2);
  EncodedStats e = s.Encode(64);
  EXPECT_EQ(Hex(e.min), "00 00 00 00 00 00 f0 bf");  // -1.0
  EXPECT_EQ(Hex(e.max), "00 00 00 00 00 00 00 00");  // +0.0
}

TEST(Statistics, AllNanHasNoMinMax) {
  Statistics s(StatsKind::kDouble);
  auto v = Bytes<double>({std::nan(""), std::nan("")});
  s.UpdateFixed(v.data(), nullptr, 2);
  EncodedStats e = s.Encode(64);
  EXPECT_FALSE(e.has_min_max);
  EXPECT_EQ(e.nan_count, 2);
}

TEST(Statistics, InfinitiesAreOrdinaryValues) {
  Statistics s(StatsKind::kDouble);
  double inf = std::numeric_limits<double>::infinity();
  auto v = Bytes<double>({1.0, -inf, inf});
  s.UpdateFixed(v.data(), nullptr, 3);
  EncodedStats e = s.Encode(64);
  EXPECT_EQ(Hex(e.min), "00 00 00 00 00 00 f0 ff");
  EXPECT_EQ(Hex(e.max), "00 00 00 00 00 00 f0 7f");
}

TEST(Statistics, ByteArraysCompareUnsigned) {
  // Signed bytes would put "a\xff" first; unsigned puts "ab" first.
  Strings s({"b", "a\xff", "ab"});
  Statistics st(StatsKind::kBinary);
  st.UpdateByteArray(s.offsets.data(), s.bytes(), nullptr, 3);
  EncodedStats e = st.Encode(64);
  EXPECT_EQ(e.min, "ab");
  EXPECT_EQ(e.max, "b");
  EXPECT_FALSE(e.signed_order);
  EXPECT_TRUE(e.min_exact);
  EXPECT_TRUE(e.max_exact);
}

TEST(Statistics, EmptyStringIsTheMinimum) {
  Strings s({"x", ""});
  Statistics st(StatsKind::kUtf8);
  st.UpdateByteArray(s.offsets.data(), s.bytes(), nullptr, 2);
  EncodedStats e = st.Encode(64);
  EXPECT_TRUE(e.has_min_max);
  EXPECT_EQ(e.min, "");
  EXPECT_EQ(e.max, "x");
}

TEST(Statistics, LongStringsAreTruncatedAndMarkedInexact) {
  std::string a(70, 'a');
  Strings s({a});
  Statistics st(StatsKind::kBinary);
  st.UpdateByteArray(s.offsets.data(), s.bytes(), nullptr, 1);
  EncodedStats e = st.Encode(64);
  EXPECT_EQ(e.min, std::string(64, 'a'));
  EXPECT_EQ(e.max, std::string(63, 'a') + "b");
  EXPECT_FALSE(e.min_exact);
  EXPECT_FALSE(e.max_exact);
}

TEST(Statistics, Utf8TruncationKeepsWholeCodePoints) {
  // 63 'a' then "é" (c3 a9): byte 64 is inside é, so the prefix stops at 63.
  std::string v = std::string(63, 'a') + "\xc3\xa9" + "zzz";
  std::string out;
  ASSERT_TRUE(TruncateMin(v, 64, true, &out));
  EXPECT_EQ(out, std::string(63, 'a'));
  ASSERT_TRUE(TruncateMax(v, 64, true, &out));
  EXPECT_EQ(out, std::string(62, 'a') + "b");
  // Ending in é: é (U+00E9) + 1 = ê (c3 aa).
  v = "\xc3\xa9\xc3\xa9xyz";
  ASSERT_TRUE(TruncateMax(v, 4, true, &out));
  EXPECT_EQ(Hex(out), "c3 a9 c3 aa");
}

TEST(Statistics, TruncatedMaxCarriesPastTheLargestValues) {
  std::string out;
  // Binary: ff cannot grow, drop it and increment the byte before.
  ASSERT_TRUE(TruncateMax("a\xff\xff" "b", 3, false, &out));
  EXPECT_EQ(out, "b");
  EXPECT_FALSE(TruncateMax("\xff\xff\xff", 2, false, &out));
  // UTF-8: U+10FFFF (f4 8f bf bf) has no successor; U+D7FF skips the
  // surrogates to U+E000 (ee 80 80).
  ASSERT_TRUE(TruncateMax("a\xf4\x8f\xbf\xbfz", 5, true, &out));
  EXPECT_EQ(out, "b");
  ASSERT_TRUE(TruncateMax("\xed\x9f\xbfz", 3, true, &out));
  EXPECT_EQ(Hex(out), "ee 80 80");
}

TEST(Statistics, UntruncatableMaxDropsMinMax) {
  std::string v(80, '\xff');
  Strings s({v});
  Statistics st(StatsKind::kBinary);
  st.UpdateByteArray(s.offsets.data(), s.bytes(), nullptr, 1);
  EncodedStats e = st.Encode(64);
  EXPECT_FALSE(e.has_min_max);
}

TEST(Statistics, DecimalFlbaComparesSigned) {
  // Big-endian two's complement, width 2: -1 = ff ff, 1 = 00 01, -256 = ff 00.
  std::vector<uint8_t> v = {0xff, 0xff, 0x00, 0x01, 0xff, 0x00};
  Statistics st(StatsKind::kDecimalFlba);
  st.UpdateFlba(v.data(), 2, nullptr, 3);
  EncodedStats e = st.Encode(64);
  EXPECT_TRUE(e.signed_order);
  EXPECT_EQ(Hex(e.min), "ff 00");
  EXPECT_EQ(Hex(e.max), "00 01");
}

TEST(Statistics, UuidComparesUnsigned) {
  std::vector<uint8_t> v(32, 0);
  v[0] = 0x80;  // first UUID starts with 80: larger unsigned
  Statistics st(StatsKind::kBinary);
  st.UpdateFlba(v.data(), 16, nullptr, 2);
  EncodedStats e = st.Encode(64);
  EXPECT_EQ(static_cast<uint8_t>(e.min[0]), 0x00);
  EXPECT_EQ(static_cast<uint8_t>(e.max[0]), 0x80);
}

TEST(Statistics, MergeCombinesPages) {
  Statistics a(StatsKind::kInt32), b(StatsKind::kInt32);
  auto v1 = Bytes<int32_t>({3, 4});
  auto v2 = Bytes<int32_t>({-8, 1});
  a.UpdateFixed(v1.data(), nullptr, 2);
  a.AddNulls(1);
  b.UpdateFixed(v2.data(), nullptr, 2);
  b.AddNulls(2);
  a.Merge(b);
  EncodedStats e = a.Encode(64);
  EXPECT_EQ(e.null_count, 3);
  EXPECT_EQ(Hex(e.min), "f8 ff ff ff");
  EXPECT_EQ(Hex(e.max), "04 00 00 00");
}

TEST(Statistics, CompareEncodedFollowsTheSortOrder) {
  auto i32 = [](int32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); };
  EXPECT_LT(CompareEncoded(StatsKind::kInt32, i32(-1), i32(1)), 0);
  EXPECT_GT(CompareEncoded(StatsKind::kUInt32, i32(-1), i32(1)), 0);
  using std::string_view;
  EXPECT_LT(CompareEncoded(StatsKind::kDecimalFlba, string_view("\xff\x00", 2),
                           string_view("\x00\x01", 2)),
            0);
  EXPECT_GT(CompareEncoded(StatsKind::kBinary, "\xff", "a"), 0);
  EXPECT_EQ(CompareEncoded(StatsKind::kUtf8, "a", "a"), 0);
}

TEST(Statistics, KindFollowsTheLogicalType) {
  Field f;
  f.type = PhysicalType::kInt32;
  f.logical = LogicalType::Int(16, false);
  EXPECT_EQ(StatsKindFor(f), StatsKind::kUInt32);
  f.logical = LogicalType::Date();
  EXPECT_EQ(StatsKindFor(f), StatsKind::kInt32);
  f.type = PhysicalType::kFixedLenByteArray;
  f.type_length = 16;
  f.logical = LogicalType::Decimal(38, 2);
  EXPECT_EQ(StatsKindFor(f), StatsKind::kDecimalFlba);
  f.logical = LogicalType::Uuid();
  EXPECT_EQ(StatsKindFor(f), StatsKind::kBinary);
  f.type = PhysicalType::kByteArray;
  f.type_length = 0;
  f.logical = LogicalType::Json();
  EXPECT_EQ(StatsKindFor(f), StatsKind::kUtf8);
}

}  // namespace
}  // namespace dbexport::parquet
