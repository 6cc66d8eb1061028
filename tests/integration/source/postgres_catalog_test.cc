// Catalog, skips, partitions, snapshot consistency and errors of the
// PostgreSQL source.

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <set>
#include <string>

#include "pg_test_util.h"
#include "support/test_env.h"

namespace dbexport::source::testing {
namespace {

using dbexport::testing::PostgresUrl;

constexpr char kReaderRole[] = R"sql(
DO $$ BEGIN
  CREATE ROLE srctest_reader LOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
)sql";

constexpr char kCatalogSetup[] = R"sql(
CREATE TABLE plain (id int PRIMARY KEY, v text);
INSERT INTO plain SELECT g, 'v' || g FROM generate_series(1, 10) g;
CREATE TABLE bad_column ("has space" int);
CREATE TABLE bad_paren ("f(x)" int, ok int);
CREATE TABLE "a/b" (id int);
CREATE UNLOGGED TABLE unlogged_t (id int);
CREATE TABLE secret (id int);
CREATE TABLE big_row (id int, payload text);
INSERT INTO big_row SELECT 1, string_agg(md5(g::text), '') FROM generate_series(1, 10000) g;
INSERT INTO big_row VALUES (2, 'small');
CREATE VIEW a_view AS SELECT 1 AS x;
CREATE MATERIALIZED VIEW a_matview AS SELECT 1 AS x;
CREATE TABLE empty_t (id int, t text);
CREATE TABLE only_oids (o oid, r regclass);
INSERT INTO only_oids VALUES (1, 'pg_class'), (2, 'pg_type');
CREATE TABLE parent_inh (id int);
CREATE TABLE child_inh () INHERITS (parent_inh);
INSERT INTO parent_inh VALUES (1);
INSERT INTO child_inh VALUES (2);
CREATE TABLE events (id int, at date, v text) PARTITION BY RANGE (at);
CREATE TABLE events_2023 PARTITION OF events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')
  PARTITION BY LIST (v);
CREATE TABLE events_2024_a PARTITION OF events_2024 FOR VALUES IN ('a');
CREATE TABLE events_2024_other PARTITION OF events_2024 DEFAULT;
CREATE TABLE events_empty PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO events SELECT g, date '2023-01-01' + (g % 700), CASE WHEN g % 3 = 0 THEN 'a' ELSE 'b' END
FROM generate_series(1, 20000) g;
CREATE SCHEMA other;
CREATE TABLE other.plain (id int);
CREATE TABLE "MixedCase" (id int);
GRANT SELECT ON plain, empty_t TO srctest_reader;
)sql";

std::vector<std::string> Describe(const std::vector<TableInfo>& tables) {
  std::vector<std::string> out;
  for (const auto& t : tables) {
    out.push_back(t.schema + "." + t.name + "=" + t.skip_reason + (t.is_partitioned ? " (partitioned)" : ""));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// All rows of a table, chunk by chunk.
std::vector<Row> ReadTable(Snapshot* snapshot, const TableInfo& table, int64_t chunk_rows,
                           size_t* chunk_count = nullptr) {
  auto chunks = snapshot->PlanChunks(table, chunk_rows);
  EXPECT_TRUE(chunks.ok()) << chunks.status();
  if (!chunks.ok()) return {};
  if (chunk_count != nullptr) *chunk_count = chunks->size();
  parquet::Schema schema = SchemaOf(table);
  std::vector<Row> rows;
  for (const Chunk& c : *chunks) {
    for (auto& r : ReadChunk(snapshot, table, c, schema).rows) rows.push_back(std::move(r));
  }
  return rows;
}

TEST(PostgresCatalog, ListsTablesWithSkipReasons) {
  const std::string db = "srctest_catalog_skips";
  RunSql("postgres", kReaderRole);
  RecreateDatabase(db, kCatalogSetup);
  SourceOptions options;
  options.row_check_toast_bytes = 0;  // measure rows of every table with TOAST data
  options.max_row_bytes = 100000;     // big_row's 320 KB row is "near 2 GB"
  Opened o = OpenSnapshot(db, options);
  ASSERT_NE(o.snapshot, nullptr);
  auto tables = o.snapshot->ListTables(o.database, {});
  ASSERT_TRUE(tables.ok()) << tables.status();
  EXPECT_EQ(Describe(*tables), Sorted({
                                   "other.plain=",
                                   "public.MixedCase=",
                                   "public.a/b=SLASH_IN_TABLE_NAME",
                                   "public.bad_column=UNSUPPORTED_CHARACTER_IN_COLUMN_NAME",
                                   "public.bad_paren=UNSUPPORTED_CHARACTER_IN_COLUMN_NAME",
                                   "public.big_row=ROW_TOO_LARGE",
                                   "public.child_inh=",
                                   "public.empty_t=",
                                   "public.events= (partitioned)",
                                   "public.only_oids=",
                                   "public.parent_inh=",
                                   "public.plain=",
                                   "public.secret=",
                                   "public.unlogged_t=UNLOGGED_TABLE",
                               }));
  TableInfo bad = FindTable(*tables, "bad_paren");
  EXPECT_EQ(bad.skip_detail,
            "column name \"f(x)\" contains one of the characters , ; { } ( ) = space, newline or tab");
  EXPECT_EQ(bad.target(), db + ".public.bad_paren");
  TableInfo big = FindTable(*tables, "big_row");
  EXPECT_NE(big.skip_detail.find("near or above the 2 GB limit for a row"), std::string::npos)
      << big.skip_detail;

  // Skipped tables cannot be read.
  auto chunks = o.snapshot->PlanChunks(big, 1000);
  EXPECT_EQ(chunks.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(chunks.status().message(),
            "table " + db + ".public.big_row was not listed by ListTables() of this snapshot");
}

TEST(PostgresCatalog, DefaultOptionsDoNotMeasureRowsOfSmallTables) {
  const std::string db = "srctest_catalog_rowcheck";
  RecreateDatabase(db, "CREATE TABLE big_row (id int, payload text);"
                       "INSERT INTO big_row SELECT 1, string_agg(md5(g::text), '') "
                       "FROM generate_series(1, 10000) g;");
  SourceOptions options;
  options.max_row_bytes = 100000;  // TOAST data is far below row_check_toast_bytes
  Opened o = OpenSnapshot(db, options);
  ASSERT_NE(o.snapshot, nullptr);
  auto tables = o.snapshot->ListTables(o.database, {});
  ASSERT_TRUE(tables.ok()) << tables.status();
  EXPECT_EQ(Describe(*tables), (std::vector<std::string>{"public.big_row="}));
}

TEST(PostgresCatalog, UserWithoutSelectPrivilegeGetsPermissionSkips) {
  const std::string db = "srctest_catalog_perms";
  RunSql("postgres", kReaderRole);
  RecreateDatabase(db, kCatalogSetup);
  Opened o = OpenSnapshot(db, {}, "srctest_reader");
  ASSERT_NE(o.snapshot, nullptr);
  auto tables = o.snapshot->ListTables(o.database, {{db, "public", "plain"}, {db, "public", "secret"},
                                        {db, "public", "events"}});
  ASSERT_TRUE(tables.ok()) << tables.status();
  EXPECT_EQ(Describe(*tables), Sorted({"public.events=PERMISSIONS_DO_NOT_EXIST (partitioned)",
                                       "public.plain=", "public.secret=PERMISSIONS_DO_NOT_EXIST"}));
  EXPECT_EQ(FindTable(*tables, "secret").skip_detail, "the user has no SELECT privilege on the table");
  EXPECT_EQ(ReadTable(o.snapshot.get(), FindTable(*tables, "plain"), 1000).size(), 10u);
}

TEST(PostgresCatalog, FiltersMatchNamesCaseSensitively) {
  const std::string db = "srctest_catalog_filter";
  RunSql("postgres", kReaderRole);
  RecreateDatabase(db, kCatalogSetup);
  Opened o = OpenSnapshot(db);
  ASSERT_NE(o.snapshot, nullptr);
  auto names = [&](const std::vector<ExportFilterEntry>& filter) {
    auto tables = o.snapshot->ListTables(o.database, filter);
    EXPECT_TRUE(tables.ok()) << tables.status();
    return tables.ok() ? Describe(*tables) : std::vector<std::string>{};
  };
  EXPECT_EQ(names({{db, "public", "MixedCase"}}), (std::vector<std::string>{"public.MixedCase="}));
  EXPECT_EQ(names({{db, "public", "mixedcase"}}), std::vector<std::string>{});
  EXPECT_EQ(names({{db, "other", ""}}), (std::vector<std::string>{"other.plain="}));
  EXPECT_EQ(names({{db, "", ""}}).size(), 14u);
  EXPECT_EQ(names({{"srctest_some_other_db", "", ""}}), std::vector<std::string>{});
  EXPECT_EQ(names({{db, "public", "plain"}, {db, "other", "plain"}}),
            (std::vector<std::string>{"other.plain=", "public.plain="}));
}

TEST(PostgresCatalog, PartitionedTablesAreReadOnceUnderTheParentName) {
  const std::string db = "srctest_catalog_parts";
  RunSql("postgres", kReaderRole);
  RecreateDatabase(db, kCatalogSetup);
  Opened o = OpenSnapshot(db);
  ASSERT_NE(o.snapshot, nullptr);
  auto tables = o.snapshot->ListTables(o.database, {});
  ASSERT_TRUE(tables.ok()) << tables.status();
  TableInfo events = FindTable(*tables, "events");
  EXPECT_TRUE(events.is_partitioned);
  EXPECT_EQ(events.estimated_rows, 20000);  // never analyzed: counted
  EXPECT_GT(events.estimated_bytes, 500000);
  size_t chunk_count = 0;
  std::vector<Row> rows = ReadTable(o.snapshot.get(), events, 2000, &chunk_count);
  EXPECT_GE(chunk_count, 10u);
  ASSERT_EQ(rows.size(), 20000u);
  std::set<std::string> ids;
  for (const auto& r : rows) ids.insert(*r[0]);
  EXPECT_EQ(ids.size(), 20000u);

  auto chunks = o.snapshot->PlanChunks(events, 2000);
  ASSERT_TRUE(chunks.ok());
  std::set<std::string> relations;
  for (const auto& c : *chunks) relations.insert(c.relation);
  EXPECT_EQ(relations, (std::set<std::string>{"public.events_2023", "public.events_2024_a",
                                              "public.events_2024_other", "public.events_empty"}));
  for (size_t i = 0; i < chunks->size(); ++i) EXPECT_EQ((*chunks)[i].index, static_cast<int>(i));

  // Inheritance children are tables of their own: the parent reads only its rows.
  EXPECT_EQ(ReadTable(o.snapshot.get(), FindTable(*tables, "parent_inh"), 1000),
            (std::vector<Row>{{"1"}}));
  EXPECT_EQ(ReadTable(o.snapshot.get(), FindTable(*tables, "child_inh"), 1000),
            (std::vector<Row>{{"2"}}));
}

TEST(PostgresCatalog, EmptyAndOidOnlyTablesAreOneChunk) {
  const std::string db = "srctest_catalog_empty";
  RunSql("postgres", kReaderRole);
  RecreateDatabase(db, kCatalogSetup);
  Opened o = OpenSnapshot(db);
  ASSERT_NE(o.snapshot, nullptr);
  auto tables = o.snapshot->ListTables(o.database, {});
  ASSERT_TRUE(tables.ok()) << tables.status();
  TableInfo empty = FindTable(*tables, "empty_t");
  EXPECT_EQ(empty.estimated_rows, 0);
  auto chunks = o.snapshot->PlanChunks(empty, 1000);
  ASSERT_TRUE(chunks.ok()) << chunks.status();
  ASSERT_EQ(chunks->size(), 1u);
  EXPECT_EQ((*chunks)[0].predicate, "");
  parquet::Schema schema = SchemaOf(empty);
  ChunkRows rows = ReadChunk(o.snapshot.get(), empty, (*chunks)[0], schema);
  EXPECT_EQ(rows.rows.size(), 0u);
  EXPECT_EQ(rows.batches, 0);

  TableInfo oids = FindTable(*tables, "only_oids");
  EXPECT_TRUE(oids.columns.empty());
  EXPECT_EQ(ReadTable(o.snapshot.get(), oids, 1000), (std::vector<Row>{{}, {}}));
}

TEST(PostgresSnapshot, ReadersSeeTheDatabaseAsOfBeginSnapshot) {
  const std::string db = "srctest_consistency";
  RecreateDatabase(db, "CREATE TABLE t (id int PRIMARY KEY, v text);"
                       "INSERT INTO t SELECT g, 'old' FROM generate_series(1, 1000) g;"
                       "CREATE TABLE heap (v int); INSERT INTO heap SELECT generate_series(1, 1000);");
  Opened o = OpenSnapshot(db);
  ASSERT_NE(o.snapshot, nullptr);
  EXPECT_TRUE(std::regex_match(o.snapshot->snapshot_time(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
      << o.snapshot->snapshot_time();

  RunSql(db, "INSERT INTO t SELECT g, 'new' FROM generate_series(1001, 1500) g;"
             "UPDATE t SET v = 'changed' WHERE id <= 10; DELETE FROM t WHERE id BETWEEN 20 AND 29;"
             "INSERT INTO heap SELECT generate_series(1001, 5000); DELETE FROM heap WHERE v <= 100;"
             "CREATE TABLE later (id int);");

  auto tables = o.snapshot->ListTables(o.database, {});
  ASSERT_TRUE(tables.ok()) << tables.status();
  EXPECT_EQ(Describe(*tables), (std::vector<std::string>{"public.heap=", "public.t="}));
  std::vector<Row> rows = ReadTable(o.snapshot.get(), FindTable(*tables, "t"), 300);
  ASSERT_EQ(rows.size(), 1000u);
  for (const auto& r : rows) EXPECT_EQ(r[1], "old") << *r[0];
  std::vector<Row> heap = ReadTable(o.snapshot.get(), FindTable(*tables, "heap"), 300);
  EXPECT_EQ(heap.size(), 1000u);
  EXPECT_TRUE(o.snapshot->Close().ok());

  Opened fresh = OpenSnapshot(db);
  ASSERT_NE(fresh.snapshot, nullptr);
  auto now = fresh.snapshot->ListTables(fresh.database, {{db, "public", "t"}});
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(ReadTable(fresh.snapshot.get(), (*now)[0], 300).size(), 1490u);
}

TEST(PostgresSource, ListsConnectableDatabasesOrTheOneInTheUrl) {
  const std::string db = "srctest_listdb";
  RecreateDatabase(db, "");
  std::string url = PostgresUrl();
  std::string server = url.substr(0, url.rfind('/'));
  auto all = OpenSource(server, {});
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ((*all)->engine(), "postgresql");
  auto names = (*all)->ListDatabases();
  ASSERT_TRUE(names.ok()) << names.status();
  EXPECT_NE(std::find(names->begin(), names->end(), db), names->end());
  EXPECT_NE(std::find(names->begin(), names->end(), "postgres"), names->end());
  EXPECT_EQ(std::find(names->begin(), names->end(), "template0"), names->end());
  EXPECT_EQ(std::find(names->begin(), names->end(), "template1"), names->end());

  auto one = OpenSource(PostgresUrl(db), {});
  ASSERT_TRUE(one.ok()) << one.status();
  auto just = (*one)->ListDatabases();
  ASSERT_TRUE(just.ok());
  EXPECT_EQ(*just, (std::vector<std::string>{db}));
  auto also = OpenSource("postgres://" + server.substr(server.find("://") + 3) + "/" + db, {});
  ASSERT_TRUE(also.ok()) << also.status();
}

TEST(PostgresSource, ReportsBadUrlsAndMissingObjects) {
  auto scheme = OpenSource("http://example.com/db", {});
  EXPECT_EQ(scheme.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(scheme.status().message(),
            "source URL: it must begin with postgresql://, postgres://, mysql:// or mariadb://");
  // Both engines' URLs are checked by one parser, which never quotes them.
  auto mysql = OpenSource("mysql://root@localhost:99999/db", {});
  EXPECT_EQ(mysql.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(mysql.status().message(),
            "source URL: the port is not a number from 1 to 65535 (percent-encode '@', ':', '/', '?', '#' and '%' "
            "in the user name and password: %40, %3A, %2F, %3F, %23, %25)");
  auto garbage = OpenSource("postgresql://host:notaport:/x?bad", {});
  EXPECT_EQ(garbage.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(garbage.status().message().rfind("source URL: ", 0), 0u) << garbage.status();

  auto missing = OpenSource(PostgresUrl("srctest_no_such_db"), {});
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  // host:port as the test server's URL gives them: postgresql://user@host:port/db.
  const std::string url = PostgresUrl();
  const std::string host_port = url.substr(url.find('@') + 1, url.rfind('/') - url.find('@') - 1);
  EXPECT_EQ(missing.status().message().rfind(
                "connecting to PostgreSQL at " + host_port + "/srctest_no_such_db: ", 0),
            0u)
      << missing.status();
  EXPECT_NE(missing.status().message().find("database \"srctest_no_such_db\" does not exist"),
            std::string::npos);

  auto source = OpenSource(PostgresUrl(), {});
  ASSERT_TRUE(source.ok());
  auto snapshot = (*source)->BeginSnapshot({{"srctest_no_such_db"}, 1});
  EXPECT_EQ(snapshot.status().code(), StatusCode::kNotFound);
}

TEST(PostgresChunkReader, FailsOnValueCloseTo500MB) {
  const std::string db = "srctest_large_value";
  RecreateDatabase(db, "CREATE TABLE big_val (id int, t text);"
                       "INSERT INTO big_val VALUES (1, 'small'), (2, repeat('x', 2000));");
  SourceOptions options;
  options.max_value_bytes = 1000;
  Opened o = OpenSnapshot(db, options);
  ASSERT_NE(o.snapshot, nullptr);
  auto tables = o.snapshot->ListTables(o.database, {});
  ASSERT_TRUE(tables.ok());
  TableInfo t = FindTable(*tables, "big_val");
  auto chunks = o.snapshot->PlanChunks(t, 1000);
  ASSERT_TRUE(chunks.ok());
  parquet::Schema schema = SchemaOf(t);
  auto reader = o.snapshot->OpenChunk(t, (*chunks)[0], &schema, nullptr);
  ASSERT_TRUE(reader.ok()) << reader.status();
  parquet::ColumnBatch batch(schema);
  auto next = (*reader)->Next(&batch);
  EXPECT_EQ(next.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(next.status().message(),
            "reading rows: column \"t\" of row 2 holds "
            "a large object close to 500 MB (2000 bytes; the limit is 1000 bytes): values near or "
            "above 500 MB cannot be exported");
  // The failure sticks.
  EXPECT_EQ((*reader)->Next(&batch).status(), next.status());
}

TEST(PostgresChunkReader, StopsWhenCancelled) {
  const std::string db = "srctest_cancel";
  RecreateDatabase(db, "CREATE TABLE t (id int, v text);"
                       "INSERT INTO t SELECT g, 'v' FROM generate_series(1, 100000) g;");
  SourceOptions options;
  options.batch_rows = 1000;
  Opened o = OpenSnapshot(db, options);
  ASSERT_NE(o.snapshot, nullptr);
  auto tables = o.snapshot->ListTables(o.database, {});
  ASSERT_TRUE(tables.ok());
  TableInfo t = FindTable(*tables, "t");
  Chunk whole;
  whole.constraint_type = "NONE";
  parquet::Schema schema = SchemaOf(t);
  CancelFlag cancel{false};
  auto reader = o.snapshot->OpenChunk(t, whole, &schema, &cancel);
  ASSERT_TRUE(reader.ok()) << reader.status();
  parquet::ColumnBatch batch(schema);
  auto first = (*reader)->Next(&batch);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(*first);
  EXPECT_EQ(batch.num_rows(), 1000);
  EXPECT_GT((*reader)->bytes_read(), 10000);
  cancel = true;
  auto second = (*reader)->Next(&batch);
  EXPECT_EQ(second.status().code(), StatusCode::kCancelled);
  EXPECT_EQ(second.status().message(), "reading rows: cancelled");
}

TEST(PostgresChunkReader, MapsServerErrorsWithSqlState) {
  const std::string db = "srctest_revoke";
  RunSql("postgres", kReaderRole);
  RecreateDatabase(db, "CREATE TABLE t (id int); INSERT INTO t VALUES (1);"
                       "GRANT SELECT ON t TO srctest_reader;");
  Opened o = OpenSnapshot(db, {}, "srctest_reader");
  ASSERT_NE(o.snapshot, nullptr);
  auto tables = o.snapshot->ListTables(o.database, {});
  ASSERT_TRUE(tables.ok());
  TableInfo t = FindTable(*tables, "t");
  EXPECT_EQ(t.skip_reason, "");
  RunSql(db, "REVOKE SELECT ON t FROM srctest_reader");
  Chunk whole;
  parquet::Schema schema = SchemaOf(t);
  auto reader = o.snapshot->OpenChunk(t, whole, &schema, nullptr);
  EXPECT_EQ(reader.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(reader.status().message(),
            "reading rows: locking the table: permission denied for "
            "table t (SQLSTATE 42501)");

  EXPECT_TRUE(o.snapshot->Close().ok());
  auto closed = o.snapshot->OpenChunk(t, whole, &schema, nullptr);
  EXPECT_EQ(closed.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(closed.status().message(),
            "reading rows: the snapshot is closed");
}

}  // namespace
}  // namespace dbexport::source::testing
