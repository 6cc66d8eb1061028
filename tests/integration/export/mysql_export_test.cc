// dbexport run against the real MariaDB of the test command: every type of
// the MySQL mapping read back by DuckDB and compared with what the server
// returns, one consistent snapshot under concurrent transfers in each
// --consistency mode, and bad input.

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <sstream>
#include <thread>

#include "export_test_util.h"

namespace dbexport::testing {
namespace {

std::string MySqlUrl(const std::string& database = "") {
  const char* url = std::getenv("DBX_TEST_MYSQL_URL");
  if (url == nullptr || *url == '\0') {
    ADD_FAILURE() << "DBX_TEST_MYSQL_URL is not set: run the tests through scripts/test, which starts MariaDB";
    return "mysql://root@127.0.0.1:1";
  }
  return std::string(url) + (database.empty() ? "" : "/" + database);
}

// Host and port of the test server, for the mariadb client.
std::vector<std::string> ClientArgs() {
  std::string url = MySqlUrl();
  std::string hostport = url.substr(url.find('@') + 1);
  return {"mariadb", "--no-defaults", "--default-character-set=utf8mb4", "-h", hostport.substr(0, hostport.find(':')),
          "-P", hostport.substr(hostport.find(':') + 1), "-uroot", "--batch", "--skip-column-names", "--raw"};
}

// Runs SQL through the mariadb client; returns its output (tab-separated
// rows, NULL as "NULL").
Result<std::string> MySql(const std::string& sql) {
  CommandResult r = RunCommand(ClientArgs(), "SET sql_mode = '';\n" + sql);
  if (r.exit_code != 0) return Internal("mariadb: " + r.err);
  return r.out;
}

std::vector<std::vector<std::string>> Rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::stringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> row;
    size_t start = 0;
    for (;;) {
      size_t tab = line.find('\t', start);
      row.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
      if (tab == std::string::npos) break;
      start = tab + 1;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// Drops and creates database `db` and runs `sql` in it.
void RecreateMySqlDatabase(const std::string& db, const std::string& sql) {
  auto r = MySql("DROP DATABASE IF EXISTS " + db + "; CREATE DATABASE " + db + " CHARACTER SET utf8mb4; USE " + db +
                 ";\n" + sql);
  ASSERT_TRUE(r.ok()) << r.status();
}

constexpr char kTypesTable[] = R"sql(
CREATE TABLE types (
  id int PRIMARY KEY,
  c_bigint bigint, c_ubigint bigint unsigned, c_int int, c_uint int unsigned, c_medium mediumint,
  c_umedium mediumint unsigned, c_small smallint, c_usmall smallint unsigned, c_tiny tinyint,
  c_utiny tinyint unsigned, c_dec decimal(9,2), c_dec18 decimal(18,6), c_dec38 decimal(38,10),
  c_float float, c_double double, c_datetime datetime(6), c_timestamp timestamp(3) NULL, c_date date,
  c_time time(6), c_year year, c_char char(4), c_varchar varchar(40), c_text text, c_binary binary(3),
  c_varbinary varbinary(10), c_blob blob, c_enum enum('red','green'), c_set set('a','b','c'),
  c_json json, c_bit bit(64), c_latin1 varchar(10) CHARACTER SET latin1,
  c_gen int AS (c_int * 2) VIRTUAL, c_point point NULL);
INSERT INTO types (id, c_bigint, c_ubigint, c_int, c_uint, c_medium, c_umedium, c_small, c_usmall, c_tiny,
  c_utiny, c_dec, c_dec18, c_dec38, c_float, c_double, c_datetime, c_timestamp, c_date, c_time, c_year,
  c_char, c_varchar, c_text, c_binary, c_varbinary, c_blob, c_enum, c_set, c_json, c_bit, c_latin1, c_point)
VALUES
 (1, -9223372036854775808, 18446744073709551615, -2147483648, 4294967295, -8388608, 16777215, -32768, 65535,
  -128, 255, -1234567.89, 123456789012.123456, 1234567890123456789012345678.0123456789, 1.5, -2.25e300,
  '2024-02-29 23:59:59.999999', '2038-01-19 03:14:07.123', '1000-01-01', '23:59:59.5', 2155, 'abcd',
  'utf8mb4 😀 ü', 'long text', 'xyz', 'bin', 'blob bytes', 'green', 'a,c', '{"k": [1, 2]}',
  18446744073709551615, 'café', ST_GeomFromText('POINT(1 2)')),
 (2, 9223372036854775807, 0, 2147483647, 0, 8388607, 0, 32767, 0, 127, 0, 9999999.99, -0.000001,
  -0.0000000001, -0.0, 0, '1970-01-01 00:00:00', '1970-01-01 00:00:01', '9999-12-31', '00:00:00', 1901,
  '', '', '', 'a', '', '', 'red', '', '[]', 0, '', NULL),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  '0000-00-00 00:00:00', NULL, '0000-00-00', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL);
)sql";

// What DuckDB prints for a server value: timestamps without trailing zero
// fractions.
std::string TrimFraction(std::string v) {
  if (v.find('.') == std::string::npos || v.find(':') == std::string::npos) return v;
  while (v.back() == '0') v.pop_back();
  if (v.back() == '.') v.pop_back();
  return v;
}

class MySqlExportTypes : public ::testing::TestWithParam<std::string> {};

TEST_P(MySqlExportTypes, EveryTypeRoundTripsThroughDuckDb) {
  const std::string mapping = GetParam();
  const std::string db = "mytest_types_" + mapping;
  RecreateMySqlDatabase(db, kTypesTable);
  std::string out = MakeTempDir("mysql-types");
  CommandResult r = RunDbexport({"run", "--source", MySqlUrl(db), "--dest", out, "--task-id", "types-1",
                                 "--type-mapping", mapping, "--progress", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Every page of every type decodes (dbexport verify --deep).
  CommandResult deep = RunDbexport({"verify", "--deep", out + "/types-1"});
  EXPECT_EQ(deep.exit_code, 0) << deep.err << deep.out;

  // The server's values, as text DuckDB can be compared with: integers and
  // decimals as printed; binary values as hex; floats through DOUBLE; dates
  // and times as printed (NULL where a Parquet value cannot hold them).
  auto server = MySql(
      "SELECT id, c_bigint, c_ubigint, c_int, c_uint, c_medium, c_umedium, c_small, c_usmall, c_tiny, c_utiny, "
      "c_dec, c_dec18, c_dec38, c_datetime, c_timestamp, c_varchar, c_text, c_enum, c_set, c_latin1, "
      "c_gen, HEX(c_binary), HEX(c_varbinary), HEX(c_blob), HEX(ST_AsBinary(c_point)), c_year, c_json "
      "FROM " + db + ".types ORDER BY id");
  ASSERT_TRUE(server.ok()) << server.status();
  auto duck = DuckDbQuery(
      "SELECT id, c_bigint, c_ubigint, c_int, c_uint, c_medium, c_umedium, c_small, c_usmall, c_tiny, c_utiny, "
      "c_dec, c_dec18, c_dec38, c_datetime, "
      "strftime(c_timestamp::TIMESTAMP, '%Y-%m-%d %H:%M:%S.%g'), c_varchar, c_text, "
      "c_enum, c_set, c_latin1, c_gen, hex(c_binary), hex(c_varbinary), hex(c_blob), hex(c_point), c_year, c_json "
      "FROM read_parquet('" + out + "/types-1/" + db + "/" + db + ".types/**/*.parquet') ORDER BY id");
  ASSERT_TRUE(duck.ok()) << duck.status();
  auto expected = Rows(*server);
  ASSERT_EQ(duck->rows.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    for (size_t j = 0; j < expected[i].size(); ++j) {
      std::string want = expected[i][j] == "NULL" ? "<null>" : TrimFraction(expected[i][j]);
      if (j == 14 && want.starts_with("0000-00-00")) want = "<null>";  // a zero DATETIME: NULL, counted
      std::string got = duck->rows[i][j] ? TrimFraction(*duck->rows[i][j]) : "<null>";
      EXPECT_EQ(got, want) << "row " << i + 1 << " column " << duck->columns[j];
    }
  }

  // Doubles compared as numbers (the two print exponents differently).
  auto doubles = DuckDbQuery("SELECT c_double = -2.25e300, c_float = 1.5 FROM read_parquet('" + out + "/types-1/" +
                             db + "/" + db + ".types/**/*.parquet') WHERE id = 1");
  ASSERT_TRUE(doubles.ok()) << doubles.status();
  EXPECT_EQ(doubles->rows[0][0], "true");
  EXPECT_EQ(doubles->rows[0][1], "true");

  // Types as the mapping says (spec/reference.md section 3).
  auto types = DuckDbQuery("DESCRIBE SELECT * FROM read_parquet('" + out + "/types-1/" + db + "/" + db +
                           ".types/**/*.parquet')");
  ASSERT_TRUE(types.ok()) << types.status();
  std::map<std::string, std::string> type_of;
  for (const auto& row : types->rows) type_of[*row[0]] = *row[1];
  EXPECT_EQ(type_of["c_bigint"], "BIGINT");
  EXPECT_EQ(type_of["c_ubigint"], mapping == "aws" ? "DECIMAL(20,0)" : "UBIGINT");
  EXPECT_EQ(type_of["c_uint"], mapping == "aws" ? "BIGINT" : "UINTEGER");
  EXPECT_EQ(type_of["c_utiny"], mapping == "aws" ? "SMALLINT" : "UTINYINT");
  EXPECT_EQ(type_of["c_dec38"], "DECIMAL(38,10)");
  EXPECT_EQ(type_of["c_float"], "DOUBLE");
  EXPECT_EQ(type_of["c_binary"], "BLOB");
  EXPECT_EQ(type_of["c_year"], "INTEGER");
  if (mapping == "aws") {
    EXPECT_EQ(type_of["c_datetime"], "TIMESTAMP");
    EXPECT_EQ(type_of["c_timestamp"], "TIMESTAMP");
    EXPECT_EQ(type_of["c_date"], "VARCHAR");
    EXPECT_EQ(type_of["c_time"], "VARCHAR");
    EXPECT_EQ(type_of["c_char"], "BLOB");
    EXPECT_EQ(type_of["c_bit"], "BLOB");
    EXPECT_EQ(type_of["c_json"], "VARCHAR");
  } else {
    EXPECT_EQ(type_of["c_timestamp"], "TIMESTAMP WITH TIME ZONE");
    EXPECT_EQ(type_of["c_date"], "DATE");
    EXPECT_EQ(type_of["c_time"], "TIME");
    EXPECT_EQ(type_of["c_char"], "VARCHAR");
    EXPECT_EQ(type_of["c_bit"], "UBIGINT");
    EXPECT_EQ(type_of["c_json"], "JSON");  // MariaDB: a LONGTEXT with a json_valid() check
    auto native = DuckDbQuery("SELECT c_date::VARCHAR, c_time::VARCHAR, c_bit::VARCHAR FROM read_parquet('" + out +
                              "/types-1/" + db + "/" + db + ".types/**/*.parquet') ORDER BY id");
    ASSERT_TRUE(native.ok()) << native.status();
    EXPECT_EQ(native->rows[0][0], "1000-01-01");
    EXPECT_EQ(native->rows[0][1], "23:59:59.5");
    EXPECT_EQ(native->rows[0][2], "18446744073709551615");
    EXPECT_EQ(native->rows[2][0], std::nullopt);  // 0000-00-00: NULL, counted
  }
  // Zero dates are NULL and counted in the manifest's warnings.
  auto manifest = ReadJsonFile(out + "/types-1/export_tables_info_types-1_from_1_to_1.json");
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  std::string warnings = (*manifest)["perTableStatus"][0]["warnings"].dump();
  EXPECT_NE(warnings.find("column \\\"c_datetime\\\": 1 values"), std::string::npos) << warnings;
  EXPECT_EQ((*manifest)["perTableStatus"][0]["target"], db + ".types");
}

INSTANTIATE_TEST_SUITE_P(Mappings, MySqlExportTypes, ::testing::Values("aws", "native"));

// Money moves between the accounts of two tables while the export runs,
// one transaction per transfer; in every mode the exported balances add
// up, across 4 readers that started their snapshots separately.
class MySqlConsistency : public ::testing::TestWithParam<std::string> {};

TEST_P(MySqlConsistency, ConcurrentTransfersNeverChangeTheExportedTotal) {
  const std::string mode = GetParam();
  const std::string db = "mytest_consistency_" + mode.substr(0, mode.find('-'));
  RecreateMySqlDatabase(
      db, "CREATE TABLE a (id int PRIMARY KEY, bal bigint NOT NULL) ENGINE=InnoDB;\n"
          "CREATE TABLE b (id int PRIMARY KEY, bal bigint NOT NULL) ENGINE=InnoDB;\n"
          "INSERT INTO a SELECT seq, 1000 FROM seq_1_to_25000;\n"
          "INSERT INTO b SELECT seq, 1000 FROM seq_1_to_25000;\n"
          "CREATE TABLE stop_flag (x int);\n");
  const std::string loop =
      "USE " + db + ";\n"
      "DELIMITER //\n"
      "CREATE PROCEDURE transfers() BEGIN\n"
      "  DECLARE i INT; DECLARE j INT; DECLARE x INT; DECLARE n INT DEFAULT 0;\n"
      "  WHILE n < 200000 AND NOT EXISTS (SELECT 1 FROM stop_flag) DO\n"
      "    SET i = 1 + FLOOR(RAND() * 25000), j = 1 + FLOOR(RAND() * 25000), x = FLOOR(RAND() * 201) - 100;\n"
      "    START TRANSACTION;\n"
      "    UPDATE a SET bal = bal - x WHERE id = i;\n"
      "    UPDATE b SET bal = bal + x WHERE id = j;\n"
      "    COMMIT;\n"
      "    DO SLEEP(0.001);\n"
      "    SET n = n + 1;\n"
      "  END WHILE;\n"
      "END//\n"
      "DELIMITER ;\n"
      "CALL transfers();\n";
  ChildProcess load;
  std::vector<std::string> args = ClientArgs();
  args.insert(args.end(), {"-e", loop});
  ASSERT_TRUE(load.Start(args).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));

  std::string out = MakeTempDir("mysql-consistency");
  CommandResult r = RunDbexport({"run", "--source", MySqlUrl(db), "--dest", out, "--task-id", "c-1",
                                 "--consistency", mode, "--parallelism", "4", "--chunk-rows", "2000",
                                 "--progress", "none"});
  ASSERT_TRUE(MySql("INSERT INTO " + db + ".stop_flag VALUES (1)").ok());
  EXPECT_EQ(load.Wait(), 0) << load.Stderr();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string base = out + "/c-1/" + db + "/" + db;
  auto sum = DuckDbQuery("SELECT count(*), sum(bal), (SELECT sum(bal) FROM read_parquet('" + base +
                         ".a/**/*.parquet')) FROM (SELECT bal FROM read_parquet('" + base +
                         ".a/**/*.parquet') UNION ALL SELECT bal FROM read_parquet('" + base + ".b/**/*.parquet'))");
  ASSERT_TRUE(sum.ok()) << sum.status();
  EXPECT_EQ(sum->rows[0][0], "50000");
  EXPECT_EQ(sum->rows[0][1], "50000000") << "the readers did not share one snapshot";
  EXPECT_NE(sum->rows[0][2], "25000000") << "no transfer happened before the snapshot: the test proves nothing";
  // The manifest records how the snapshot was taken and where.
  auto info = ReadJsonFile(out + "/c-1/export_info_c-1.json");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ((*info)["snapshot"]["consistency"], mode);
  EXPECT_TRUE((*info)["snapshot"]["binlogFile"].get<std::string>().starts_with("binlog.")) << info->dump();
  EXPECT_EQ((*info)["snapshot"].contains("writersBlockedMs"), mode != "no-lock") << info->dump();
  EXPECT_NE(r.err.find("snapshot: --consistency " + mode + " at binlog."), std::string::npos) << r.err;
  auto manifest = ReadJsonFile(out + "/c-1/export_tables_info_c-1_from_1_to_3.json");
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  EXPECT_GE((*manifest)["perTableStatus"][0]["tableStatistics"]["partitioningInfo"]["numberOfPartitions"].get<int>(),
            10);
}

INSTANTIATE_TEST_SUITE_P(Modes, MySqlConsistency, ::testing::Values("lock", "backup-lock", "no-lock"));

// Composite and string primary keys split into ranges of key tuples: every
// row exported exactly once, over several partitions.
TEST(MySqlExportKeys, CompositeAndStringKeysCoverEveryRowOnce) {
  RecreateMySqlDatabase("mytest_keys",
                        "CREATE TABLE comp (a int, b varchar(10), v int, PRIMARY KEY (a, b));\n"
                        "INSERT INTO comp SELECT seq % 37, CONCAT('k', seq), seq FROM seq_1_to_10000;\n"
                        "CREATE TABLE skey (code varchar(20) PRIMARY KEY, v int);\n"
                        "INSERT INTO skey SELECT CONCAT(IF(seq % 2, 'A', 'b'), 'ü', seq), seq FROM seq_1_to_10000;\n");
  std::string out = MakeTempDir("mysql-keys");
  CommandResult r = RunDbexport({"run", "--source", MySqlUrl("mytest_keys"), "--dest", out, "--task-id", "keys-1",
                                 "--chunk-rows", "1000", "--parallelism", "3", "--progress", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto manifest = ReadJsonFile(out + "/keys-1/export_tables_info_keys-1_from_1_to_2.json");
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  for (const auto& t : (*manifest)["perTableStatus"]) {
    const auto& info = t["tableStatistics"]["partitioningInfo"];
    EXPECT_EQ(info["constraintType"], "PRIMARY_KEY") << t.dump();
    EXPECT_GE(info["numberOfPartitions"].get<int>(), 8) << t.dump();
  }
  for (const std::string table : {"comp", "skey"}) {
    auto got = DuckDbQuery("SELECT count(*), count(DISTINCT v), sum(v) FROM read_parquet('" + out +
                           "/keys-1/mytest_keys/mytest_keys." + table + "/**/*.parquet')");
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->rows[0][0], "10000") << table;
    EXPECT_EQ(got->rows[0][1], "10000") << table;
    EXPECT_EQ(got->rows[0][2], "50005000") << table;
  }
}

// A 12 MiB BLOB (under the server's 16 MiB max_allowed_packet) round-trips.
TEST(MySqlExportLargeValues, ALargeBlobRoundTrips) {
  RecreateMySqlDatabase("mytest_blob", "CREATE TABLE b (id int PRIMARY KEY, data longblob);\n"
                                       "INSERT INTO b VALUES (1, REPEAT('0123456789abcdef', 786432)), (2, '');\n");
  std::string out = MakeTempDir("mysql-blob");
  CommandResult r = RunDbexport({"run", "--source", MySqlUrl("mytest_blob"), "--dest", out, "--task-id", "blob-1",
                                 "--progress", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto got = DuckDbQuery("SELECT id, octet_length(data), data = repeat('0123456789abcdef', 786432)::BLOB "
                         "FROM read_parquet('" + out + "/blob-1/mytest_blob/mytest_blob.b/**/*.parquet') ORDER BY id");
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->rows.size(), 2u);
  EXPECT_EQ(got->rows[0][1], "12582912");
  EXPECT_EQ(got->rows[0][2], "true");
  EXPECT_EQ(got->rows[1][1], "0");
}

// SIGTERM reaches a reader blocked inside the server (here behind another
// session's LOCK TABLES ... WRITE): its statement is killed, the export ends
// within seconds.
TEST(MySqlExportCancel, SigtermReachesAReaderBlockedInTheServer) {
  RecreateMySqlDatabase("mytest_cancel", "CREATE TABLE held (v int);\nINSERT INTO held VALUES (1);\n");
  ChildProcess holder;
  std::vector<std::string> args = ClientArgs();
  args.insert(args.end(), {"mytest_cancel", "-e", "LOCK TABLES held WRITE; DO SLEEP(120);"});
  ASSERT_TRUE(holder.Start(args).ok());
  // The lock is taken once the holder sleeps.
  ASSERT_TRUE(WaitFor([&] {
    auto r = MySql("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'DO SLEEP(120)%'");
    return r.ok() && r->find("1") == 0;
  }, std::chrono::seconds(20)));
  std::string out = MakeTempDir("mysql-cancel");
  ChildProcess exporter;
  ASSERT_TRUE(exporter.Start({DbexportBinary(), "run", "--source", MySqlUrl("mytest_cancel"), "--dest", out,
                              "--task-id", "cancel-1", "--consistency", "no-lock", "--progress", "none"})
                  .ok());
  // The reader waits for the table's metadata lock.
  ASSERT_TRUE(WaitFor([&] {
    auto r = MySql("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE STATE LIKE 'Waiting for table metadata lock'");
    return !exporter.Running() || (r.ok() && r->find("0") != 0);
  }, std::chrono::seconds(30)));
  ASSERT_TRUE(exporter.Running()) << exporter.Stderr();
  auto signalled = std::chrono::steady_clock::now();
  exporter.Signal(SIGTERM);
  EXPECT_EQ(exporter.Wait(), 130) << exporter.Stderr();
  EXPECT_LT(SecondsSince(signalled), 5.0);
  holder.Signal(SIGKILL);
  holder.Wait();
}

TEST(MySqlExportBadInput, SaysWhatIsWrong) {
  RecreateMySqlDatabase("mytest_bad", "CREATE TABLE t (id int PRIMARY KEY);\n"
                                      "CREATE USER IF NOT EXISTS 'reader'@'127.0.0.1';\n"
                                      "GRANT SELECT ON mytest_bad.* TO 'reader'@'127.0.0.1';\n");
  std::string out = MakeTempDir("mysql-bad");
  std::string url = MySqlUrl("mytest_bad");
  std::string hostport = url.substr(url.find('@') + 1);

  CommandResult wrong = RunDbexport({"run", "--source", "mysql://root:not-the-password@" + hostport, "--dest", out,
                                     "--progress", "none"});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("Access denied for user 'root'"), std::string::npos) << wrong.err;
  EXPECT_EQ(wrong.err.find("not-the-password"), std::string::npos) << "the password was printed";

  CommandResult unknown = RunDbexport({"run", "--source", MySqlUrl("no_such_db"), "--dest", out, "--progress", "none"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("Unknown database 'no_such_db'"), std::string::npos) << unknown.err;

  std::string reader = "mysql://reader@" + hostport.substr(0, hostport.find('/')) + "/mytest_bad";
  CommandResult lock = RunDbexport({"run", "--source", reader, "--dest", out, "--consistency", "lock",
                                    "--progress", "none"});
  EXPECT_EQ(lock.exit_code, 1);
  EXPECT_NE(lock.err.find("needs the RELOAD privilege"), std::string::npos) << lock.err;
  // Without RELOAD, auto takes the lock-free snapshot.
  CommandResult autom = RunDbexport({"run", "--source", reader, "--dest", out, "--task-id", "auto-1",
                                     "--progress", "none"});
  EXPECT_EQ(autom.exit_code, 0) << autom.err;

  CommandResult three = RunDbexport({"run", "--source", MySqlUrl(), "--dest", out, "--export-only",
                                     "mytest_bad.x.t", "--progress", "none"});
  EXPECT_EQ(three.exit_code, 2);
  EXPECT_NE(three.err.find("has three parts: a MySQL entry is database or database.table"), std::string::npos)
      << three.err;
}

}  // namespace
}  // namespace dbexport::testing
