#include "pg_test_util.h"

#include <libpq-fe.h>

#include <charconv>
#include <cmath>
#include <cstring>

#include <gtest/gtest.h>

#include "support/test_env.h"

namespace dbexport::source::testing {
namespace {

using dbexport::testing::PostgresUrl;
using dbexport::testing::Psql;

std::string Hex(const uint8_t* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += digits[p[i] >> 4];
    out += digits[p[i] & 15];
  }
  return out;
}

std::string Int128Text(__int128 v) {
  if (v == 0) return "0";
  bool negative = v < 0;
  unsigned __int128 u = negative ? -static_cast<unsigned __int128>(v) : static_cast<unsigned __int128>(v);
  std::string out;
  while (u > 0) {
    out.insert(out.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  return negative ? "-" + out : out;
}

template <typename F>
std::string FloatText(F v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// Renders value i of the values of `c` (a flat column's rows or a LIST's
// elements) per the field's type.
std::string Render(const parquet::Field& f, const parquet::Column& c, int64_t i) {
  using parquet::LogicalKind;
  using parquet::PhysicalType;
  const uint8_t* fixed = c.fixed.data();
  switch (f.type) {
    case PhysicalType::kBoolean: return fixed[i] ? "t" : "f";
    case PhysicalType::kInt32: {
      int32_t v;
      std::memcpy(&v, fixed + 4 * i, 4);
      return std::to_string(v);
    }
    case PhysicalType::kInt64: {
      int64_t v;
      std::memcpy(&v, fixed + 8 * i, 8);
      return std::to_string(v);
    }
    case PhysicalType::kFloat: {
      float v;
      std::memcpy(&v, fixed + 4 * i, 4);
      return FloatText(v);
    }
    case PhysicalType::kDouble: {
      double v;
      std::memcpy(&v, fixed + 8 * i, 8);
      return FloatText(v);
    }
    case PhysicalType::kFixedLenByteArray: {
      const uint8_t* p = fixed + f.type_length * i;
      if (f.logical.kind != LogicalKind::kDecimal) return Hex(p, f.type_length);
      __int128 v = (p[0] & 0x80) ? -1 : 0;
      for (int b = 0; b < f.type_length; ++b) v = (v << 8) | p[b];
      return Int128Text(v);
    }
    case PhysicalType::kByteArray: {
      const char* p = reinterpret_cast<const char*>(c.data.data()) + c.offsets[i];
      std::string s(p, static_cast<size_t>(c.offsets[i + 1] - c.offsets[i]));
      if (f.logical.kind == LogicalKind::kNone) {
        return "\\x" + Hex(reinterpret_cast<const uint8_t*>(s.data()), s.size());
      }
      return s;
    }
  }
  return "?";
}

}  // namespace

void RunSql(const std::string& db, const std::string& sql) {
  auto r = Psql(PostgresUrl(db), sql);
  ASSERT_TRUE(r.ok()) << r.status() << "\nSQL: " << sql;
}

void RecreateDatabase(const std::string& name, const std::string& setup_sql) {
  RunSql("postgres", "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  RunSql("postgres", "CREATE DATABASE " + name);
  if (!setup_sql.empty()) RunSql(name, setup_sql);
}

std::vector<Row> QueryRows(const std::string& db, const std::string& sql) {
  std::vector<Row> rows;
  PGconn* conn = PQconnectdb(PostgresUrl(db).c_str());
  PGresult* res = PQexec(conn,
                         "SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres'; "
                         "SET TimeZone = 'UTC'; SET extra_float_digits = 1; SET bytea_output = 'hex'");
  PQclear(res);
  res = PQexec(conn, sql.c_str());
  if (PQresultStatus(res) != PGRES_TUPLES_OK) {
    ADD_FAILURE() << "query failed: " << PQerrorMessage(conn) << "\nSQL: " << sql;
  } else {
    for (int r = 0; r < PQntuples(res); ++r) {
      Row row;
      for (int c = 0; c < PQnfields(res); ++c) {
        if (PQgetisnull(res, r, c)) {
          row.push_back(std::nullopt);
        } else {
          row.push_back(std::string(PQgetvalue(res, r, c), PQgetlength(res, r, c)));
        }
      }
      rows.push_back(std::move(row));
    }
  }
  PQclear(res);
  PQfinish(conn);
  return rows;
}

Opened OpenSnapshot(const std::string& db, const SourceOptions& options, const std::string& user) {
  Opened o;
  std::string url = PostgresUrl(db);
  if (!user.empty()) url.replace(url.find("postgres@"), 9, user + "@");
  auto source = OpenSource(url, options);
  EXPECT_TRUE(source.ok()) << source.status();
  if (!source.ok()) return o;
  o.source = std::move(*source);
  o.database = db;
  auto snapshot = o.source->BeginSnapshot({{db}, 4});
  EXPECT_TRUE(snapshot.ok()) << snapshot.status();
  if (snapshot.ok()) o.snapshot = std::move(*snapshot);
  return o;
}

TableInfo FindTable(const std::vector<TableInfo>& tables, const std::string& name) {
  for (const auto& t : tables) {
    if (t.schema == "public" && t.name == name) return t;
  }
  ADD_FAILURE() << "table public." << name << " is not listed";
  return {};
}

parquet::Schema SchemaOf(const TableInfo& table) {
  parquet::Schema schema;
  for (const auto& c : table.columns) schema.fields.push_back(c.field);
  return schema;
}

ChunkRows ReadChunk(Snapshot* snapshot, const TableInfo& table, const Chunk& chunk,
                    const parquet::Schema& schema) {
  ChunkRows out;
  auto reader = snapshot->OpenChunk(table, chunk, &schema, nullptr);
  EXPECT_TRUE(reader.ok()) << reader.status();
  if (!reader.ok()) return out;
  parquet::ColumnBatch batch(schema);
  for (;;) {
    auto more = (*reader)->Next(&batch);
    EXPECT_TRUE(more.ok()) << more.status();
    if (!more.ok() || !*more) break;
    ++out.batches;
    for (int64_t r = 0; r < batch.num_rows(); ++r) {
      Row row;
      for (int c = 0; c < batch.num_columns(); ++c) {
        const parquet::Field& f = schema.fields[c];
        const parquet::Column& col = batch.column(c);
        if (!col.valid[r]) {
          row.push_back(std::nullopt);
          continue;
        }
        if (!f.is_list) {
          row.push_back(Render(f, col, r));
          continue;
        }
        std::string joined;
        for (int64_t e = col.list_offsets[r]; e < col.list_offsets[r + 1]; ++e) {
          if (e > col.list_offsets[r]) joined += ",";
          joined += col.element_valid[e] ? Render(f, col, e) : "NULL";
        }
        row.push_back(joined);
      }
      out.rows.push_back(std::move(row));
    }
  }
  out.warnings = (*reader)->warnings();
  return out;
}

}  // namespace dbexport::source::testing
