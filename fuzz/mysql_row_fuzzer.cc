// Fuzzes the MySQL text-protocol row decoder (AppendRow / AppendValue) with
// the column plans the type mapping (MapColumn) makes for real column types,
// then the Parquet writer with what it decoded.
//
// Input layout (fuzz/corpus/gen_corpus.py writes seeds in it):
//   byte 0       bit 0: native type mapping (else aws)
//   byte 1       column count - 1 (mod 8)
//   3 per column type index into kTypes, DECIMAL precision, DECIMAL scale
//   the rest     rows separated by '\n', values by '\t'; "\N" is NULL (as
//                the mysql client prints them); missing values are NULL

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "batch_check.h"
#include "parquet/column_batch.h"
#include "source/mysql/mysql_source_internal.h"

namespace dbexport::source::mysql {
namespace {

struct TypeChoice {
  const char* data_type;
  const char* column_type;
};

constexpr TypeChoice kTypes[] = {
    {"tinyint", "tinyint(4)"},
    {"tinyint", "tinyint(3) unsigned"},
    {"smallint", "smallint(6)"},
    {"smallint", "smallint(5) unsigned"},
    {"mediumint", "mediumint(9)"},
    {"int", "int(11)"},
    {"int", "int(10) unsigned"},
    {"bigint", "bigint(20)"},
    {"bigint", "bigint(20) unsigned"},
    {"decimal", "decimal"},
    {"float", "float"},
    {"double", "double"},
    {"year", "year(4)"},
    {"date", "date"},
    {"time", "time(6)"},
    {"datetime", "datetime(6)"},
    {"timestamp", "timestamp"},
    {"char", "char(10)"},
    {"varchar", "varchar(255)"},
    {"text", "text"},
    {"blob", "blob"},
    {"varbinary", "varbinary(16)"},
    {"bit", "bit(64)"},
    {"json", "json"},
    {"enum", "enum('a','b')"},
    {"point", "point"},
    {"longtext", "longtext"},
    {"uuid", "uuid"},
};
constexpr size_t kNumTypes = sizeof kTypes / sizeof kTypes[0];
constexpr int64_t kMaxValueBytes = 1 << 16;
constexpr int kMaxRows = 256;

}  // namespace
}  // namespace dbexport::source::mysql

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace dbexport;
  using namespace dbexport::source::mysql;
  if (size < 2) return 0;
  const bool native = data[0] & 1;
  const int ncols = data[1] % 8 + 1;
  size_t pos = 2;
  if (size < pos + 3 * ncols) return 0;

  std::vector<ColumnPlan> plans;
  parquet::Schema schema;
  for (int i = 0; i < ncols; ++i, pos += 3) {
    const TypeChoice& type = kTypes[data[pos] % kNumTypes];
    MySqlColumn column;
    column.name = "c" + std::to_string(i);
    column.data_type = type.data_type;
    column.column_type = type.column_type;
    column.json_check = type.data_type == std::string_view("longtext") && (data[pos + 1] & 1);
    // MySQL: DECIMAL(M,D) with 1 <= M <= 65 and D <= min(M, 30).
    column.num_precision = data[pos + 1] % 66;
    column.num_scale = column.num_precision == 0 ? 0 : data[pos + 2] % (std::min(column.num_precision, 30) + 1);
    MappedColumn m = MapColumn(column, native ? source::TypeMapping::kNative : source::TypeMapping::kAws);
    plans.push_back(m.plan);
    schema.fields.push_back(m.info.field);
  }

  parquet::ColumnBatch batch(schema);
  std::vector<int64_t> unrepresentable(plans.size(), 0);
  std::string_view rest(reinterpret_cast<const char*>(data + pos), size - pos);
  std::vector<std::unique_ptr<char[]>> texts(plans.size());
  std::vector<const char*> values(plans.size());
  std::vector<unsigned long> lengths(plans.size());
  for (int row = 0; row < kMaxRows && !rest.empty(); ++row) {
    size_t newline = rest.find('\n');
    std::string_view line = rest.substr(0, newline);
    rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
    for (size_t i = 0; i < plans.size(); ++i) {
      size_t tab = line.find('\t');
      std::string_view field = line.substr(0, tab);
      bool present = !line.empty() || tab != std::string_view::npos;
      line = tab == std::string_view::npos ? std::string_view() : line.substr(tab + 1);
      // Each value in a heap block of its exact size, so that reading past
      // its end is caught.
      texts[i].reset(new char[field.size()]);
      if (!field.empty()) std::memcpy(texts[i].get(), field.data(), field.size());
      values[i] = present && field != "\\N" ? texts[i].get() : nullptr;
      lengths[i] = static_cast<unsigned long>(field.size());
    }
    Status st = AppendRow(plans, values.data(), lengths.data(), kMaxValueBytes, &batch, &unrepresentable);
    if (!st.ok()) return 0;  // the reader fails; the batch is discarded
  }
  fuzz::CheckBatch(batch);
  fuzz::WriteBatch(batch);
  return 0;
}
