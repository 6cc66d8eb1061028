// Every type of the `native` mapping, exported by the dbexport binary from
// PostgreSQL and from MariaDB, read by three independent Parquet readers:
// DuckDB, arrow-rs (npm parquet-wasm) and hyparquet. For each column the test
// asserts the type each reader gives (docs/type-mapping.md, "What readers
// see") and compares every value of every row, NULLs included, with the
// source database.
//
// Values are compared in one canonical text form per kind of column, which
// the source produces with an SQL expression and each reader's value is
// brought to (see Canonical()): integers and exact decimals as printed,
// bytes as lowercase hex, dates YYYY-MM-DD, times HH:MM:SS.ffffff,
// timestamps YYYY-MM-DD HH:MM:SS.ffffff in UTC, UUIDs as 32 hex digits,
// JSON as the parsed document. Floats compare as numbers (NaN equals NaN);
// hyparquet converts DECIMAL to a JavaScript number, so its decimals compare
// with the source value rounded to a double.

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <map>
#include <sstream>

#include "export_test_util.h"
#include "support/parquet_readers.h"

namespace dbexport::testing {
namespace {

using json = nlohmann::json;

enum class Kind { kInt, kFloat32, kFloat64, kDecimal, kBool, kText, kBytes, kDate, kTime, kTimestamp, kUuid, kJson };

struct Col {
  std::string name;
  std::string sql_type;
  std::array<std::string, 4> values;  // SQL literals of rows 1..4
  Kind kind;
  std::string duckdb;     // DuckDB's type
  std::string arrow;      // the Arrow type parquet-wasm (arrow-rs) reads
  std::string hyparquet;  // the JavaScript type of hyparquet's values
  bool list = false;      // PostgreSQL array: LIST of the element
  std::string source_expr = "";  // canonical text of x in the source; "" = by kind
};

// ---------------------------------------------------------------------------
// Canonical text of a reader's value.

std::string PadFraction(const std::string& t) {
  // "HH:MM:SS[.f+]" (or a timestamp ending so) with six fraction digits.
  size_t colon = t.rfind(':');
  size_t dot = t.find('.', colon == std::string::npos ? 0 : colon);
  if (dot == std::string::npos) return t + ".000000";
  std::string frac = t.substr(dot + 1);
  frac.resize(6, '0');
  return t.substr(0, dot + 1) + frac;
}

std::string MicrosToTime(int64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld.%06lld", static_cast<long long>(us / 3600000000),
                static_cast<long long>(us / 60000000 % 60), static_cast<long long>(us / 1000000 % 60),
                static_cast<long long>(us % 1000000));
  return buf;
}

std::string Text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

// `parsed_json`: the reader already parsed JSON columns (hyparquet).
std::string Canonical(Kind kind, const json& v, bool parsed_json) {
  std::string s = Text(v);
  switch (kind) {
    case Kind::kBytes:
    case Kind::kUuid: {
      std::string out;
      for (char c : s) {
        if (c != '-') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      return out;
    }
    case Kind::kTime:
      if (!s.empty() && s.find(':') == std::string::npos) return MicrosToTime(std::stoll(s));  // micros
      return PadFraction(s);
    case Kind::kTimestamp: {
      if (s.size() > 10 && s[10] == 'T') s[10] = ' ';
      for (const char* zone : {"Z", "+00:00", "+00"}) {
        if (s.ends_with(zone)) s.resize(s.size() - std::strlen(zone));
      }
      return PadFraction(s);
    }
    case Kind::kJson:
      return (parsed_json ? v : json::parse(s)).dump();
    default:
      return s;
  }
}

bool SameNumber(const std::string& expected, const json& got, Kind kind, bool approx) {
  double a = std::strtod(expected.c_str(), nullptr);
  double b = got.is_number() ? got.get<double>() : std::strtod(Text(got).c_str(), nullptr);
  if (kind == Kind::kFloat32) {
    a = std::strtof(expected.c_str(), nullptr);
    b = static_cast<float>(b);
  }
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (approx) return a == b || std::fabs(a - b) <= 4e-16 * std::fabs(a);
  return a == b && std::signbit(a) == std::signbit(b);
}

// Compares one reader value with the source's canonical text (a JSON string,
// null, or for lists an array of them).
void ExpectValue(const Col& c, const json& source, const json& got, const std::string& reader, bool parsed_json,
                 bool decimal_as_double) {
  if (source.is_null()) {
    EXPECT_TRUE(got.is_null()) << reader << ": " << got.dump();
    return;
  }
  ASSERT_FALSE(got.is_null()) << reader << " reads NULL, the source has " << source.dump();
  if (c.list) {
    ASSERT_TRUE(got.is_array()) << reader << ": " << got.dump();
    ASSERT_EQ(got.size(), source.size()) << reader << ": " << got.dump() << " vs " << source.dump();
    Col element = c;
    element.list = false;
    for (size_t i = 0; i < got.size(); ++i) {
      SCOPED_TRACE("element " + std::to_string(i));
      ExpectValue(element, source[i], got[i], reader, parsed_json, decimal_as_double);
    }
    return;
  }
  const std::string expected = source.get<std::string>();
  if (c.kind == Kind::kFloat32 || c.kind == Kind::kFloat64) {
    EXPECT_TRUE(SameNumber(expected, got, c.kind, false)) << reader << ": " << got.dump() << " vs " << expected;
  } else if (c.kind == Kind::kDecimal && decimal_as_double) {
    EXPECT_TRUE(got.is_number()) << reader << ": " << got.dump();
    EXPECT_TRUE(SameNumber(expected, got, c.kind, true)) << reader << ": " << got.dump() << " vs " << expected;
  } else if (c.kind == Kind::kBool) {
    EXPECT_EQ(Text(got), expected) << reader;
  } else {
    EXPECT_EQ(Canonical(c.kind, got, parsed_json), Canonical(c.kind, json(expected), false)) << reader;
  }
}

// ---------------------------------------------------------------------------
// Reading an export with the three readers.

struct Readings {
  std::vector<std::string> duck_types;
  std::vector<json> duck_rows;  // each row: [id, values...] as canonical source-like text
  ReaderTable arrow;
  ReaderTable hyparquet;
};

std::vector<std::string> ParquetFiles(const std::string& dir) {
  std::vector<std::string> files;
  for (const std::string& f : ListFiles(dir)) {
    if (f.ends_with(".parquet")) files.push_back(dir + "/" + f);
  }
  return files;
}

// DuckDB: the scalar as its VARCHAR text (bytes through hex()), a list as a
// JSON array of its elements' text.
std::string DuckExpr(const Col& c) {
  auto scalar = [&](const std::string& x) {
    if (c.kind == Kind::kBytes) return "lower(hex(" + x + "))";
    return "CAST(" + x + " AS VARCHAR)";
  };
  if (!c.list) return scalar(c.name);
  return "CAST(to_json(list_transform(" + c.name + ", x -> " + scalar("x") + ")) AS VARCHAR)";
}

// Rows sorted by the first column (id, an integer), from all files.
void SortById(std::vector<std::vector<json>>* rows) {
  std::sort(rows->begin(), rows->end(), [](const auto& a, const auto& b) {
    return std::stoll(Text(a[0])) < std::stoll(Text(b[0]));
  });
}

void ReadAll(const std::string& dir, const std::vector<Col>& cols, Readings* out) {
  std::vector<std::string> files = ParquetFiles(dir);
  ASSERT_FALSE(files.empty()) << "no Parquet file under " << dir;
  std::string glob = "read_parquet('" + dir + "/**/*.parquet')";
  auto schema = DuckDbQuery("SELECT * FROM " + glob + " LIMIT 0");
  ASSERT_TRUE(schema.ok()) << schema.status();
  out->duck_types = schema->types;
  std::string list = "id";
  for (const Col& c : cols) list += ", " + DuckExpr(c);
  auto duck = DuckDbQueries({"SET TimeZone = 'UTC'", "SELECT " + list + " FROM " + glob + " ORDER BY id"});
  ASSERT_TRUE(duck.ok()) << duck.status();
  for (const auto& row : (*duck)[1].rows) {
    json r = json::array();
    for (size_t i = 0; i < row.size(); ++i) {
      if (!row[i]) {
        r.push_back(nullptr);
      } else if (i > 0 && cols[i - 1].list) {
        r.push_back(json::parse(*row[i]));
      } else {
        r.push_back(*row[i]);
      }
    }
    out->duck_rows.push_back(r);
  }
  for (const std::string& file : files) {
    auto arrow = ReadWithParquetWasm(file);
    ASSERT_TRUE(arrow.ok()) << arrow.status();
    auto hyp = ReadWithHyparquet(file);
    ASSERT_TRUE(hyp.ok()) << hyp.status();
    if (out->arrow.columns.empty()) out->arrow.columns = arrow->columns;
    if (out->hyparquet.columns.empty()) out->hyparquet.columns = hyp->columns;
    for (auto& r : arrow->rows) out->arrow.rows.push_back(std::move(r));
    for (auto& r : hyp->rows) out->hyparquet.rows.push_back(std::move(r));
  }
  SortById(&out->arrow.rows);
  SortById(&out->hyparquet.rows);
}

// Checks types and values of all three readers against `source` (rows of
// [id, canonical text...] sorted by id).
void CheckReaders(const std::vector<Col>& cols, const json& source, const Readings& got) {
  ASSERT_EQ(got.duck_types.size(), cols.size() + 1);
  ASSERT_EQ(got.arrow.columns.size(), cols.size() + 1);
  ASSERT_EQ(got.hyparquet.columns.size(), cols.size() + 1);
  for (size_t i = 0; i < cols.size(); ++i) {
    const Col& c = cols[i];
    EXPECT_EQ(got.arrow.columns[i + 1].name, c.name);
    EXPECT_EQ(got.hyparquet.columns[i + 1].name, c.name);
    EXPECT_EQ(got.duck_types[i + 1], c.duckdb) << c.name << " (" << c.sql_type << "): DuckDB type";
    EXPECT_EQ(got.arrow.columns[i + 1].type, c.arrow) << c.name << " (" << c.sql_type << "): arrow-rs type";
    EXPECT_EQ(got.hyparquet.columns[i + 1].type, c.hyparquet)
        << c.name << " (" << c.sql_type << "): hyparquet value type; column "
        << got.hyparquet.columns[i + 1].details.dump();
  }
  ASSERT_EQ(got.duck_rows.size(), source.size());
  ASSERT_EQ(got.arrow.rows.size(), source.size());
  ASSERT_EQ(got.hyparquet.rows.size(), source.size());
  for (size_t row = 0; row < source.size(); ++row) {
    EXPECT_EQ(Text(got.arrow.rows[row][0]), source[row][0].get<std::string>());
    EXPECT_EQ(Text(got.hyparquet.rows[row][0]), source[row][0].get<std::string>());
    for (size_t i = 0; i < cols.size(); ++i) {
      const Col& c = cols[i];
      SCOPED_TRACE(c.name + " (" + c.sql_type + ") row " + std::to_string(row + 1));
      const json& expected = source[row][i + 1];
      ExpectValue(c, expected, got.duck_rows[row][i + 1], "DuckDB", false, false);
      ExpectValue(c, expected, got.arrow.rows[row][i + 1], "arrow-rs", false, false);
      ExpectValue(c, expected, got.hyparquet.rows[row][i + 1], "hyparquet", true, true);
    }
  }
}

std::string Substitute(const std::string& pattern, const std::string& x) {
  std::string out = pattern;
  for (size_t at = out.find("{}"); at != std::string::npos; at = out.find("{}", at + x.size())) {
    out.replace(at, 2, x);
  }
  return out;
}

// ---------------------------------------------------------------------------
// PostgreSQL

std::string PgCanonical(Kind kind) {
  switch (kind) {
    case Kind::kBytes: return "encode({}, 'hex')";
    case Kind::kDate: return "to_char({}, 'YYYY-MM-DD')";
    case Kind::kTime: return "to_char({}, 'HH24:MI:SS.US')";
    case Kind::kTimestamp: return "to_char({}, 'YYYY-MM-DD HH24:MI:SS.US')";
    default: return "{}::text";
  }
}

const std::vector<Col>& PgColumns() {
  // clang-format off
  static const std::vector<Col> cols = {
      {"c_bigint", "bigint", {"9223372036854775807", "-9223372036854775808", "NULL", "0"}, Kind::kInt, "BIGINT", "Int64", "bigint"},
      {"c_integer", "integer", {"2147483647", "-2147483648", "NULL", "42"}, Kind::kInt, "INTEGER", "Int32", "number"},
      {"c_smallint", "smallint", {"32767", "-32768", "NULL", "7"}, Kind::kInt, "SMALLINT", "Int16", "number"},
      {"c_domain", "posint", {"5", "1", "NULL", "2147483647"}, Kind::kInt, "INTEGER", "Int32", "number"},
      {"c_real", "real", {"3.14159", "'-Infinity'", "NULL", "'NaN'"}, Kind::kFloat32, "FLOAT", "Float32", "number"},
      {"c_double", "double precision", {"2.718281828459045", "1e300", "NULL", "'-0'"}, Kind::kFloat64, "DOUBLE", "Float64", "number"},
      {"c_boolean", "boolean", {"true", "false", "NULL", "true"}, Kind::kBool, "BOOLEAN", "Bool", "boolean"},
      {"c_bytea", "bytea", {"'\\xdeadbeef00ff'", "''", "NULL", "convert_to('h\u00e9llo', 'UTF8')"}, Kind::kBytes, "BLOB", "Binary", "string"},
      {"c_numeric_4_2", "numeric(4,2)", {"12.34", "-99.99", "NULL", "0"}, Kind::kDecimal, "DECIMAL(4,2)", "Decimal128(4, 2)", "number"},
      {"c_numeric_9_0", "numeric(9,0)", {"999999999", "-1", "NULL", "0"}, Kind::kDecimal, "DECIMAL(9,0)", "Decimal128(9, 0)", "number"},
      {"c_numeric_18_6", "numeric(18,6)", {"123456789012.345678", "-0.000001", "NULL", "0"}, Kind::kDecimal, "DECIMAL(18,6)", "Decimal128(18, 6)", "number"},
      {"c_numeric_20_0", "numeric(20,0)", {"99999999999999999999", "-12345678901234567890", "NULL", "0"}, Kind::kDecimal, "DECIMAL(20,0)", "Decimal128(20, 0)", "number"},
      {"c_numeric_38_10", "numeric(38,10)", {"1234567890123456789012345678.0123456789", "-1", "NULL", "0.0000000001"}, Kind::kDecimal, "DECIMAL(38,10)", "Decimal128(38, 10)", "number"},
      {"c_numeric", "numeric", {"12345678901234567890.123456789", "'NaN'", "NULL", "-0.000001"}, Kind::kText, "VARCHAR", "Utf8", "string"},
      {"c_numeric_50_5", "numeric(50,5)", {"123456789012345678901234567890123456789012345.12345", "-1.5", "NULL", "0"}, Kind::kText, "VARCHAR", "Utf8", "string"},
      {"c_money", "money", {"1234.56", "-1", "NULL", "0"}, Kind::kText, "VARCHAR", "Utf8", "string"},
      {"c_date", "date", {"'2023-07-19'", "'1970-01-01'", "NULL", "'0001-01-01'"}, Kind::kDate, "DATE", "Date32", "Date"},
      {"c_time", "time", {"'12:34:56.789'", "'00:00:00'", "NULL", "'23:59:59.999999'"}, Kind::kTime, "TIME", "Time64(MICROSECOND)", "bigint"},
      {"c_timetz", "timetz", {"'12:34:56+02'", "'00:00:00-05:30'", "NULL", "'23:59:59.5+00'"}, Kind::kText, "VARCHAR", "Utf8", "string"},
      {"c_timestamp", "timestamp", {"'2023-07-19 23:21:00.123456'", "'1970-01-01 00:00:00'", "NULL", "'1900-02-28 12:00:00.5'"}, Kind::kTimestamp, "TIMESTAMP", "Timestamp(MICROSECOND)", "Date"},
      {"c_timestamptz", "timestamptz", {"'2023-07-19 23:21:00.5+02'", "'1970-01-01 00:00:00+00'", "NULL", "'2038-01-19 03:14:08.000001+00'"}, Kind::kTimestamp, "TIMESTAMP WITH TIME ZONE", "Timestamp(MICROSECOND, UTC)", "Date"},
      {"c_interval", "interval", {"'1 year 2 mons 3 days 04:05:06.7'", "'-1 day'", "NULL", "'0'"}, Kind::kText, "VARCHAR", "Utf8", "string"},
      {"c_char", "char(5)", {"'ab'", "'h\u00e9llo'", "NULL", "''"}, Kind::kText, "VARCHAR", "Utf8", "string", false, "textin(bpcharout({}))"},
      {"c_varchar", "varchar(20)", {"'h\u00e9llo w\u00f6rld'", "'\U0001F30D emoji'", "NULL", "''"}, Kind::kText, "VARCHAR", "Utf8", "string"},
      {"c_text", "text", {"E'line1\\nline2 \"quoted\" \\\\ back\\ttab'", "'\u65e5\u672c\u8a9e'", "NULL", "''"}, Kind::kText, "VARCHAR", "Utf8", "string"},
      {"c_enum", "mood", {"'happy'", "'sad'", "NULL", "'ok'"}, Kind::kText, "VARCHAR", "Utf8", "string"},
      {"c_uuid", "uuid", {"'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "'00000000-0000-0000-0000-000000000000'", "NULL", "'ffffffff-ffff-ffff-ffff-ffffffffffff'"}, Kind::kUuid, "UUID", "FixedSizeBinary(16)", "string"},
      {"c_json", "json", {"'{\"b\": 1, \"a\": [1, 2.5, \"x\"]}'", "'[]'", "NULL", "'\"\u00fc\"'"}, Kind::kJson, "VARCHAR", "Utf8", "object"},
      {"c_jsonb", "jsonb", {"'{\"b\": {\"c\": null}, \"a\": true}'", "'1'", "NULL", "'\"\u00fc\"'"}, Kind::kJson, "VARCHAR", "Utf8", "object"},
      {"c_inet", "inet", {"'192.168.0.1'", "'::1'", "NULL", "'10.0.0.0/8'"}, Kind::kText, "VARCHAR", "Utf8", "string", false, "textin(inet_out({}))"},
      {"c_cidr", "cidr", {"'10.0.0.0/8'", "'2001:db8::/32'", "NULL", "'192.168.1.0/24'"}, Kind::kText, "VARCHAR", "Utf8", "string", false, "textin(cidr_out({}))"},
      {"c_macaddr", "macaddr", {"'08:00:2b:01:02:03'", "'00:00:00:00:00:00'", "NULL", "'ff:ff:ff:ff:ff:ff'"}, Kind::kText, "VARCHAR", "Utf8", "string"},
      {"c_bit", "bit(4)", {"B'1010'", "B'0000'", "NULL", "B'1111'"}, Kind::kText, "VARCHAR", "Utf8", "string"},
      {"c_varbit", "varbit", {"B'1'", "B''", "NULL", "B'101010'"}, Kind::kText, "VARCHAR", "Utf8", "string"},
      {"c_xml", "xml", {"'<a>b</a>'", "'<x/>'", "NULL", "'<r>\u672c</r>'"}, Kind::kText, "VARCHAR", "Utf8", "string"},
      {"c_range", "int4range", {"'[1,10)'", "'empty'", "NULL", "'(,5]'"}, Kind::kText, "VARCHAR", "Utf8", "string"},
      {"c_point", "point", {"'(1,2)'", "'(-1.5,0)'", "NULL", "'(0,0)'"}, Kind::kText, "VARCHAR", "Utf8", "string"},
      {"c_int_array", "integer[]", {"'{1,2,NULL}'", "'{}'", "NULL", "'{{1,2},{3,4}}'"}, Kind::kInt, "INTEGER[]", "List<Int32>", "Array<number>", true},
      {"c_bigint_array", "bigint[]", {"'{9223372036854775807,NULL}'", "'{}'", "NULL", "'{-1}'"}, Kind::kInt, "BIGINT[]", "List<Int64>", "Array<bigint>", true},
      {"c_text_array", "text[]", {"'{\"a\",\"b c\",NULL,\"x,y\"}'", "'{}'", "NULL", "'{\u65e5\u672c}'"}, Kind::kText, "VARCHAR[]", "List<Utf8>", "Array<string>", true},
      {"c_numeric_array", "numeric(10,2)[]", {"'{1.50,-2.25,NULL}'", "'{}'", "NULL", "'{99999999.99}'"}, Kind::kDecimal, "DECIMAL(10,2)[]", "List<Decimal128(10, 2)>", "Array<number>", true},
      {"c_date_array", "date[]", {"'{2024-02-29,NULL}'", "'{}'", "NULL", "'{1970-01-01}'"}, Kind::kDate, "DATE[]", "List<Date32>", "Array<Date>", true},
      {"c_timestamptz_array", "timestamptz[]", {"'{\"2024-02-29 11:34:56.5+00\",NULL}'", "'{}'", "NULL", "'{\"1970-01-01 00:00:00+00\"}'"}, Kind::kTimestamp, "TIMESTAMP WITH TIME ZONE[]", "List<Timestamp(MICROSECOND, UTC)>", "Array<Date>", true},
      {"c_uuid_array", "uuid[]", {"'{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,NULL}'", "'{}'", "NULL", "'{00000000-0000-0000-0000-000000000001}'"}, Kind::kUuid, "UUID[]", "List<FixedSizeBinary(16)>", "Array<string>", true},
      {"c_enum_array", "mood[]", {"'{happy,NULL,sad}'", "'{}'", "NULL", "'{ok}'"}, Kind::kText, "VARCHAR[]", "List<Utf8>", "Array<string>", true},
      {"c_inet_array", "inet[]", {"'{10.0.0.1,NULL}'", "'{}'", "NULL", "'{::1}'"}, Kind::kText, "VARCHAR[]", "List<Utf8>", "Array<string>", true},
      {"c_bool_array", "boolean[]", {"'{true,NULL,false}'", "'{}'", "NULL", "'{true}'"}, Kind::kBool, "BOOLEAN[]", "List<Bool>", "Array<boolean>", true},
      {"c_bytea_array", "bytea[]", {"'{\"\\\\x00ff\",NULL}'", "'{}'", "NULL", "'{\"\\\\x\"}'"}, Kind::kBytes, "BLOB[]", "List<Binary>", "Array<string>", true},
  };
  // clang-format on
  return cols;
}

// The source's canonical text of column `c`: a JSON string per value, for an
// array a JSON array of its elements in row-major order.
std::string PgSourceExpr(const Col& c) {
  std::string pattern = c.source_expr.empty() ? PgCanonical(c.kind) : c.source_expr;
  if (!c.list) return Substitute(pattern, c.name);
  // Array elements of text-mapped types: each element cast to text.
  if (c.source_expr.empty() && c.kind == Kind::kText) pattern = "{}::text";
  return "CASE WHEN " + c.name + " IS NULL THEN NULL ELSE COALESCE((SELECT json_agg(" + Substitute(pattern, "x") +
         " ORDER BY o) FROM unnest(" + c.name + ") WITH ORDINALITY AS u(x, o)), '[]'::json) END";
}

TEST(ReaderMatrix, PostgresNativeTypesReadAsIntendedByDuckDbArrowRsAndHyparquet) {
  const std::string db = "exptest_reader_matrix";
  std::string setup =
      "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');\n"
      "CREATE DOMAIN posint AS integer CHECK (VALUE > 0);\n"
      "CREATE TABLE all_native (id bigint PRIMARY KEY";
  for (const Col& c : PgColumns()) setup += ", " + c.name + " " + c.sql_type;
  setup += ");\n";
  for (int row = 0; row < 4; ++row) {
    setup += "INSERT INTO all_native VALUES (" + std::to_string(row + 1);
    for (const Col& c : PgColumns()) setup += ", " + c.values[row];
    setup += ");\n";
  }
  Status created = RecreateDatabase(db, setup);
  ASSERT_TRUE(created.ok()) << created;
  std::string out = MakeTempDir("reader-matrix-pg");
  CommandResult r = RunDbexport({"run", "--source", PostgresUrl(db), "--dest", out, "--task-id", "readers",
                                 "--type-mapping", "native", "--progress", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;

  std::string list = "id::text";
  for (const Col& c : PgColumns()) list += ", " + PgSourceExpr(c);
  auto source = PgJson(PostgresUrl(db), "SELECT json_agg(json_build_array(" + list + ") ORDER BY id) FROM all_native");
  ASSERT_TRUE(source.ok()) << source.status();
  ASSERT_EQ(source->size(), 4u);

  Readings got;
  ReadAll(out + "/readers/" + db + "/public.all_native", PgColumns(), &got);
  if (HasFatalFailure()) return;
  CheckReaders(PgColumns(), *source, got);
}

// ---------------------------------------------------------------------------
// MySQL / MariaDB

std::string MySqlUrl(const std::string& database = "") {
  const char* url = std::getenv("DBX_TEST_MYSQL_URL");
  if (url == nullptr || *url == '\0') {
    ADD_FAILURE() << "DBX_TEST_MYSQL_URL is not set: run the tests through scripts/test, which starts MariaDB";
    return "mysql://root@127.0.0.1:1";
  }
  return std::string(url) + (database.empty() ? "" : "/" + database);
}

// Runs SQL through the mariadb client (session time zone UTC); returns its
// tab-separated output.
Result<std::string> MySql(const std::string& sql) {
  std::string url = MySqlUrl();
  std::string hostport = url.substr(url.find('@') + 1);
  CommandResult r = RunCommand({"mariadb", "--no-defaults", "--default-character-set=utf8mb4", "-h",
                                hostport.substr(0, hostport.find(':')), "-P", hostport.substr(hostport.find(':') + 1),
                                "-uroot", "--batch", "--skip-column-names", "--raw"},
                               "SET sql_mode = ''; SET time_zone = '+00:00';\n" + sql);
  if (r.exit_code != 0) return Internal("mariadb: " + r.err);
  return r.out;
}

std::string MySqlCanonical(Kind kind) {
  switch (kind) {
    case Kind::kBytes: return "LOWER(HEX({}))";
    case Kind::kDate: return "DATE_FORMAT({}, '%Y-%m-%d')";
    case Kind::kTime: return "TIME_FORMAT({}, '%H:%i:%s.%f')";
    case Kind::kTimestamp: return "DATE_FORMAT({}, '%Y-%m-%d %H:%i:%s.%f')";
    default: return "CAST({} AS CHAR)";
  }
}

const std::vector<Col>& MySqlColumns() {
  // clang-format off
  static const std::vector<Col> cols = {
      {"c_bigint", "bigint", {"-9223372036854775808", "9223372036854775807", "NULL", "0"}, Kind::kInt, "BIGINT", "Int64", "bigint"},
      {"c_ubigint", "bigint unsigned", {"18446744073709551615", "0", "NULL", "9007199254740993"}, Kind::kInt, "UBIGINT", "Uint64", "bigint"},
      {"c_int", "int", {"-2147483648", "2147483647", "NULL", "0"}, Kind::kInt, "INTEGER", "Int32", "number"},
      {"c_uint", "int unsigned", {"4294967295", "0", "NULL", "2147483648"}, Kind::kInt, "UINTEGER", "Uint32", "number"},
      {"c_medium", "mediumint", {"-8388608", "8388607", "NULL", "0"}, Kind::kInt, "INTEGER", "Int32", "number"},
      {"c_umedium", "mediumint unsigned", {"16777215", "0", "NULL", "1"}, Kind::kInt, "INTEGER", "Int32", "number"},
      {"c_small", "smallint", {"-32768", "32767", "NULL", "0"}, Kind::kInt, "SMALLINT", "Int16", "number"},
      {"c_usmall", "smallint unsigned", {"65535", "0", "NULL", "32768"}, Kind::kInt, "USMALLINT", "Uint16", "number"},
      {"c_tiny", "tinyint", {"-128", "127", "NULL", "0"}, Kind::kInt, "TINYINT", "Int8", "number"},
      {"c_utiny", "tinyint unsigned", {"255", "0", "NULL", "128"}, Kind::kInt, "UTINYINT", "Uint8", "number"},
      {"c_year", "year", {"2155", "1901", "NULL", "2024"}, Kind::kInt, "INTEGER", "Int32", "number"},
      {"c_bit", "bit(64)", {"18446744073709551615", "0", "NULL", "b'101'"}, Kind::kInt, "UBIGINT", "Uint64", "bigint", false, "CAST({} + 0 AS CHAR)"},
      {"c_dec9", "decimal(9,2)", {"-1234567.89", "9999999.99", "NULL", "0"}, Kind::kDecimal, "DECIMAL(9,2)", "Decimal128(9, 2)", "number"},
      {"c_dec18", "decimal(18,6)", {"123456789012.123456", "-0.000001", "NULL", "0"}, Kind::kDecimal, "DECIMAL(18,6)", "Decimal128(18, 6)", "number"},
      {"c_dec38", "decimal(38,10)", {"1234567890123456789012345678.0123456789", "-0.0000000001", "NULL", "0"}, Kind::kDecimal, "DECIMAL(38,10)", "Decimal128(38, 10)", "number"},
      {"c_dec65", "decimal(65,2)", {"123456789012345678901234567890123456789012345678901234567890123.45", "-1", "NULL", "0"}, Kind::kText, "VARCHAR", "Utf8", "string"},
      {"c_float", "float", {"1.5", "-0.25", "NULL", "0"}, Kind::kFloat64, "DOUBLE", "Float64", "number"},
      {"c_double", "double", {"-2.25e300", "2.718281828459045", "NULL", "0"}, Kind::kFloat64, "DOUBLE", "Float64", "number"},
      {"c_date", "date", {"'1000-01-01'", "'9999-12-31'", "NULL", "'2024-02-29'"}, Kind::kDate, "DATE", "Date32", "Date"},
      {"c_datetime", "datetime(6)", {"'2024-02-29 23:59:59.999999'", "'1970-01-01 00:00:00'", "NULL", "'1000-01-01 00:00:00'"}, Kind::kTimestamp, "TIMESTAMP", "Timestamp(MICROSECOND)", "Date"},
      {"c_timestamp", "timestamp(3) NULL", {"'2038-01-19 03:14:07.123'", "'1970-01-01 00:00:01'", "NULL", "'2024-02-29 12:00:00'"}, Kind::kTimestamp, "TIMESTAMP WITH TIME ZONE", "Timestamp(MICROSECOND, UTC)", "Date"},
      {"c_time", "time(6)", {"'23:59:59.5'", "'00:00:00'", "NULL", "'12:34:56.000001'"}, Kind::kTime, "TIME", "Time64(MICROSECOND)", "bigint"},
      {"c_char", "char(4)", {"'abcd'", "''", "NULL", "'\u00fc'"}, Kind::kText, "VARCHAR", "Utf8", "string"},
      {"c_varchar", "varchar(40)", {"'utf8mb4 \U0001F600 \u00fc'", "''", "NULL", "'x'"}, Kind::kText, "VARCHAR", "Utf8", "string"},
      {"c_text", "text", {"'long text'", "''", "NULL", "'\u65e5\u672c'"}, Kind::kText, "VARCHAR", "Utf8", "string"},
      {"c_binary", "binary(3)", {"'xyz'", "X'00FF00'", "NULL", "'a'"}, Kind::kBytes, "BLOB", "Binary", "string"},
      {"c_varbinary", "varbinary(10)", {"X'DEADBEEF'", "''", "NULL", "'bin'"}, Kind::kBytes, "BLOB", "Binary", "string"},
      {"c_blob", "blob", {"'blob bytes'", "''", "NULL", "X'FF'"}, Kind::kBytes, "BLOB", "Binary", "string"},
      {"c_enum", "enum('red','green')", {"'green'", "'red'", "NULL", "'red'"}, Kind::kText, "VARCHAR", "Utf8", "string"},
      {"c_set", "set('a','b','c')", {"'a,c'", "''", "NULL", "'b'"}, Kind::kText, "VARCHAR", "Utf8", "string"},
      {"c_json", "json", {"'{\"k\": [1, 2]}'", "'[]'", "NULL", "'\"\u00fc\"'"}, Kind::kJson, "VARCHAR", "Utf8", "object"},
      {"c_geometry", "geometry NULL", {"ST_GeomFromText('POINT(1 2)')", "ST_GeomFromText('LINESTRING(0 0, 1 1)')", "NULL", "ST_GeomFromText('POINT(-1.5 0)')"}, Kind::kBytes, "BLOB", "Binary", "string", false, "LOWER(HEX(ST_AsBinary({})))"},
      {"c_uuid", "uuid", {"'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "'00000000-0000-0000-0000-000000000000'", "NULL", "'FFFFFFFF-ffff-ffff-ffff-fffffffffff0'"}, Kind::kUuid, "UUID", "FixedSizeBinary(16)", "string"},
      {"c_inet6", "inet6", {"'::1'", "'2001:db8::ff00:42:8329'", "NULL", "'::ffff:192.0.2.1'"}, Kind::kText, "VARCHAR", "Utf8", "string"},
      {"c_generated", "smallint AS (c_tiny * 2) VIRTUAL", {"DEFAULT", "DEFAULT", "DEFAULT", "DEFAULT"}, Kind::kInt, "SMALLINT", "Int16", "number"},
  };
  // clang-format on
  return cols;
}

TEST(ReaderMatrix, MySqlNativeTypesReadAsIntendedByDuckDbArrowRsAndHyparquet) {
  const std::string db = "mytest_reader_matrix";
  std::string setup = "CREATE TABLE all_native (id int PRIMARY KEY";
  for (const Col& c : MySqlColumns()) setup += ", " + c.name + " " + c.sql_type;
  setup += ");\n";
  for (int row = 0; row < 4; ++row) {
    setup += "INSERT INTO all_native VALUES (" + std::to_string(row + 1);
    for (const Col& c : MySqlColumns()) setup += ", " + c.values[row];
    setup += ");\n";
  }
  auto created = MySql("DROP DATABASE IF EXISTS " + db + "; CREATE DATABASE " + db + " CHARACTER SET utf8mb4; USE " +
                       db + ";\n" + setup);
  ASSERT_TRUE(created.ok()) << created.status();
  std::string out = MakeTempDir("reader-matrix-mysql");
  CommandResult r = RunDbexport({"run", "--source", MySqlUrl(db), "--dest", out, "--task-id", "readers",
                                 "--type-mapping", "native", "--progress", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;

  // One JSON array per row: the id and each column's canonical text.
  std::string list = "CAST(id AS CHAR)";
  for (const Col& c : MySqlColumns()) {
    list += ", " + Substitute(c.source_expr.empty() ? MySqlCanonical(c.kind) : c.source_expr, c.name);
  }
  auto text = MySql("USE " + db + ";\nSELECT JSON_ARRAY(" + list + ") FROM all_native ORDER BY id;");
  ASSERT_TRUE(text.ok()) << text.status();
  json source = json::array();
  std::stringstream lines(*text);
  for (std::string line; std::getline(lines, line);) source.push_back(json::parse(line));
  ASSERT_EQ(source.size(), 4u) << *text;

  Readings got;
  ReadAll(out + "/readers/" + db + "/" + db + ".all_native", MySqlColumns(), &got);
  if (HasFatalFailure()) return;
  CheckReaders(MySqlColumns(), source, got);
}

}  // namespace
}  // namespace dbexport::testing
