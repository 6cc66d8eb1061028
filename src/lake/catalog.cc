// BuildCatalog: the Athena DDL, the DuckDB script and the Iceberg metadata
// of every exported table (docs/catalog.md).

#include "lake/catalog.h"

#include <filesystem>
#include <map>
#include <set>

#include "lake/iceberg_internal.h"

namespace dbexport::lake {
namespace {

std::string SqlString(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string DoubleQuote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string CatalogDir(const std::string& task_id) { return task_id + "/_catalog/"; }

// The path DuckDB reads: a plain absolute path for a local directory.
std::string DuckDbPath(const CatalogOptions& options, const std::string& key) {
  std::string root = options.root_url;
  if (root.starts_with("file://")) root = root.substr(7);
  return root + "/" + key;
}

}  // namespace

std::string RootUrl(const StoreLocation& location) {
  if (location.is_s3()) {
    std::string prefix = location.s3_prefix;
    while (!prefix.empty() && prefix.front() == '/') prefix.erase(0, 1);
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    return "s3://" + location.s3_bucket + (prefix.empty() ? "" : "/" + prefix);
  }
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::absolute(location.directory, ec);
  std::string path = (ec ? std::filesystem::path(location.directory) : dir.lexically_normal()).generic_string();
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return "file://" + path;
}

std::string CatalogName(const std::string& task_id, const TableFiles& table) {
  std::string rel = table.prefix;
  if (rel.starts_with(task_id + "/")) rel = rel.substr(task_id.size() + 1);
  while (!rel.empty() && rel.back() == '/') rel.pop_back();
  for (char& c : rel) {
    if (c == '/') c = '.';
  }
  return rel;
}

std::string AthenaDdl(const CatalogOptions& options, const TableFiles& table, const std::string& glue_database,
                      const std::string& glue_table) {
  std::string ddl = "-- " + table.database + "." + table.schema + "." + table.table + "\n";
  ddl += "CREATE EXTERNAL TABLE IF NOT EXISTS " + QuoteBackticks(glue_database) + "." + QuoteBackticks(glue_table) +
         " (\n";
  for (size_t i = 0; i < table.parquet_schema.fields.size(); ++i) {
    const parquet::Field& f = table.parquet_schema.fields[i];
    ddl += "  " + QuoteBackticks(f.name) + " " + AthenaType(f);
    ddl += i + 1 < table.parquet_schema.fields.size() ? ",\n" : "\n";
  }
  ddl += ")\nSTORED AS PARQUET\nLOCATION " + SqlString(options.root_url + "/" + table.prefix) + "\n";
  ddl += "TBLPROPERTIES ('parquet.compression'=" + SqlString(options.compression) + ");\n";
  return ddl;
}

std::string DuckDbScript(const CatalogOptions& options, const std::vector<TableFiles>& tables) {
  std::string s = "-- DuckDB views over the Parquet files of export " + options.task_id +
                  " (docs/catalog.md): one view \"<database>.<schema>\".\"<table>\" per table.\n"
                  "-- Files in S3 need the httpfs extension and an S3 secret first, e.g.\n"
                  "--   INSTALL httpfs; LOAD httpfs; CREATE SECRET (TYPE s3, PROVIDER credential_chain);\n";
  std::set<std::string> schemas;
  for (const TableFiles& t : tables) {
    std::string schema = DoubleQuote(t.database + "." + t.schema);
    if (schemas.insert(schema).second) s += "CREATE SCHEMA IF NOT EXISTS " + schema + ";\n";
    s += "CREATE OR REPLACE VIEW " + schema + "." + DoubleQuote(t.table) + " AS SELECT * FROM ";
    if (!t.files.empty()) {
      s += "read_parquet([";
      for (size_t i = 0; i < t.files.size(); ++i) {
        if (i > 0) s += ", ";
        s += SqlString(DuckDbPath(options, t.files[i].key));
      }
      s += "]);\n";
      continue;
    }
    // No rows, so no files: an empty relation with the table's columns.
    s += "(SELECT ";
    if (t.parquet_schema.fields.empty()) s += "NULL AS \"_no_columns\"";
    for (size_t i = 0; i < t.parquet_schema.fields.size(); ++i) {
      const parquet::Field& f = t.parquet_schema.fields[i];
      if (i > 0) s += ", ";
      s += "CAST(NULL AS " + DuckDbType(f) + ") AS " + DoubleQuote(f.name);
    }
    s += " WHERE false);\n";
  }
  return s;
}

Result<std::vector<CatalogFile>> BuildCatalog(const CatalogOptions& options, const std::vector<TableFiles>& tables,
                                              std::vector<std::string>* notes) {
  std::vector<CatalogFile> out;
  const std::string dir = CatalogDir(options.task_id);
  // Glue table names are unique per Glue database: later duplicates get _2, _3, ...
  std::map<std::string, std::set<std::string>> glue_names;
  for (const TableFiles& t : tables) {
    const std::string name = CatalogName(options.task_id, t);
    std::string glue_db = GlueName(t.database);
    std::string base = GlueName(t.schema + "_" + t.table);
    std::string glue_table = base;
    for (int n = 2; !glue_names[glue_db].insert(glue_table).second; ++n) {
      glue_table = base.substr(0, 250) + "_" + std::to_string(n);
    }
    if (t.parquet_schema.fields.empty()) {
      if (notes != nullptr) notes->push_back(name + ": no columns, so no Athena table");
    } else {
      out.push_back({dir + "athena/" + name + ".sql", AthenaDdl(options, t, glue_db, glue_table)});
    }
    Result<std::vector<CatalogFile>> iceberg = IcebergTableFiles(options, t, dir + "iceberg/" + name);
    if (!iceberg.ok()) {
      if (iceberg.status().code() != StatusCode::kInvalidArgument) return iceberg.status();
      if (notes != nullptr) notes->push_back(name + ": no Iceberg metadata: " + iceberg.status().message());
      continue;
    }
    for (CatalogFile& f : *iceberg) out.push_back(std::move(f));
  }
  out.push_back({dir + "duckdb.sql", DuckDbScript(options, tables)});
  return out;
}

Status WriteCatalog(const CatalogOptions& options, const std::vector<TableFiles>& tables, ObjectStore* store) {
  DBX_ASSIGN_OR_RETURN(std::vector<CatalogFile> files, BuildCatalog(options, tables));
  for (const CatalogFile& f : files) {
    Status s = store->Put(f.key, f.contents);
    if (!s.ok()) return s.WithContext("writing catalog file " + f.key);
  }
  return Status::OK();
}

}  // namespace dbexport::lake
