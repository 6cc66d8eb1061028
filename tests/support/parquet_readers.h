#pragma once
// Parquet readers besides DuckDB, each run through node like the DuckDB
// reader: arrow-rs (npm parquet-wasm, tests/tools/read_parquet_wasm.mjs) and
// hyparquet (tests/tools/read_hyparquet.mjs). Each reads one file and gives
// the columns' types as the reader sees them and every value as lossless
// JSON (see the scripts for the formats).

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"

namespace dbexport::testing {

struct ReaderColumn {
  std::string name;
  // parquet-wasm: the Arrow type ("Int32", "Decimal128(10, 2)",
  // "Timestamp(MICROSECOND, UTC)", "List<Utf8>"); hyparquet: the JavaScript
  // type of its converted values ("number", "bigint", "Date", "Array<string>").
  std::string type;
  nlohmann::json details;  // everything the script printed about the column
};

struct ReaderTable {
  std::vector<ReaderColumn> columns;
  std::vector<std::vector<nlohmann::json>> rows;
};

// arrow-rs through parquet-wasm.
Result<ReaderTable> ReadWithParquetWasm(const std::string& parquet_file);
// hyparquet (with hyparquet-compressors for GZIP).
Result<ReaderTable> ReadWithHyparquet(const std::string& parquet_file);

}  // namespace dbexport::testing
