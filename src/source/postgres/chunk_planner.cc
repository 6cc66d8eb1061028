// PgSnapshot::PlanChunks: a table becomes chunks of about chunk_rows rows.
//
//  * A single-column integer primary key, or else a unique index on one NOT
//    NULL integer column: key ranges. Boundaries are quantiles of the keys in
//    the snapshot: exact (row_number over the ordered keys) for tables up to
//    SourceOptions::exact_key_plan_rows, else from a TABLESAMPLE SYSTEM block sample, which
//    copes with skewed and sparse keys. pg_stats histograms are not used:
//    they may predate the rows being exported.
//  * Otherwise: ctid block ranges of each heap (the table, or every leaf
//    partition of a partitioned table), sized from the rows per page.
// Ranges cover the whole key space: the first is open below, the last open
// above, and each boundary belongs to exactly one chunk.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

#include "source/key_ranges.h"
#include "source/postgres/postgres_source_internal.h"

namespace dbexport::source::postgres {
namespace {

// Keys sampled for bigger tables: enough for quantiles within a few percent.
constexpr int64_t kMinKeySampleRows = 100'000;
constexpr int64_t kMaxKeySampleRows = 2'000'000;
// Keys sampled per chunk, so that each quantile rests on several keys.
constexpr int64_t kKeySamplesPerChunk = 20;

constexpr char kKeySql[] = R"sql(
SELECT a.attname, format_type(a.atttypid, a.atttypmod), i.indisprimary
FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
WHERE i.indrelid = $1::oid AND i.indnkeyatts = 1 AND i.indisunique AND i.indisvalid
  AND i.indpred IS NULL AND i.indexprs IS NULL
  AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype) AND a.attnotnull
ORDER BY i.indisprimary DESC, a.attnum
LIMIT 1)sql";

std::string Tid(int64_t block, int offset) {
  return "(" + std::to_string(block) + "," + std::to_string(offset) + ")";
}

}  // namespace

Result<std::vector<Chunk>> PgSnapshot::PlanChunks(const TableInfo& table, int64_t chunk_rows) {
  if (chunk_rows <= 0) {
    return InvalidArgument("planning chunks of " + table.target() + ": chunk_rows must be positive");
  }
  DBX_ASSIGN_OR_RETURN(const TableEntry* entry, FindEntry(table));
  std::lock_guard<std::mutex> lock(mu_);
  const std::string context = "planning chunks of " + table.target();
  if (conn_ == nullptr) return FailedPrecondition(context + ": the snapshot is closed");

  DBX_ASSIGN_OR_RETURN(PgRows key, conn_->Query(kKeySql, context, {std::to_string(entry->oid)}));
  if (key.size() == 1) {
    return PlanKeyChunks(*entry, table, chunk_rows, key.GetString(0, 0), key.GetString(0, 1),
                         key.GetBool(0, 2));
  }

  std::vector<Chunk> chunks;
  bool all_selectable = std::all_of(entry->leaves.begin(), entry->leaves.end(),
                                    [](const LeafRelation& l) { return l.can_select; });
  if (entry->relkind == 'p' && !all_selectable) {
    // Partitions the user may not read directly: read through the parent.
    Chunk whole;
    whole.constraint_type = "NONE";
    whole.estimated_rows = table.estimated_rows;
    chunks.push_back(whole);
    return chunks;
  }
  for (const LeafRelation& leaf : entry->leaves) {
    DBX_RETURN_IF_ERROR(PlanCtidChunks(leaf, entry->relkind == 'p', chunk_rows, &chunks));
  }
  if (chunks.empty()) {  // a partitioned table without partitions
    Chunk whole;
    whole.constraint_type = "NONE";
    chunks.push_back(whole);
  }
  for (size_t i = 0; i < chunks.size(); ++i) chunks[i].index = static_cast<int>(i);
  return chunks;
}

Status PgSnapshot::PlanCtidChunks(const LeafRelation& leaf, bool is_partition, int64_t chunk_rows,
                                  std::vector<Chunk>* out) {
  Chunk base;
  base.relation = is_partition ? leaf.qualified : "";
  if (leaf.relkind != 'r' || leaf.estimated_rows <= chunk_rows || leaf.pages <= 1) {
    base.constraint_type = "NONE";  // read whole: small, or no ctid (foreign partition)
    base.estimated_rows = leaf.estimated_rows;
    out->push_back(base);
    return Status::OK();
  }
  double rows_per_page = static_cast<double>(leaf.estimated_rows) / static_cast<double>(leaf.pages);
  int64_t pages_per_chunk = std::max<int64_t>(1, std::llround(chunk_rows / rows_per_page));
  int64_t count = (leaf.pages + pages_per_chunk - 1) / pages_per_chunk;
  base.constraint_type = "CTID";
  base.column_name = "ctid";
  base.column_type = "TID";
  for (int64_t i = 0; i < count; ++i) {
    int64_t first = i * pages_per_chunk;
    int64_t end = std::min(leaf.pages, first + pages_per_chunk);
    Chunk c = base;
    c.min = Tid(first, 1);
    c.max = Tid(end - 1, 65535);
    // The last chunk is open above: the heap cannot hold rows of the
    // snapshot beyond its current size, but the bound costs nothing.
    if (i == 0) {
      c.predicate = "ctid < '" + Tid(end, 0) + "'";
    } else if (i == count - 1) {
      c.predicate = "ctid >= '" + Tid(first, 0) + "'";
    } else {
      c.predicate = "ctid >= '" + Tid(first, 0) + "' AND ctid < '" + Tid(end, 0) + "'";
    }
    c.estimated_rows = std::llround(rows_per_page * static_cast<double>(end - first));
    out->push_back(std::move(c));
  }
  return Status::OK();
}

Result<std::vector<Chunk>> PgSnapshot::PlanKeyChunks(const TableEntry& entry, const TableInfo& table,
                                                     int64_t chunk_rows, const std::string& key,
                                                     const std::string& key_type, bool primary) {
  const std::string context = "planning chunks of " + table.target() + " by " + key;
  const std::string k = QuoteIdent(key);
  const std::string from = (entry.relkind == 'p' ? " FROM " : " FROM ONLY ") + entry.qualified;

  Chunk base;
  base.constraint_type = primary ? "PRIMARY_KEY" : "UNIQUE_INDEX";
  base.column_name = key;
  base.column_type = key_type;

  // Boundaries b1 < b2 < ... : chunk i holds keys in [b(i), b(i+1)).
  std::vector<int64_t> bounds;
  int64_t total_rows = 0;
  std::string min_key, max_key;
  if (table.estimated_rows <= options_.exact_key_plan_rows) {
    DBX_ASSIGN_OR_RETURN(PgRows stats, conn_->Query("SELECT count(*), min(" + k + "), max(" + k + ")" +
                                                        from, context));
    total_rows = stats.GetInt(0, 0);
    min_key = stats.GetString(0, 1);
    max_key = stats.GetString(0, 2);
    int64_t n = ChunkCount(total_rows, chunk_rows);
    if (n > 1) {
      int64_t step = (total_rows + n - 1) / n;
      DBX_ASSIGN_OR_RETURN(
          PgRows rows,
          conn_->Query(KeyQuantileSql(k, from, step), context));
      for (int i = 0; i < rows.size(); ++i) bounds.push_back(ParseKey(rows.Get(i, 0)));
    }
  } else {
    int64_t wanted = std::clamp(kKeySamplesPerChunk * (table.estimated_rows / chunk_rows + 1),
                                kMinKeySampleRows, kMaxKeySampleRows);
    double percent = std::min(100.0, 100.0 * static_cast<double>(wanted) /
                                         static_cast<double>(table.estimated_rows));
    char pct[32];
    std::snprintf(pct, sizeof pct, "%.6f", percent);
    DBX_ASSIGN_OR_RETURN(PgRows minmax, conn_->Query("SELECT min(" + k + "), max(" + k + ")" + from, context));
    min_key = minmax.GetString(0, 0);
    max_key = minmax.GetString(0, 1);
    DBX_ASSIGN_OR_RETURN(PgRows sample, conn_->Query("SELECT " + k + from + " TABLESAMPLE SYSTEM (" +
                                                         pct + ") ORDER BY 1", context));
    int64_t sampled = sample.size();
    total_rows = std::llround(static_cast<double>(sampled) * 100.0 / percent);
    std::vector<int64_t> keys;
    keys.reserve(static_cast<size_t>(sampled));
    for (int i = 0; i < sample.size(); ++i) keys.push_back(ParseKey(sample.Get(i, 0)));
    bounds = SampleBounds(keys, sampled == 0 ? 1 : ChunkCount(total_rows, chunk_rows), ParseKey(min_key));
  }
  return KeyRangeChunks(base, k, min_key, max_key, bounds, total_rows);
}

}  // namespace dbexport::source::postgres
