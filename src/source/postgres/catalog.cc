// PgSnapshot's catalog: tables, columns, skips and size estimates, read in
// the snapshot's transaction so that they describe the exported data.

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

#include "source/postgres/postgres_source_internal.h"

namespace dbexport::source::postgres {
namespace {

// Pages counted to estimate the rows of a never-analyzed relation: 8 MB of
// heap, a TID range scan that costs milliseconds.
constexpr int64_t kDensitySamplePages = 1024;

constexpr char kTablesSql[] = R"sql(
SELECT c.oid, n.nspname, c.relname, c.relkind, c.relpersistence,
       has_table_privilege(c.oid, 'SELECT')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_toast'
ORDER BY n.nspname, c.relname)sql";

// information_schema's helper functions give char_max_length etc. exactly
// as information_schema.columns reports them.
constexpr char kColumnsSql[] = R"sql(
SELECT a.attrelid, a.attname, a.atttypid, a.atttypmod, format_type(a.atttypid, a.atttypmod),
  coalesce(information_schema._pg_char_max_length(information_schema._pg_truetypid(a.*, t.*),
                                                  information_schema._pg_truetypmod(a.*, t.*)), 0),
  coalesce(information_schema._pg_numeric_precision(information_schema._pg_truetypid(a.*, t.*),
                                                    information_schema._pg_truetypmod(a.*, t.*)), 0),
  coalesce(information_schema._pg_numeric_scale(information_schema._pg_truetypid(a.*, t.*),
                                                information_schema._pg_truetypmod(a.*, t.*)), 0),
  coalesce(information_schema._pg_datetime_precision(information_schema._pg_truetypid(a.*, t.*),
                                                     information_schema._pg_truetypmod(a.*, t.*)), 0),
  a.attlen = -1
FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum)sql";

constexpr char kTypesSql[] = R"sql(
SELECT oid, typname, typtype, typcategory, typbasetype, typtypmod, typelem,
       typnamespace = 'pg_catalog'::regnamespace
FROM pg_type)sql";

// Heap relations holding each table's rows: the table itself, or the leaf
// partitions of a partitioned table; with sizes (bytes now, in the snapshot
// no row lives beyond them) and statistics.
constexpr char kLeavesSql[] = R"sql(
SELECT t.root, c.oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relkind,
       c.reltuples, c.relpages,
       CASE WHEN c.relkind = 'r' THEN pg_relation_size(c.oid) / current_setting('block_size')::int8
            ELSE 0 END,
       pg_total_relation_size(c.oid),
       CASE WHEN c.reltoastrelid <> 0 THEN pg_total_relation_size(c.reltoastrelid) ELSE 0 END,
       has_table_privilege(c.oid, 'SELECT'), c.relfilenode
FROM unnest($1::oid[]) AS t(root)
CROSS JOIN LATERAL (
  SELECT relid::oid FROM pg_partition_tree(t.root) WHERE isleaf
  UNION ALL SELECT t.root WHERE NOT EXISTS (SELECT FROM pg_partition_tree(t.root))) AS p(relid)
JOIN pg_class c ON c.oid = p.relid JOIN pg_namespace n ON n.oid = c.relnamespace
ORDER BY t.root, n.nspname, c.relname)sql";


}  // namespace

Status PgSnapshot::LoadTypes() {
  if (!types_.empty()) return Status::OK();
  DBX_ASSIGN_OR_RETURN(PgRows rows, conn_->Query(kTypesSql, "reading types of database " + database_));
  types_.reserve(static_cast<size_t>(rows.size()));
  for (int i = 0; i < rows.size(); ++i) {
    PgType t;
    t.oid = static_cast<uint32_t>(rows.GetInt(i, 0));
    t.name = rows.GetString(i, 1);
    t.typtype = rows.Get(i, 2).empty() ? 'b' : rows.Get(i, 2)[0];
    t.category = rows.Get(i, 3).empty() ? 'U' : rows.Get(i, 3)[0];
    t.base_type = static_cast<uint32_t>(rows.GetInt(i, 4));
    t.base_typmod = static_cast<int32_t>(rows.GetInt(i, 5));
    t.element = static_cast<uint32_t>(rows.GetInt(i, 6));
    t.in_pg_catalog = rows.GetBool(i, 7);
    types_.emplace(t.oid, std::move(t));
  }
  return Status::OK();
}

Result<int64_t> PgSnapshot::EstimateLeafRows(const LeafRelation& leaf) {
  if (leaf.pages == 0) return 0;
  if (leaf.reltuples >= 0 && leaf.relpages > 0) {
    return static_cast<int64_t>(std::llround(leaf.reltuples / leaf.relpages * leaf.pages));
  }
  // Never analyzed (reltuples -1) or grown since: count the first pages.
  int64_t sample = std::min(leaf.pages, kDensitySamplePages);
  if (!leaf.can_select) return 0;  // such a table is skipped anyway
  DBX_ASSIGN_OR_RETURN(PgRows rows,
                       conn_->Query("SELECT count(*) FROM ONLY " + leaf.qualified + " WHERE ctid < '(" +
                                        std::to_string(sample) + ",0)'",
                                    "estimating the rows of " + leaf.qualified));
  int64_t counted = rows.GetInt(0, 0);
  if (sample == leaf.pages) return counted;
  return static_cast<int64_t>(std::llround(static_cast<double>(counted) / sample * leaf.pages));
}

Status PgSnapshot::LoadLeaves(std::map<uint32_t, TableEntry*>& by_oid) {
  if (by_oid.empty()) return Status::OK();
  std::vector<uint32_t> oids;
  for (const auto& [oid, entry] : by_oid) oids.push_back(oid);
  DBX_ASSIGN_OR_RETURN(PgRows rows, conn_->Query(kLeavesSql, "reading table sizes of database " + database_,
                                                 {OidArray(oids)}));
  for (int i = 0; i < rows.size(); ++i) {
    TableEntry* entry = by_oid.at(static_cast<uint32_t>(rows.GetInt(i, 0)));
    LeafRelation leaf;
    leaf.oid = static_cast<uint32_t>(rows.GetInt(i, 1));
    leaf.qualified = rows.GetString(i, 2);
    leaf.relkind = rows.Get(i, 3)[0];
    leaf.reltuples = std::strtod(rows.GetString(i, 4).c_str(), nullptr);
    leaf.relpages = rows.GetInt(i, 5);
    leaf.pages = rows.GetInt(i, 6);
    leaf.total_bytes = rows.GetInt(i, 7);
    leaf.toast_bytes = rows.GetInt(i, 8);
    leaf.can_select = rows.GetBool(i, 9);
    leaf.filenode = static_cast<uint32_t>(rows.GetInt(i, 10));
    DBX_ASSIGN_OR_RETURN(leaf.estimated_rows, EstimateLeafRows(leaf));
    entry->leaves.push_back(std::move(leaf));
  }
  return Status::OK();
}

Result<std::string> PgSnapshot::CheckRowSize(const TableEntry& entry,
                                             const std::vector<PgAttribute>& attrs,
                                             const std::vector<bool>& varlena) {
  // pg_column_size() is a value's stored size and reads no TOAST data, so
  // the scan costs one pass over the heap; only varlena columns can be big.
  std::string sum;
  for (size_t i = 0; i < attrs.size(); ++i) {
    if (!varlena[i]) continue;
    if (!sum.empty()) sum += " + ";
    sum += "coalesce(pg_column_size(" + QuoteIdent(attrs[i].name) + "), 0)::int8";
  }
  if (sum.empty()) return std::string();
  std::string from = (entry.relkind == 'p' ? " FROM " : " FROM ONLY ") + entry.qualified;
  DBX_ASSIGN_OR_RETURN(PgRows rows, conn_->Query("SELECT max(" + sum + ")" + from,
                                                 "measuring the largest row of " + entry.qualified));
  int64_t largest = rows.GetInt(0, 0);
  if (largest < options_.max_row_bytes) return std::string();
  return "the largest row holds " + std::to_string(largest) +
         " bytes, near or above the 2 GB limit for a row";
}

Result<std::vector<TableInfo>> PgSnapshot::ListTables(const std::vector<ExportFilterEntry>& filter) {
  std::lock_guard<std::mutex> lock(mu_);
  if (conn_ == nullptr) return FailedPrecondition("listing tables of " + database_ + ": the snapshot is closed");
  const std::string context = "listing tables of database " + database_;
  DBX_RETURN_IF_ERROR(LoadTypes());
  DBX_ASSIGN_OR_RETURN(PgRows table_rows, conn_->Query(kTablesSql, context));

  struct Listed {
    TableInfo info;
    TableEntry entry;
    bool can_select = false;
    std::vector<PgAttribute> attrs;
    std::vector<bool> varlena;
  };
  std::vector<Listed> listed;
  std::map<uint32_t, size_t> index_by_oid;
  for (int i = 0; i < table_rows.size(); ++i) {
    std::string schema = table_rows.GetString(i, 1);
    std::string name = table_rows.GetString(i, 2);
    if (!FilterSelects(filter, database_, schema, name, /*schema_is_database=*/false)) continue;
    Listed l;
    l.info.database = database_;
    l.info.schema = schema;
    l.info.name = name;
    l.entry.oid = static_cast<uint32_t>(table_rows.GetInt(i, 0));
    l.entry.relkind = table_rows.Get(i, 3)[0];
    l.entry.qualified = QuoteIdent(schema) + "." + QuoteIdent(name);
    l.info.is_partitioned = l.entry.relkind == 'p';
    char persistence = table_rows.Get(i, 4)[0];
    l.can_select = table_rows.GetBool(i, 5);
    if (persistence == 't') {
      l.info.skip_reason = kSkipTemporary;
      l.info.skip_detail = "temporary tables are not exported";
    } else if (persistence == 'u') {
      l.info.skip_reason = kSkipUnlogged;
      l.info.skip_detail = "unlogged tables are not exported";
    } else if (name.find('/') != std::string::npos) {
      l.info.skip_reason = kSkipSlashInName;
      l.info.skip_detail = "the table name contains '/'";
    } else if (!l.can_select) {
      l.info.skip_reason = kSkipPermissions;
      l.info.skip_detail = "the user has no SELECT privilege on the table";
    }
    index_by_oid[l.entry.oid] = listed.size();
    listed.push_back(std::move(l));
  }
  if (listed.empty()) return std::vector<TableInfo>{};

  std::vector<uint32_t> oids;
  for (const auto& l : listed) oids.push_back(l.entry.oid);
  DBX_ASSIGN_OR_RETURN(PgRows cols, conn_->Query(kColumnsSql, context, {OidArray(oids)}));
  for (int i = 0; i < cols.size(); ++i) {
    Listed& l = listed[index_by_oid.at(static_cast<uint32_t>(cols.GetInt(i, 0)))];
    PgAttribute a;
    a.name = cols.GetString(i, 1);
    a.type_oid = static_cast<uint32_t>(cols.GetInt(i, 2));
    a.typmod = static_cast<int32_t>(cols.GetInt(i, 3));
    a.formatted_type = cols.GetString(i, 4);
    a.char_max_length = static_cast<int>(cols.GetInt(i, 5));
    a.num_precision = static_cast<int>(cols.GetInt(i, 6));
    a.num_scale = static_cast<int>(cols.GetInt(i, 7));
    a.datetime_precision = static_cast<int>(cols.GetInt(i, 8));
    l.varlena.push_back(cols.GetBool(i, 9));
    MappedColumn m = MapColumn(a, types_, options_.type_mapping);
    if (m.exported) {
      l.info.columns.push_back(std::move(m.info));
      l.entry.plans.push_back(std::move(m.plan));
    }
    if (l.info.skip_reason.empty() && HasUnsupportedCharacter(a.name)) {
      l.info.skip_reason = kSkipColumnName;
      l.info.skip_detail = "column name \"" + a.name +
                           "\" contains one of the characters , ; { } ( ) = space, newline or tab";
    }
    l.attrs.push_back(std::move(a));
  }

  std::map<uint32_t, TableEntry*> entries;
  for (auto& l : listed) entries[l.entry.oid] = &l.entry;
  DBX_RETURN_IF_ERROR(LoadLeaves(entries));
  // Lock what will be exported before anything reads it.
  std::vector<TableEntry*> exported;
  for (auto& l : listed) {
    if (l.info.skip_reason.empty()) exported.push_back(&l.entry);
  }
  DBX_RETURN_IF_ERROR(LockTables(exported));

  std::vector<TableInfo> out;
  out.reserve(listed.size());
  for (auto& l : listed) {
    int64_t toast_bytes = 0;
    for (const auto& leaf : l.entry.leaves) {
      l.info.estimated_rows += leaf.estimated_rows;
      l.info.estimated_bytes += leaf.total_bytes;
      toast_bytes += leaf.toast_bytes;
    }
    if (l.info.skip_reason.empty() && toast_bytes > options_.row_check_toast_bytes) {
      DBX_ASSIGN_OR_RETURN(std::string too_large, CheckRowSize(l.entry, l.attrs, l.varlena));
      if (!too_large.empty()) {
        l.info.skip_reason = kSkipRowTooLarge;
        l.info.skip_detail = too_large;
      }
    }
    // The first listing wins: readers may hold its entry (same snapshot,
    // same options, so a later listing would describe the same table).
    if (l.info.skip_reason.empty()) {
      auto [it, added] = tables_.try_emplace(l.info.target(), std::move(l.entry));
      l.info.locked = it->second.locked;
    }
    out.push_back(std::move(l.info));
  }
  return out;
}

}  // namespace dbexport::source::postgres
