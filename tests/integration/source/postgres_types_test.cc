// Every type of the reference table read through ChunkReader and compared,
// value by value, with what PostgreSQL itself returns.

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "pg_test_util.h"

namespace dbexport::source::testing {
namespace {

constexpr char kTypesSetup[] = R"sql(
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy ☺');
CREATE TYPE pair AS (a int, b text);
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE DOMAIN price AS numeric(10,2);
CREATE TABLE all_types (
  id int PRIMARY KEY,
  c_int2 smallint, c_int4 integer, c_int8 bigint, c_serial serial, c_bigserial bigserial,
  c_real real, c_double double precision,
  c_num numeric(12,3), c_num_big numeric(38,10), c_num_free numeric, c_num_wide numeric(50,5),
  c_money money, c_bool boolean, c_bytea bytea,
  c_char char(5), c_varchar varchar(20), c_text text, c_name name, c_enum mood,
  c_bit bit(4), c_varbit varbit(10), c_xml xml, c_tsvector tsvector,
  c_json json, c_jsonb jsonb, c_uuid uuid, c_inet inet, c_cidr cidr, c_macaddr macaddr,
  c_lsn pg_lsn, c_range int4range, c_comp pair, c_domain posint, c_price price,
  c_point point, c_box box, c_circle circle,
  c_date date, c_time time, c_timetz timetz, c_ts timestamp, c_tstz timestamptz,
  c_interval interval,
  c_int_arr int[], c_text_arr text[], c_num_arr numeric(6,2)[], c_ts_arr timestamp[],
  c_inet_arr inet[], c_bool_arr bool[],
  c_oid oid, c_regclass regclass
);
INSERT INTO all_types VALUES
 (1, 12, 123456, 1234567890123, DEFAULT, DEFAULT, 1.5, 3.14159265358979,
  12345.678, 1234567890123456789012345678.0123456789,
  3.14159265358979323846264338327950288419716939937510,
  123456789012345678901234567890123456789012345.12345,
  1234.56, true, '\xdeadbeef', 'ab', 'héllo wörld', E'multi\nline\ttab "quoted" ☺', 'a_name',
  'happy ☺', B'1010', B'101', '<a>x</a>', 'a fat cat', '{"b": 1, "a": [1, 2]}',
  '{"b": 1, "a": [1, 2]}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '192.168.1.1', '10.0.0.0/8',
  '08:00:2b:01:02:03', '16/B374D848', '[1,10)', ROW(1, 'x y'), 5, 19.99,
  '(1,2)', '((0,0),(1,1))', '<(0,0),1>',
  '2024-02-29', '12:34:56.789', '12:34:56+02', '2024-02-29 12:34:56.123456',
  '2024-02-29 12:34:56.5+01', '1 year 2 mons 3 days 04:05:06',
  '{{1,2},{3,NULL}}', '{"a b","ü",NULL,""}', '{1.50,-2.25,NULL}',
  '{"2020-01-01 00:00:00",NULL}', '{10.0.0.1,::1}', '{t,f,NULL}', 12345, 'pg_class'),
 (2, -32768, 2147483647, -9223372036854775808, DEFAULT, DEFAULT, 'NaN', '-Infinity',
  'NaN', -9999999999999999999999999999.9999999999, 'NaN', 'NaN',
  -0.01, false, '\x', '', '', '', '', 'sad', B'0000', B'', '', '', '[]', '{}',
  '00000000-0000-0000-0000-000000000000', '::1', '::/0', 'ff:ff:ff:ff:ff:ff', '0/0', 'empty',
  ROW(NULL, NULL), 1, -99999999.99, '(-1.5,1e+300)', '((1,1),(1,1))', '<(1,1),0>',
  'infinity', '24:00:00', '00:00:00-12', '-infinity', 'infinity', '-178000000 years',
  '{}', '{}', '{}', '{}', '{}', '{}', 0, 'pg_type'),
 (3, 0, -1, 0, DEFAULT, DEFAULT, 3.4028235e38, 1e-300, 0.001, 0, 0, 0, 0, NULL, NULL,
  'abcde', NULL, NULL, NULL, 'ok', NULL, NULL, NULL, NULL, NULL, 'null', NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  '4713-01-01 BC', '00:00:00.000001', NULL, '294276-12-31 23:59:59.999999',
  '1900-01-01 00:00:00+00', NULL, '{{{1}},{{2}}}', NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (4, NULL, NULL, NULL, DEFAULT, DEFAULT, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO all_types (id, c_int4, c_text, c_num, c_ts, c_tstz, c_date, c_int_arr, c_jsonb, c_uuid)
SELECT g, g * 7, 'row ' || g, g * 1.5, timestamp '2020-01-01' + g * interval '1 hour',
       timestamptz '2020-01-01 00:00+00' - g * interval '1 day', date '2000-01-01' + g,
       ARRAY[g, -g], jsonb_build_object('g', g), md5(g::text)::uuid
FROM generate_series(5, 300) g;
)sql";

// Native expectations computed by PostgreSQL, `@` standing for the column
// (`e` for an array's element).
const std::map<std::string, std::string>& NativeExpectations() {
  static const auto* m = new std::map<std::string, std::string>{
      {"c_num", "CASE WHEN @ = 'NaN' THEN NULL ELSE (@ * 1000)::numeric(60,0)::text END"},
      {"c_num_big", "CASE WHEN @ = 'NaN' THEN NULL ELSE (@ * 10000000000)::numeric(60,0)::text END"},
      {"c_price", "(@ * 100)::numeric(60,0)::text"},
      {"c_uuid", "replace(@::text, '-', '')"},
      {"c_date",
       "CASE WHEN @ = 'infinity' THEN '2147483647' WHEN @ = '-infinity' THEN '-2147483648' "
       "ELSE (@ - date '1970-01-01')::text END"},
      {"c_time", "(extract(epoch from @) * 1000000)::int8::text"},
      {"c_ts",
       "CASE WHEN @ = 'infinity' THEN '9223372036854775807' WHEN @ = '-infinity' THEN "
       "'-9223372036854775808' WHEN @ >= '294247-01-01' THEN NULL "
       "ELSE (extract(epoch from @) * 1000000)::int8::text END"},
      {"c_tstz",
       "CASE WHEN @ = 'infinity' THEN '9223372036854775807' WHEN @ = '-infinity' THEN "
       "'-9223372036854775808' ELSE (extract(epoch from @) * 1000000)::int8::text END"},
      {"c_int_arr", "e::text"},
      {"c_text_arr", "e"},
      {"c_num_arr", "(e * 100)::numeric(60,0)::text"},
      {"c_ts_arr", "(extract(epoch from e) * 1000000)::int8::text"},
      {"c_inet_arr", "e::text"},
      {"c_bool_arr", "CASE WHEN e THEN 't' WHEN NOT e THEN 'f' END"},
  };
  return *m;
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

std::string ExpectedExpression(const std::string& column, TypeMapping mapping) {
  const auto& native = NativeExpectations();
  auto it = native.find(column);
  if (mapping == TypeMapping::kAws || it == native.end()) return column;  // the text output
  if (column.size() > 4 && column.compare(column.size() - 4, 4, "_arr") == 0) {
    return "CASE WHEN " + column + " IS NULL THEN NULL ELSE coalesce((SELECT string_agg(coalesce(" +
           it->second + ", 'NULL'), ',' ORDER BY o) FROM unnest(" + column +
           ") WITH ORDINALITY u(e, o)), '') END";
  }
  return Replace(it->second, "@", column);
}

// Reads all_types in several chunks and small batches and compares every
// value with PostgreSQL's.
void CheckAllTypes(const std::string& db, TypeMapping mapping) {
  RecreateDatabase(db, kTypesSetup);
  SourceOptions options;
  options.type_mapping = mapping;
  options.batch_rows = 7;
  Opened o = OpenSnapshot(db, options);
  ASSERT_NE(o.snapshot, nullptr);
  auto tables = o.snapshot->ListTables(o.database, {{db, "public", "all_types"}});
  ASSERT_TRUE(tables.ok()) << tables.status();
  ASSERT_EQ(tables->size(), 1u);
  TableInfo table = (*tables)[0];
  EXPECT_EQ(table.skip_reason, "");
  ASSERT_EQ(table.columns.size(), 50u);  // c_oid and c_regclass are not exported
  for (const auto& c : table.columns) EXPECT_NE(c.name.substr(0, 5), "c_reg");

  auto chunks = o.snapshot->PlanChunks(table, 100);
  ASSERT_TRUE(chunks.ok()) << chunks.status();
  EXPECT_EQ(chunks->size(), 3u);
  parquet::Schema schema = SchemaOf(table);
  Status valid = parquet::ValidateSchema(schema);
  EXPECT_TRUE(valid.ok()) << valid;
  std::map<std::string, Row> got;
  int batches = 0;
  std::vector<std::string> warnings;
  for (const Chunk& chunk : *chunks) {
    ChunkRows rows = ReadChunk(o.snapshot.get(), table, chunk, schema);
    batches += rows.batches;
    for (auto& w : rows.warnings) warnings.push_back(w);
    for (auto& r : rows.rows) got[*r[0]] = r;
  }
  EXPECT_GT(batches, 40);
  ASSERT_EQ(got.size(), 300u);

  std::string sql = "SELECT id::text";
  for (size_t i = 1; i < table.columns.size(); ++i) {
    sql += ", " + ExpectedExpression(table.columns[i].name, mapping);
  }
  sql += " FROM all_types ORDER BY id";
  std::vector<Row> want = QueryRows(db, sql);
  ASSERT_EQ(want.size(), 300u);
  for (const Row& w : want) {
    const Row& g = got[*w[0]];
    ASSERT_EQ(g.size(), w.size());
    for (size_t c = 0; c < w.size(); ++c) {
      EXPECT_EQ(g[c], w[c]) << "row id " << *w[0] << ", column " << table.columns[c].name << " ("
                            << table.columns[c].expected_exported_type << ")";
    }
  }
  if (mapping == TypeMapping::kNative) {
    std::sort(warnings.begin(), warnings.end());
    EXPECT_EQ(warnings, (std::vector<std::string>{
                            "column \"c_num\": 1 NaN numeric values exported as NULL (DECIMAL has no NaN)",
                            "column \"c_ts\": 1 values beyond the Parquet range of the type exported as NULL"}));
  } else {
    EXPECT_TRUE(warnings.empty());
  }
  EXPECT_TRUE(o.snapshot->Close().ok());
}

const ColumnInfo& Column(const TableInfo& t, const std::string& name) {
  for (const auto& c : t.columns) {
    if (c.name == name) return c;
  }
  static ColumnInfo none;
  ADD_FAILURE() << "no column " << name;
  return none;
}

TEST(PostgresTypes, AwsMappingMatchesPostgresTextOutput) {
  CheckAllTypes("srctest_types_aws", TypeMapping::kAws);
}

TEST(PostgresTypes, NativeMappingMatchesPostgresValues) {
  CheckAllTypes("srctest_types_native", TypeMapping::kNative);
}

TEST(PostgresTypes, ColumnInfoFollowsInformationSchema) {
  const std::string db = "srctest_types_info";
  RecreateDatabase(db, kTypesSetup);
  SourceOptions options;
  options.type_mapping = TypeMapping::kNative;
  Opened o = OpenSnapshot(db, options);
  ASSERT_NE(o.snapshot, nullptr);
  auto tables = o.snapshot->ListTables(o.database, {});
  ASSERT_TRUE(tables.ok()) << tables.status();
  TableInfo t = FindTable(*tables, "all_types");

  const ColumnInfo& num = Column(t, "c_num");
  EXPECT_EQ(num.original_type, "numeric(12,3)");
  EXPECT_EQ(num.num_precision, 12);
  EXPECT_EQ(num.num_scale, 3);
  EXPECT_EQ(num.expected_exported_type, "int64 (DECIMAL(12,3))");
  const ColumnInfo& big = Column(t, "c_num_big");
  EXPECT_EQ(big.expected_exported_type, "fixed_len_byte_array(16) (DECIMAL(38,10))");
  EXPECT_EQ(Column(t, "c_num_free").expected_exported_type, "binary (UTF8)");
  const ColumnInfo& ch = Column(t, "c_char");
  EXPECT_EQ(ch.original_type, "character(5)");
  EXPECT_EQ(ch.char_max_length, 5);
  EXPECT_EQ(Column(t, "c_varchar").char_max_length, 20);
  const ColumnInfo& ts = Column(t, "c_ts");
  EXPECT_EQ(ts.original_type, "timestamp without time zone");
  EXPECT_EQ(ts.datetime_precision, 6);
  EXPECT_EQ(ts.expected_exported_type, "int64 (TIMESTAMP_MICRO)");
  EXPECT_EQ(Column(t, "c_int4").num_precision, 32);
  EXPECT_EQ(Column(t, "c_int2").expected_exported_type, "int32 (INT_16)");
  EXPECT_EQ(Column(t, "c_date").expected_exported_type, "int32 (DATE)");
  EXPECT_EQ(Column(t, "c_tstz").expected_exported_type, "int64 (TIMESTAMP_MICRO, UTC)");
  EXPECT_EQ(Column(t, "c_uuid").expected_exported_type, "fixed_len_byte_array(16) (UUID)");
  EXPECT_EQ(Column(t, "c_jsonb").expected_exported_type, "binary (JSON)");
  EXPECT_EQ(Column(t, "c_enum").expected_exported_type, "binary (UTF8)");
  EXPECT_EQ(Column(t, "c_int_arr").expected_exported_type, "list<int32>");
  EXPECT_EQ(Column(t, "c_price").original_type, "price");
  EXPECT_EQ(Column(t, "c_price").num_precision, 10);
  EXPECT_EQ(Column(t, "c_interval").expected_exported_type, "binary (UTF8)");
}

}  // namespace
}  // namespace dbexport::source::testing
