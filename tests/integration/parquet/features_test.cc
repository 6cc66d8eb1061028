// Writer features read back by DuckDB and the layout decoder: dictionary
// fallback, the dictionary-or-PLAIN choice, strings over 1 MiB, zero-row
// files, row groups cut by rows and bytes, statistics DuckDB uses to skip
// row groups, page index boundary orders, required columns.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

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
using testing::FileLayout;
using testing::ReadLayout;

Field MakeField(const std::string& name, PhysicalType type, LogicalType logical = {}) {
  Field f;
  f.name = name;
  f.type = type;
  f.logical = logical;
  return f;
}

// Writes `batches` (built by `fill(batch, index)`) to a new file.
template <typename Fill>
std::string WriteFile(const std::string& name, const Schema& schema, const WriterOptions& options,
                      int batches, Fill fill) {
  std::string path = MakeTempDir("parquet-features") + "/" + name + ".parquet";
  auto sink = FileOutputStream::Open(path);
  EXPECT_TRUE(sink.ok()) << sink.status();
  auto writer = FileWriter::Make(schema, options, sink->get());
  EXPECT_TRUE(writer.ok()) << writer.status();
  ColumnBatch batch(schema);
  for (int i = 0; i < batches; ++i) {
    batch.Clear();
    fill(batch, i);
    Status st = (*writer)->Append(batch);
    EXPECT_TRUE(st.ok()) << st;
  }
  Status st = (*writer)->Close();
  EXPECT_TRUE(st.ok()) << st;
  EXPECT_TRUE((*sink)->Close().ok());
  return path;
}

std::string Q(const std::string& path) { return "'" + path + "'"; }

std::string One(const std::string& sql) {
  auto r = DuckDbQuery(sql);
  EXPECT_TRUE(r.ok()) << r.status();
  if (!r.ok() || r->rows.empty() || r->rows[0].empty()) return "<none>";
  return r->rows[0][0].value_or("NULL");
}

TEST(ParquetFeatures, DictionaryFallsBackToPlainMidChunk) {
  // 2,000 rows of 10 repeating strings, then 20,000 distinct ones: the
  // dictionary fills past 64 KiB and the chunk continues in PLAIN.
  Schema schema;
  schema.fields = {MakeField("id", PhysicalType::kInt64),
                   MakeField("s", PhysicalType::kByteArray, LogicalType::String()),
                   MakeField("n", PhysicalType::kInt64)};
  WriterOptions o;
  o.dictionary_page_bytes = 64 << 10;
  o.data_page_rows = 1000;
  std::string path = WriteFile("fallback", schema, o, 22, [](ColumnBatch& b, int i) {
    for (int64_t r = i * 1000; r < (i + 1) * 1000; ++r) {
      b.column(0).AppendFixed<int64_t>(r);
      b.column(1).AppendBytes(r < 2000 ? "repeat-" + std::to_string(r % 10)
                                       : "distinct-value-" + std::to_string(r));
      b.column(2).AppendFixed<int64_t>(r < 2000 ? r % 10 : r * 7919);
    }
    b.set_num_rows(1000);
  });
  auto layout = ReadLayout(path);
  ASSERT_TRUE(layout.ok()) << layout.status();
  ASSERT_EQ(layout->chunks.size(), 1u);
  for (int c : {1, 2}) {
    const auto& chunk = layout->chunks[0][static_cast<size_t>(c)];
    EXPECT_EQ(chunk.dictionary_pages, 1) << chunk.path;
    EXPECT_GE(chunk.dictionary_coded_pages, 2) << chunk.path;
    EXPECT_GE(chunk.plain_pages, 1) << chunk.path;
  }
  // Every value, compared inside DuckDB against the generating expression.
  EXPECT_EQ(One("SELECT count(*) FROM " + Q(path) +
                " WHERE s = CASE WHEN id < 2000 THEN 'repeat-' || (id % 10) "
                "ELSE 'distinct-value-' || id END AND n = CASE WHEN id < 2000 THEN id % 10 "
                "ELSE id * 7919 END"),
            "22000");
}

TEST(ParquetFeatures, ChoosesPlainForSortedKeysAndDictionaryForRepeats) {
  // A sorted unique key compresses better PLAIN than as dictionary indices;
  // a column of 7 values is dictionary-encoded.
  Schema schema;
  schema.fields = {MakeField("key", PhysicalType::kInt64),
                   MakeField("mode", PhysicalType::kByteArray, LogicalType::String())};
  std::string path = WriteFile("choice", schema, WriterOptions{}, 10, [](ColumnBatch& b, int i) {
    static const char* kModes[] = {"AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB", "REG AIR"};
    for (int64_t r = i * 10000; r < (i + 1) * 10000; ++r) {
      b.column(0).AppendFixed<int64_t>(r * 4);
      b.column(1).AppendBytes(kModes[(r * 2654435761u) % 7]);
    }
    b.set_num_rows(10000);
  });
  auto layout = ReadLayout(path);
  ASSERT_TRUE(layout.ok()) << layout.status();
  const auto& key = layout->chunks[0][0];
  EXPECT_EQ(key.dictionary_pages, 0);
  EXPECT_EQ(key.dictionary_coded_pages, 0);
  const auto& mode = layout->chunks[0][1];
  EXPECT_EQ(mode.dictionary_pages, 1);
  EXPECT_EQ(mode.plain_pages, 0);
  EXPECT_EQ(One("SELECT count(*) FROM " + Q(path) + " WHERE key % 4 = 0"), "100000");
  EXPECT_EQ(One("SELECT count(DISTINCT mode) FROM " + Q(path)), "7");
}

TEST(ParquetFeatures, StringsLongerThanOneMebibyte) {
  Schema schema;
  schema.fields = {MakeField("id", PhysicalType::kInt64),
                   MakeField("s", PhysicalType::kByteArray, LogicalType::String())};
  // Row r: "r|" repeated, 1.5 MiB or 3 MiB for odd rows, short for even ones.
  auto value = [](int64_t r) {
    std::string unit = std::to_string(r) + "|";
    size_t target = r % 2 ? (r % 4 == 1 ? 1536 * 1024 : 3 << 20) : 10;
    std::string s;
    while (s.size() + unit.size() <= target) s += unit;
    return s;
  };
  std::string path = WriteFile("long_strings", schema, WriterOptions{}, 3, [&](ColumnBatch& b, int i) {
    for (int64_t r = i * 4; r < (i + 1) * 4; ++r) {
      b.column(0).AppendFixed<int64_t>(r);
      b.column(1).AppendBytes(value(r));
    }
    b.set_num_rows(4);
  });
  auto layout = ReadLayout(path);
  ASSERT_TRUE(layout.ok()) << layout.status();
  const auto& chunk = layout->chunks[0][1];
  EXPECT_GE(chunk.page_first_rows.size(), 6u);  // about one long value a page
  // The max, "9|9|..." of 1.5 MiB, is cut to 64 bytes with the last one
  // incremented; the min, a short value, stays exact.
  EXPECT_FALSE(chunk.max_exact);
  std::string max;
  for (int k = 0; k < 32; ++k) max += "9|";
  max.back() = '|' + 1;  // "9|9|...9}"
  EXPECT_EQ(chunk.max_value, max);
  EXPECT_TRUE(chunk.min_exact);
  EXPECT_EQ(chunk.min_value, "0|0|0|0|0|");
  std::string sql = "SELECT count(*) FROM " + Q(path) +
                    " WHERE length(s) = CASE WHEN id % 2 = 0 THEN 10 - 10 % length(id || '|') "
                    "WHEN id % 4 = 1 THEN 1572864 - 1572864 % length(id || '|') "
                    "ELSE 3145728 - 3145728 % length(id || '|') END "
                    "AND s = repeat(id || '|', length(s) // length(id || '|'))";
  EXPECT_EQ(One(sql), "12");
}

TEST(ParquetFeatures, ZeroRowFileHasTheSchema) {
  Schema schema;
  Field list = MakeField("l", PhysicalType::kByteArray, LogicalType::String());
  list.is_list = true;
  schema.fields = {MakeField("a", PhysicalType::kInt32, LogicalType::Date()),
                   MakeField("b", PhysicalType::kByteArray, LogicalType::String()), list};
  std::string path = WriteFile("empty", schema, WriterOptions{}, 0, [](ColumnBatch&, int) {});
  auto layout = ReadLayout(path);
  ASSERT_TRUE(layout.ok()) << layout.status();
  EXPECT_EQ(layout->num_rows, 0);
  EXPECT_TRUE(layout->row_group_rows.empty());
  auto r = DuckDbQueries({"DESCRIBE SELECT * FROM " + Q(path), "SELECT count(*) FROM " + Q(path)});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ((*r)[0].rows.size(), 3u);
  EXPECT_EQ((*r)[0].rows[0][1], "DATE");
  EXPECT_EQ((*r)[0].rows[1][1], "VARCHAR");
  EXPECT_EQ((*r)[0].rows[2][1], "VARCHAR[]");
  EXPECT_EQ((*r)[1].rows[0][0], "0");
}

TEST(ParquetFeatures, RowGroupsAreCutByBytes) {
  Schema schema;
  schema.fields = {MakeField("id", PhysicalType::kInt64),
                   MakeField("s", PhysicalType::kByteArray, LogicalType::String())};
  WriterOptions o;
  o.row_group_bytes = 1 << 20;
  o.dictionary_page_bytes = 0;  // PLAIN: uncompressed bytes track the input
  std::string path = WriteFile("by_bytes", schema, o, 4, [](ColumnBatch& b, int i) {
    for (int64_t r = i * 10000; r < (i + 1) * 10000; ++r) {
      b.column(0).AppendFixed<int64_t>(r);
      b.column(1).AppendBytes(std::string(200, static_cast<char>('a' + r % 26)));
    }
    b.set_num_rows(10000);
  });
  auto layout = ReadLayout(path);
  ASSERT_TRUE(layout.ok()) << layout.status();
  // 40,000 rows of about 212 bytes: 8 MiB, so about 8 row groups of 1 MiB.
  EXPECT_GE(layout->row_group_rows.size(), 7u);
  EXPECT_LE(layout->row_group_rows.size(), 10u);
  EXPECT_EQ(One("SELECT count(*) FROM " + Q(path) +
                " WHERE s = repeat(chr(97 + (id % 26)::INT), 200)"),
            "40000");
}

TEST(ParquetFeatures, DuckDbSkipsRowGroupsByStatistics) {
  // 10 row groups of 1,000 sorted ids: a range inside one row group reads
  // that one and skips nine.
  Schema schema;
  schema.fields = {MakeField("id", PhysicalType::kInt64),
                   MakeField("name", PhysicalType::kByteArray, LogicalType::String())};
  WriterOptions o;
  o.row_group_rows = 1000;
  std::string path = WriteFile("pruning", schema, o, 10, [](ColumnBatch& b, int i) {
    for (int64_t r = i * 1000; r < (i + 1) * 1000; ++r) {
      b.column(0).AppendFixed<int64_t>(r);
      char name[16];
      std::snprintf(name, sizeof name, "n%06lld", static_cast<long long>(r));
      b.column(1).AppendBytes(name);
    }
    b.set_num_rows(1000);
  });
  auto count_events = [&](const std::string& where) {
    auto r = DuckDbQueries(
        {"CALL enable_logging('PhysicalOperator')",
         "SELECT count(*) FROM " + Q(path) + " WHERE " + where,
         "SELECT count(*) FILTER (WHERE message LIKE '%ReadRowGroup%'), "
         "count(*) FILTER (WHERE message LIKE '%SkipRowGroup%') FROM duckdb_logs"});
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return std::vector<std::string>{};
    return std::vector<std::string>{*(*r)[1].rows[0][0], *(*r)[2].rows[0][0], *(*r)[2].rows[0][1]};
  };
  EXPECT_EQ(count_events("id BETWEEN 4100 AND 4200"), (std::vector<std::string>{"101", "1", "9"}));
  EXPECT_EQ(count_events("name >= 'n007500' AND name < 'n007600'"),
            (std::vector<std::string>{"100", "1", "9"}));
  EXPECT_EQ(count_events("id >= 9990"), (std::vector<std::string>{"10", "1", "9"}));
}

TEST(ParquetFeatures, PageIndexBoundaryOrder) {
  Schema schema;
  schema.fields = {MakeField("up", PhysicalType::kInt64), MakeField("down", PhysicalType::kInt64),
                   MakeField("mixed", PhysicalType::kInt64),
                   MakeField("nan_page", PhysicalType::kDouble)};
  WriterOptions o;
  o.data_page_rows = 100;
  std::string path = WriteFile("boundary", schema, o, 1, [](ColumnBatch& b, int) {
    for (int64_t r = 0; r < 1000; ++r) {
      b.column(0).AppendFixed<int64_t>(r);
      b.column(1).AppendFixed<int64_t>(-r);
      b.column(2).AppendFixed<int64_t>((r * 7919) % 1000);
      // The first page holds only NaN: no ColumnIndex can describe it.
      b.column(3).AppendFixed<double>(r < 100 ? std::nan("") : static_cast<double>(r));
    }
    b.set_num_rows(1000);
  });
  auto layout = ReadLayout(path);
  ASSERT_TRUE(layout.ok()) << layout.status();
  const auto& chunks = layout->chunks[0];
  EXPECT_EQ(chunks[0].page_first_rows.size(), 10u);
  EXPECT_EQ(chunks[0].boundary_order, 1);  // ASCENDING
  EXPECT_EQ(chunks[1].boundary_order, 2);  // DESCENDING
  EXPECT_EQ(chunks[2].boundary_order, 0);  // UNORDERED
  EXPECT_FALSE(chunks[3].has_column_index);
  EXPECT_EQ(chunks[3].page_first_rows.size(), 10u);  // the OffsetIndex is still written
  EXPECT_EQ(One("SELECT count(*) FILTER (WHERE isnan(nan_page)) || ' ' || "
                "max(nan_page) FILTER (WHERE NOT isnan(nan_page)) FROM " + Q(path)),
            "100 999.0");
}

TEST(ParquetFeatures, RequiredColumnsOfEveryKind) {
  Schema schema;
  schema.fields = {MakeField("i", PhysicalType::kInt32),
                   MakeField("s", PhysicalType::kByteArray, LogicalType::String()),
                   MakeField("b", PhysicalType::kBoolean),
                   MakeField("d", PhysicalType::kFixedLenByteArray, LogicalType::Decimal(20, 2))};
  schema.fields[3].type_length = DecimalByteWidth(20);
  for (auto& f : schema.fields) f.nullable = false;
  std::string path = WriteFile("required", schema, WriterOptions{}, 2, [](ColumnBatch& b, int i) {
    for (int64_t r = i * 500; r < (i + 1) * 500; ++r) {
      b.column(0).AppendFixed<int32_t>(static_cast<int32_t>(r));
      b.column(1).AppendBytes("v" + std::to_string(r));
      b.column(2).AppendFixed<uint8_t>(r % 2);
      uint8_t dec[9] = {0, 0, 0, 0, 0, 0, 0, static_cast<uint8_t>(r >> 8), static_cast<uint8_t>(r)};
      b.column(3).AppendFixedBytes(dec, 9);
    }
    b.set_num_rows(500);
  });
  auto layout = ReadLayout(path);
  ASSERT_TRUE(layout.ok()) << layout.status();
  auto r = DuckDbQueries(
      {"SELECT string_agg(repetition_type, ',' ORDER BY name) FROM parquet_schema(" + Q(path) +
           ") WHERE type IS NOT NULL",
       "SELECT count(*) FROM " + Q(path) +
           " WHERE s = 'v' || i AND b = (i % 2 = 1) AND d = i / 100"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[0].rows[0][0], "REQUIRED,REQUIRED,REQUIRED,REQUIRED");
  EXPECT_EQ((*r)[1].rows[0][0], "1000");
}

TEST(ParquetFeatures, ListPagesStartAtRowBoundaries) {
  // Uncompressed, so that the layout check decodes each page's first
  // repetition level; long lists make pages end mid-way through rows.
  Schema schema;
  Field l = MakeField("l", PhysicalType::kInt32);
  l.is_list = true;
  schema.fields = {MakeField("id", PhysicalType::kInt64), l};
  WriterOptions o;
  o.codec = Codec::kUncompressed;
  o.data_page_rows = 7;
  o.dictionary_page_bytes = 0;
  std::string path = WriteFile("list_pages", schema, o, 3, [](ColumnBatch& b, int i) {
    Column& c = b.column(1);
    for (int64_t r = i * 50; r < (i + 1) * 50; ++r) {
      b.column(0).AppendFixed<int64_t>(r);
      for (int64_t e = 0; e < r % 13; ++e) {
        c.AppendFixed<int32_t>(static_cast<int32_t>(r * 100 + e));
        c.element_valid.push_back(1);
      }
      c.list_offsets.push_back(static_cast<int64_t>(c.element_valid.size()));
    }
    b.set_num_rows(50);
  });
  auto layout = ReadLayout(path);
  ASSERT_TRUE(layout.ok()) << layout.status();
  EXPECT_EQ(layout->chunks[0][1].page_first_rows.size(), 22u);  // ceil(150 / 7)
  EXPECT_EQ(One("SELECT count(*) FROM " + Q(path) +
                " WHERE l = list_transform(range(id % 13), e -> (id * 100 + e)::INT)"),
            "150");
}

TEST(ParquetFeatures, LongListsAreCutIntoPagesBySize) {
  // 200 rows of 5,000 distinct INT64 elements: 8 MB of PLAIN values, so
  // about eight 1 MiB pages although 200 rows are far below data_page_rows.
  Schema schema;
  Field l = MakeField("l", PhysicalType::kInt64);
  l.is_list = true;
  schema.fields = {MakeField("id", PhysicalType::kInt64), l};
  std::string path = WriteFile("long_lists", schema, WriterOptions{}, 4, [](ColumnBatch& b, int i) {
    Column& c = b.column(1);
    for (int64_t r = i * 50; r < (i + 1) * 50; ++r) {
      b.column(0).AppendFixed<int64_t>(r);
      for (int64_t e = 0; e < 5000; ++e) c.AppendFixed<int64_t>(r * 5000 + e);
      c.list_offsets.push_back(static_cast<int64_t>(c.fixed.size() / 8));
    }
    b.set_num_rows(50);
  });
  auto layout = ReadLayout(path);
  ASSERT_TRUE(layout.ok()) << layout.status();
  const auto& chunk = layout->chunks[0][1];
  EXPECT_GE(chunk.page_first_rows.size(), 7u);
  EXPECT_LE(chunk.page_first_rows.size(), 10u);
  EXPECT_EQ(One("SELECT sum(len(l)) || ' ' || sum(list_sum(l)) FROM " + Q(path)),
            "1000000 499999500000");
}

}  // namespace
}  // namespace dbexport::parquet
