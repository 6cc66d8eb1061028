// MySqlSnapshot's catalog and chunk planning, and the type mapping.

#include <algorithm>

#include "parquet/schema.h"
#include "source/key_ranges.h"
#include "source/mysql/mysql_source_internal.h"

namespace dbexport::source::mysql {
namespace {

using parquet::LogicalType;
using parquet::PhysicalType;

struct Target {
  PhysicalType physical = PhysicalType::kByteArray;
  int width = 0;
  LogicalType logical;
  ValueReader reader = ValueReader::kBytes;
  std::string label;
};

Target DecimalTarget(int p, int s) {
  DecimalColumn d = DecimalColumnFor(p, s);
  ValueReader reader = d.type == PhysicalType::kInt32   ? ValueReader::kDecimal32
                       : d.type == PhysicalType::kInt64 ? ValueReader::kDecimal64
                                                        : ValueReader::kDecimalFixed;
  return {d.type, d.type_length, LogicalType::Decimal(p, s), reader, d.label};
}

Target StringTarget() { return {PhysicalType::kByteArray, 0, LogicalType::String(), ValueReader::kBytes, "binary (UTF8)"}; }
Target BytesTarget() { return {PhysicalType::kByteArray, 0, {}, ValueReader::kBytes, "binary"}; }

}  // namespace

MappedColumn MapColumn(const MySqlColumn& c, TypeMapping mapping) {
  const bool native = mapping == TypeMapping::kNative;
  const bool is_unsigned = c.column_type.find("unsigned") != std::string::npos;
  const std::string& t = c.data_type;
  Target target = StringTarget();
  std::string select = QuoteIdent(c.name);
  if (native && (t == "tinyint" || t == "smallint" || t == "mediumint" || t == "int")) {
    // Each integer with its own width and sign (INT32 holds all of them), so
    // that readers give TINYINT, USMALLINT, UINTEGER (Int8, Uint16, Uint32).
    // MEDIUMINT, of 24 bits either way, is a plain INT32.
    const int bits = t == "tinyint" ? 8 : t == "smallint" ? 16 : 32;
    if (t == "mediumint" || (t == "int" && !is_unsigned)) {
      target = {PhysicalType::kInt32, 0, {}, ValueReader::kInt32, "int32"};
    } else {
      target = {PhysicalType::kInt32, 0, LogicalType::Int(bits, !is_unsigned),
                bits == 32 ? ValueReader::kUInt32 : ValueReader::kInt32,
                std::string("int32 (") + (is_unsigned ? "UINT_" : "INT_") + std::to_string(bits) + ")"};
    }
  } else if (t == "bigint" && is_unsigned && native) {
    // INT(64, unsigned): every reader gets the exact value (hyparquet reads
    // DECIMAL as a JavaScript number, inexact beyond 2^53).
    target = {PhysicalType::kInt64, 0, LogicalType::Int(64, false), ValueReader::kUInt64, "int64 (UINT_64)"};
  } else if (t == "bigint") {
    target = is_unsigned ? Target{PhysicalType::kFixedLenByteArray, 9, LogicalType::Decimal(20, 0),
                                  ValueReader::kUnsignedBig, "fixed_len_byte_array(9) (DECIMAL(20,0))"}
                         : Target{PhysicalType::kInt64, 0, {}, ValueReader::kInt64, "int64"};
  } else if (t == "int" || t == "mediumint") {
    target = is_unsigned ? Target{PhysicalType::kInt64, 0, {}, ValueReader::kInt64, "int64"}
                         : Target{PhysicalType::kInt32, 0, {}, ValueReader::kInt32, "int32"};
  } else if (t == "smallint") {
    target = {PhysicalType::kInt32, 0, {}, ValueReader::kInt32, "int32"};
  } else if (t == "tinyint") {
    target = is_unsigned ? Target{PhysicalType::kInt32, 0, LogicalType::Int(16, true), ValueReader::kInt32,
                                  "int32 (INT_16)"}
                         : Target{PhysicalType::kInt32, 0, {}, ValueReader::kInt32, "int32"};
  } else if (t == "year") {
    target = {PhysicalType::kInt32, 0, {}, ValueReader::kInt32, "int32"};
  } else if (t == "decimal" || t == "numeric") {
    if (c.num_precision >= 1 && c.num_precision <= parquet::kMaxDecimalPrecision) target = DecimalTarget(c.num_precision, c.num_scale);
  } else if (t == "float" || t == "double" || t == "real") {
    target = {PhysicalType::kDouble, 0, {}, ValueReader::kDouble, "double"};
  } else if (t == "datetime" || t == "timestamp") {
    target = {PhysicalType::kInt64, 0, LogicalType::Timestamp(t == "timestamp" && native), ValueReader::kTimestamp,
              t == "timestamp" && native ? "int64 (TIMESTAMP_MICRO, UTC)" : "int64 (TIMESTAMP_MICRO)"};
  } else if (t == "date") {
    if (native) target = {PhysicalType::kInt32, 0, LogicalType::Date(), ValueReader::kDate, "int32 (DATE)"};
  } else if (t == "time") {
    if (native) target = {PhysicalType::kInt64, 0, LogicalType::Time(false), ValueReader::kTime, "int64 (TIME_MICRO)"};
  } else if (t == "char") {
    // The hosted export writes CHAR unannotated (spec/reference.md).
    target = native ? StringTarget() : BytesTarget();
  } else if (t == "binary" || t == "varbinary" || t.ends_with("blob")) {
    target = BytesTarget();
  } else if (t == "bit") {
    if (native) {
      target = {PhysicalType::kInt64, 0, LogicalType::Int(64, false), ValueReader::kUInt64, "int64 (UINT_64)"};
      select = "(" + select + " + 0)";
    } else {
      target = BytesTarget();
    }
  } else if (t == "geometry" || t == "point" || t == "linestring" || t == "polygon" || t == "multipoint" ||
             t == "multilinestring" || t == "multipolygon" || t == "geometrycollection") {
    target = BytesTarget();
    select = "ST_AsBinary(" + select + ")";
  } else if (t == "uuid") {
    // MariaDB's UUID type: UUID like PostgreSQL's in the native mapping.
    if (native) target = {PhysicalType::kFixedLenByteArray, 16, LogicalType::Uuid(), ValueReader::kUuid,
                          "fixed_len_byte_array(16) (UUID)"};
  } else if (t == "json" || c.json_check) {
    if (native) target = {PhysicalType::kByteArray, 0, LogicalType::Json(), ValueReader::kBytes, "binary (JSON)"};
  }
  MappedColumn out;
  out.info.name = c.name;
  out.info.original_type = c.column_type;
  out.info.char_max_length = static_cast<int>(std::min<int64_t>(c.char_max_length, INT32_MAX));
  out.info.num_precision = c.num_precision;
  out.info.num_scale = c.num_scale;
  out.info.datetime_precision = c.datetime_precision;
  out.info.field.name = c.name;
  out.info.field.type = target.physical;
  out.info.field.type_length = target.width;
  out.info.field.logical = target.logical;
  out.info.field.nullable = true;
  out.info.expected_exported_type = target.label;
  out.plan.name = c.name;
  out.plan.select_expr = select;
  out.plan.reader = target.reader;
  out.plan.precision = target.logical.precision;
  out.plan.scale = target.logical.scale;
  out.plan.width = target.width;
  return out;
}

Result<std::vector<TableInfo>> MySqlSnapshot::ListTables(const std::string& database,
                                                         const std::vector<ExportFilterEntry>& filter) {
  std::lock_guard<std::mutex> lock(mu_);
  if (coordinator_ == nullptr) return FailedPrecondition("listing tables of " + database + ": the snapshot is closed");
  const std::string context = "listing tables of database " + database;
  DBX_ASSIGN_OR_RETURN(
      auto tables, coordinator_->Query("SELECT TABLE_NAME, COALESCE(TABLE_ROWS, 0), "
                                       "COALESCE(DATA_LENGTH, 0) + COALESCE(INDEX_LENGTH, 0) "
                                       "FROM information_schema.TABLES WHERE TABLE_SCHEMA = " + QuoteLiteral(database) +
                                       " AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
                                       context));
  // MariaDB keeps JSON as LONGTEXT with a json_valid() check.
  DBX_ASSIGN_OR_RETURN(
      auto checks, coordinator_->Query("SELECT TABLE_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
                                       "WHERE CONSTRAINT_SCHEMA = " + QuoteLiteral(database),
                                       context));
  DBX_ASSIGN_OR_RETURN(
      auto columns, coordinator_->Query("SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, "
                                        "COALESCE(CHARACTER_MAXIMUM_LENGTH, 0), COALESCE(NUMERIC_PRECISION, 0), "
                                        "COALESCE(NUMERIC_SCALE, 0), COALESCE(DATETIME_PRECISION, 0) "
                                        "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = " +
                                            QuoteLiteral(database) + " ORDER BY TABLE_NAME, ORDINAL_POSITION",
                                        context));
  // Integer keys for ranges: a one-column primary key, else a unique index on
  // one NOT NULL integer column.
  DBX_ASSIGN_OR_RETURN(
      auto keys, coordinator_->Query("SELECT s.TABLE_NAME, s.COLUMN_NAME, s.INDEX_NAME = 'PRIMARY', c.COLUMN_TYPE "
                                     "FROM information_schema.STATISTICS s JOIN information_schema.COLUMNS c "
                                     "ON c.TABLE_SCHEMA = s.TABLE_SCHEMA AND c.TABLE_NAME = s.TABLE_NAME "
                                     "AND c.COLUMN_NAME = s.COLUMN_NAME "
                                     "WHERE s.TABLE_SCHEMA = " + QuoteLiteral(database) +
                                         " AND s.NON_UNIQUE = 0 AND c.IS_NULLABLE = 'NO' "
                                         "AND c.DATA_TYPE IN ('tinyint', 'smallint', 'mediumint', 'int', 'bigint') "
                                         "AND c.COLUMN_TYPE NOT LIKE 'bigint%unsigned' "
                                         "AND (SELECT COUNT(*) FROM information_schema.STATISTICS s2 "
                                         "     WHERE s2.TABLE_SCHEMA = s.TABLE_SCHEMA AND s2.TABLE_NAME = s.TABLE_NAME "
                                         "     AND s2.INDEX_NAME = s.INDEX_NAME) = 1 "
                                         "ORDER BY s.TABLE_NAME, s.INDEX_NAME = 'PRIMARY' DESC, s.INDEX_NAME",
                                     context));

  DBX_ASSIGN_OR_RETURN(
      auto primary, coordinator_->Query("SELECT s.TABLE_NAME, s.COLUMN_NAME, c.DATA_TYPE "
                                        "FROM information_schema.STATISTICS s JOIN information_schema.COLUMNS c "
                                        "ON c.TABLE_SCHEMA = s.TABLE_SCHEMA AND c.TABLE_NAME = s.TABLE_NAME "
                                        "AND c.COLUMN_NAME = s.COLUMN_NAME WHERE s.TABLE_SCHEMA = " +
                                            QuoteLiteral(database) + " AND s.INDEX_NAME = 'PRIMARY' "
                                            "ORDER BY s.TABLE_NAME, s.SEQ_IN_INDEX",
                                        context));

  std::vector<TableInfo> out;
  for (const MySqlRow& row : tables) {
    const std::string name = row[0].value_or("");
    if (!FilterSelects(filter, database, database, name, /*schema_is_database=*/true)) continue;
    TableInfo info;
    info.database = database;
    info.schema = database;  // MySQL's layout: <database>/<database>.<table>/
    info.schema_is_database = true;
    info.name = name;
    info.estimated_rows = std::stoll(row[1].value_or("0"));
    info.estimated_bytes = std::stoll(row[2].value_or("0"));
    TableEntry entry;
    entry.qualified = QuoteIdent(database) + "." + QuoteIdent(name);
    if (name.find('/') != std::string::npos) {
      info.skip_reason = kSkipSlashInName;
      info.skip_detail = "the table name contains '/'";
    }
    for (const MySqlRow& c : columns) {
      if (c[0].value_or("") != name) continue;
      MySqlColumn column;
      column.name = c[1].value_or("");
      column.data_type = c[2].value_or("");
      column.column_type = c[3].value_or("");
      column.char_max_length = std::stoll(c[4].value_or("0"));
      column.num_precision = std::stoi(c[5].value_or("0"));
      column.num_scale = std::stoi(c[6].value_or("0"));
      column.datetime_precision = std::stoi(c[7].value_or("0"));
      for (const MySqlRow& check : checks) {
        if (check[0].value_or("") == name &&
            check[1].value_or("").find("json_valid(" + QuoteIdent(column.name) + ")") != std::string::npos) {
          column.json_check = true;
        }
      }
      if (info.skip_reason.empty() && HasUnsupportedCharacter(column.name)) {
        info.skip_reason = kSkipColumnName;
        info.skip_detail = "column name \"" + column.name +
                           "\" contains one of the characters , ; { } ( ) = space, newline or tab";
      }
      MappedColumn m = MapColumn(column, options_.type_mapping);
      info.columns.push_back(std::move(m.info));
      entry.plans.push_back(std::move(m.plan));
    }
    for (const MySqlRow& k : keys) {
      if (k[0].value_or("") != name) continue;
      entry.key = k[1].value_or("");
      entry.key_is_primary = k[2].value_or("0") == "1";
      entry.key_type = k[3].value_or("");
      break;
    }
    if (entry.key.empty()) {
      for (const MySqlRow& k : primary) {
        if (k[0].value_or("") != name) continue;
        entry.tuple_key.push_back(k[1].value_or(""));
        entry.tuple_key_types.push_back(k[2].value_or(""));
      }
    }
    if (info.skip_reason.empty()) tables_.try_emplace(info.target(), std::move(entry));
    out.push_back(std::move(info));
  }
  return out;
}

Result<std::vector<Chunk>> MySqlSnapshot::PlanChunks(const TableInfo& table, int64_t chunk_rows) {
  if (chunk_rows <= 0) return InvalidArgument("planning chunks of " + table.target() + ": chunk_rows must be positive");
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tables_.find(table.target());
  if (it == tables_.end()) {
    return FailedPrecondition("table " + table.target() + " was not listed by ListTables() of this snapshot");
  }
  const TableEntry& entry = it->second;
  Chunk base;
  if (entry.key.empty() && !entry.tuple_key.empty()) return PlanTupleChunks(table, entry, chunk_rows);
  if (entry.key.empty()) {
    base.constraint_type = "NONE";
    base.estimated_rows = table.estimated_rows;
    return std::vector<Chunk>{base};
  }
  const std::string context = "planning chunks of " + table.target() + " by " + entry.key;
  const std::string k = QuoteIdent(entry.key);
  DBX_ASSIGN_OR_RETURN(auto stats, coordinator_->Query("SELECT COUNT(*), MIN(" + k + "), MAX(" + k + ") FROM " +
                                                           entry.qualified, context));
  int64_t total = std::stoll(stats[0][0].value_or("0"));
  std::string min_key = stats[0][1].value_or(""), max_key = stats[0][2].value_or("");
  std::vector<int64_t> bounds;
  int64_t n = ChunkCount(total, chunk_rows);
  const int64_t lo = ParseKey(min_key), hi = ParseKey(max_key);
  if (n > 1 && hi - lo < total + total / 2) {
    // A dense key (AUTO_INCREMENT, few gaps): equal slices of the key space
    // hold about equal rows, and cost no scan.
    for (int64_t i = 1; i < n; ++i) bounds.push_back(lo + (hi - lo + 1) * i / n);
  } else if (n > 1) {
    int64_t step = (total + n - 1) / n;
    DBX_ASSIGN_OR_RETURN(auto rows,
                         coordinator_->Query(KeyQuantileSql(k, " FROM " + entry.qualified, step), context));
    for (const MySqlRow& r : rows) bounds.push_back(ParseKey(r[0].value_or("0")));
  }
  base.constraint_type = entry.key_is_primary ? "PRIMARY_KEY" : "UNIQUE_INDEX";
  base.column_name = entry.key;
  base.column_type = entry.key_type;
  return KeyRangeChunks(base, k, min_key, max_key, bounds, total);
}

// A primary key that is composite or not an integer: ranges of key tuples,
// cut at every step-th key in key order. Predicates compare row
// constructors, `(k1, k2) >= (v1, v2)`, which order as the index does (the
// same collation), so the ranges cover every row exactly once.
Result<std::vector<Chunk>> MySqlSnapshot::PlanTupleChunks(const TableInfo& table, const TableEntry& entry,
                                                          int64_t chunk_rows) {
  std::string columns, names;
  for (size_t i = 0; i < entry.tuple_key.size(); ++i) {
    columns += (i ? ", " : "") + QuoteIdent(entry.tuple_key[i]);
    names += (i ? "," : "") + entry.tuple_key[i];
  }
  const std::string context = "planning chunks of " + table.target() + " by (" + names + ")";
  DBX_ASSIGN_OR_RETURN(auto count, coordinator_->Query("SELECT COUNT(*) FROM " + entry.qualified, context));
  int64_t total = std::stoll(count[0][0].value_or("0"));
  int64_t n = ChunkCount(total, chunk_rows);
  Chunk base;
  base.constraint_type = "PRIMARY_KEY";
  base.column_name = names;
  base.column_type = [&] {
    std::string t;
    for (size_t i = 0; i < entry.tuple_key_types.size(); ++i) t += (i ? "," : "") + entry.tuple_key_types[i];
    return t;
  }();
  base.estimated_rows = total;
  if (n <= 1) return std::vector<Chunk>{base};
  int64_t step = (total + n - 1) / n;
  DBX_ASSIGN_OR_RETURN(auto cuts,
                       coordinator_->Query(KeyQuantileSql(columns, " FROM " + entry.qualified, step), context));
  // A key value as SQL: integers bare (a quoted one would compare as a
  // double), everything else a string literal, hex for binary bytes.
  auto literal = [&](size_t i, const std::string& v) {
    const std::string& type = entry.tuple_key_types[i];
    if (type == "tinyint" || type == "smallint" || type == "mediumint" || type == "int" || type == "bigint") return v;
    if (type == "binary" || type == "varbinary" || type.ends_with("blob")) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      std::string hex = "X'";
      for (unsigned char c : v) {
        hex += kHex[c >> 4];
        hex += kHex[c & 15];
      }
      return hex + "'";
    }
    return QuoteLiteral(v);
  };
  std::vector<std::string> bounds, texts;
  for (const MySqlRow& r : cuts) {
    std::string tuple = "(", text;
    for (size_t i = 0; i < r.size(); ++i) {
      tuple += (i ? ", " : "") + literal(i, r[i].value_or(""));
      text += (i ? "," : "") + r[i].value_or("");
    }
    bounds.push_back(tuple + ")");
    texts.push_back(text);
  }
  const std::string k = "(" + columns + ")";
  std::vector<Chunk> chunks;
  const size_t m = bounds.size() + 1;
  for (size_t i = 0; i < m; ++i) {
    Chunk c = base;
    c.index = static_cast<int>(i);
    if (i > 0) c.predicate = k + " >= " + bounds[i - 1];
    if (i + 1 < m) c.predicate += std::string(i > 0 ? " AND " : "") + k + " < " + bounds[i];
    c.min = i > 0 ? texts[i - 1] : "";
    c.max = i + 1 < m ? texts[i] : "";
    c.estimated_rows = total / static_cast<int64_t>(m);
    chunks.push_back(std::move(c));
  }
  return chunks;
}

}  // namespace dbexport::source::mysql
