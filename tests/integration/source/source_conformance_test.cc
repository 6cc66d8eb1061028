// One suite for every Source implementation (PostgreSQL, MySQL/MariaDB),
// against the real servers of the test command: the catalog with its skips,
// chunk plans that cover every row exactly once, readers, and cancel.
// Each engine supplies how to make a database and fill a table; the
// assertions are the same.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <set>

#include "source/source.h"
#include "support/test_env.h"

namespace dbexport::source {
namespace {

using dbexport::testing::CommandResult;
using dbexport::testing::Psql;
using dbexport::testing::RunCommand;

struct PostgresEngine {
  static constexpr char kName[] = "postgresql";
  static std::string Url(const std::string& db) { return dbexport::testing::PostgresUrl(db); }
  static void Recreate(const std::string& db) {
    ASSERT_TRUE(Psql(dbexport::testing::PostgresUrl(), "DROP DATABASE IF EXISTS " + db + " WITH (FORCE)").ok());
    ASSERT_TRUE(Psql(dbexport::testing::PostgresUrl(), "CREATE DATABASE " + db).ok());
  }
  static void Run(const std::string& db, const std::string& sql) {
    auto r = Psql(Url(db), sql);
    ASSERT_TRUE(r.ok()) << r.status();
  }
  static std::string Quote(const std::string& name) { return "\"" + name + "\""; }
  // A subquery of one column g = 1..n.
  static std::string Series(int64_t n) { return "SELECT g FROM generate_series(1, " + std::to_string(n) + ") AS g"; }
  static std::string Schema(const std::string&) { return "public"; }
  static ExportFilterEntry Only(const std::string& db, const std::string& table) { return {db, "public", table}; }
};

struct MySqlEngine {
  static constexpr char kName[] = "mysql";
  static std::string Server() {
    const char* url = std::getenv("DBX_TEST_MYSQL_URL");
    EXPECT_TRUE(url != nullptr && *url) << "DBX_TEST_MYSQL_URL is not set: scripts/test starts MariaDB";
    return url ? url : "";
  }
  static std::string Url(const std::string& db) { return Server() + "/" + db; }
  static void Recreate(const std::string& db) { Run("", "DROP DATABASE IF EXISTS " + db + "; CREATE DATABASE " + db); }
  static void Run(const std::string& db, const std::string& sql) {
    std::string hostport = Server().substr(Server().find('@') + 1);
    CommandResult r = RunCommand({"mariadb", "--no-defaults", "-h", hostport.substr(0, hostport.find(':')), "-P",
                                  hostport.substr(hostport.find(':') + 1), "-uroot", db.empty() ? "mysql" : db},
                                 sql + ";\n");
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static std::string Quote(const std::string& name) { return "`" + name + "`"; }
  static std::string Series(int64_t n) { return "SELECT seq AS g FROM seq_1_to_" + std::to_string(n); }
  static std::string Schema(const std::string& db) { return db; }
  // database.table
  static ExportFilterEntry Only(const std::string& db, const std::string& table) { return {db, table, ""}; }
};

template <typename Engine>
class SourceConformance : public ::testing::Test {
 protected:
  // A database with: keyed (an integer primary key, `rows` rows), nokey (no
  // key), "bad col" (a column name the export cannot carry).
  void MakeDatabase(const std::string& suffix, int64_t rows) {
    db_ = std::string("conf_") + Engine::kName + "_" + suffix;
    Engine::Recreate(db_);
    Engine::Run(db_, "CREATE TABLE keyed (id bigint PRIMARY KEY, v varchar(20))");
    Engine::Run(db_, "INSERT INTO keyed SELECT g, CONCAT('v', g) FROM (" + Engine::Series(rows) + ") s");
    Engine::Run(db_, "CREATE TABLE nokey (v int)");
    Engine::Run(db_, "INSERT INTO nokey SELECT g FROM (" + Engine::Series(100) + ") s");
    Engine::Run(db_, "CREATE TABLE badcol (" + Engine::Quote("bad col") + " int)");
  }

  std::unique_ptr<Snapshot> Open(int readers = 2) {
    auto source = OpenSource(Engine::Url(db_), {});
    EXPECT_TRUE(source.ok()) << source.status();
    if (!source.ok()) return nullptr;
    source_ = std::move(source).value();
    EXPECT_EQ(source_->engine(), Engine::kName);
    auto snapshot = source_->BeginSnapshot({{db_}, readers});
    EXPECT_TRUE(snapshot.ok()) << snapshot.status();
    return snapshot.ok() ? std::move(snapshot).value() : nullptr;
  }

  TableInfo Find(const std::vector<TableInfo>& tables, const std::string& name) {
    for (const TableInfo& t : tables) {
      if (t.name == name) return t;
    }
    ADD_FAILURE() << "table " << name << " not listed";
    return {};
  }

  // Every value of column 0 (an integer) of every chunk, read through the
  // source.
  std::vector<int64_t> ReadAll(Snapshot* snapshot, const TableInfo& table, const std::vector<Chunk>& chunks) {
    parquet::Schema schema;
    for (const ColumnInfo& c : table.columns) schema.fields.push_back(c.field);
    std::vector<int64_t> out;
    for (const Chunk& chunk : chunks) {
      auto reader = snapshot->OpenChunk(table, chunk, &schema, nullptr);
      EXPECT_TRUE(reader.ok()) << reader.status();
      if (!reader.ok()) return out;
      parquet::ColumnBatch batch(schema);
      for (;;) {
        auto more = (*reader)->Next(&batch);
        EXPECT_TRUE(more.ok()) << more.status();
        if (!more.ok() || !*more) break;
        const parquet::Column& c = batch.column(0);
        for (int64_t i = 0; i < batch.num_rows(); ++i) {
          out.push_back(parquet::LoadUnaligned<int64_t>(c.fixed.data() + 8 * i));
        }
      }
    }
    return out;
  }

  std::string db_;
  std::unique_ptr<Source> source_;
};

using Engines = ::testing::Types<PostgresEngine, MySqlEngine>;
TYPED_TEST_SUITE(SourceConformance, Engines);

TYPED_TEST(SourceConformance, ListsTablesWithTheGuidesSkips) {
  this->MakeDatabase("catalog", 10);
  auto snapshot = this->Open();
  ASSERT_NE(snapshot, nullptr);
  auto tables = snapshot->ListTables(this->db_, {});
  ASSERT_TRUE(tables.ok()) << tables.status();
  ASSERT_EQ(tables->size(), 3u);
  TableInfo keyed = this->Find(*tables, "keyed");
  EXPECT_EQ(keyed.schema, TypeParam::Schema(this->db_));
  EXPECT_EQ(keyed.skip_reason, "");
  ASSERT_EQ(keyed.columns.size(), 2u);
  EXPECT_EQ(keyed.columns[0].expected_exported_type, "int64");
  EXPECT_EQ(this->Find(*tables, "badcol").skip_reason, kSkipColumnName);
  // A filter keeps only what it names.
  auto only = snapshot->ListTables(this->db_, {TypeParam::Only(this->db_, "nokey")});
  ASSERT_TRUE(only.ok()) << only.status();
  ASSERT_EQ(only->size(), 1u);
  EXPECT_EQ((*only)[0].name, "nokey");
}

TYPED_TEST(SourceConformance, ChunkPlansCoverEveryRowExactlyOnce) {
  this->MakeDatabase("chunks", 10'000);
  auto snapshot = this->Open();
  ASSERT_NE(snapshot, nullptr);
  auto tables = snapshot->ListTables(this->db_, {});
  ASSERT_TRUE(tables.ok()) << tables.status();
  TableInfo keyed = this->Find(*tables, "keyed");
  for (int64_t chunk_rows : {1'000, 3'333, 100'000}) {
    auto chunks = snapshot->PlanChunks(keyed, chunk_rows);
    ASSERT_TRUE(chunks.ok()) << chunks.status();
    EXPECT_EQ(static_cast<int64_t>(chunks->size()), std::max<int64_t>(1, (10'000 + chunk_rows / 2) / chunk_rows))
        << "chunk rows " << chunk_rows;
    std::vector<int64_t> ids = this->ReadAll(snapshot.get(), keyed, *chunks);
    std::set<int64_t> distinct(ids.begin(), ids.end());
    EXPECT_EQ(ids.size(), 10'000u) << "chunk rows " << chunk_rows;
    EXPECT_EQ(distinct.size(), 10'000u);
    EXPECT_EQ(*distinct.begin(), 1);
    EXPECT_EQ(*distinct.rbegin(), 10'000);
  }
}

TYPED_TEST(SourceConformance, ReadersSeeTheSnapshotNotLaterWrites) {
  this->MakeDatabase("snapshot", 1'000);
  auto snapshot = this->Open();
  ASSERT_NE(snapshot, nullptr);
  TypeParam::Run(this->db_, "INSERT INTO keyed VALUES (5000, 'late'); DELETE FROM keyed WHERE id = 1");
  auto tables = snapshot->ListTables(this->db_, {});
  ASSERT_TRUE(tables.ok()) << tables.status();
  TableInfo keyed = this->Find(*tables, "keyed");
  auto chunks = snapshot->PlanChunks(keyed, 300);
  ASSERT_TRUE(chunks.ok()) << chunks.status();
  std::vector<int64_t> ids = this->ReadAll(snapshot.get(), keyed, *chunks);
  std::set<int64_t> distinct(ids.begin(), ids.end());
  EXPECT_EQ(ids.size(), 1'000u);
  EXPECT_TRUE(distinct.count(1));
  EXPECT_FALSE(distinct.count(5000));
}

TYPED_TEST(SourceConformance, ACancelledReaderStops) {
  this->MakeDatabase("cancel", 50'000);
  auto snapshot = this->Open();
  ASSERT_NE(snapshot, nullptr);
  auto tables = snapshot->ListTables(this->db_, {});
  ASSERT_TRUE(tables.ok()) << tables.status();
  TableInfo keyed = this->Find(*tables, "keyed");
  parquet::Schema schema;
  for (const ColumnInfo& c : keyed.columns) schema.fields.push_back(c.field);
  std::atomic<bool> cancel{false};
  auto reader = snapshot->OpenChunk(keyed, Chunk{}, &schema, &cancel);
  ASSERT_TRUE(reader.ok()) << reader.status();
  parquet::ColumnBatch batch(schema);
  cancel = true;
  auto more = (*reader)->Next(&batch);
  EXPECT_EQ(more.status().code(), StatusCode::kCancelled) << more.status();
}

}  // namespace
}  // namespace dbexport::source
