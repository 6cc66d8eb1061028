#include "source/postgres/postgres_source_internal.h"

#include <libpq-fe.h>

#include "source/postgres/copy_decoder_internal.h"

namespace dbexport::source::postgres {
namespace {

// pg_partition_tree() (catalog) needs PostgreSQL 12; TID range scans, which
// make ctid chunks cheap, need 14 (older servers scan the whole table).
constexpr int kMinServerVersion = 120000;

// Reads one chunk: COPY (SELECT ...) TO STDOUT (FORMAT binary) on its own
// connection, which imported the snapshot.
class PgChunkReader : public ChunkReader {
 public:
  PgChunkReader(std::unique_ptr<PgConnection> conn, std::vector<ColumnPlan> plans,
                std::string context, const SourceOptions& options, const CancelFlag* cancel)
      : conn_(std::move(conn)),
        plans_(std::move(plans)),
        decoder_(&plans_, options.max_value_bytes),
        context_(std::move(context)),
        batch_rows_(options.batch_rows),
        batch_bytes_(options.batch_bytes),
        cancel_(cancel) {}

  ~PgChunkReader() override {
    if (conn_ != nullptr && !done_) conn_->Cancel();  // abandoned mid-COPY
  }

  Status Start(const std::string& sql) { return conn_->StartCopyOut(sql, context_ + ": COPY failed"); }

  Result<bool> Next(parquet::ColumnBatch* batch) override {
    batch->Clear();
    if (done_) return false;
    if (!failure_.ok()) return failure_;
    if (cancel_ != nullptr && cancel_->load(std::memory_order_relaxed)) {
      return Fail(Cancelled(context_ + ": cancelled"));
    }
    int64_t bytes = 0;
    for (;;) {
      char* buf = nullptr;
      Result<int> got = conn_->GetCopyData(&buf);
      if (!got.ok()) return Fail(got.status().WithContext(context_));
      int n = *got;
      if (n > 0) {
        Status st = decoder_.Decode(reinterpret_cast<const uint8_t*>(buf), static_cast<size_t>(n), batch);
        PQfreemem(buf);
        if (!st.ok()) return Fail(st.WithContext(context_));
        bytes += n;
        bytes_read_ += n;
        if (batch->num_rows() >= batch_rows_ || bytes >= batch_bytes_) return true;
        continue;
      }
      // -1: COPY finished, its result says whether it succeeded; -2: failed.
      Status finished = conn_->FinishCopy(context_ + (n == -1 ? ": COPY failed" : ": reading COPY data failed"));
      if (!finished.ok()) return Fail(finished);
      if (n != -1) return Fail(Internal(context_ + ": reading COPY data failed"));
      if (!decoder_.finished()) {
        return Fail(Internal(context_ + ": binary COPY stream ended without its trailer"));
      }
      done_ = true;
      conn_.reset();  // the read-only transaction ends with the connection
      return batch->num_rows() > 0;
    }
  }

  int64_t bytes_read() const override { return bytes_read_; }

  std::vector<std::string> warnings() const override {
    std::vector<std::string> out;
    for (size_t i = 0; i < plans_.size(); ++i) {
      int64_t n = decoder_.unrepresentable()[i];
      if (n == 0) continue;
      const ColumnPlan& plan = plans_[i];
      bool decimal = plan.reader == WireReader::kDecimal32 || plan.reader == WireReader::kDecimal64 ||
                     plan.reader == WireReader::kDecimalFixed;
      out.push_back("column \"" + plan.name + "\": " + std::to_string(n) +
                    (decimal ? " NaN numeric values exported as NULL (DECIMAL has no NaN)"
                             : " values beyond the Parquet range of the type exported as NULL"));
    }
    return out;
  }

 private:
  Status Fail(Status status) {
    failure_ = status;
    if (conn_ != nullptr) conn_->Cancel();
    conn_.reset();
    return status;
  }

  std::unique_ptr<PgConnection> conn_;
  std::vector<ColumnPlan> plans_;
  CopyDecoder decoder_;
  std::string context_;
  int64_t batch_rows_;
  int64_t batch_bytes_;
  const CancelFlag* cancel_;  // checked per batch; the connection checks it while waiting
  int64_t bytes_read_ = 0;
  bool done_ = false;
  Status failure_;
};

}  // namespace

// ---- PgSource ----

Result<std::unique_ptr<PgSource>> PgSource::Open(const std::string& url, const SourceOptions& options) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(url.c_str(), &err);
  if (opts == nullptr) {
    // CheckSourceUrl accepted the URL; libpq's message would quote it.
    if (err) PQfreemem(err);
    return InvalidArgument("source URL: libpq cannot parse it");
  }
  std::string dbname;
  for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
    if (std::string_view(o->keyword) == "dbname" && o->val != nullptr) dbname = o->val;
  }
  PQconninfoFree(opts);

  std::unique_ptr<PgSource> source(new PgSource(url, dbname, options));
  // Fail early on a bad host, credentials or server version.
  auto conn = PgConnection::Connect(url, dbname.empty() ? "postgres" : "");
  if (!conn.ok() && dbname.empty() && conn.status().code() == StatusCode::kNotFound) {
    conn = PgConnection::Connect(url, "template1");
  }
  if (!conn.ok()) return conn.status();
  int version = PQserverVersion((*conn)->get());
  if (version < kMinServerVersion) {
    return FailedPrecondition("connecting to PostgreSQL at " + DescribeConnection(url, "") +
                              ": server version " + std::to_string(version) +
                              " is not supported (12 or later is required)");
  }
  return source;
}

Result<std::vector<std::string>> PgSource::ListDatabases() {
  if (!url_database_.empty()) return std::vector<std::string>{url_database_};
  // The URL names no database: ask the maintenance database, as psql -l does.
  auto connected = PgConnection::Connect(url_, "postgres");
  if (!connected.ok() && connected.status().code() == StatusCode::kNotFound) {
    connected = PgConnection::Connect(url_, "template1");
  }
  if (!connected.ok()) return connected.status();
  std::unique_ptr<PgConnection> conn = std::move(connected).value();
  DBX_ASSIGN_OR_RETURN(
      PgRows rows,
      conn->Query("SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate "
                  "AND datname NOT IN ('template0', 'template1') "
                  "AND has_database_privilege(datname, 'CONNECT') ORDER BY datname",
                  "listing databases"));
  std::vector<std::string> out;
  for (int i = 0; i < rows.size(); ++i) out.push_back(rows.GetString(i, 0));
  return out;
}

namespace {

// One exported snapshot per database, taken one after the other: a
// PostgreSQL snapshot cannot span databases. Readers open their own
// connection to the table's database and import its snapshot.
class PgSnapshotSet : public Snapshot {
 public:
  std::string snapshot_time() const override { return snapshots_.front()->snapshot_time(); }

  Result<std::vector<TableInfo>> ListTables(const std::string& database,
                                            const std::vector<ExportFilterEntry>& filter) override {
    DBX_ASSIGN_OR_RETURN(PgSnapshot * s, Find(database));
    return s->ListTables(filter);
  }
  Result<std::vector<Chunk>> PlanChunks(const TableInfo& table, int64_t chunk_rows) override {
    DBX_ASSIGN_OR_RETURN(PgSnapshot * s, Find(table.database));
    return s->PlanChunks(table, chunk_rows);
  }
  Result<std::unique_ptr<ChunkReader>> OpenChunk(const TableInfo& table, const Chunk& chunk,
                                                 const parquet::Schema* schema,
                                                 const CancelFlag* cancel) override {
    DBX_ASSIGN_OR_RETURN(PgSnapshot * s, Find(table.database));
    return s->OpenChunk(table, chunk, schema, cancel);
  }
  Result<int64_t> CountRows(const TableInfo& table) override {
    DBX_ASSIGN_OR_RETURN(PgSnapshot * s, Find(table.database));
    return s->CountRows(table);
  }
  Status CanRetryChunk(const TableInfo& table, const Status& failure) override {
    Result<PgSnapshot*> s = Find(table.database);
    return s.ok() ? (*s)->CanRetryChunk(failure) : failure;
  }
  Status Close() override {
    Status first;
    for (auto& s : snapshots_) {
      Status st = s->Close();
      if (first.ok()) first = st;
    }
    return first;
  }

  void Add(std::unique_ptr<PgSnapshot> s) { snapshots_.push_back(std::move(s)); }

 private:
  Result<PgSnapshot*> Find(const std::string& database) {
    for (auto& s : snapshots_) {
      if (s->database() == database) return s.get();
    }
    return InvalidArgument("database " + database + " is not part of this snapshot");
  }

  std::vector<std::unique_ptr<PgSnapshot>> snapshots_;  // in the order asked for
};

}  // namespace

Result<std::unique_ptr<Snapshot>> PgSource::BeginSnapshot(const SnapshotRequest& request) {
  if (request.databases.empty()) return InvalidArgument("a snapshot needs at least one database");
  auto set = std::make_unique<PgSnapshotSet>();
  for (const std::string& database : request.databases) {
    Result<std::unique_ptr<PgSnapshot>> snapshot = PgSnapshot::Begin(url_, database, options_);
    if (!snapshot.ok()) {
      set->Close().IgnoreError();
      return snapshot.status().WithContext("taking the snapshot of database " + database);
    }
    set->Add(std::move(snapshot).value());
  }
  return std::unique_ptr<Snapshot>(std::move(set));
}

// ---- PgSnapshot ----

Result<std::unique_ptr<PgSnapshot>> PgSnapshot::Begin(const std::string& conninfo,
                                                      const std::string& database,
                                                      const SourceOptions& options) {
  std::unique_ptr<PgSnapshot> s(new PgSnapshot(conninfo, database, options));
  DBX_ASSIGN_OR_RETURN(s->conn_, PgConnection::Connect(conninfo, database));
  s->conn_->set_loss_meaning(SnapshotLostText(database));
  const std::string context = "taking a snapshot of database " + database;
  // The snapshot's own catalog and planning queries wait for a lock no
  // longer than the readers do.
  DBX_RETURN_IF_ERROR(s->conn_->Exec("SET lock_timeout = " + std::to_string(options.lock_wait_timeout_ms) +
                                         "; BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                                     context));
  DBX_ASSIGN_OR_RETURN(
      PgRows rows,
      s->conn_->Query("SELECT pg_export_snapshot(), "
                      "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')",
                      context));
  s->snapshot_id_ = rows.GetString(0, 0);
  s->snapshot_time_ = rows.GetString(0, 1);
  return s;
}

PgSnapshot::~PgSnapshot() = default;  // closing the connection ends the read-only transaction

Status PgSnapshot::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  if (conn_ == nullptr) return Status::OK();
  Status st = conn_->Exec("COMMIT", "closing the snapshot of database " + database_);
  conn_.reset();
  return st;
}

Result<const TableEntry*> PgSnapshot::FindEntry(const TableInfo& table) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tables_.find(table.target());
  if (it == tables_.end()) {
    return FailedPrecondition("table " + table.target() +
                              " was not listed by ListTables() of this snapshot");
  }
  return &it->second;  // entries are never erased while the snapshot lives
}

Result<std::unique_ptr<ChunkReader>> PgSnapshot::OpenChunk(const TableInfo& table, const Chunk& chunk,
                                                           const parquet::Schema* schema,
                                                           const CancelFlag* cancel) {
  // The engine names the table and partition; this says what the source was doing.
  const std::string context =
      chunk.relation.empty() ? std::string("reading rows") : "reading rows of partition " + chunk.relation;
  DBX_ASSIGN_OR_RETURN(const TableEntry* entry, FindEntry(table));
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (conn_ == nullptr) return FailedPrecondition(context + ": the snapshot is closed");
  }
  if (schema == nullptr || schema->fields.size() != entry->plans.size()) {
    return InvalidArgument(context + ": the Parquet schema has " +
                           std::to_string(schema ? schema->fields.size() : 0) + " fields, the table " +
                           std::to_string(entry->plans.size()) + " exported columns");
  }
  std::string sql = "COPY (SELECT ";
  for (size_t i = 0; i < entry->plans.size(); ++i) {
    if (i > 0) sql += ", ";
    sql += entry->plans[i].select_expr;
  }
  // ONLY: rows of inheritance children belong to those tables, which are
  // exported themselves. A partitioned table is read whole or by partition.
  if (!chunk.relation.empty()) {
    sql += " FROM ONLY " + chunk.relation;
  } else {
    sql += entry->relkind == 'p' ? " FROM " : " FROM ONLY ";
    sql += entry->qualified;
  }
  if (!chunk.predicate.empty()) sql += " WHERE " + chunk.predicate;
  sql += ") TO STDOUT (FORMAT binary)";

  DBX_ASSIGN_OR_RETURN(auto conn, ImportSnapshot(context, cancel));
  DBX_RETURN_IF_ERROR(GuardRead(conn.get(), *entry, chunk, context));
  PgConnection* raw = conn.get();
  auto reader = std::make_unique<PgChunkReader>(std::move(conn), entry->plans, context, options_, cancel);
  Status started = reader->Start(sql);
  if (IsLockTimeout(started, *raw)) return LockTimeoutError(RelationsRead(*entry, chunk), context);
  DBX_RETURN_IF_ERROR(started);
  return std::unique_ptr<ChunkReader>(std::move(reader));
}

Result<std::unique_ptr<PgConnection>> PgSnapshot::ImportSnapshot(const std::string& context,
                                                                 const CancelFlag* cancel) {
  DBX_ASSIGN_OR_RETURN(auto conn, PgConnection::Connect(conninfo_, database_, cancel));
  Status imported = conn->Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; "
                               "SET TRANSACTION SNAPSHOT " + QuoteLiteral(snapshot_id_),
                               context + ": importing snapshot " + snapshot_id_);
  if (!imported.ok()) {
    if (imported.code() == StatusCode::kCancelled) return imported;
    return SnapshotLost(imported, context);
  }
  return conn;
}

Result<int64_t> PgSnapshot::CountRows(const TableInfo& table) {
  const std::string context = "counting the rows of " + table.target() + " on the snapshot";
  DBX_ASSIGN_OR_RETURN(const TableEntry* entry, FindEntry(table));
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (conn_ == nullptr) return FailedPrecondition(context + ": the snapshot is closed");
  }
  DBX_ASSIGN_OR_RETURN(auto conn, ImportSnapshot(context, nullptr));
  // The same relations the chunks read: ONLY the table, or a partitioned
  // table with its partitions; checked for rewrites as a read is.
  DBX_RETURN_IF_ERROR(GuardRead(conn.get(), *entry, Chunk{}, context));
  DBX_ASSIGN_OR_RETURN(PgRows rows, conn->Query(std::string("SELECT count(*) FROM ") +
                                                    (entry->relkind == 'p' ? "" : "ONLY ") + entry->qualified,
                                                context));
  return rows.GetInt(0, 0);
}

bool IsRetryableReadError(const Status& status) {
  if (status.code() == StatusCode::kUnavailable) return true;
  if (status.code() != StatusCode::kAborted) return false;
  // PgErrorStatus ends the message with the SQLSTATE; other kAborted
  // statuses (a lock timeout, the snapshot lost) are not retried.
  const std::string& m = status.message();
  return m.ends_with("(SQLSTATE 40001)") || m.ends_with("(SQLSTATE 40P01)");
}

Status PgSnapshot::CanRetryChunk(const Status& failure) {
  if (!IsRetryableReadError(failure)) return failure;
  const std::string lost_text = SnapshotLostText(database_);
  if (failure.message().find(lost_text) != std::string::npos) return failure;
  std::lock_guard<std::mutex> lock(mu_);
  if (conn_ == nullptr) return failure;  // closed: the export is over
  // The snapshot lives as long as the transaction that exported it: a new
  // session can import it only while that connection is alive and its
  // transaction has not failed (a hot standby can cancel it too).
  if (conn_->alive() && conn_->Exec("SELECT 1", "checking the snapshot").ok()) return Status::OK();
  return Aborted(failure.message() + "; the chunk cannot be read again: " + lost_text);
}

}  // namespace dbexport::source::postgres
