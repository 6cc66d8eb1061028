// Writes one file holding every supported type (NULLs, empty strings, an
// all-NULL column, extreme integers, NaN and infinities, decimals of
// precision 1..38, dates and timestamps before 1970 and after 2262-04-11,
// LISTs with NULL lists, empty lists and NULL elements) over several row
// groups and pages, once per codec, and reads it back with DuckDB: every
// value, every column type, and the row group statistics against what
// DuckDB computes from the data itself. The file layout is checked by the
// independent decoder in layout_check.cc.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "expected_text.h"
#include "layout_check.h"
#include "parquet/file_output_stream.h"
#include "parquet/file_writer.h"
#include "support/test_env.h"

namespace dbexport::parquet {
namespace {

using dbexport::testing::DuckDbQueries;
using dbexport::testing::DuckDbQuery;
using dbexport::testing::MakeTempDir;
using dbexport::testing::QueryResult;
using namespace dbexport::parquet::testing;

using Text = std::optional<std::string>;  // nullopt: NULL

constexpr int64_t kRows = 3000;
constexpr int64_t kRowGroupRows = 1000;
constexpr int64_t kBatchRows = 700;  // batches straddle row groups and pages

// A column of the test table: its field, the type DuckDB must report, and
// a function appending row r's value and returning DuckDB's text for it.
struct TestColumn {
  Field field;
  std::string duckdb_type;
  std::function<Text(Column&, int64_t)> append;
  bool check_stats = true;
};

uint64_t Mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  return x ^ (x >> 33);
}

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
Text PutFixed(Column& c, T v, Text text) {
  c.valid.push_back(text.has_value() ? 1 : 0);
  c.AppendFixed(text.has_value() ? v : T{});
  return text;
}

Text PutBytes(Column& c, const std::string& v, Text text) {
  c.valid.push_back(text.has_value() ? 1 : 0);
  c.AppendBytes(text.has_value() ? v : std::string());
  return text;
}

Text PutFlba(Column& c, const std::string& v, int width, Text text) {
  c.valid.push_back(text.has_value() ? 1 : 0);
  c.AppendFixedBytes(text.has_value() ? v.data() : std::string(width, '\0').data(),
                     static_cast<size_t>(width));
  return text;
}

// Integer column: `specials` first, then mixed values within [lo, hi];
// every 11th generated row is NULL.
template <typename T>
TestColumn IntColumn(const std::string& name, PhysicalType type, LogicalType lt,
                     const std::string& duck, std::vector<T> specials, T lo, T hi,
                     std::function<std::string(T)> text = nullptr) {
  if (!text) text = [](T v) { return std::to_string(v); };
  return {MakeField(name, type, lt), duck, [=](Column& c, int64_t r) -> Text {
            if (r < static_cast<int64_t>(specials.size())) {
              T v = specials[static_cast<size_t>(r)];
              return PutFixed<T>(c, v, text(v));
            }
            if (r % 11 == 5) return PutFixed<T>(c, T{}, std::nullopt);
            auto span = static_cast<unsigned __int128>(static_cast<__int128>(hi) - lo) + 1;
            T v = static_cast<T>(static_cast<__int128>(lo) +
                                 static_cast<__int128>(Mix(static_cast<uint64_t>(r) * 31 + name.size()) % span));
            return PutFixed<T>(c, v, text(v));
          }};
}

template <typename T>
TestColumn FloatColumn(const std::string& name, PhysicalType type, const std::string& duck) {
  const T inf = std::numeric_limits<T>::infinity();
  std::vector<std::pair<T, std::string>> specials = {
      {T(0), "0.0"},   {-T(0), "-0.0"}, {T(1.5), "1.5"},   {T(-2.25), "-2.25"},
      {inf, "inf"},    {-inf, "-inf"},  {std::numeric_limits<T>::quiet_NaN(), "nan"},
      {std::numeric_limits<T>::max(), sizeof(T) == 4 ? "3.4028235e+38" : "1.7976931348623157e+308"},
      {std::numeric_limits<T>::denorm_min(), sizeof(T) == 4 ? "1e-45" : "5e-324"},
  };
  TestColumn col{MakeField(name, type), duck, [=](Column& c, int64_t r) -> Text {
                   if (r < static_cast<int64_t>(specials.size())) {
                     const auto& s = specials[static_cast<size_t>(r)];
                     return PutFixed<T>(c, s.first, s.second);
                   }
                   if (r % 13 == 0) return PutFixed<T>(c, T{}, std::nullopt);
                   if (r % 97 == 0) return PutFixed<T>(c, std::numeric_limits<T>::quiet_NaN(), "nan");
                   T v = static_cast<T>(static_cast<int64_t>(Mix(static_cast<uint64_t>(r)) % 20001) - 10000) / T(4);
                   return PutFixed<T>(c, v, FloatText(v));
                 }};
  col.check_stats = false;  // DuckDB's min/max order NaN last; ours skip it
  return col;
}

std::string BigEndian(__int128 v, int width) {
  std::string s(static_cast<size_t>(width), '\0');
  for (int i = width - 1; i >= 0; --i) {
    s[static_cast<size_t>(i)] = static_cast<char>(static_cast<uint8_t>(v & 0xff));
    v >>= 8;
  }
  return s;
}

__int128 FromBigEndian(const std::string& bytes) {
  unsigned __int128 u = 0;
  for (char ch : bytes) u = u << 8 | static_cast<uint8_t>(ch);
  size_t bits = 8 * bytes.size();
  if (bits < 128 && bits > 0 && (u >> (bits - 1)) != 0) u |= ~static_cast<unsigned __int128>(0) << bits;
  return static_cast<__int128>(u);
}

__int128 Pow10(int p) {
  __int128 v = 1;
  for (int i = 0; i < p; ++i) v *= 10;
  return v;
}

// DECIMAL(p, p / 2) on FIXED_LEN_BYTE_ARRAY of the minimal width.
TestColumn FlbaDecimalColumn(int p) {
  int s = p / 2;
  int w = DecimalByteWidth(p);
  __int128 max = Pow10(p) - 1;
  std::vector<__int128> specials = {max, -max, 0, 1, -1};
  return {MakeField("dec_" + std::to_string(p), PhysicalType::kFixedLenByteArray,
                    LogicalType::Decimal(p, s), w),
          "DECIMAL(" + std::to_string(p) + "," + std::to_string(s) + ")",
          [=](Column& c, int64_t r) -> Text {
            __int128 v;
            if (r < static_cast<int64_t>(specials.size())) {
              v = specials[static_cast<size_t>(r)];
            } else if (r % 17 == 3) {
              return PutFlba(c, "", w, std::nullopt);
            } else {
              unsigned __int128 u = (static_cast<unsigned __int128>(Mix(static_cast<uint64_t>(r) + 7)) << 64) |
                                    Mix(static_cast<uint64_t>(r) + p);
              v = static_cast<__int128>(u % static_cast<unsigned __int128>(max + 1));
              if (r % 2 == 1) v = -v;
            }
            return PutFlba(c, BigEndian(v, w), w, DecimalText(v, s));
          }};
}

std::string Utf8Value(int64_t r) {
  static const char* words[] = {"alpha", "béta", "γάμμα", "délta", "😀 emoji", "x", "日本語"};
  return std::string(words[r % 7]) + " " + std::to_string(r % 50);
}

// LIST column: row r cycles through NULL, [], [NULL], then 1-4 elements,
// some NULL (when the elements are nullable).
template <typename T>
TestColumn ListColumn(const std::string& name, Field element, const std::string& duck,
                      bool nullable, bool element_nullable, std::function<T(int64_t)> value,
                      std::function<std::string(T)> text, std::function<void(Column&, T)> put) {
  Field f = element;
  f.name = name;
  f.is_list = true;
  f.nullable = nullable;
  f.element_nullable = element_nullable;
  TestColumn col{f, duck, [=](Column& c, int64_t r) -> Text {
                   int kind = static_cast<int>(r % 6);
                   Text out;
                   std::vector<std::string> elems;
                   if (kind == 0 && nullable) {
                     c.valid.push_back(0);
                   } else {
                     c.valid.push_back(1);
                     int n = kind == 1 ? 0 : kind == 2 ? 1 : kind - 1;
                     for (int e = 0; e < n; ++e) {
                       bool null = element_nullable && (kind == 2 || (e == 1 && r % 4 == 1));
                       T v = value(r * 8 + e);  // a NULL element still takes a slot
                       put(c, v);
                       c.element_valid.push_back(null ? 0 : 1);
                       elems.push_back(null ? "NULL" : text(v));
                     }
                     out = ListText(elems);
                   }
                   c.list_offsets.push_back(static_cast<int64_t>(c.element_valid.size()));
                   return out;
                 }};
  col.check_stats = false;  // list statistics count elements, not rows
  return col;
}

std::vector<TestColumn> AllColumns() {
  std::vector<TestColumn> cols;
  Field id = MakeField("id", PhysicalType::kInt64);
  id.nullable = false;
  cols.push_back({id, "BIGINT", [](Column& c, int64_t r) -> Text {
                    c.AppendFixed<int64_t>(r);
                    return std::to_string(r);
                  }});
  cols.push_back({MakeField("b", PhysicalType::kBoolean), "BOOLEAN", [](Column& c, int64_t r) -> Text {
                    if (r % 3 == 0) return PutFixed<uint8_t>(c, 0, std::nullopt);
                    return PutFixed<uint8_t>(c, r % 2, r % 2 ? "true" : "false");
                  }});
  using I32 = int32_t;
  using I64 = int64_t;
  cols.push_back(IntColumn<I32>("i8", PhysicalType::kInt32, LogicalType::Int(8, true), "TINYINT",
                                {-128, 127, 0, -1}, -128, 127));
  cols.push_back(IntColumn<I32>("i16", PhysicalType::kInt32, LogicalType::Int(16, true), "SMALLINT",
                                {-32768, 32767}, -32768, 32767));
  cols.push_back(IntColumn<I32>("i32", PhysicalType::kInt32, LogicalType::Int(32, true), "INTEGER",
                                {INT32_MIN, INT32_MAX}, INT32_MIN, INT32_MAX));
  cols.push_back(IntColumn<I32>("plain_i32", PhysicalType::kInt32, LogicalType::None(), "INTEGER",
                                {INT32_MIN, INT32_MAX, 0}, -5, 5));
  cols.push_back(IntColumn<I64>("i64", PhysicalType::kInt64, LogicalType::Int(64, true), "BIGINT",
                                {INT64_MIN, INT64_MAX, 0}, INT64_MIN, INT64_MAX));
  cols.push_back(IntColumn<I64>("plain_i64", PhysicalType::kInt64, LogicalType::None(), "BIGINT",
                                {INT64_MIN, INT64_MAX}, 0, 1000000));
  cols.push_back(IntColumn<I32>("u8", PhysicalType::kInt32, LogicalType::Int(8, false), "UTINYINT",
                                {0, 255}, 0, 255));
  cols.push_back(IntColumn<I32>("u16", PhysicalType::kInt32, LogicalType::Int(16, false),
                                "USMALLINT", {0, 65535}, 0, 65535));
  cols.push_back(IntColumn<I32>("u32", PhysicalType::kInt32, LogicalType::Int(32, false),
                                "UINTEGER", {0, -1, INT32_MIN}, INT32_MIN, INT32_MAX,
                                [](I32 v) { return std::to_string(static_cast<uint32_t>(v)); }));
  cols.push_back(IntColumn<I64>("u64", PhysicalType::kInt64, LogicalType::Int(64, false), "UBIGINT",
                                {0, -1, INT64_MIN}, INT64_MIN, INT64_MAX,
                                [](I64 v) { return std::to_string(static_cast<uint64_t>(v)); }));
  cols.push_back(FloatColumn<float>("f32", PhysicalType::kFloat, "FLOAT"));
  cols.push_back(FloatColumn<double>("f64", PhysicalType::kDouble, "DOUBLE"));

  cols.push_back({MakeField("s", PhysicalType::kByteArray, LogicalType::String()), "VARCHAR",
                  [](Column& c, int64_t r) -> Text {
                    if (r == 0) return PutBytes(c, "", "");
                    if (r % 9 == 4) return PutBytes(c, "", std::nullopt);
                    return PutBytes(c, Utf8Value(r), Utf8Value(r));
                  }});
  cols.push_back({MakeField("blob", PhysicalType::kByteArray), "BLOB", [](Column& c, int64_t r) -> Text {
                    if (r % 10 == 9) return PutBytes(c, "", std::nullopt);
                    std::string v = r == 0 ? std::string("\x00\xff\"'\\a", 6)
                                           : std::string(1, static_cast<char>(r % 256)) + "z" +
                                                 std::to_string(r % 37);
                    return PutBytes(c, v, BlobText(v));
                  }});
  cols.push_back({MakeField("flba", PhysicalType::kFixedLenByteArray, LogicalType::None(), 3), "BLOB",
                  [](Column& c, int64_t r) -> Text {
                    if (r % 10 == 8) return PutFlba(c, "", 3, std::nullopt);
                    std::string v = {static_cast<char>(r % 256), static_cast<char>(255 - r % 256), 'q'};
                    return PutFlba(c, v, 3, BlobText(v));
                  }});
  cols.push_back(IntColumn<I32>("dec9", PhysicalType::kInt32, LogicalType::Decimal(9, 2),
                                "DECIMAL(9,2)", {999999999, -999999999, 0, 5}, -999999999, 999999999,
                                [](I32 v) { return DecimalText(v, 2); }));
  cols.push_back(IntColumn<I64>("dec18", PhysicalType::kInt64, LogicalType::Decimal(18, 6),
                                "DECIMAL(18,6)", {999999999999999999LL, -999999999999999999LL},
                                -999999999999999999LL, 999999999999999999LL,
                                [](I64 v) { return DecimalText(v, 6); }));
  cols.push_back(IntColumn<I32>("dec1", PhysicalType::kInt32, LogicalType::Decimal(1, 0),
                                "DECIMAL(1,0)", {9, -9}, -9, 9,
                                [](I32 v) { return DecimalText(v, 0); }));
  for (int p = 1; p <= 38; ++p) cols.push_back(FlbaDecimalColumn(p));

  const int32_t kPgMinDate = static_cast<int32_t>(DaysFromCivil(-4712, 11, 24));  // 4713-11-24 BC
  const int32_t kPgMaxDate = static_cast<int32_t>(DaysFromCivil(5874897, 12, 31));
  cols.push_back(IntColumn<I32>("date", PhysicalType::kInt32, LogicalType::Date(), "DATE",
                                {kPgMinDate, kPgMaxDate, -1, 0, -25567,
                                 static_cast<int32_t>(DaysFromCivil(2262, 4, 12)),
                                 static_cast<int32_t>(DaysFromCivil(1, 1, 1))},
                                -800000, 800000, [](I32 v) { return DateText(v); }));
  cols.push_back(IntColumn<I64>("time", PhysicalType::kInt64, LogicalType::Time(false), "TIME",
                                {0, 86400000000LL, 46862250000LL}, 0, 86400000000LL - 1,
                                [](I64 v) { return TimeText(v); }));
  cols.push_back(IntColumn<I64>("timetz", PhysicalType::kInt64, LogicalType::Time(true),
                                "TIME WITH TIME ZONE", {0, 43200000000LL}, 0, 86399999999LL,
                                [](I64 v) { return TimeText(v) + "+00"; }));
  const int64_t kMinTs = DaysFromCivil(-4712, 11, 24) * 86400000000LL;
  const int64_t kMaxTs = 9223371331200000000LL + 14454775806LL;  // 294247-01-10 04:00:54.775806
  const int64_t kAfter2262 = DaysFromCivil(2262, 4, 12) * 86400000000LL + 1;
  cols.push_back(IntColumn<I64>("ts", PhysicalType::kInt64, LogicalType::Timestamp(false),
                                "TIMESTAMP", {kMinTs, kMaxTs, kAfter2262, -1, 0, -2208988800000000LL},
                                kMinTs, kMaxTs, [](I64 v) { return TimestampText(v); }));
  cols.push_back(IntColumn<I64>("tstz", PhysicalType::kInt64, LogicalType::Timestamp(true),
                                "TIMESTAMP WITH TIME ZONE", {kAfter2262, -1},
                                -4102444800000000LL, 7258118400000000LL,
                                [](I64 v) { return TimestampText(v) + "+00"; }));
  cols.push_back({MakeField("uuid", PhysicalType::kFixedLenByteArray, LogicalType::Uuid(), 16), "UUID",
                  [](Column& c, int64_t r) -> Text {
                    if (r % 8 == 7) return PutFlba(c, "", 16, std::nullopt);
                    uint8_t b[16];
                    uint64_t hi = r == 0 ? 0 : r == 1 ? ~0ULL : Mix(static_cast<uint64_t>(r));
                    uint64_t lo = r == 0 ? 0 : r == 1 ? ~0ULL : Mix(static_cast<uint64_t>(r) + 99);
                    for (int i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(hi >> (56 - 8 * i));
                    for (int i = 0; i < 8; ++i) b[8 + i] = static_cast<uint8_t>(lo >> (56 - 8 * i));
                    return PutFlba(c, std::string(reinterpret_cast<char*>(b), 16), 16, UuidText(b));
                  }});
  cols.push_back({MakeField("json", PhysicalType::kByteArray, LogicalType::Json()), "JSON",
                  [](Column& c, int64_t r) -> Text {
                    if (r % 5 == 2) return PutBytes(c, "", std::nullopt);
                    std::string v = r % 5 == 0 ? "null" : "{\"k\": " + std::to_string(r) + ", \"s\": \"é\"}";
                    return PutBytes(c, v, v);
                  }});
  cols.push_back({MakeField("enum", PhysicalType::kByteArray, LogicalType::Enum()), "VARCHAR",
                  [](Column& c, int64_t r) -> Text {
                    static const char* kColors[] = {"red", "green", "blue"};
                    if (r % 7 == 6) return PutBytes(c, "", std::nullopt);
                    return PutBytes(c, kColors[r % 3], kColors[r % 3]);
                  }});
  cols.push_back({MakeField("all_null", PhysicalType::kByteArray, LogicalType::String()), "VARCHAR",
                  [](Column& c, int64_t) -> Text { return PutBytes(c, "", std::nullopt); }});
  cols.push_back({MakeField("all_null_i64", PhysicalType::kInt64), "BIGINT",
                  [](Column& c, int64_t) -> Text { return PutFixed<int64_t>(c, 0, std::nullopt); }});
  cols.push_back({MakeField("empty_str", PhysicalType::kByteArray, LogicalType::String()), "VARCHAR",
                  [](Column& c, int64_t) -> Text { return PutBytes(c, "", ""); }});

  auto put_i32 = [](Column& c, int32_t v) { c.AppendFixed(v); };
  cols.push_back(ListColumn<int32_t>(
      "list_i32", MakeField("", PhysicalType::kInt32), "INTEGER[]", true, true,
      [](int64_t k) { return k % 5 == 0 ? INT32_MIN : static_cast<int32_t>(Mix(static_cast<uint64_t>(k))); },
      [](int32_t v) { return std::to_string(v); }, put_i32));
  cols.push_back(ListColumn<std::string>(
      "list_str", MakeField("", PhysicalType::kByteArray, LogicalType::String()), "VARCHAR[]", true,
      true, [](int64_t k) { return "w" + std::to_string(k % 23); },
      [](std::string v) { return v; }, [](Column& c, std::string v) { c.AppendBytes(v); }));
  cols.push_back(ListColumn<int64_t>(
      "list_req", MakeField("", PhysicalType::kInt64), "BIGINT[]", false, false,
      [](int64_t k) { return k; }, [](int64_t v) { return std::to_string(v); },
      [](Column& c, int64_t v) { c.AppendFixed(v); }));
  cols.push_back(ListColumn<int32_t>(
      "list_date", MakeField("", PhysicalType::kInt32, LogicalType::Date()), "DATE[]", true, false,
      [](int64_t k) { return static_cast<int32_t>(k % 40000 - 20000); },
      [](int32_t v) { return DateText(v); }, put_i32));
  cols.push_back(ListColumn<std::string>(
      "list_dec", MakeField("", PhysicalType::kFixedLenByteArray, LogicalType::Decimal(38, 2), 16),
      "DECIMAL(38,2)[]", true, true,
      [](int64_t k) { return BigEndian((Pow10(36) + k) * (k % 2 ? -1 : 1), 16); },
      [](std::string v) { return DecimalText(FromBigEndian(v), 2); },
      [](Column& c, std::string v) { c.AppendFixedBytes(v.data(), v.size()); }));
  cols.push_back(ListColumn<uint8_t>(
      "list_bool", MakeField("", PhysicalType::kBoolean), "BOOLEAN[]", true, true,
      [](int64_t k) { return static_cast<uint8_t>(k % 3 == 0); },
      [](uint8_t v) { return std::string(v ? "true" : "false"); },
      [](Column& c, uint8_t v) { c.AppendFixed(v); }));
  return cols;
}

struct CodecCase {
  const char* name;
  Codec codec;
  int level;
};

class AllTypesTest : public ::testing::TestWithParam<CodecCase> {};

TEST_P(AllTypesTest, DuckDbReadsEveryValueTypeAndStatistic) {
  const CodecCase& cc = GetParam();
  std::vector<TestColumn> cols = AllColumns();
  Schema schema;
  for (const auto& c : cols) schema.fields.push_back(c.field);

  std::string path = MakeTempDir("parquet-all-types") + "/" + cc.name + ".parquet";
  auto sink = FileOutputStream::Open(path);
  ASSERT_TRUE(sink.ok()) << sink.status();
  WriterOptions options;
  options.codec = cc.codec;
  options.compression_level = cc.level;
  options.data_page_rows = 128;           // several pages per chunk
  options.row_group_rows = kRowGroupRows;  // three row groups
  options.dictionary_page_bytes = 2048;   // dictionaries fill up: fallback mid-chunk
  auto writer = FileWriter::Make(schema, options, sink->get());
  ASSERT_TRUE(writer.ok()) << writer.status();

  std::vector<std::vector<Text>> expected(static_cast<size_t>(kRows));
  ColumnBatch batch(schema);
  for (int64_t start = 0; start < kRows; start += kBatchRows) {
    batch.Clear();
    int64_t n = std::min(kBatchRows, kRows - start);
    for (int64_t r = start; r < start + n; ++r) {
      for (size_t c = 0; c < cols.size(); ++c) {
        expected[static_cast<size_t>(r)].push_back(cols[c].append(batch.column(static_cast<int>(c)), r));
      }
    }
    batch.set_num_rows(n);
    ASSERT_TRUE((*writer)->Append(batch).ok()) << (*writer)->Append(batch);
  }
  ASSERT_TRUE((*writer)->Close().ok());
  ASSERT_TRUE((*sink)->Close().ok());

  // The layout, read without DuckDB.
  auto layout = ReadLayout(path);
  ASSERT_TRUE(layout.ok()) << layout.status();
  EXPECT_EQ(layout->num_rows, kRows);
  EXPECT_EQ(layout->row_group_rows, (std::vector<int64_t>{1000, 1000, 1000}));
  for (const auto& rg : layout->chunks) {
    for (const auto& chunk : rg) {
      EXPECT_EQ(chunk.codec, static_cast<int64_t>(cc.codec)) << chunk.path;
      EXPECT_EQ(chunk.page_first_rows.size() >= 2, true) << chunk.path;
    }
  }

  std::string file = "'" + path + "'";
  auto results = DuckDbQueries({"SET TimeZone='UTC'", "SELECT * FROM " + file + " ORDER BY id",
                                "DESCRIBE SELECT * FROM " + file});
  ASSERT_TRUE(results.ok()) << results.status();
  const QueryResult& data = (*results)[1];
  const QueryResult& described = (*results)[2];  // type aliases such as JSON show only here
  ASSERT_EQ(data.columns.size(), cols.size());
  ASSERT_EQ(described.rows.size(), cols.size());
  for (size_t c = 0; c < cols.size(); ++c) {
    EXPECT_EQ(data.columns[c], cols[c].field.name);
    EXPECT_EQ(described.rows[c][1], cols[c].duckdb_type) << cols[c].field.name;
  }
  ASSERT_EQ(data.rows.size(), static_cast<size_t>(kRows));
  for (size_t c = 0; c < cols.size(); ++c) {
    int mismatches = 0;
    for (size_t r = 0; r < data.rows.size() && mismatches < 5; ++r) {
      if (data.rows[r][c] != expected[r][c]) {
        ++mismatches;
        ADD_FAILURE() << cols[c].field.name << " row " << r << ": DuckDB read "
                      << data.rows[r][c].value_or("NULL") << ", wrote "
                      << expected[r][c].value_or("NULL");
      }
    }
  }

  // Row group statistics as DuckDB decodes them, against DuckDB's own
  // min/max/null count over each row group's rows.
  std::vector<std::string> queries = {"SET TimeZone='UTC'"};
  std::vector<size_t> checked;
  for (size_t c = 0; c < cols.size(); ++c) {
    if (!cols[c].check_stats) continue;
    const std::string& name = cols[c].field.name;
    checked.push_back(c);
    queries.push_back("SELECT row_group_id, stats_min_value, stats_max_value, stats_null_count "
                      "FROM parquet_metadata(" + file + ") WHERE path_in_schema = '" + name +
                      "' ORDER BY row_group_id");
    queries.push_back("SELECT file_row_number // " + std::to_string(kRowGroupRows) +
                      " AS g, min(\"" + name + "\"), max(\"" + name + "\"), count(*) - count(\"" +
                      name + "\") FROM read_parquet(" + file +
                      ", file_row_number = true) GROUP BY g ORDER BY g");
  }
  auto stats = DuckDbQueries(queries);
  ASSERT_TRUE(stats.ok()) << stats.status();
  for (size_t k = 0; k < checked.size(); ++k) {
    const QueryResult& meta = (*stats)[1 + 2 * k];
    const QueryResult& actual = (*stats)[2 + 2 * k];
    const std::string& name = cols[checked[k]].field.name;
    ASSERT_EQ(meta.rows.size(), 3u) << name;
    ASSERT_EQ(actual.rows.size(), 3u) << name;
    for (size_t g = 0; g < 3; ++g) {
      EXPECT_EQ(meta.rows[g][1], actual.rows[g][1]) << name << " row group " << g << " min";
      EXPECT_EQ(meta.rows[g][2], actual.rows[g][2]) << name << " row group " << g << " max";
      EXPECT_EQ(meta.rows[g][3], actual.rows[g][3]) << name << " row group " << g << " nulls";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Codecs, AllTypesTest,
                         ::testing::Values(CodecCase{"uncompressed", Codec::kUncompressed, -1},
                                           CodecCase{"snappy", Codec::kSnappy, -1},
                                           CodecCase{"gzip", Codec::kGzip, -1},
                                           CodecCase{"gzip_isal", Codec::kGzip, 1},
                                           CodecCase{"zstd", Codec::kZstd, -1}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace dbexport::parquet
