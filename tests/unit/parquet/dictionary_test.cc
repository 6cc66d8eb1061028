// Dictionaries: indices in first-seen order, PLAIN entries (the dictionary
// page payload), the size limit that triggers the fallback to PLAIN.

#include "parquet/dictionary_internal.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "parquet_test_util.h"

namespace dbexport::parquet {
namespace {

using testing::Hex;

std::vector<uint8_t> Int64s(const std::vector<int64_t>& v) {
  std::vector<uint8_t> b(v.size() * 8);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

TEST(Dictionary, FixedIndicesInFirstSeenOrder) {
  FixedDictionary<uint64_t> d;
  auto v = Int64s({5, 7, 5, 9, 7});
  std::vector<uint32_t> idx;
  EXPECT_EQ(d.Encode(v.data(), nullptr, 5, 1 << 20, &idx), 5u);
  EXPECT_EQ(idx, (std::vector<uint32_t>{0, 1, 0, 2, 1}));
  EXPECT_EQ(d.size(), 3u);
  EXPECT_EQ(Hex(d.plain()),
            "05 00 00 00 00 00 00 00 07 00 00 00 00 00 00 00 09 00 00 00 00 00 00 00");
}

TEST(Dictionary, NullsGetNoIndex) {
  FixedDictionary<uint32_t> d;
  std::vector<uint8_t> v(12, 0);
  v[4] = 3;
  std::vector<uint8_t> valid = {0, 1, 0};
  std::vector<uint32_t> idx;
  EXPECT_EQ(d.Encode(v.data(), valid.data(), 3, 1 << 20, &idx), 3u);
  EXPECT_EQ(idx, (std::vector<uint32_t>{0}));
  EXPECT_EQ(Hex(d.plain()), "03 00 00 00");
}

TEST(Dictionary, StopsBeforePassingTheLimit) {
  // 16 bytes hold two INT64 entries; the third new value stops encoding at
  // index 3 (the repeat of 1 at index 2 still fits).
  FixedDictionary<uint64_t> d;
  auto v = Int64s({1, 2, 1, 3, 1});
  std::vector<uint32_t> idx;
  EXPECT_EQ(d.Encode(v.data(), nullptr, 5, 16, &idx), 3u);
  EXPECT_EQ(idx, (std::vector<uint32_t>{0, 1, 0}));
  EXPECT_EQ(d.size(), 2u);
}

TEST(Dictionary, GrowsPastItsInitialTable) {
  FixedDictionary<uint64_t> d;
  std::vector<int64_t> values;
  for (int64_t i = 0; i < 50000; ++i) values.push_back(i * 7919);
  for (int64_t i = 0; i < 50000; ++i) values.push_back(i * 7919);
  auto v = Int64s(values);
  std::vector<uint32_t> idx;
  EXPECT_EQ(d.Encode(v.data(), nullptr, values.size(), 1 << 30, &idx), values.size());
  ASSERT_EQ(d.size(), 50000u);
  for (size_t i = 0; i < values.size(); ++i) ASSERT_EQ(idx[i], i % 50000) << i;
}

TEST(Dictionary, ByteArrayEntriesAreLengthPrefixed) {
  BytesDictionary d(0);
  std::string data = "xyyx";
  std::vector<int64_t> offsets = {0, 1, 3, 4};
  std::vector<uint32_t> idx;
  EXPECT_EQ(d.EncodeByteArray(offsets.data(), reinterpret_cast<const uint8_t*>(data.data()), nullptr,
                              3, 1 << 20, &idx),
            3u);
  EXPECT_EQ(idx, (std::vector<uint32_t>{0, 1, 0}));
  EXPECT_EQ(Hex(d.plain()), "01 00 00 00 78 02 00 00 00 79 79");
  ByteBuffer plain;
  d.Decode(idx.data(), idx.size(), &plain);
  EXPECT_EQ(Hex(plain), "01 00 00 00 78 02 00 00 00 79 79 01 00 00 00 78");
}

TEST(Dictionary, EmptyStringIsAnEntry) {
  BytesDictionary d(0);
  std::vector<int64_t> offsets = {0, 0, 0};
  std::vector<uint32_t> idx;
  uint8_t none = 0;
  EXPECT_EQ(d.EncodeByteArray(offsets.data(), &none, nullptr, 2, 1 << 20, &idx), 2u);
  EXPECT_EQ(idx, (std::vector<uint32_t>{0, 0}));
  EXPECT_EQ(Hex(d.plain()), "00 00 00 00");
}

// Found by fuzz/mysql_row_fuzzer: a column of empty values only has no data
// buffer (a null pointer), which the second lookup passed to memcmp.
TEST(Dictionary, EmptyValuesOfAColumnWithoutData) {
  BytesDictionary d(0);
  std::vector<int64_t> offsets = {0, 0, 0, 0};
  std::vector<uint32_t> idx;
  EXPECT_EQ(d.EncodeByteArray(offsets.data(), nullptr, nullptr, 3, 1 << 20, &idx), 3u);
  EXPECT_EQ(idx, (std::vector<uint32_t>{0, 0, 0}));
  EXPECT_EQ(Hex(d.plain()), "00 00 00 00");
}

TEST(Dictionary, ByteArrayLimitCountsTheLengthPrefix) {
  BytesDictionary d(0);
  std::string data = "aabb";
  std::vector<int64_t> offsets = {0, 2, 4};
  std::vector<uint32_t> idx;
  // "aa" takes 4 + 2 = 6 bytes; "bb" would make 12 > 11.
  EXPECT_EQ(d.EncodeByteArray(offsets.data(), reinterpret_cast<const uint8_t*>(data.data()), nullptr,
                              2, 11, &idx),
            1u);
  EXPECT_EQ(d.size(), 1u);
}

TEST(Dictionary, FixedLengthEntriesAreRaw) {
  BytesDictionary d(2);
  std::vector<uint8_t> v = {1, 2, 3, 4, 1, 2};
  std::vector<uint32_t> idx;
  EXPECT_EQ(d.EncodeFixed(v.data(), nullptr, 3, 1 << 20, &idx), 3u);
  EXPECT_EQ(idx, (std::vector<uint32_t>{0, 1, 0}));
  EXPECT_EQ(Hex(d.plain()), "01 02 03 04");
}

TEST(Dictionary, ClearForgetsEntries) {
  BytesDictionary d(0);
  std::string data = "ab";
  std::vector<int64_t> offsets = {0, 1, 2};
  std::vector<uint32_t> idx;
  d.EncodeByteArray(offsets.data(), reinterpret_cast<const uint8_t*>(data.data()), nullptr, 2,
                    1 << 20, &idx);
  d.Clear();
  idx.clear();
  d.EncodeByteArray(offsets.data() + 1, reinterpret_cast<const uint8_t*>(data.data()), nullptr, 1,
                    1 << 20, &idx);
  EXPECT_EQ(idx, (std::vector<uint32_t>{0}));
  EXPECT_EQ(Hex(d.plain()), "01 00 00 00 62");
}

TEST(Dictionary, HashDependsOnEveryByteAndTheLength) {
  const uint8_t a[] = "abcdefghijklmnopqrstuvwxyz";
  EXPECT_EQ(HashBytes(a, 26), HashBytes(a, 26));
  EXPECT_NE(HashBytes(a, 26), HashBytes(a, 25));
  uint8_t b[27];
  std::memcpy(b, a, 27);
  b[13] ^= 1;
  EXPECT_NE(HashBytes(a, 26), HashBytes(b, 26));
  EXPECT_NE(HashBytes(a, 0), HashBytes(a, 1));
}

}  // namespace
}  // namespace dbexport::parquet
