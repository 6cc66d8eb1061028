// Chunk planning: every row in exactly one chunk, chunk sizes near
// chunk_rows, on skewed, sparse and negative keys and on heaps without a key.

#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "pg_test_util.h"

namespace dbexport::source::testing {
namespace {

struct Coverage {
  std::vector<Chunk> chunks;
  std::vector<size_t> sizes;  // rows per chunk
  size_t total = 0;
  size_t distinct = 0;
};

// Reads every chunk of `name`; the first column identifies a row.
Coverage ReadAllChunks(const std::string& db, const std::string& name, int64_t chunk_rows,
                       const SourceOptions& options = {}) {
  Coverage cov;
  Opened o = OpenSnapshot(db, options);
  if (o.snapshot == nullptr) return cov;
  auto tables = o.snapshot->ListTables(o.database, {{db, "public", name}});
  EXPECT_TRUE(tables.ok()) << tables.status();
  if (!tables.ok() || tables->size() != 1) return cov;
  const TableInfo& table = (*tables)[0];
  auto chunks = o.snapshot->PlanChunks(table, chunk_rows);
  EXPECT_TRUE(chunks.ok()) << chunks.status();
  if (!chunks.ok()) return cov;
  cov.chunks = *chunks;
  parquet::Schema schema = SchemaOf(table);
  std::set<std::string> ids;
  for (const Chunk& c : cov.chunks) {
    ChunkRows rows = ReadChunk(o.snapshot.get(), table, c, schema);
    cov.sizes.push_back(rows.rows.size());
    cov.total += rows.rows.size();
    for (const auto& r : rows.rows) ids.insert(*r[0]);
  }
  cov.distinct = ids.size();
  return cov;
}

// Every chunk but the last holds between lo and hi times chunk_rows rows.
void ExpectBalanced(const Coverage& cov, int64_t chunk_rows, double lo, double hi) {
  for (size_t i = 0; i + 1 < cov.sizes.size(); ++i) {
    EXPECT_GE(static_cast<double>(cov.sizes[i]), lo * chunk_rows) << "chunk " << i;
    EXPECT_LE(static_cast<double>(cov.sizes[i]), hi * chunk_rows) << "chunk " << i;
  }
  if (!cov.sizes.empty()) {
    EXPECT_LE(static_cast<double>(cov.sizes.back()), hi * chunk_rows);
  }
}

int64_t Count(const std::string& db, const std::string& table) {
  return std::stoll(*QueryRows(db, "SELECT count(*) FROM " + table)[0][0]);
}

// 270,000 dense keys, 20,000 sparse keys up to about 2^62, 10,000 negative.
constexpr char kSkewedSetup[] = R"sql(
CREATE TABLE skewed (id int8 PRIMARY KEY, v int);
INSERT INTO skewed SELECT g, 0 FROM generate_series(1000000, 1269999) g;
INSERT INTO skewed SELECT g * 230584300921369, 1 FROM generate_series(1, 20000) g;
INSERT INTO skewed SELECT -g, 2 FROM generate_series(1, 10000) g;
)sql";

TEST(PostgresChunks, SkewedKeysSplitExactlyIntoBalancedRanges) {
  const std::string db = "srctest_chunks_skewed";
  RecreateDatabase(db, kSkewedSetup);
  Coverage cov = ReadAllChunks(db, "skewed", 20000);
  EXPECT_EQ(cov.total, 300000u);
  EXPECT_EQ(cov.distinct, 300000u);
  EXPECT_EQ(cov.chunks.size(), 15u);
  ExpectBalanced(cov, 20000, 0.9, 1.1);
  ASSERT_FALSE(cov.chunks.empty());
  const Chunk& first = cov.chunks.front();
  EXPECT_EQ(first.constraint_type, "PRIMARY_KEY");
  EXPECT_EQ(first.column_name, "id");
  EXPECT_EQ(first.column_type, "bigint");
  EXPECT_EQ(first.min, "-10000");
  EXPECT_EQ(first.predicate.rfind("\"id\" < ", 0), 0u) << first.predicate;
  EXPECT_EQ(cov.chunks.back().max, "4611686018427380000");
  EXPECT_EQ(cov.chunks.back().predicate.rfind("\"id\" >= ", 0), 0u) << cov.chunks.back().predicate;
  for (size_t i = 1; i < cov.chunks.size(); ++i) {
    EXPECT_EQ(std::stoll(cov.chunks[i].min), std::stoll(cov.chunks[i - 1].max) + 1);
  }
}

TEST(PostgresChunks, SampledKeyBoundariesCoverEveryRowOnce) {
  const std::string db = "srctest_chunks_sampled";
  RecreateDatabase(db, kSkewedSetup);
  SourceOptions options;
  options.exact_key_plan_rows = 0;  // plan from a TABLESAMPLE block sample
  Coverage cov = ReadAllChunks(db, "skewed", 20000, options);
  EXPECT_EQ(cov.total, 300000u);
  EXPECT_EQ(cov.distinct, 300000u);
  EXPECT_GE(cov.chunks.size(), 12u);
  EXPECT_LE(cov.chunks.size(), 18u);
  ExpectBalanced(cov, 20000, 0.4, 2.0);
}

TEST(PostgresChunks, UniqueNotNullIntegerIndexIsAKey) {
  const std::string db = "srctest_chunks_unique";
  RecreateDatabase(db, "CREATE TABLE u (k int NOT NULL UNIQUE, v text, n int UNIQUE);"
                       "INSERT INTO u SELECT g * 7919 % 100003, 'x', g FROM generate_series(1, 50000) g;");
  Coverage cov = ReadAllChunks(db, "u", 5000);
  EXPECT_EQ(cov.total, 50000u);
  EXPECT_EQ(cov.distinct, 50000u);
  ASSERT_EQ(cov.chunks.size(), 10u);
  EXPECT_EQ(cov.chunks[0].constraint_type, "UNIQUE_INDEX");
  EXPECT_EQ(cov.chunks[0].column_name, "k");
  EXPECT_EQ(cov.chunks[0].column_type, "integer");
  ExpectBalanced(cov, 5000, 0.9, 1.1);
}

TEST(PostgresChunks, HeapWithoutKeySplitsByCtidRanges) {
  const std::string db = "srctest_chunks_ctid";
  RecreateDatabase(db, "CREATE TABLE heap (v text);"
                       "INSERT INTO heap SELECT 'row ' || g FROM generate_series(1, 60000) g;"
                       "DELETE FROM heap WHERE random() < 0.2;"
                       "CREATE TABLE analyzed (v text);"
                       "INSERT INTO analyzed SELECT 'row ' || g FROM generate_series(1, 60000) g;"
                       "ANALYZE analyzed;");
  for (const char* name : {"heap", "analyzed"}) {
    SCOPED_TRACE(name);
    int64_t want = Count(db, name);
    Coverage cov = ReadAllChunks(db, name, 5000);
    EXPECT_EQ(static_cast<int64_t>(cov.total), want);
    EXPECT_EQ(static_cast<int64_t>(cov.distinct), want);
    EXPECT_GE(cov.chunks.size(), 8u);
    EXPECT_LE(cov.chunks.size(), 16u);
    ExpectBalanced(cov, 5000, 0.5, 1.6);
    ASSERT_FALSE(cov.chunks.empty());
    EXPECT_EQ(cov.chunks[0].constraint_type, "CTID");
    EXPECT_EQ(cov.chunks[0].column_type, "TID");
    EXPECT_EQ(cov.chunks[0].min, "(0,1)");
    EXPECT_EQ(cov.chunks[0].predicate.rfind("ctid < '(", 0), 0u);
    EXPECT_EQ(cov.chunks.back().predicate.rfind("ctid >= '(", 0), 0u);
  }
}

TEST(PostgresChunks, SmallTablesAreOneChunk) {
  const std::string db = "srctest_chunks_small";
  RecreateDatabase(db, "CREATE TABLE k (id int PRIMARY KEY); INSERT INTO k SELECT generate_series(1, 10);"
                       "CREATE TABLE h (v int); INSERT INTO h SELECT generate_series(1, 10);");
  Coverage keyed = ReadAllChunks(db, "k", 1000);
  ASSERT_EQ(keyed.chunks.size(), 1u);
  EXPECT_EQ(keyed.chunks[0].predicate, "");
  EXPECT_EQ(keyed.chunks[0].min, "1");
  EXPECT_EQ(keyed.chunks[0].max, "10");
  EXPECT_EQ(keyed.total, 10u);
  Coverage heap = ReadAllChunks(db, "h", 1000);
  ASSERT_EQ(heap.chunks.size(), 1u);
  EXPECT_EQ(heap.chunks[0].constraint_type, "NONE");
  EXPECT_EQ(heap.total, 10u);
}

TEST(PostgresChunks, ChunksReadConcurrentlyFromOneSnapshot) {
  const std::string db = "srctest_chunks_threads";
  RecreateDatabase(db, kSkewedSetup);
  Opened o = OpenSnapshot(db);
  ASSERT_NE(o.snapshot, nullptr);
  auto tables = o.snapshot->ListTables(o.database, {});
  ASSERT_TRUE(tables.ok()) << tables.status();
  TableInfo table = FindTable(*tables, "skewed");
  auto chunks = o.snapshot->PlanChunks(table, 25000);
  ASSERT_TRUE(chunks.ok()) << chunks.status();
  ASSERT_EQ(chunks->size(), 12u);
  RunSql(db, "DELETE FROM skewed WHERE id % 2 = 0");  // after the snapshot: not seen
  parquet::Schema schema = SchemaOf(table);
  std::mutex mu;
  std::set<std::string> ids;
  size_t total = 0;
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] {
      for (size_t i = w; i < chunks->size(); i += 4) {
        ChunkRows rows = ReadChunk(o.snapshot.get(), table, (*chunks)[i], schema);
        std::lock_guard<std::mutex> lock(mu);
        total += rows.rows.size();
        for (const auto& r : rows.rows) ids.insert(*r[0]);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(total, 300000u);
  EXPECT_EQ(ids.size(), 300000u);
}

}  // namespace
}  // namespace dbexport::source::testing
