#pragma once
// Source: a database server to export (PostgreSQL now, MySQL/MariaDB later).
//
// Call order (the export engine drives it):
//   1. OpenSource(url, options)                 -> Source
//   2. Source::ListDatabases()                  databases to export
//   3. Source::BeginSnapshot({databases, readers})
//                                               -> Snapshot: one consistent
//      view of every database asked for, held until Close(). The source
//      takes it its engine's way (PostgreSQL: an exported snapshot per
//      database that readers import; MySQL: reader sessions opened under a
//      lock, or proven to see the same point) and has reader sessions for
//      `readers` chunk readers at once.
//   4. Snapshot::ListTables(database, filter)   catalog at the snapshot, with
//      skips (reason codes) and each column's Parquet field per the mapping.
//   5. Snapshot::PlanChunks(table, chunk_rows)  key or ctid ranges.
//   6. Snapshot::OpenChunk(table, chunk)        -> ChunkReader on a session of
//      the snapshot, from any thread (at most `readers` open at once; the
//      session goes back to the snapshot with the reader);
//      ChunkReader::Next(batch) until it returns false.
//   7. Snapshot::Close()
// Steps 5-6 may run concurrently for different chunks; everything else is
// called from one thread.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "parquet/column_batch.h"
#include "parquet/schema.h"
#include "source/source_url.h"

namespace dbexport::source {

// How source types become Parquet types (spec/reference.md section 3).
enum class TypeMapping { kAws, kNative };

struct SourceOptions {
  TypeMapping type_mapping = TypeMapping::kAws;
  // Rows per ColumnBatch. Each export worker holds three batches (reading,
  // queued, encoding); 16Ki rows of lineitem is ~4 MiB, large enough that the
  // per-batch overhead does not show in bench/export_bench.
  int64_t batch_rows = 16384;
  int64_t batch_bytes = 64ll << 20;    // or bytes per ColumnBatch, whichever first
  // A single value this large fails the chunk ("large object close to 500 MB").
  int64_t max_value_bytes = 490ll << 20;
  // A row this large skips its table (kSkipRowTooLarge). Rows are measured
  // only in tables whose TOAST data exceeds row_check_toast_bytes, so normal
  // tables pay nothing for the check.
  int64_t max_row_bytes = 2000ll << 20;
  int64_t row_check_toast_bytes = 1ll << 30;
  // Tables with an integer key and up to this many rows get exact key-range
  // boundaries (one sort of the key); bigger ones use a block sample.
  int64_t exact_key_plan_rows = 2'000'000;
  // How long the export waits for a table lock that another session holds
  // or has asked for (DDL such as DROP, TRUNCATE, ALTER TABLE) before it
  // fails, naming the table and that session, and releases its own locks
  // (docs/consistency.md).
  int64_t lock_wait_timeout_ms = 30'000;
  // Tables the snapshot locks for the whole export so that no DDL can change
  // them (a partitioned table counts one lock per partition); the others
  // are checked for rewrites before each read. -1: as many as fit in a
  // quarter of the server's lock table.
  int64_t max_table_locks = -1;
  // MySQL/MariaDB: how the reader sessions come to share one snapshot:
  // auto, lock, backup-lock or no-lock (docs/consistency.md).
  std::string consistency = "auto";
};

// One entry of --export-only / ExportOnly, already validated and split.
struct ExportFilterEntry {
  std::string database;
  std::string schema;  // empty: all schemas
  std::string table;   // empty: all tables

  // Whether the entry names this table. Where the schema is the database
  // (MySQL), a two-part entry database.table names the table.
  bool Selects(std::string_view db, std::string_view s, std::string_view t, bool schema_is_database) const {
    if (db != database) return false;
    if (schema_is_database) return schema.empty() || (table.empty() && schema == t);
    return (schema.empty() || s == schema) && (table.empty() || t == table);
  }
};

// True when `filter` is empty or one of its entries selects the table.
inline bool FilterSelects(const std::vector<ExportFilterEntry>& filter, std::string_view database,
                          std::string_view schema, std::string_view table, bool schema_is_database) {
  if (filter.empty()) return true;
  for (const ExportFilterEntry& e : filter) {
    if (e.Selects(database, schema, table, schema_is_database)) return true;
  }
  return false;
}

// How a DECIMAL(p, s) column is stored (parquet LogicalTypes.md): INT32 up
// to 9 digits, INT64 up to 18, else the smallest FIXED_LEN_BYTE_ARRAY; and
// its manifest label, e.g. "int64 (DECIMAL(12,2))".
// REQUIRES: 1 <= precision <= parquet::kMaxDecimalPrecision.
struct DecimalColumn {
  parquet::PhysicalType type = parquet::PhysicalType::kInt32;
  int type_length = 0;
  std::string label;
};
inline DecimalColumn DecimalColumnFor(int precision, int scale) {
  DecimalColumn c;
  std::string physical = "int32";
  if (precision > 18) {
    c.type = parquet::PhysicalType::kFixedLenByteArray;
    c.type_length = parquet::DecimalByteWidth(precision);
    physical = "fixed_len_byte_array(" + std::to_string(c.type_length) + ")";
  } else if (precision > 9) {
    c.type = parquet::PhysicalType::kInt64;
    physical = "int64";
  }
  c.label = physical + " (DECIMAL(" + std::to_string(precision) + "," + std::to_string(scale) + "))";
  return c;
}

// Column names the export cannot carry (spec/reference.md section 4):
// , ; { } ( ) = space, newline, tab.
inline bool HasUnsupportedCharacter(std::string_view column_name) {
  return column_name.find_first_of(",;{}()\n\t= ") != std::string_view::npos;
}

struct ColumnInfo {
  std::string name;
  std::string original_type;  // as the source spells it, e.g. "numeric(10,2)"
  int char_max_length = 0;
  int num_precision = 0;
  int num_scale = 0;
  int datetime_precision = 0;
  parquet::Field field;              // the exported Parquet column
  std::string expected_exported_type;  // manifest label: "int32", "binary (UTF8)", ...
};

// Stable reason codes for skipped tables (manifest and WarningMessage).
inline constexpr char kSkipPermissions[] = "PERMISSIONS_DO_NOT_EXIST";
inline constexpr char kSkipColumnName[] = "UNSUPPORTED_CHARACTER_IN_COLUMN_NAME";
inline constexpr char kSkipSlashInName[] = "SLASH_IN_TABLE_NAME";
inline constexpr char kSkipUnlogged[] = "UNLOGGED_TABLE";
inline constexpr char kSkipTemporary[] = "TEMPORARY_TABLE";
inline constexpr char kSkipRowTooLarge[] = "ROW_TOO_LARGE";

struct TableInfo {
  std::string database;
  std::string schema;
  std::string name;
  std::vector<ColumnInfo> columns;  // exported columns, in table order
  std::string skip_reason;          // empty: exported; else a kSkip* code
  std::string skip_detail;          // human-readable detail for the skip
  int64_t estimated_rows = 0;
  int64_t estimated_bytes = 0;
  bool is_partitioned = false;      // partitions are read under this name
  // MySQL: the schema is the database; the table is database.table.
  bool schema_is_database = false;
  // Locked by the snapshot for the whole export; else checked for DDL
  // before each read (docs/consistency.md).
  bool locked = false;
  std::string target() const {
    return schema_is_database ? database + "." + name : database + "." + schema + "." + name;
  }
};

// A unit of work: a key range or ctid range of one table.
struct Chunk {
  int index = 0;                   // 0-based within the table: the partition index
  std::string constraint_type;     // "PRIMARY_KEY", "UNIQUE_INDEX", "CTID", "NONE"
  std::string column_name;         // partition column ("ctid", key name, or empty)
  std::string column_type;         // "TID", "bigint", ...
  std::string min;                 // inclusive bound, source text form
  std::string max;                 // inclusive bound, source text form
  std::string predicate;           // SQL WHERE fragment the reader applies; empty: all rows
  std::string relation;            // quoted relation to read (a partition); empty: the table
  int64_t estimated_rows = 0;
};

// Set by the caller to stop readers early; readers return Cancelled.
using CancelFlag = std::atomic<bool>;

class ChunkReader {
 public:
  virtual ~ChunkReader() = default;
  // Clears `batch` and fills it with the next rows (up to the batch limits of
  // SourceOptions). Returns false, with an empty batch, at the end.
  virtual Result<bool> Next(parquet::ColumnBatch* batch) = 0;
  virtual int64_t bytes_read() const = 0;  // wire bytes consumed so far
  // Values that could not be represented and were exported as NULL (e.g.
  // NaN in a DECIMAL column), one line per column, for the manifest.
  virtual std::vector<std::string> warnings() const { return {}; }
};

// What the engine asks of a snapshot.
struct SnapshotRequest {
  std::vector<std::string> databases;  // from ListDatabases(); at least one
  int readers = 1;                     // chunk readers open at the same time, at most
};

// How a snapshot was taken, where the source says (MySQL), for the manifest.
struct SnapshotInfo {
  std::string mode;            // MySQL: lock, backup-lock or no-lock; empty: nothing to say
  std::string binlog_file;     // the snapshot's binary log position, when known
  int64_t binlog_position = 0;
  std::string gtid_set;        // MySQL's gtid_executed at the snapshot, when there is one
  int64_t writers_blocked_ms = -1;  // how long writers waited on the snapshot's lock; -1: no lock
};

class Snapshot {
 public:
  virtual ~Snapshot() = default;
  virtual SnapshotInfo info() const { return {}; }
  // ISO 8601 UTC time at which the snapshot was taken (of the first
  // database, where each has its own).
  virtual std::string snapshot_time() const = 0;
  // Tables of `database` (one the snapshot was asked for) visible to the
  // user, filtered by `filter` (empty: all). Skipped tables are returned
  // with skip_reason set.
  virtual Result<std::vector<TableInfo>> ListTables(const std::string& database,
                                                    const std::vector<ExportFilterEntry>& filter) = 0;
  virtual Result<std::vector<Chunk>> PlanChunks(const TableInfo& table, int64_t chunk_rows) = 0;
  // Thread-safe. `schema` is the Parquet schema built from table.columns and
  // must outlive the reader.
  virtual Result<std::unique_ptr<ChunkReader>> OpenChunk(const TableInfo& table, const Chunk& chunk,
                                                         const parquet::Schema* schema,
                                                         const CancelFlag* cancel) = 0;
  // Rows of `table` at the snapshot: all the rows its chunks read together,
  // counted on a session of the snapshot (dbexport run --verify-counts).
  // Thread-safe; at most `readers` sessions at once, as OpenChunk.
  virtual Result<int64_t> CountRows(const TableInfo& table) = 0;
  // After a chunk of `table` failed with `failure` (from OpenChunk or its
  // reader): OK when the chunk may be read again from its start on a new
  // session of this same snapshot (the reader's connection was lost or
  // terminated, a hot standby cancelled it for a recovery conflict); else
  // the status to fail with: `failure`, or a clearer one when the snapshot
  // itself is gone. Thread-safe.
  virtual Status CanRetryChunk(const TableInfo& table, const Status& failure) {
    (void)table;
    return failure;
  }
  virtual Status Close() = 0;
};

class Source {
 public:
  virtual ~Source() = default;
  // Databases the user can connect to; the one named in the URL if any.
  virtual Result<std::vector<std::string>> ListDatabases() = 0;
  virtual Result<std::unique_ptr<Snapshot>> BeginSnapshot(const SnapshotRequest& request) = 0;
  // "postgresql" or "mysql".
  virtual std::string engine() const = 0;
  // Connections a snapshot of `databases` databases holds open until
  // Close(), besides one per reader (--max-connections counts both).
  virtual int SnapshotConnections(size_t databases) const {
    (void)databases;
    return 1;
  }
};

// Parses a source URL (source_url.h) and checks it for its engine: a
// postgresql:// URL's parameters must be ones libpq knows. Errors never quote
// the URL. The CLI and the service call it before anything else, and
// register the URL's secrets (common/secrets.h).
Result<SourceUrl> CheckSourceUrl(std::string_view url);

// Opens a source from a URL: postgresql://user:pass@host:port/db?...
// (postgres:// too; the password may also come from PGPASSWORD), or
// mysql://user:pass@host:port/db (mariadb:// too; MYSQL_PWD).
Result<std::unique_ptr<Source>> OpenSource(const std::string& url, const SourceOptions& options);

}  // namespace dbexport::source
