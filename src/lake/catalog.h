#pragma once
// Catalog-ready output of a finished export (docs/catalog.md): per table,
// Athena/Glue DDL, a DuckDB view, and Apache Iceberg v2 table metadata that
// points at the exported Parquet files as they are.
//
//   TableFiles (schema, data files, per-column metrics)
//     -> BuildCatalog(options, tables) -> CatalogFile {key, contents}
//     -> WriteCatalog(...): the same, Put into the store
//
// Under <task_id>/_catalog/:
//   athena/<name>.sql                  CREATE EXTERNAL TABLE per table
//   duckdb.sql                         one view per table over its files
//   iceberg/<name>/metadata/           v1.metadata.json, version-hint.text,
//                                      snap-<id>-1-<uuid>.avro (manifest list),
//                                      <uuid>-m0.avro (manifest)
// <name> is the table's folder under the task, "/" made ".":
// "<database>.<schema>.<table>" with the folder's sanitizing.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "parquet/file_writer.h"
#include "parquet/schema.h"
#include "storage/object_store.h"

namespace dbexport::lake {

struct DataFileInfo {
  std::string key;  // under the store's root
  int64_t size = 0;
  int64_t rows = 0;
  std::vector<parquet::ColumnSummary> columns;  // per schema field; empty: no metrics
};

struct TableFiles {
  std::string database, schema, table;  // the source's names
  std::string prefix;                   // its folder under the store's root: "<task>/<db>/<schema>.<table>/"
  parquet::Schema parquet_schema;       // of every file
  std::vector<DataFileInfo> files;
};

struct CatalogOptions {
  std::string task_id;
  // Where the store's keys resolve, without a trailing '/':
  // "s3://bucket[/prefix]" or "file:///abs/dir" (RootUrl).
  std::string root_url;
  std::string compression = "GZIP";  // the files' codec, for TBLPROPERTIES
  int64_t timestamp_ms = 0;          // the Iceberg snapshot's time
};

// The root URL of a store location: s3://bucket[/prefix] or
// file://<absolute directory>.
std::string RootUrl(const StoreLocation& location);

struct CatalogFile {
  std::string key;
  std::string contents;
};

// Every catalog file, without I/O. A table whose columns Iceberg cannot type
// (unsigned 64-bit integers) gets no Iceberg metadata; the others are kept
// and *notes say which and why.
Result<std::vector<CatalogFile>> BuildCatalog(const CatalogOptions& options, const std::vector<TableFiles>& tables,
                                              std::vector<std::string>* notes = nullptr);

// BuildCatalog, then Put of every file into `store`.
Status WriteCatalog(const CatalogOptions& options, const std::vector<TableFiles>& tables, ObjectStore* store);

// --- Pieces, exposed for tests -------------------------------------------

// The per-table name: the table's folder relative to the task, '/' -> '.'.
std::string CatalogName(const std::string& task_id, const TableFiles& table);

// Hive/Athena type of a field: boolean, tinyint, smallint, int, bigint,
// float, double, decimal(p,s), date, timestamp, string, binary, array<T>.
std::string AthenaType(const parquet::Field& field);
// A Glue database or table name: lower case, [a-z0-9_] only (others
// become '_'), at most 255 characters, never empty.
std::string GlueName(std::string_view name);
// `name` with backticks doubled, in backticks.
std::string QuoteBackticks(std::string_view name);
// The CREATE EXTERNAL TABLE statement of one table.
std::string AthenaDdl(const CatalogOptions& options, const TableFiles& table, const std::string& glue_database,
                      const std::string& glue_table);

// DuckDB type of a field (for typed empty views).
std::string DuckDbType(const parquet::Field& field);
std::string DuckDbScript(const CatalogOptions& options, const std::vector<TableFiles>& tables);

// Iceberg primitive type name ("int", "decimal(10, 2)", "timestamptz", ...)
// of a field's primitive (the element of a LIST); InvalidArgument when
// Iceberg has none (unsigned 64-bit).
Result<std::string> IcebergPrimitiveType(const parquet::Field& field);
// Iceberg single-value binary serialization of a Parquet PLAIN statistics
// value of `field`'s primitive: little-endian ints, longs, floats, dates,
// times and timestamps; big-endian minimal two's complement decimals; bytes
// as they are for strings, binary, fixed and uuid.
std::string IcebergBound(const parquet::Field& field, std::string_view plain);

}  // namespace dbexport::lake
