// An export of a database under write load is one consistent snapshot: many
// small chunks read by several workers at different times still add up.
//
// A background session moves money between accounts, each transfer one
// transaction that updates two balances and logs the transfer. The export
// must show (1) the invariant total, and (2) balances that are exactly the
// initial ones plus the logged transfers it exported: the accounts and the
// log are from the same instant, whichever chunks were read when.

#include <gtest/gtest.h>

#include <thread>

#include "export_test_util.h"

namespace dbexport::testing {
namespace {

constexpr int kAccounts = 100000;
constexpr int kInitialBalance = 1000;

constexpr char kTransferLoop[] = R"sql(
DO $$
DECLARE
  i integer; j integer; x integer;
  deadline timestamptz := clock_timestamp() + interval '120 seconds';
BEGIN
  WHILE clock_timestamp() < deadline AND NOT EXISTS (SELECT 1 FROM stop_flag) LOOP
    i := 1 + floor(random() * 100000)::integer;
    j := 1 + floor(random() * 100000)::integer;
    x := 1 + floor(random() * 100)::integer;
    UPDATE accounts SET bal = bal - x WHERE id = i;
    UPDATE accounts SET bal = bal + x WHERE id = j;
    INSERT INTO transfers (src, dst, amount) VALUES (i, j, x);
    COMMIT;
  END LOOP;
END $$;
)sql";

TEST(ExportConsistency, ConcurrentTransfersKeepTheSnapshotConsistent) {
  const std::string db = "exptest_consistency";
  ASSERT_TRUE(RecreateDatabase(db, "CREATE TABLE accounts (id integer PRIMARY KEY, bal bigint NOT NULL);\n"
                                   "INSERT INTO accounts SELECT g, " + std::to_string(kInitialBalance) +
                                       " FROM generate_series(1, " + std::to_string(kAccounts) + ") g;\n"
                                   "CREATE TABLE transfers (id bigserial PRIMARY KEY, src integer, dst integer, "
                                   "amount integer);\n"
                                   "CREATE TABLE stop_flag (x integer);\n"
                                   "ANALYZE;\n")
                  .ok());
  const std::string url = PostgresUrl(db);
  ChildProcess load;
  ASSERT_TRUE(load.Start({"psql", url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", kTransferLoop}).ok());
  // Let the load get going before the snapshot.
  for (int i = 0; i < 200; ++i) {
    Result<int64_t> n = PgInt(url, "SELECT count(*) FROM transfers");
    if (n.ok() && *n >= 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  std::string out = MakeTempDir("consistency");
  CommandResult r = RunDbexport({"run", "--source", url, "--dest", out, "--task-id", "consistency-1", "--chunk-rows",
                                 "2000", "--parallelism", "4", "--progress", "none"});
  ASSERT_TRUE(Psql(url, "INSERT INTO stop_flag VALUES (1);\n").ok());
  EXPECT_EQ(load.Wait(), 0) << load.Stderr();
  ASSERT_EQ(r.exit_code, 0) << r.err;

  std::string base = out + "/consistency-1/" + db;
  auto result = DuckDbQuery(
      "WITH a AS (SELECT * FROM read_parquet('" + base + "/public.accounts/**/*.parquet')), "
      "t AS (SELECT * FROM read_parquet('" + base + "/public.transfers/**/*.parquet')), "
      "net AS (SELECT id, sum(delta) AS d FROM (SELECT src AS id, -amount AS delta FROM t "
      "        UNION ALL SELECT dst, amount FROM t) GROUP BY id) "
      "SELECT (SELECT count(*) FROM a), (SELECT count(DISTINCT id) FROM a), (SELECT sum(bal) FROM a), "
      "       (SELECT count(*) FROM t), "
      "       (SELECT count(*) FROM a LEFT JOIN net USING (id) WHERE a.bal <> " +
      std::to_string(kInitialBalance) + " + coalesce(net.d, 0))");
  ASSERT_TRUE(result.ok()) << result.status();
  const auto& row = result->rows[0];
  EXPECT_EQ(row[0], std::to_string(kAccounts));
  EXPECT_EQ(row[1], std::to_string(kAccounts));
  EXPECT_EQ(row[2], std::to_string(int64_t{kAccounts} * kInitialBalance));
  EXPECT_EQ(row[4], "0") << "balances disagree with the exported transfers";

  // Transfers ran before and after the snapshot: the export did not simply
  // see a quiet database.
  int64_t exported_transfers = std::stoll(*row[3]);
  Result<int64_t> final_transfers = PgInt(url, "SELECT count(*) FROM transfers");
  ASSERT_TRUE(final_transfers.ok());
  EXPECT_GE(exported_transfers, 200);
  EXPECT_GT(*final_transfers, exported_transfers);

  // The manifest counts the rows of the snapshot.
  auto tables = ReadJsonFile(out + "/consistency-1/export_tables_info_consistency-1_from_1_to_3.json");
  ASSERT_TRUE(tables.ok()) << tables.status();
  for (const auto& t : (*tables)["perTableStatus"]) {
    if (t["target"] == db + ".public.transfers") {
      EXPECT_EQ(t["tableStatistics"]["numberOfRows"], exported_transfers);
    }
    if (t["target"] == db + ".public.accounts") {
      EXPECT_EQ(t["tableStatistics"]["numberOfRows"], kAccounts);
      EXPECT_GE(t["tableStatistics"]["partitioningInfo"]["numberOfPartitions"].get<int>(), 20);
    }
  }
}

}  // namespace
}  // namespace dbexport::testing
