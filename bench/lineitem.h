#pragma once
// A deterministic generator of rows shaped like TPC-H lineitem (scale
// factor 1 value ranges, 1-7 lines per order, dates 1992-1998, text from the
// TPC-H word pool) plus two columns an operational table would have:
// l_created (timestamp) and l_note (100-200 characters of text, NULL in about
// one row in ten). The same seed yields the same rows in every output form:
// a parquet::ColumnBatch, CSV (for DuckDB's read_csv) and PostgreSQL COPY
// text (for loading a real table). Benchmarks of the writer, the export
// engine and the storage layer share it.

#include <cstdint>
#include <string>
#include <string_view>

#include "parquet/column_batch.h"
#include "parquet/schema.h"

namespace dbexport::bench {

class LineitemGenerator {
 public:
  explicit LineitemGenerator(uint64_t seed = 1);

  // The 18 columns, all nullable (as an export sees a table's columns).
  static const parquet::Schema& Schema();
  // DuckDB read_csv `columns={...}` struct literal with the exact types.
  static std::string DuckDbColumns();
  // CREATE TABLE statement for PostgreSQL.
  static std::string PostgresCreateTable(const std::string& table);

  // Clears `batch` (built on Schema()) and fills it with the next `rows` rows.
  void Fill(int64_t rows, parquet::ColumnBatch* batch);
  // Appends the next `rows` rows as CSV lines (no header; NULL = empty field).
  void AppendCsv(int64_t rows, std::string* out);
  // Appends the next `rows` rows in PostgreSQL COPY text format.
  void AppendPostgresText(int64_t rows, std::string* out);

  int64_t rows_generated() const { return row_; }

 private:
  struct Row;
  void Next(Row* r);
  // One line per row, fields separated by `sep`, a NULL note as `null_text`.
  void AppendDelimited(int64_t rows, char sep, std::string_view null_text, std::string* out);
  uint64_t Random();
  int64_t Uniform(int64_t lo, int64_t hi);  // inclusive
  void Text(int min_len, int max_len, std::string* out);

  uint64_t state_;
  int64_t row_ = 0;
  // Order state: lines left in the current order and its fields.
  int64_t order_index_ = -1;
  int lines_in_order_ = 0;
  int line_ = 0;
  int32_t order_date_ = 0;
};

}  // namespace dbexport::bench
