// Catalog files of `dbexport run` (docs/catalog.md) against PostgreSQL 15,
// a local directory and moto S3, each read by an independent reader:
//   the DuckDB script, run by DuckDB: every view's rows equal the source's;
//   the Iceberg metadata, read by icebird (tests/tools/iceberg_read.mjs: its
//   own Avro decoder for manifest list and manifests, hyparquet for the data
//   files): every table's record count and values equal the source's;
//   the Athena DDL of a known table, statement for statement.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "export_test_util.h"

namespace dbexport::testing {
namespace {

// One database per test process (ProcessDatabase).
const std::string kDb = ProcessDatabase("cattest");

constexpr char kSetup[] = R"sql(
CREATE TABLE items (id int PRIMARY KEY, qty smallint, big bigint, price numeric(12,2), wide numeric(30,4),
                    name text, created timestamp, created_tz timestamptz, day date, flag boolean, data bytea,
                    score double precision, uid uuid, tags int[]);
INSERT INTO items
SELECT i, (i % 100)::smallint, i::bigint * 1000000007, (i * 1.25)::numeric(12,2),
       CASE WHEN i % 3 = 0 THEN -(i * 1.5) ELSE i * 1.5 END::numeric(30,4),
       CASE WHEN i % 7 = 0 THEN NULL ELSE 'name-' || i END,
       timestamp '2024-01-01 00:00:00' + i * interval '1 minute',
       timestamptz '2024-01-01 00:00:00+00' + i * interval '1 hour',
       date '2020-01-01' + i, i % 2 = 0,
       CASE WHEN i % 5 = 0 THEN NULL ELSE '\x00'::bytea || convert_to('b' || i, 'UTF8') END,
       i * 0.25, md5(i::text)::uuid, ARRAY[i, i + 1]
FROM generate_series(1, 2500) i;
CREATE TABLE empty_t (id int, label text);
CREATE SCHEMA other;
CREATE TABLE other."Mixed Case" (k int, "Val" text);
INSERT INTO other."Mixed Case" VALUES (1, 'a'), (2, NULL), (3, 'it''s');
)sql";

// The tables, as the catalog names them, with a query of their rows in the
// order the checks sort them.
struct Table {
  std::string name;  // <database>.<schema>.<table>
  std::string duckdb_view;
  std::string pg_table;
};
const std::vector<Table>& Tables() {
  static const std::vector<Table> tables = {
      {kDb + ".public.items", "\"" + kDb + ".public\".\"items\"", "items"},
      {kDb + ".public.empty_t", "\"" + kDb + ".public\".\"empty_t\"", "empty_t"},
      {kDb + ".other.Mixed_Case", "\"" + kDb + ".other\".\"Mixed Case\"", "other.\"Mixed Case\""},
  };
  return tables;
}

using Rows = std::vector<std::vector<std::optional<std::string>>>;

Rows JsonRows(const nlohmann::json& j) {
  Rows rows;
  if (!j.is_array()) return rows;
  for (const auto& r : j) {
    std::vector<std::optional<std::string>> row;
    for (const auto& v : r) row.push_back(v.is_null() ? std::nullopt : std::optional<std::string>(v.get<std::string>()));
    rows.push_back(std::move(row));
  }
  return rows;
}

Rows PgRows(const std::string& columns, const std::string& table, const std::string& order) {
  Result<nlohmann::json> j = PgJson(PostgresUrl(kDb), "SELECT coalesce(json_agg(json_build_array(" + columns +
                                                          ") ORDER BY " + order + "), '[]') FROM " + table);
  EXPECT_TRUE(j.ok()) << j.status().ToString();
  return j.ok() ? JsonRows(*j) : Rows{};
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The script's statements: one per line, comments left out.
std::vector<std::string> ScriptStatements(const std::string& script) {
  std::vector<std::string> out;
  std::istringstream in(script);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line.starts_with("--")) continue;
    out.push_back(line);
  }
  return out;
}

std::string LowerHex(std::string_view bytes) {
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : bytes) hex += std::string{kHex[c >> 4], kHex[c & 15]};
  return hex;
}

// Iceberg's serialization of an int (4 bytes little-endian) and of a
// decimal's unscaled value (big-endian two's complement, fewest bytes).
std::string IntBoundHex(int32_t v) {
  std::string b(4, '\0');
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(static_cast<uint32_t>(v) >> (8 * i));
  return LowerHex(b);
}
std::string DecimalBoundHex(int64_t v) {
  std::string b(8, '\0');
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(static_cast<uint64_t>(v) >> (56 - 8 * i));
  size_t drop = 0;
  while (drop + 1 < b.size() && ((b[drop] == 0 && !(b[drop + 1] & 0x80)) || (b[drop] == '\xff' && (b[drop + 1] & 0x80)))) {
    ++drop;
  }
  return LowerHex(b.substr(drop));
}

class CatalogTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Status s = RecreateDatabase(kDb, kSetup);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  static void TearDownTestSuite() { EXPECT_TRUE(DropDatabase(kDb).ok()); }

  static CommandResult Export(const std::string& dest, const std::string& task, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"run", "--source", PostgresUrl(kDb), "--dest", dest, "--task-id", task,
                                     "--chunk-rows", "1000", "--type-mapping", "native"};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunDbexport(args);
  }

  // Runs the DuckDB script and checks every view against the source.
  static void CheckDuckDbScript(const std::string& script) {
    std::vector<std::string> sql = ScriptStatements(script);
    size_t setup = sql.size();
    for (const Table& t : Tables()) sql.push_back("SELECT count(*) FROM " + t.duckdb_view);
    sql.push_back(
        "SELECT id, qty, big, price, wide, name, created, epoch(created_tz)::BIGINT, day, flag, lower(hex(data)), "
        "(score * 4)::BIGINT, uid, array_to_string(tags, ',') FROM \"" + kDb + ".public\".\"items\" ORDER BY id");
    sql.push_back("SELECT k, \"Val\" FROM \"" + kDb + ".other\".\"Mixed Case\" ORDER BY k");
    Result<std::vector<QueryResult>> r = DuckDbQueries(sql);
    ASSERT_TRUE(r.ok()) << r.status().ToString() << "\n" << script;
    for (size_t i = 0; i < Tables().size(); ++i) {
      Result<int64_t> expected = PgInt(PostgresUrl(kDb), "SELECT count(*) FROM " + Tables()[i].pg_table);
      ASSERT_TRUE(expected.ok());
      EXPECT_EQ((*r)[setup + i].rows.at(0).at(0), std::to_string(*expected)) << Tables()[i].name;
    }
    Rows items = PgRows(
        "id::text, qty::text, big::text, price::text, wide::text, name, created::text, "
        "extract(epoch from created_tz)::bigint::text, day::text, flag::text, encode(data, 'hex'), "
        "(score * 4)::bigint::text, uid::text, array_to_string(tags, ',')",
        "items", "id");
    ASSERT_EQ(items.size(), 2500u);
    EXPECT_EQ((*r)[setup + Tables().size()].rows, items);
    EXPECT_EQ((*r)[setup + Tables().size() + 1].rows, PgRows("k::text, \"Val\"", "other.\"Mixed Case\"", "k"));
  }

  // The icebird output of the last CheckIceberg().
  static inline nlohmann::json last_iceberg_;

  // Each data file's metrics in the Iceberg manifest (as icebird decoded
  // them) against DuckDB reading that file: rows, size, NULL counts and the
  // bounds of an int, a decimal and a string column.
  static void CheckIcebergMetrics(const nlohmann::json& table) {
    ASSERT_GE(table["dataFiles"].size(), 2u);
    for (const auto& f : table["dataFiles"]) {
      std::string path = f["path"].get<std::string>();
      ASSERT_TRUE(path.starts_with("file:///")) << path;
      path = path.substr(7);
      Result<QueryResult> q = DuckDbQuery(
          "SELECT count(*), min(id), max(id), count(*) - count(name), count(*) - count(data), lower(hex(min(name))), "
          "lower(hex(max(name))), (min(price) * 100)::BIGINT, (max(price) * 100)::BIGINT FROM read_parquet('" +
          path + "')");
      ASSERT_TRUE(q.ok()) << q.status().ToString();
      const auto& v = q->rows.at(0);
      EXPECT_EQ(f["recordCount"], *v[0]) << path;
      EXPECT_EQ(f["sizeBytes"], std::to_string(std::filesystem::file_size(path))) << path;
      EXPECT_EQ(f["valueCounts"]["1"], *v[0]) << path;
      EXPECT_EQ(f["nullValueCounts"]["1"], "0") << path;
      EXPECT_EQ(f["nullValueCounts"]["6"], *v[3]) << path;
      EXPECT_EQ(f["nullValueCounts"]["11"], *v[4]) << path;
      EXPECT_EQ(f["lowerBounds"]["1"], IntBoundHex(std::stoi(*v[1]))) << path;
      EXPECT_EQ(f["upperBounds"]["1"], IntBoundHex(std::stoi(*v[2]))) << path;
      EXPECT_EQ(f["lowerBounds"]["6"], *v[5]) << path;
      EXPECT_EQ(f["upperBounds"]["6"], *v[6]) << path;
      EXPECT_EQ(f["lowerBounds"]["4"], DecimalBoundHex(std::stoll(*v[7]))) << path;
      EXPECT_EQ(f["upperBounds"]["4"], DecimalBoundHex(std::stoll(*v[8]))) << path;
      EXPECT_EQ(f["nanValueCounts"]["12"], "0") << path;
      EXPECT_TRUE(f["columnSizes"].contains("28")) << "the list column's sizes are keyed by its element id";
    }
  }

  // Reads every table's Iceberg metadata with icebird and checks record
  // counts and values against the source.
  static void CheckIceberg(const std::string& catalog_url, const std::string& s3_endpoint) {
    nlohmann::json input = {{"tables", nlohmann::json::array()}};
    for (const Table& t : Tables()) input["tables"].push_back(catalog_url + "/iceberg/" + t.name);
    if (!s3_endpoint.empty()) input["s3Endpoint"] = s3_endpoint;
    CommandResult r = RunCommand({"node", SourceDir() + "/tests/tools/iceberg_read.mjs"}, input.dump());
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    nlohmann::json out = nlohmann::json::parse(r.out);
    ASSERT_EQ(out.size(), Tables().size());
    for (size_t i = 0; i < Tables().size(); ++i) {
      Result<int64_t> expected = PgInt(PostgresUrl(kDb), "SELECT count(*) FROM " + Tables()[i].pg_table);
      ASSERT_TRUE(expected.ok());
      EXPECT_EQ(out[i]["recordCount"], std::to_string(*expected)) << Tables()[i].name;
      EXPECT_EQ(out[i]["rows"].size(), static_cast<size_t>(*expected)) << Tables()[i].name;
    }
    // icebird's values: numbers as JavaScript prints them, timestamps and
    // dates as ISO 8601 instants, UUIDs as hex, lists joined. hyparquet
    // reads an unannotated BYTE_ARRAY (bytea) as UTF-8 text (the test's
    // bytes are ASCII) and a FIXED_LEN_BYTE_ARRAY DECIMAL as a double
    // computed inexactly (1.5 reads 1.4999999999999998): those two are
    // compared as hex and within 1e-12.
    Rows items = JsonRows(out[0]["rows"]);
    std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return std::stoi(*a[0]) < std::stoi(*b[0]); });
    Rows expected = PgRows(
        "id::text, qty::text, big::text, price::float8::text, wide::float8::text, name, "
        "to_char(created, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), to_char(created_tz, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
        "to_char(day, 'YYYY-MM-DD\"T00:00:00.000Z\"'), flag::text, encode(data, 'hex'), score::text, "
        "replace(uid::text, '-', ''), array_to_string(tags, ',')",
        "items", "id");
    ASSERT_EQ(items.size(), expected.size());
    for (size_t i = 0; i < items.size(); ++i) {
      auto& row = items[i];
      ASSERT_EQ(row.size(), 14u);
      if (row[12]) row[12]->erase(std::remove(row[12]->begin(), row[12]->end(), '-'), row[12]->end());
      if (row[10]) {
        static const char* kHex = "0123456789abcdef";
        std::string hex;
        for (unsigned char c : *row[10]) hex += std::string{kHex[c >> 4], kHex[c & 15]};
        row[10] = hex;
      }
      ASSERT_TRUE(row[4] && expected[i][4]);
      EXPECT_NEAR(std::stod(*row[4]), std::stod(*expected[i][4]), 1e-12) << "row " << i;
      row[4] = expected[i][4];
    }
    EXPECT_EQ(items, expected);
    last_iceberg_ = out;
    Rows mixed = JsonRows(out[2]["rows"]);
    std::sort(mixed.begin(), mixed.end());
    EXPECT_EQ(mixed, PgRows("k::text, \"Val\"", "other.\"Mixed Case\"", "k"));
  }
};

TEST_F(CatalogTest, LocalExportCatalogReadByDuckDbAndIcebird) {
  const std::string dir = MakeTempDir("catalog-local");
  CommandResult r = Export(dir, "cat-1");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string catalog = dir + "/cat-1/_catalog";
  std::vector<std::string> files = ListFiles(catalog);
  for (const Table& t : Tables()) {
    EXPECT_NE(std::find(files.begin(), files.end(), "iceberg/" + t.name + "/metadata/v1.metadata.json"), files.end())
        << t.name;
    EXPECT_NE(std::find(files.begin(), files.end(), "athena/" + t.name + ".sql"), files.end()) << t.name;
  }
  EXPECT_NE(std::find(files.begin(), files.end(), "duckdb.sql"), files.end());

  CheckDuckDbScript(ReadText(catalog + "/duckdb.sql"));
  CheckIceberg("file://" + catalog, "");
  CheckIcebergMetrics(last_iceberg_[0]);

  // The Iceberg schema carries the Parquet files' field ids.
  Result<nlohmann::json> meta = ReadJsonFile(catalog + "/iceberg/" + kDb + ".public.items/metadata/v1.metadata.json");
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ((*meta)["format-version"], 2);
  EXPECT_EQ((*meta)["location"], "file://" + catalog + "/iceberg/" + kDb + ".public.items");
  const auto& fields = (*meta)["schemas"][0]["fields"];
  ASSERT_EQ(fields.size(), 14u);
  // Every exported column is nullable in the Parquet schema.
  EXPECT_EQ(fields[0], (nlohmann::json{{"id", 1}, {"name", "id"}, {"required", false}, {"type", "int"}}));
  EXPECT_EQ(fields[4]["type"], "decimal(30, 4)");
  EXPECT_EQ(fields[7]["type"], "timestamptz");
  EXPECT_EQ(fields[13]["type"], (nlohmann::json{{"type", "list"}, {"element-id", 28}, {"element", "int"},
                                                {"element-required", false}}));
  Result<QueryResult> ids = DuckDbQuery(
      "SELECT name, field_id FROM parquet_schema('" + dir +
      "/cat-1/" + kDb + "/public.items/*/*.parquet') WHERE name IN ('id', 'tags', 'element') GROUP BY ALL ORDER BY 2");
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  EXPECT_EQ(ids->rows, (Rows{{"id", "1"}, {"tags", "14"}, {"element", "28"}}));

  // Athena DDL of the table, statement as written.
  EXPECT_EQ(ReadText(catalog + "/athena/" + kDb + ".public.items.sql"),
            "-- " + kDb + ".public.items\n"
            "CREATE EXTERNAL TABLE IF NOT EXISTS `" + kDb + "`.`public_items` (\n"
            "  `id` int,\n  `qty` smallint,\n  `big` bigint,\n  `price` decimal(12,2),\n  `wide` decimal(30,4),\n"
            "  `name` string,\n  `created` timestamp,\n  `created_tz` timestamp,\n  `day` date,\n"
            "  `flag` boolean,\n  `data` binary,\n  `score` double,\n  `uid` binary,\n  `tags` array<int>\n"
            ")\nSTORED AS PARQUET\nLOCATION 'file://" + dir + "/cat-1/" + kDb + "/public.items/'\n"
            "TBLPROPERTIES ('parquet.compression'='GZIP');\n");
  EXPECT_NE(ReadText(catalog + "/athena/" + kDb + ".other.Mixed_Case.sql")
                .find("CREATE EXTERNAL TABLE IF NOT EXISTS `" + kDb + "`.`other_mixed_case` (\n  `k` int,\n  `Val` string\n)"),
            std::string::npos);

  // dbexport verify accepts the catalog files.
  CommandResult v = RunDbexport({"verify", dir + "/cat-1"});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_EQ(v.err.find("_catalog"), std::string::npos) << v.err;
}

TEST_F(CatalogTest, S3ExportCatalogReadByDuckDbAndIcebird) {
  UseMotoCredentials();
  const std::string bucket = "cattest-lake";
  CommandResult mb = RecreateBucket(bucket);
  ASSERT_EQ(mb.exit_code, 0) << mb.err;
  CommandResult r = Export("s3://" + bucket + "/exports", "cat-s3", {"--endpoint-url", S3Endpoint()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  CheckIceberg("s3://" + bucket + "/exports/cat-s3/_catalog", S3Endpoint());

  // The script names the objects by their s3:// URLs; run against a copy of
  // the export, it must read exactly those files.
  const std::string local = MakeTempDir("catalog-s3");
  CommandResult cp = RunShell("aws --endpoint-url " + S3Endpoint() + " s3 cp --recursive --quiet s3://" + bucket +
                              "/exports " + local);
  ASSERT_EQ(cp.exit_code, 0) << cp.err;
  std::string script = ReadText(local + "/cat-s3/_catalog/duckdb.sql");
  const std::string url = "s3://" + bucket + "/exports/";
  EXPECT_NE(script.find("read_parquet(['" + url + "cat-s3/" + kDb + "/public.items/"), std::string::npos) << script;
  for (size_t at = script.find(url); at != std::string::npos; at = script.find(url, at)) {
    script.replace(at, url.size(), local + "/");
  }
  CheckDuckDbScript(script);
  std::string ddl = ReadText(local + "/cat-s3/_catalog/athena/" + kDb + ".public.items.sql");
  EXPECT_NE(ddl.find("LOCATION 's3://" + bucket + "/exports/cat-s3/" + kDb + "/public.items/'"), std::string::npos) << ddl;
  RemoveBucket(bucket);
}

TEST_F(CatalogTest, NoCatalogFlagWritesNoCatalog) {
  const std::string dir = MakeTempDir("catalog-none");
  CommandResult r = Export(dir, "cat-none", {"--no-catalog"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::vector<std::string> files = ListFiles(dir + "/cat-none");
  EXPECT_TRUE(std::none_of(files.begin(), files.end(), [](const std::string& f) { return f.starts_with("_catalog"); }));
  EXPECT_NE(std::find(files.begin(), files.end(), "_SUCCESS"), files.end());
}

// A catalog that cannot be written fails the export, after the manifests and
// without _SUCCESS: a plain file where the _catalog folder must go.
TEST_F(CatalogTest, UnwritableCatalogFailsTheExportWithoutSuccessMarker) {
  const std::string dir = MakeTempDir("catalog-blocked");
  std::filesystem::create_directories(dir + "/cat-blocked");
  std::ofstream(dir + "/cat-blocked/_catalog") << "not a folder";
  CommandResult r = Export(dir, "cat-blocked");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("the export read every table and wrote its manifest, but not its catalog files: "),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir + "/cat-blocked/export_info_cat-blocked.json"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/cat-blocked/_SUCCESS"));
}

}  // namespace
}  // namespace dbexport::testing
