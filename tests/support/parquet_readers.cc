#include "support/parquet_readers.h"

#include "support/test_env.h"

namespace dbexport::testing {
namespace {

using json = nlohmann::json;

Result<ReaderTable> RunReader(const std::string& script, const std::string& type_key,
                              const std::string& parquet_file) {
  CommandResult r = RunCommand({"node", SourceDir() + "/tests/tools/" + script, parquet_file});
  if (r.exit_code != 0) {
    return Internal(script + " failed on " + parquet_file + " (exit " + std::to_string(r.exit_code) +
                    "): " + r.err);
  }
  json doc = json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.contains("columns") || !doc.contains("rows")) {
    return Internal(script + " printed no table for " + parquet_file + ": " + r.out.substr(0, 200));
  }
  ReaderTable table;
  for (const json& c : doc["columns"]) {
    table.columns.push_back({c["name"].get<std::string>(), c[type_key].get<std::string>(), c});
  }
  for (const json& row : doc["rows"]) {
    if (row.size() != table.columns.size()) {
      return Internal(script + ": a row of " + std::to_string(row.size()) + " values for " +
                      std::to_string(table.columns.size()) + " columns");
    }
    table.rows.emplace_back(row.begin(), row.end());
  }
  return table;
}

}  // namespace

Result<ReaderTable> ReadWithParquetWasm(const std::string& parquet_file) {
  return RunReader("read_parquet_wasm.mjs", "type", parquet_file);
}

Result<ReaderTable> ReadWithHyparquet(const std::string& parquet_file) {
  return RunReader("read_hyparquet.mjs", "jsType", parquet_file);
}

}  // namespace dbexport::testing
