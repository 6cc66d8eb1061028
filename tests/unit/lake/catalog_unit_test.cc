// The catalog's pieces without a server: type mappings to Athena/Hive,
// DuckDB and Iceberg, Iceberg's binary bounds, Glue names and quoting, the
// DDL and script text, the Avro container files of the Iceberg metadata.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "lake/catalog.h"
#include "lake/iceberg_internal.h"

namespace dbexport::lake {
namespace {

using parquet::Field;
using parquet::LogicalType;
using parquet::PhysicalType;

Field F(std::string name, PhysicalType type, LogicalType logical = LogicalType::None(), int length = 0) {
  Field f;
  f.name = std::move(name);
  f.type = type;
  f.logical = logical;
  f.type_length = length;
  return f;
}

Field List(Field f) {
  f.is_list = true;
  return f;
}

std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s += static_cast<char>(x);
  return s;
}

TEST(LakeTypes, AthenaTypesFollowParquetPhysicalAndLogicalTypes) {
  EXPECT_EQ(AthenaType(F("a", PhysicalType::kBoolean)), "boolean");
  EXPECT_EQ(AthenaType(F("a", PhysicalType::kInt32)), "int");
  EXPECT_EQ(AthenaType(F("a", PhysicalType::kInt32, LogicalType::Int(8, true))), "tinyint");
  EXPECT_EQ(AthenaType(F("a", PhysicalType::kInt32, LogicalType::Int(16, true))), "smallint");
  EXPECT_EQ(AthenaType(F("a", PhysicalType::kInt32, LogicalType::Int(32, false))), "bigint");
  EXPECT_EQ(AthenaType(F("a", PhysicalType::kInt64)), "bigint");
  EXPECT_EQ(AthenaType(F("a", PhysicalType::kFloat)), "float");
  EXPECT_EQ(AthenaType(F("a", PhysicalType::kDouble)), "double");
  EXPECT_EQ(AthenaType(F("a", PhysicalType::kInt64, LogicalType::Decimal(18, 4))), "decimal(18,4)");
  EXPECT_EQ(AthenaType(F("a", PhysicalType::kFixedLenByteArray, LogicalType::Decimal(38, 10), 16)), "decimal(38,10)");
  EXPECT_EQ(AthenaType(F("a", PhysicalType::kInt32, LogicalType::Date())), "date");
  EXPECT_EQ(AthenaType(F("a", PhysicalType::kInt64, LogicalType::Timestamp(true))), "timestamp");
  EXPECT_EQ(AthenaType(F("a", PhysicalType::kInt64, LogicalType::Timestamp(false))), "timestamp");
  EXPECT_EQ(AthenaType(F("a", PhysicalType::kInt64, LogicalType::Time(false))), "bigint");
  EXPECT_EQ(AthenaType(F("a", PhysicalType::kByteArray, LogicalType::String())), "string");
  EXPECT_EQ(AthenaType(F("a", PhysicalType::kByteArray, LogicalType::Json())), "string");
  EXPECT_EQ(AthenaType(F("a", PhysicalType::kByteArray)), "binary");
  EXPECT_EQ(AthenaType(F("a", PhysicalType::kFixedLenByteArray, LogicalType::Uuid(), 16)), "binary");
  EXPECT_EQ(AthenaType(List(F("a", PhysicalType::kInt32))), "array<int>");
  EXPECT_EQ(AthenaType(List(F("a", PhysicalType::kByteArray, LogicalType::String()))), "array<string>");
}

TEST(LakeTypes, IcebergTypesFollowParquetPhysicalAndLogicalTypes) {
  auto t = [](const Field& f) {
    Result<std::string> r = IcebergPrimitiveType(f);
    return r.ok() ? *r : "error: " + r.status().message();
  };
  EXPECT_EQ(t(F("a", PhysicalType::kBoolean)), "boolean");
  EXPECT_EQ(t(F("a", PhysicalType::kInt32, LogicalType::Int(16, true))), "int");
  EXPECT_EQ(t(F("a", PhysicalType::kInt32, LogicalType::Int(16, false))), "int");
  EXPECT_EQ(t(F("a", PhysicalType::kInt32, LogicalType::Int(32, false))), "long");
  EXPECT_EQ(t(F("a", PhysicalType::kInt64)), "long");
  EXPECT_EQ(t(F("a", PhysicalType::kFloat)), "float");
  EXPECT_EQ(t(F("a", PhysicalType::kDouble)), "double");
  EXPECT_EQ(t(F("a", PhysicalType::kInt32, LogicalType::Decimal(9, 2))), "decimal(9, 2)");
  EXPECT_EQ(t(F("a", PhysicalType::kInt32, LogicalType::Date())), "date");
  EXPECT_EQ(t(F("a", PhysicalType::kInt64, LogicalType::Time(false))), "time");
  EXPECT_EQ(t(F("a", PhysicalType::kInt64, LogicalType::Timestamp(false))), "timestamp");
  EXPECT_EQ(t(F("a", PhysicalType::kInt64, LogicalType::Timestamp(true))), "timestamptz");
  EXPECT_EQ(t(F("a", PhysicalType::kByteArray, LogicalType::Enum())), "string");
  EXPECT_EQ(t(F("a", PhysicalType::kByteArray)), "binary");
  EXPECT_EQ(t(F("a", PhysicalType::kFixedLenByteArray, LogicalType::Uuid(), 16)), "uuid");
  EXPECT_EQ(t(F("a", PhysicalType::kFixedLenByteArray, LogicalType::None(), 6)), "fixed[6]");
  EXPECT_EQ(t(F("u", PhysicalType::kInt64, LogicalType::Int(64, false))),
            "error: column u: Iceberg has no unsigned 64-bit integer type");
}

TEST(LakeTypes, DuckDbTypesForEmptyViews) {
  EXPECT_EQ(DuckDbType(F("a", PhysicalType::kInt32, LogicalType::Decimal(9, 2))), "DECIMAL(9,2)");
  EXPECT_EQ(DuckDbType(F("a", PhysicalType::kInt64, LogicalType::Timestamp(true))), "TIMESTAMPTZ");
  EXPECT_EQ(DuckDbType(List(F("a", PhysicalType::kByteArray, LogicalType::String()))), "VARCHAR[]");
  EXPECT_EQ(DuckDbType(F("a", PhysicalType::kByteArray)), "BLOB");
}

TEST(LakeBounds, IcebergSingleValueSerializationOfParquetStatistics) {
  // int, long, date, timestamp, float, double: little-endian, as Parquet PLAIN.
  EXPECT_EQ(IcebergBound(F("a", PhysicalType::kInt32), Bytes({0x01, 0x02, 0x00, 0x80})), Bytes({0x01, 0x02, 0x00, 0x80}));
  EXPECT_EQ(IcebergBound(F("a", PhysicalType::kInt64, LogicalType::Timestamp(true)), std::string(8, '\x7f')),
            std::string(8, '\x7f'));
  EXPECT_EQ(IcebergBound(F("a", PhysicalType::kBoolean), Bytes({0x01})), Bytes({0x01}));
  // Unsigned 32-bit -> Iceberg long: zero-extended.
  EXPECT_EQ(IcebergBound(F("a", PhysicalType::kInt32, LogicalType::Int(32, false)), Bytes({0xFF, 0xFF, 0xFF, 0xFF})),
            Bytes({0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0}));
  // Decimal: big-endian two's complement, minimal bytes.
  Field d32 = F("d", PhysicalType::kInt32, LogicalType::Decimal(9, 2));
  EXPECT_EQ(IcebergBound(d32, Bytes({0x39, 0x30, 0x00, 0x00})), Bytes({0x30, 0x39}));  // 12345
  EXPECT_EQ(IcebergBound(d32, Bytes({0xFF, 0xFF, 0xFF, 0xFF})), Bytes({0xFF}));        // -1
  EXPECT_EQ(IcebergBound(d32, Bytes({0x80, 0x00, 0x00, 0x00})), Bytes({0x00, 0x80}));  // 128
  EXPECT_EQ(IcebergBound(d32, Bytes({0x7F, 0xFF, 0xFF, 0xFF})), Bytes({0xFF, 0x7F}));  // -129
  EXPECT_EQ(IcebergBound(d32, Bytes({0, 0, 0, 0})), Bytes({0x00}));
  Field d64 = F("d", PhysicalType::kInt64, LogicalType::Decimal(18, 0));
  EXPECT_EQ(IcebergBound(d64, Bytes({0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80})),
            Bytes({0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}));  // INT64_MIN
  Field dfix = F("d", PhysicalType::kFixedLenByteArray, LogicalType::Decimal(20, 0), 9);
  EXPECT_EQ(IcebergBound(dfix, Bytes({0, 0, 0, 0, 0, 0, 0, 0x01, 0x00})), Bytes({0x01, 0x00}));
  EXPECT_EQ(IcebergBound(dfix, Bytes({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00})), Bytes({0xFF, 0x00}));
  // Strings and binary: the bytes.
  EXPECT_EQ(IcebergBound(F("s", PhysicalType::kByteArray, LogicalType::String()), "abc"), "abc");
}

TEST(LakeNames, GlueNamesAndQuoting) {
  EXPECT_EQ(GlueName("Sales DB"), "sales_db");
  EXPECT_EQ(GlueName("public_Orders-2024"), "public_orders_2024");
  EXPECT_EQ(GlueName(""), "_");
  EXPECT_EQ(GlueName(std::string(300, 'a')).size(), 255u);
  EXPECT_EQ(QuoteBackticks("we`ird"), "`we``ird`");
}

TableFiles SampleTable() {
  TableFiles t;
  t.database = "shop";
  t.schema = "public";
  t.table = "Orders";
  t.prefix = "task-1/shop/public.Orders/";
  Field id = F("id", PhysicalType::kInt32);
  id.nullable = false;
  t.parquet_schema.fields = {id, F("amount", PhysicalType::kInt64, LogicalType::Decimal(12, 2)),
                             List(F("tags", PhysicalType::kByteArray, LogicalType::String()))};
  parquet::ColumnSummary c0{.compressed_bytes = 10, .num_values = 2, .null_count = 0, .nan_count = -1,
                            .has_min_max = true, .min = Bytes({1, 0, 0, 0}), .max = Bytes({2, 0, 0, 0})};
  parquet::ColumnSummary c1, c2;
  c1.compressed_bytes = 20;
  c1.num_values = 2;
  c1.null_count = 1;
  c2.compressed_bytes = 30;
  c2.num_values = 5;
  c2.null_count = 1;
  t.files = {{"task-1/shop/public.Orders/1/part-00000-x-c000.gz.parquet", 1234, 2, {c0, c1, c2}}};
  return t;
}

TEST(LakeCatalog, AthenaDdlOfATable) {
  CatalogOptions o{.task_id = "task-1", .root_url = "s3://bucket/exports"};
  EXPECT_EQ(AthenaDdl(o, SampleTable(), "shop", "public_orders"),
            "-- shop.public.Orders\n"
            "CREATE EXTERNAL TABLE IF NOT EXISTS `shop`.`public_orders` (\n"
            "  `id` int,\n  `amount` decimal(12,2),\n  `tags` array<string>\n)\n"
            "STORED AS PARQUET\nLOCATION 's3://bucket/exports/task-1/shop/public.Orders/'\n"
            "TBLPROPERTIES ('parquet.compression'='GZIP');\n");
}

TEST(LakeCatalog, DuckDbScriptListsTheFilesAndTypesEmptyTables) {
  CatalogOptions o{.task_id = "task-1", .root_url = "file:///data/out"};
  TableFiles empty = SampleTable();
  empty.table = "it's";
  empty.files.clear();
  std::string s = DuckDbScript(o, {SampleTable(), empty});
  EXPECT_NE(s.find("CREATE SCHEMA IF NOT EXISTS \"shop.public\";\n"), std::string::npos) << s;
  EXPECT_NE(s.find("CREATE OR REPLACE VIEW \"shop.public\".\"Orders\" AS SELECT * FROM "
                   "read_parquet(['/data/out/task-1/shop/public.Orders/1/part-00000-x-c000.gz.parquet']);\n"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("CREATE OR REPLACE VIEW \"shop.public\".\"it's\" AS SELECT * FROM (SELECT CAST(NULL AS INTEGER) AS "
                   "\"id\", CAST(NULL AS DECIMAL(12,2)) AS \"amount\", CAST(NULL AS VARCHAR[]) AS \"tags\" WHERE false);\n"),
            std::string::npos)
      << s;
}

TEST(LakeCatalog, RootUrls) {
  StoreLocation s3;
  s3.s3_bucket = "b";
  EXPECT_EQ(RootUrl(s3), "s3://b");
  s3.s3_prefix = "/a/b/";
  EXPECT_EQ(RootUrl(s3), "s3://b/a/b");
  StoreLocation dir;
  dir.directory = "/tmp/x/";
  EXPECT_EQ(RootUrl(dir), "file:///tmp/x");
}

TEST(LakeCatalog, IcebergFilesOfATable) {
  CatalogOptions o{.task_id = "task-1", .root_url = "s3://bucket/exports", .timestamp_ms = 1700000000000};
  std::vector<std::string> notes;
  Result<std::vector<CatalogFile>> files = BuildCatalog(o, {SampleTable()}, &notes);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  EXPECT_TRUE(notes.empty());
  const std::string dir = "task-1/_catalog/iceberg/shop.public.Orders/metadata/";
  const CatalogFile* metadata = nullptr;
  const CatalogFile* manifest = nullptr;
  const CatalogFile* list = nullptr;
  for (const CatalogFile& f : *files) {
    if (f.key == dir + "v1.metadata.json") metadata = &f;
    if (f.key.starts_with(dir) && f.key.ends_with("-m0.avro")) manifest = &f;
    if (f.key.starts_with(dir + "snap-")) list = &f;
  }
  ASSERT_NE(metadata, nullptr);
  ASSERT_NE(manifest, nullptr);
  ASSERT_NE(list, nullptr);
  nlohmann::json m = nlohmann::json::parse(metadata->contents);
  EXPECT_EQ(m["format-version"], 2);
  EXPECT_EQ(m["location"], "s3://bucket/exports/task-1/_catalog/iceberg/shop.public.Orders");
  EXPECT_EQ(m["last-column-id"], 6);  // tags' element: 3 fields + 2 + 1
  EXPECT_EQ(m["schemas"][0]["fields"][0],
            (nlohmann::json{{"id", 1}, {"name", "id"}, {"required", true}, {"type", "int"}}));
  EXPECT_EQ(m["schemas"][0]["fields"][1]["type"], "decimal(12, 2)");
  EXPECT_EQ(m["snapshots"][0]["summary"]["operation"], "append");
  EXPECT_EQ(m["snapshots"][0]["summary"]["added-records"], "2");
  EXPECT_EQ(m["snapshots"][0]["manifest-list"], "s3://bucket/exports/" + list->key);
  EXPECT_EQ(m["current-snapshot-id"], m["snapshots"][0]["snapshot-id"]);
  // Avro object container files, the schema text with the spec's field ids.
  EXPECT_EQ(manifest->contents.substr(0, 4), std::string("Obj\x01", 4));
  EXPECT_NE(manifest->contents.find("\"field-id\":103"), std::string::npos);
  EXPECT_NE(manifest->contents.find("s3://bucket/exports/task-1/shop/public.Orders/1/part-00000-x-c000.gz.parquet"),
            std::string::npos);
  EXPECT_NE(list->contents.find(kManifestFileSchema), std::string::npos);
  EXPECT_NE(list->contents.find("s3://bucket/exports/" + manifest->key), std::string::npos);
}

TEST(LakeCatalog, TableWithUnsignedBigintGetsNoIcebergMetadata) {
  TableFiles t = SampleTable();
  t.parquet_schema.fields.push_back(F("u", PhysicalType::kInt64, LogicalType::Int(64, false)));
  t.files[0].columns.push_back({});
  std::vector<std::string> notes;
  Result<std::vector<CatalogFile>> files = BuildCatalog({.task_id = "task-1", .root_url = "s3://b"}, {t}, &notes);
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0], "shop.public.Orders: no Iceberg metadata: column u: Iceberg has no unsigned 64-bit integer type");
  for (const CatalogFile& f : *files) EXPECT_EQ(f.key.find("/iceberg/"), std::string::npos) << f.key;
}

TEST(LakeCatalog, GlueTableNamesStayUniqueWithinADatabase) {
  TableFiles a = SampleTable();  // public.Orders -> public_orders
  TableFiles b = SampleTable();
  b.table = "orders";
  b.prefix = "task-1/shop/public.orders/";
  Result<std::vector<CatalogFile>> files = BuildCatalog({.task_id = "task-1", .root_url = "s3://b"}, {a, b});
  ASSERT_TRUE(files.ok());
  std::string ddl_a, ddl_b;
  for (const CatalogFile& f : *files) {
    if (f.key == "task-1/_catalog/athena/shop.public.Orders.sql") ddl_a = f.contents;
    if (f.key == "task-1/_catalog/athena/shop.public.orders.sql") ddl_b = f.contents;
  }
  EXPECT_NE(ddl_a.find("`shop`.`public_orders` ("), std::string::npos) << ddl_a;
  EXPECT_NE(ddl_b.find("`shop`.`public_orders_2` ("), std::string::npos) << ddl_b;
}

}  // namespace
}  // namespace dbexport::lake
