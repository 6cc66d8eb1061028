// Every PostgreSQL type of the reference table, exported by the dbexport
// binary with each type mapping, read back by DuckDB and compared value by
// value with what PostgreSQL returns for the same rows.
//
// Values are compared as text. Where PostgreSQL's text form and DuckDB's
// legitimately differ for the same value, each side gets an expression that
// brings them to one form:
//   - floats: PostgreSQL prints Infinity/NaN/-0, DuckDB inf/nan/-0.0 and
//     1e+300: compared as parsed numbers (NaN equals NaN);
//   - bytea: PostgreSQL's hex form against DuckDB's hex() of the BLOB;
//   - char(n): the padded value, as the type's output function prints it
//     (a ::text cast would trim the padding the export keeps);
//   - inet/cidr: the output function (::text adds "/32" to host addresses);
//   - LISTs (native arrays): both sides as JSON (to_json), because DuckDB's
//     text of a list quotes elements by its own rules.
// Timestamps with time zone print in UTC on both sides.

#include <gtest/gtest.h>

#include <array>
#include <cmath>

#include "export_test_util.h"

namespace dbexport::testing {
namespace {

using json = nlohmann::json;

enum class Compare { kText, kFloat, kJson };

struct Expectation {
  std::string duck_type;  // DuckDB's type of the Parquet column
  Compare compare = Compare::kText;
  std::string pg_expr = "{}::text";  // {} is the column
  std::string duck_expr = "{}";
};

struct ColumnCase {
  std::string name;
  std::string type;
  std::array<std::string, 4> values;  // SQL literals of rows 1..4
  Expectation aws;
  Expectation native;
};

Expectation Text(std::string duck_type = "VARCHAR") { return {std::move(duck_type)}; }
Expectation Float(std::string duck_type) { return {std::move(duck_type), Compare::kFloat}; }
Expectation AsJson(std::string duck_type) {
  return {std::move(duck_type), Compare::kJson, "to_json({})::text", "to_json({})"};
}
Expectation Expr(std::string duck_type, std::string pg_expr, std::string duck_expr = "{}") {
  return {std::move(duck_type), Compare::kText, std::move(pg_expr), std::move(duck_expr)};
}

const std::vector<ColumnCase>& Columns() {
  static const std::vector<ColumnCase> columns = {
      {"c_bigint", "bigint", {"9223372036854775807", "-9223372036854775808", "NULL", "0"}, Text("BIGINT"), Text("BIGINT")},
      {"c_bigserial", "bigserial", {"1", "2", "3", "4"}, Text("BIGINT"), Text("BIGINT")},
      {"c_integer", "integer", {"2147483647", "-2147483648", "NULL", "42"}, Text("INTEGER"), Text("INTEGER")},
      {"c_serial", "serial", {"1", "2", "3", "4"}, Text("INTEGER"), Text("INTEGER")},
      {"c_smallint", "smallint", {"32767", "-32768", "NULL", "7"}, Text("SMALLINT"), Text("SMALLINT")},
      {"c_smallserial", "smallserial", {"1", "2", "3", "4"}, Text("SMALLINT"), Text("SMALLINT")},
      {"c_real", "real", {"3.14159", "'-Infinity'", "NULL", "'NaN'"}, Float("FLOAT"), Float("FLOAT")},
      {"c_double", "double precision", {"2.718281828459045", "1e300", "NULL", "'-0'"}, Float("DOUBLE"), Float("DOUBLE")},
      {"c_boolean", "boolean", {"true", "false", "NULL", "true"}, Text("BOOLEAN"), Text("BOOLEAN")},
      {"c_bytea", "bytea", {"'\\xdeadbeef00'", "''", "NULL", "convert_to('h\u00e9llo', 'UTF8')"},
       Expr("BLOB", "encode({}, 'hex')", "lower(hex({}))"), Expr("BLOB", "encode({}, 'hex')", "lower(hex({}))")},
      {"c_numeric", "numeric", {"12345678901234567890.123456789", "'NaN'", "NULL", "-0.000001"}, Text(), Text()},
      {"c_numeric_p", "numeric(10,2)", {"12345678.91", "-0.5", "NULL", "0"}, Text(), Text("DECIMAL(10,2)")},
      {"c_numeric_big", "numeric(38,10)", {"1234567890123456789012345678.0123456789", "-1", "NULL", "0.0000000001"},
       Text(), Text("DECIMAL(38,10)")},
      {"c_money", "money", {"1234.56", "-1", "NULL", "0"}, Text(), Text()},
      {"c_int_array", "integer[]", {"'{1,2,NULL}'", "'{}'", "NULL", "'{-5}'"}, Text(), AsJson("INTEGER[]")},
      {"c_text_array", "text[]", {"'{\"a\",\"b c\",NULL,\"x,y\",\"\\\"q\\\"\"}'", "'{}'", "NULL", "'{\u65e5\u672c\u8a9e}'"},
       Text(), AsJson("VARCHAR[]")},
      {"c_date", "date", {"'2023-07-19'", "'1970-01-01'", "NULL", "'0001-01-01'"}, Text(), Text("DATE")},
      {"c_time", "time", {"'12:34:56.789'", "'00:00:00'", "NULL", "'23:59:59.999999'"}, Text(), Text("TIME")},
      {"c_timetz", "timetz", {"'12:34:56+02'", "'00:00:00-05:30'", "NULL", "'23:59:59.5+00'"}, Text(), Text()},
      {"c_timestamp", "timestamp", {"'2023-07-19 23:21:00.123456'", "'1970-01-01 00:00:00'", "NULL", "'2000-02-29 12:00:00'"},
       Text(), Text("TIMESTAMP")},
      {"c_timestamptz", "timestamptz",
       {"'2023-07-19 23:21:00.5+02'", "'1970-01-01 00:00:00+00'", "NULL", "'2038-01-19 03:14:08+00'"}, Text(),
       Text("TIMESTAMP WITH TIME ZONE")},
      {"c_interval", "interval", {"'1 year 2 mons 3 days 04:05:06.7'", "'-1 day'", "NULL", "'0'"}, Text(), Text()},
      {"c_char", "char(5)", {"'ab'", "'h\u00e9llo'", "NULL", "''"}, Expr("VARCHAR", "textin(bpcharout({}))"),
       Expr("VARCHAR", "textin(bpcharout({}))")},
      {"c_qchar", "\"char\"", {"'a'", "'Z'", "NULL", "'1'"}, Text(), Text()},
      {"c_varchar", "varchar(20)", {"'h\u00e9llo w\u00f6rld'", "'\U0001F30D emoji'", "NULL", "''"}, Text(), Text()},
      {"c_text", "text", {"E'line1\\nline2 \"quoted\" \\\\ back\\ttab'", "'\u65e5\u672c\u8a9e\u30c6\u30ad\u30b9\u30c8'", "NULL", "''"},
       Text(), Text()},
      {"c_name", "name", {"'pg_name'", "'\u00fcn\u00efcode'", "NULL", "''"}, Text(), Text()},
      {"c_enum", "mood", {"'happy'", "'sad'", "NULL", "'ok'"}, Text(), Text()},
      {"c_bit", "bit(4)", {"B'1010'", "B'0000'", "NULL", "B'1111'"}, Text(), Text()},
      {"c_varbit", "varbit", {"B'1'", "B''", "NULL", "B'101010'"}, Text(), Text()},
      {"c_xml", "xml", {"'<a>b</a>'", "'<x/>'", "NULL", "'<\u65e5>\u672c</\u65e5>'"}, Text(), Text()},
      {"c_tsvector", "tsvector", {"'a fat cat'", "''", "NULL", "'\u00fcn\u00ef:1'"}, Text(), Text()},
      // The JSON logical type: DuckDB shows VARCHAR unless its json extension is loaded.
      {"c_json", "json", {"'{\"b\": 1, \"a\": [1,2]}'", "'[]'", "NULL", "'\"\u00fc\"'"}, Text(), Text()},
      {"c_jsonb", "jsonb", {"'{\"b\": 1, \"a\": [1,2]}'", "'[]'", "NULL", "'\"\u00fc\"'"}, Text(), Text()},
      {"c_uuid", "uuid",
       {"'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "'00000000-0000-0000-0000-000000000000'", "NULL",
        "'ffffffff-ffff-ffff-ffff-ffffffffffff'"},
       Text(), Text("UUID")},
      {"c_inet", "inet", {"'192.168.0.1'", "'::1'", "NULL", "'10.0.0.0/8'"}, Expr("VARCHAR", "textin(inet_out({}))"),
       Expr("VARCHAR", "textin(inet_out({}))")},
      {"c_cidr", "cidr", {"'10.0.0.0/8'", "'2001:db8::/32'", "NULL", "'192.168.1.0/24'"},
       Expr("VARCHAR", "textin(cidr_out({}))"), Expr("VARCHAR", "textin(cidr_out({}))")},
      {"c_macaddr", "macaddr", {"'08:00:2b:01:02:03'", "'00:00:00:00:00:00'", "NULL", "'ff:ff:ff:ff:ff:ff'"}, Text(), Text()},
      {"c_pg_lsn", "pg_lsn", {"'16/B374D848'", "'0/0'", "NULL", "'FFFFFFFF/FFFFFFFF'"}, Text(), Text()},
      {"c_range", "int4range", {"'[1,10)'", "'empty'", "NULL", "'(,5]'"}, Text(), Text()},
      {"c_composite", "pair", {"ROW(1, 'x y')", "ROW(NULL, NULL)", "NULL", "ROW(-1, '\u65e5')"}, Text(), Text()},
      {"c_domain", "posint", {"5", "1", "NULL", "2147483647"}, Text(), Text("INTEGER")},
      {"c_point", "point", {"'(1,2)'", "'(-1.5,0)'", "NULL", "'(0,0)'"}, Text(), Text()},
      {"c_circle", "circle", {"'<(0,0),1>'", "'<(1.5,-2),0.5>'", "NULL", "'<(0,0),0>'"}, Text(), Text()},
  };
  return columns;
}

// Columns of OID types: in the table, not in the export.
constexpr const char* kOidColumns[][3] = {
    {"c_oid", "oid", "1"},
    {"c_regclass", "regclass", "'pg_class'"},
};

std::string Substitute(const std::string& pattern, const std::string& column) {
  std::string out = pattern;
  size_t at = out.find("{}");
  if (at != std::string::npos) out.replace(at, 2, column);
  return out;
}

std::string SetupSql() {
  std::string sql =
      "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');\n"
      "CREATE TYPE pair AS (n integer, s text);\n"
      "CREATE DOMAIN posint AS integer CHECK (VALUE > 0);\n"
      "CREATE TABLE all_types (id bigint PRIMARY KEY";
  for (const ColumnCase& c : Columns()) sql += ", " + c.name + " " + c.type;
  for (const auto& o : kOidColumns) sql += std::string(", ") + o[0] + " " + o[1];
  sql += ");\n";
  for (int row = 0; row < 4; ++row) {
    sql += "INSERT INTO all_types VALUES (" + std::to_string(row + 1);
    for (const ColumnCase& c : Columns()) sql += ", " + c.values[row];
    for (const auto& o : kOidColumns) sql += std::string(", ") + (row == 2 ? "NULL" : o[2]);
    sql += ");\n";
  }
  // numeric(10,2) has no NaN in Parquet DECIMAL: NULL plus a warning (native).
  sql += "CREATE TABLE decimal_nan (id integer PRIMARY KEY, d numeric(10,2));\n"
         "INSERT INTO decimal_nan VALUES (1, 'NaN'), (2, 1.5), (3, NULL);\n";
  return sql;
}

bool SameFloat(const std::string& pg, const std::string& duck) {
  double a = std::strtod(pg.c_str(), nullptr);
  double b = std::strtod(duck.c_str(), nullptr);
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return a == b;
}

void ExpectSameValue(Compare compare, const std::string& column, int row, const json& pg,
                     const std::optional<std::string>& duck) {
  SCOPED_TRACE(column + " row " + std::to_string(row + 1));
  if (pg.is_null()) {
    EXPECT_FALSE(duck.has_value()) << *duck;
    return;
  }
  ASSERT_TRUE(duck.has_value()) << "NULL in Parquet, PostgreSQL has " << pg;
  std::string expected = pg.get<std::string>();
  switch (compare) {
    case Compare::kText: EXPECT_EQ(*duck, expected); break;
    case Compare::kFloat: EXPECT_TRUE(SameFloat(expected, *duck)) << expected << " vs " << *duck; break;
    case Compare::kJson: EXPECT_EQ(json::parse(*duck), json::parse(expected)) << *duck; break;
  }
}

class ExportTypes : public ::testing::TestWithParam<std::string> {};

TEST_P(ExportTypes, EveryTypeRoundTripsThroughDuckDb) {
  const std::string mapping = GetParam();
  const bool native = mapping == "native";
  const std::string db = "exptest_types_" + mapping;
  ASSERT_TRUE(RecreateDatabase(db, SetupSql()).ok());
  std::string out = MakeTempDir("types-" + mapping);

  CommandResult r = RunDbexport({"run", "--source", PostgresUrl(db), "--dest", out, "--task-id", "types-" + mapping,
                                 "--type-mapping", mapping, "--progress", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  std::string table_dir = out + "/types-" + mapping + "/" + db + "/public.all_types";
  // Every page of every type decodes (dbexport verify --deep).
  CommandResult deep = RunDbexport({"verify", "--deep", out + "/types-" + mapping});
  EXPECT_EQ(deep.exit_code, 0) << deep.err << deep.out;

  // Column names and DuckDB types: every column but the OID ones.
  auto schema = DuckDbQuery("SELECT * FROM read_parquet('" + table_dir + "/**/*.parquet') LIMIT 0");
  ASSERT_TRUE(schema.ok()) << schema.status();
  std::vector<std::string> expected_names{"id"}, expected_types{"BIGINT"};
  for (const ColumnCase& c : Columns()) {
    expected_names.push_back(c.name);
    expected_types.push_back(native ? c.native.duck_type : c.aws.duck_type);
  }
  EXPECT_EQ(schema->columns, expected_names);
  ASSERT_EQ(schema->types.size(), expected_types.size());
  for (size_t i = 0; i < expected_types.size(); ++i) {
    EXPECT_EQ(schema->types[i], expected_types[i]) << expected_names[i];
  }

  // Values, row by row, column by column.
  std::string pg_list = "id::text";
  std::string duck_list = "id";
  for (const ColumnCase& c : Columns()) {
    const Expectation& e = native ? c.native : c.aws;
    pg_list += ", " + Substitute(e.pg_expr, c.name);
    duck_list += ", " + Substitute(e.duck_expr, c.name);
  }
  auto pg = PgJson(PostgresUrl(db), "SELECT json_agg(json_build_array(" + pg_list + ") ORDER BY id) FROM all_types");
  ASSERT_TRUE(pg.ok()) << pg.status();
  auto duck = DuckDbQueries({"SET TimeZone = 'UTC'", "SELECT " + duck_list + " FROM read_parquet('" + table_dir +
                                                         "/**/*.parquet') ORDER BY id"});
  ASSERT_TRUE(duck.ok()) << duck.status();
  const QueryResult& rows = (*duck)[1];
  ASSERT_EQ(rows.rows.size(), 4u);
  ASSERT_EQ(pg->size(), 4u);
  for (int row = 0; row < 4; ++row) {
    EXPECT_EQ(rows.rows[row][0], (*pg)[row][0].get<std::string>());
    for (size_t i = 0; i < Columns().size(); ++i) {
      const ColumnCase& c = Columns()[i];
      ExpectSameValue((native ? c.native : c.aws).compare, c.name, row, (*pg)[row][i + 1], rows.rows[row][i + 1]);
    }
  }

  // The manifest: counts, types, and the OID columns left out.
  auto tables = ReadJsonFile(out + "/types-" + mapping + "/export_tables_info_types-" + mapping + "_from_1_to_2.json");
  ASSERT_TRUE(tables.ok()) << tables.status();
  const json* entry = nullptr;
  for (const json& t : (*tables)["perTableStatus"]) {
    if (t["target"] == db + ".public.all_types") entry = &t;
  }
  ASSERT_NE(entry, nullptr) << tables->dump(2);
  EXPECT_EQ((*entry)["status"], "COMPLETE");
  EXPECT_EQ((*entry)["tableStatistics"]["numberOfRows"], 4);
  EXPECT_EQ((*entry)["tableStatistics"]["partitioningInfo"]["constraintType"], "PRIMARY_KEY");
  const json& mappings = (*entry)["schemaMetadata"]["originalTypeMappings"];
  ASSERT_EQ(mappings.size(), Columns().size() + 1);
  EXPECT_EQ(mappings[0]["columnName"], "id");
  EXPECT_EQ(mappings[0]["originalType"], "bigint");
  EXPECT_EQ(mappings[0]["expectedExportedType"], "int64");
  for (const json& m : mappings) {
    EXPECT_NE(m["columnName"], "c_oid");
    EXPECT_NE(m["columnName"], "c_regclass");
    if (m["columnName"] == "c_date") {
      EXPECT_EQ(m["expectedExportedType"], native ? "int32 (DATE)" : "binary (UTF8)");
    }
    if (m["columnName"] == "c_timestamptz") {
      EXPECT_EQ(m["originalType"], "timestamp with time zone");
      EXPECT_EQ(m["originalDateTimePrecision"], 6);
    }
    if (m["columnName"] == "c_numeric_p") {
      EXPECT_EQ(m["originalNumPrecision"], 10);
      EXPECT_EQ(m["originalNumScale"], 2);
    }
    if (m["columnName"] == "c_varchar") {
      EXPECT_EQ(m["originalCharMaxLength"], 20);
    }
  }

  // A DECIMAL cannot hold NaN: the native mapping writes NULL and says so.
  auto nan_rows = DuckDbQuery("SELECT id, d FROM read_parquet('" + out + "/types-" + mapping + "/" + db +
                              "/public.decimal_nan/**/*.parquet') ORDER BY id");
  ASSERT_TRUE(nan_rows.ok()) << nan_rows.status();
  ASSERT_EQ(nan_rows->rows.size(), 3u);
  EXPECT_EQ(nan_rows->rows[0][1], native ? std::nullopt : std::optional<std::string>("NaN"));
  EXPECT_EQ(nan_rows->rows[1][1], std::optional<std::string>(native ? "1.50" : "1.50"));
  auto info = ReadJsonFile(out + "/types-" + mapping + "/export_info_types-" + mapping + ".json");
  ASSERT_TRUE(info.ok()) << info.status();
  if (native) {
    json warning = json::parse((*info)["warningMessage"].get<std::string>());
    ASSERT_EQ(warning["general"].size(), 1u) << warning.dump();
    EXPECT_EQ(warning["general"][0]["reason"], "VALUES_EXPORTED_AS_NULL");
    EXPECT_EQ(warning["general"][0]["target"], db + ".public.decimal_nan");
  } else {
    EXPECT_FALSE(info->contains("warningMessage")) << info->dump(2);
  }
}

INSTANTIATE_TEST_SUITE_P(Mappings, ExportTypes, ::testing::Values("aws", "native"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace dbexport::testing
