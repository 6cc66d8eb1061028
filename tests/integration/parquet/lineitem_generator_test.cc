// The benchmark generator (bench/lineitem.h) yields the same rows in all
// three forms: PostgreSQL loads its COPY text, DuckDB reads its CSV and the
// Parquet file written from its ColumnBatch, and the three agree on
// aggregates over every column.

#include <gtest/gtest.h>

#include <string>

#include "lineitem.h"
#include "parquet/file_output_stream.h"
#include "parquet/file_writer.h"
#include "support/test_env.h"

namespace dbexport::bench {
namespace {

using dbexport::testing::DuckDbQuery;
using dbexport::testing::MakeTempDir;
using dbexport::testing::PostgresUrl;
using dbexport::testing::Psql;

constexpr int64_t kRows = 5000;

// One row of aggregates; the same text in PostgreSQL and DuckDB.
const char* kAggregates =
    "count(*), sum(l_orderkey), sum(l_partkey), sum(l_suppkey), sum(l_linenumber), "
    "sum(l_quantity), sum(l_extendedprice), sum(l_discount), sum(l_tax), "
    "count(*) FILTER (WHERE l_returnflag = 'R'), count(*) FILTER (WHERE l_linestatus = 'O'), "
    "min(l_shipdate), max(l_commitdate), max(l_receiptdate), "
    "count(*) FILTER (WHERE l_shipinstruct = 'NONE'), count(*) FILTER (WHERE l_shipmode = 'AIR'), "
    "sum(length(l_comment)), min(l_created), max(l_created), count(l_note), sum(length(l_note))";

std::string DuckDbAggregates(const std::string& from) {
  auto r = DuckDbQuery(std::string("SELECT ") + kAggregates + " FROM " + from);
  EXPECT_TRUE(r.ok()) << r.status();
  if (!r.ok()) return "";
  std::string s;
  for (const auto& v : r->rows.at(0)) s += (s.empty() ? "" : "|") + v.value_or("");
  return s;
}

TEST(LineitemGenerator, PostgresCsvAndParquetHoldTheSameRows) {
  std::string dir = MakeTempDir("lineitem-generator");

  // Parquet from the ColumnBatch form.
  std::string parquet_path = dir + "/lineitem.parquet";
  {
    auto sink = parquet::FileOutputStream::Open(parquet_path);
    ASSERT_TRUE(sink.ok()) << sink.status();
    auto writer = parquet::FileWriter::Make(LineitemGenerator::Schema(), {}, sink->get());
    ASSERT_TRUE(writer.ok()) << writer.status();
    LineitemGenerator gen(7);
    parquet::ColumnBatch batch(LineitemGenerator::Schema());
    gen.Fill(kRows, &batch);
    ASSERT_TRUE((*writer)->Append(batch).ok());
    ASSERT_TRUE((*writer)->Close().ok());
    ASSERT_TRUE((*sink)->Close().ok());
  }
  // CSV.
  std::string csv_path = dir + "/lineitem.csv";
  {
    LineitemGenerator gen(7);
    std::string csv;
    gen.AppendCsv(kRows, &csv);
    FILE* f = std::fopen(csv_path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fwrite(csv.data(), 1, csv.size(), f);
    std::fclose(f);
  }
  // PostgreSQL, loaded from COPY text.
  std::string db = "dbx_parquet_lineitem";
  auto exists = Psql(PostgresUrl(), "SELECT 1 FROM pg_database WHERE datname = '" + db + "'");
  ASSERT_TRUE(exists.ok()) << exists.status();
  if (exists->empty()) {
    ASSERT_TRUE(Psql(PostgresUrl(), "CREATE DATABASE " + db).ok());
  }
  LineitemGenerator gen(7);
  std::string text;
  gen.AppendPostgresText(kRows, &text);
  auto pg = Psql(PostgresUrl(db), "DROP TABLE IF EXISTS lineitem_gen;\n" +
                                      LineitemGenerator::PostgresCreateTable("lineitem_gen") +
                                      ";\nCOPY lineitem_gen FROM STDIN;\n" + text + "\\.\n" +
                                      "SELECT " + kAggregates + " FROM lineitem_gen;\n");
  ASSERT_TRUE(pg.ok()) << pg.status();
  std::string postgres = *pg;
  while (!postgres.empty() && postgres.back() == '\n') postgres.pop_back();

  std::string from_parquet = DuckDbAggregates("'" + parquet_path + "'");
  std::string from_csv = DuckDbAggregates("read_csv('" + csv_path + "', header = false, columns = " +
                                          LineitemGenerator::DuckDbColumns() + ")");
  EXPECT_EQ(from_parquet, postgres);
  EXPECT_EQ(from_csv, postgres);
  EXPECT_TRUE(postgres.rfind("5000|", 0) == 0) << postgres;
}

}  // namespace
}  // namespace dbexport::bench
