#pragma once
// The PostgreSQL Source: libpq connections, one exported snapshot shared by
// every chunk reader (see source.h for the call order).
//
//   PgSource       ListDatabases, BeginSnapshot
//   PgSnapshot     coordinator connection in a REPEATABLE READ READ ONLY
//                  transaction that exported its snapshot; catalog queries
//                  (catalog.cc) and chunk planning (chunk_planner.cc) run in it
//   PgChunkReader  its own connection importing the snapshot; streams
//                  COPY ... TO STDOUT (FORMAT binary) through a CopyDecoder

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "source/postgres/connection_internal.h"
#include "source/postgres/type_mapping_internal.h"
#include "source/source.h"

namespace dbexport::source::postgres {

// Whether `status` is a lock wait that ran into lock_timeout on `conn`.
bool IsLockTimeout(const Status& status, PgConnection& conn);

// Whether a chunk read that failed with `status` may succeed on a new
// session of the same snapshot: the reader's connection was lost or its
// backend terminated (pg_terminate_backend, a server shutting sessions
// down), the server had no connection slot, or a hot standby cancelled the
// read for a recovery conflict (SQLSTATE 40001, 40P01). Not a lock timeout,
// a dropped table or bad data.
bool IsRetryableReadError(const Status& status);

// The error text for a snapshot whose connection is gone.
std::string SnapshotLostText(const std::string& database);

// A heap relation read by the export: the table itself or a leaf partition.
struct LeafRelation {
  uint32_t oid = 0;
  std::string qualified;   // schema.name, quoted where SQL needs it
  char relkind = 'r';      // 'r' heap; 'f' foreign partitions have no ctid
  int64_t pages = 0;       // current heap size in blocks
  double reltuples = -1;   // pg_class statistics (-1: never analyzed)
  int64_t relpages = 0;
  int64_t estimated_rows = 0;
  int64_t total_bytes = 0;  // pg_total_relation_size: heap, indexes, TOAST
  int64_t toast_bytes = 0;
  bool can_select = true;
  uint32_t filenode = 0;   // pg_class.relfilenode in the snapshot (0: no storage)
};

// What the snapshot remembers of a table it listed.
struct TableEntry {
  uint32_t oid = 0;
  char relkind = 'r';      // 'r' table, 'p' partitioned table
  std::string qualified;   // "schema"."name"
  std::vector<ColumnPlan> plans;  // exported columns, in table order
  std::vector<LeafRelation> leaves;
  bool locked = false;     // by the snapshot's transaction, until it ends
};

// The snapshot of one database (PgSnapshotSet holds one per database).
class PgSnapshot {
 public:
  static Result<std::unique_ptr<PgSnapshot>> Begin(const std::string& conninfo,
                                                   const std::string& database,
                                                   const SourceOptions& options);
  ~PgSnapshot();

  std::string snapshot_time() const { return snapshot_time_; }
  Result<std::vector<TableInfo>> ListTables(const std::vector<ExportFilterEntry>& filter);
  Result<std::vector<Chunk>> PlanChunks(const TableInfo& table, int64_t chunk_rows);
  Result<std::unique_ptr<ChunkReader>> OpenChunk(const TableInfo& table, const Chunk& chunk,
                                                 const parquet::Schema* schema, const CancelFlag* cancel);
  Status Close();
  // Rows of the table at the snapshot, on a new session that imports it.
  Result<int64_t> CountRows(const TableInfo& table);
  // See Snapshot::CanRetryChunk.
  Status CanRetryChunk(const Status& failure);

  const std::string& snapshot_id() const { return snapshot_id_; }
  const std::string& database() const { return database_; }

 private:
  PgSnapshot(std::string conninfo, std::string database, SourceOptions options)
      : conninfo_(std::move(conninfo)), database_(std::move(database)), options_(options) {}

  // A new connection to the database in a READ ONLY transaction that
  // imported the snapshot (SnapshotLost when it cannot).
  Result<std::unique_ptr<PgConnection>> ImportSnapshot(const std::string& context, const CancelFlag* cancel);

  // catalog.cc
  Status LoadTypes();
  Status LoadLeaves(std::map<uint32_t, TableEntry*>& by_oid);
  Result<int64_t> EstimateLeafRows(const LeafRelation& leaf);
  // table_guard.cc
  Status LockTables(const std::vector<TableEntry*>& entries);
  Status GuardRead(PgConnection* reader, const TableEntry& entry, const Chunk& chunk,
                   const std::string& context);
  std::string DescribeLockHolders(const std::vector<uint32_t>& oids);
  // The table and the heaps a chunk reads.
  static std::vector<uint32_t> RelationsRead(const TableEntry& entry, const Chunk& chunk);
  // The export gives up waiting for a lock on `oids`: names who is in the way.
  Status LockTimeoutError(const std::vector<uint32_t>& oids, const std::string& context);
  Status SnapshotLost(const Status& import_error, const std::string& context);
  Result<std::string> CheckRowSize(const TableEntry& entry, const std::vector<PgAttribute>& attrs,
                                   const std::vector<bool>& varlena);
  // chunk_planner.cc
  Result<std::vector<Chunk>> PlanKeyChunks(const TableEntry& entry, const TableInfo& table,
                                           int64_t chunk_rows, const std::string& key,
                                           const std::string& key_type, bool primary);
  Status PlanCtidChunks(const LeafRelation& leaf, bool is_partition, int64_t chunk_rows,
                        std::vector<Chunk>* out);
  Result<const TableEntry*> FindEntry(const TableInfo& table);

  const std::string conninfo_;
  const std::string database_;
  const SourceOptions options_;
  std::string snapshot_id_;
  std::string snapshot_time_;

  std::mutex mu_;  // guards everything below
  std::unique_ptr<PgConnection> conn_;  // coordinator; null after Close()
  PgTypeMap types_;
  std::map<std::string, TableEntry> tables_;  // by TableInfo::target()
};

class PgSource : public Source {
 public:
  static Result<std::unique_ptr<PgSource>> Open(const std::string& url, const SourceOptions& options);

  Result<std::vector<std::string>> ListDatabases() override;
  Result<std::unique_ptr<Snapshot>> BeginSnapshot(const SnapshotRequest& request) override;
  std::string engine() const override { return "postgresql"; }
  // One snapshot connection per database: a PostgreSQL snapshot cannot span databases.
  int SnapshotConnections(size_t databases) const override { return static_cast<int>(databases); }

 private:
  PgSource(std::string url, std::string url_database, SourceOptions options)
      : url_(std::move(url)), url_database_(std::move(url_database)), options_(options) {}

  const std::string url_;
  const std::string url_database_;  // the database the URL names; empty: none
  const SourceOptions options_;
};

}  // namespace dbexport::source::postgres
