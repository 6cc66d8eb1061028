// What keeps DDL from making an export wrong or hanging it
// (docs/consistency.md):
//
//  * Protection. Right after listing, the snapshot's transaction takes an
//    ACCESS SHARE lock on every exported table, as pg_dump does, so that
//    DROP, TRUNCATE and table rewrites wait until the export ends. The
//    locks live in the server's shared lock table; tables beyond the
//    budget (SourceOptions::max_table_locks) are not locked.
//  * Detection. Before reading, every reader locks the relation it reads
//    (bounded by lock_wait_timeout_ms) and compares its storage (its
//    relfilenode) with the one in the snapshot: TRUNCATE and the rewriting
//    forms of ALTER TABLE give a table new storage that the snapshot sees
//    as empty or that no longer matches the plan. Such a table fails with
//    DataLoss instead of being exported short. pg_relation_filenode() reads
//    the catalog as of now (not the transaction's snapshot), and once the
//    reader holds its lock nothing can rewrite the table until it is read.
//  * No hang. A lock another session holds or waits for (an ACCESS
//    EXCLUSIVE request queues behind the snapshot's own lock, and a reader
//    would queue behind it: a wait PostgreSQL cannot see as a deadlock) is
//    waited for at most lock_wait_timeout_ms; then the export fails with a
//    message naming the session, and ending the export releases its locks.

#include <algorithm>

#include "source/postgres/postgres_source_internal.h"

namespace dbexport::source::postgres {
namespace {

// A quarter of the shared lock table: the export's locks leave the rest to
// the applications (max_locks_per_transaction is an average per session,
// not a per-session limit).
constexpr char kLockBudgetSql[] =
    "SELECT current_setting('max_locks_per_transaction')::int8 * "
    "(current_setting('max_connections')::int8 + current_setting('max_prepared_transactions')::int8) / 4";

// Sessions holding or waiting for a lock that conflicts with ACCESS SHARE.
// Only the command's first word is shown: the rest of a statement can hold
// values that are not the export's to print.
constexpr char kHoldersSql[] = R"sql(
SELECT l.pid, l.granted, coalesce(a.usename, ''), coalesce(a.application_name, ''),
       upper(coalesce(substring(ltrim(a.query) from '^[A-Za-z]+'), '')),
       coalesce(l.relation::regclass::text, l.relation::text)
FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock'
  AND l.relation = ANY($1::oid[])
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
ORDER BY l.granted DESC, l.pid)sql";

// LOCK TABLE for `relations` (comma-separated): a partitioned table with
// its partitions, a plain table alone (ONLY: an inheritance child is a table
// of its own, exported and locked as such).
std::string LockStatement(bool partitioned, const std::string& relations, std::string_view wait) {
  if (relations.empty()) return "";
  return std::string(partitioned ? "LOCK TABLE " : "LOCK TABLE ONLY ") + relations + " IN ACCESS SHARE MODE " +
         std::string(wait) + ";";
}

// A partitioned table is locked with its partitions, unless the user may
// not read some of them (LOCK would fail; the table is read through its
// parent, whose read locks them).
bool LockWithPartitions(const TableEntry& e) {
  return e.relkind == 'p' &&
         std::all_of(e.leaves.begin(), e.leaves.end(), [](const LeafRelation& l) { return l.can_select; });
}

std::string LockStatements(const std::vector<TableEntry*>& entries, std::string_view wait) {
  std::string plain, partitioned;
  for (const TableEntry* e : entries) {
    std::string& list = LockWithPartitions(*e) ? partitioned : plain;
    if (!list.empty()) list += ", ";
    list += e->qualified;
  }
  return LockStatement(false, plain, wait) + LockStatement(true, partitioned, wait);
}


// Locks in a savepoint, so that a table someone else holds leaves the
// snapshot's transaction usable. NOWAIT: the start of the export never waits
// for a lock; a table that could not be locked is left to detection, and
// its reader waits for it (bounded).
Status TryLock(PgConnection* conn, const std::vector<TableEntry*>& entries, bool* locked) {
  const std::string context = "locking the tables to export";
  Status st = conn->Exec("SAVEPOINT dbexport_lock; " + LockStatements(entries, "NOWAIT") +
                             " RELEASE SAVEPOINT dbexport_lock",
                         context);
  *locked = st.ok();
  if (st.ok()) return st;
  // A lock conflict, a table dropped meanwhile or one the user may not lock
  // leaves the table to detection; anything else (a lost connection) ends
  // the snapshot.
  if (st.code() != StatusCode::kUnavailable && st.code() != StatusCode::kNotFound &&
      st.code() != StatusCode::kPermissionDenied) {
    return st;
  }
  if (!conn->alive()) return st;
  return conn->Exec("ROLLBACK TO SAVEPOINT dbexport_lock; RELEASE SAVEPOINT dbexport_lock", context);
}

}  // namespace

Status PgSnapshot::LockTables(const std::vector<TableEntry*>& entries) {
  if (entries.empty() || options_.max_table_locks == 0) return Status::OK();
  int64_t budget = options_.max_table_locks;
  if (budget < 0) {
    DBX_ASSIGN_OR_RETURN(PgRows rows, conn_->Query(kLockBudgetSql, "reading the server's lock table size"));
    budget = rows.GetInt(0, 0);
  }
  std::vector<TableEntry*> chosen;
  int64_t used = 0;
  for (TableEntry* e : entries) {
    int64_t cost = 1 + (e->relkind == 'p' ? static_cast<int64_t>(e->leaves.size()) : 0);
    if (used + cost > budget) continue;
    used += cost;
    chosen.push_back(e);
  }
  if (chosen.empty()) return Status::OK();
  bool all_locked = false;
  DBX_RETURN_IF_ERROR(TryLock(conn_.get(), chosen, &all_locked));
  if (all_locked) {
    for (TableEntry* e : chosen) e->locked = true;
    return Status::OK();
  }
  // Someone holds one of them: lock the others one by one.
  for (TableEntry* e : chosen) DBX_RETURN_IF_ERROR(TryLock(conn_.get(), {e}, &e->locked));
  return Status::OK();
}

std::string PgSnapshot::DescribeLockHolders(const std::vector<uint32_t>& oids) {
  // A connection of its own: the one that timed out is in a failed
  // transaction, and the snapshot's must not wait on anything.
  auto conn = PgConnection::Connect(conninfo_, database_);
  if (!conn.ok()) return "";
  auto rows = (*conn)->Query(kHoldersSql, "listing lock holders", {OidArray(oids)});
  if (!rows.ok()) return "";
  std::string out;
  for (int i = 0; i < rows->size() && i < 3; ++i) {
    if (!out.empty()) out += "; ";
    out += "session " + rows->GetString(i, 0);
    std::string user = rows->GetString(i, 2), app = rows->GetString(i, 3), command = rows->GetString(i, 4);
    if (!user.empty()) out += " (user " + user + (app.empty() ? "" : ", application " + app) + ")";
    if (!command.empty()) out += " running " + command;
    out += rows->GetBool(i, 1) ? " holds" : " waits for";
    out += " an ACCESS EXCLUSIVE lock on " + rows->GetString(i, 5);
  }
  return out;
}

bool IsLockTimeout(const Status& status, PgConnection& conn) {
  // 55P03 maps to kUnavailable, as a lost connection does.
  return status.code() == StatusCode::kUnavailable && conn.alive() &&
         status.message().find("SQLSTATE 55P03") != std::string::npos;
}

std::vector<uint32_t> PgSnapshot::RelationsRead(const TableEntry& entry, const Chunk& chunk) {
  std::vector<uint32_t> oids = {entry.oid};
  for (const LeafRelation& leaf : entry.leaves) {
    if ((chunk.relation.empty() || leaf.qualified == chunk.relation) && leaf.oid != entry.oid) {
      oids.push_back(leaf.oid);
    }
  }
  return oids;
}

Status PgSnapshot::LockTimeoutError(const std::vector<uint32_t>& oids, const std::string& context) {
  std::string holders = DescribeLockHolders(oids);
  return Aborted(context + ": waited " + std::to_string(options_.lock_wait_timeout_ms / 1000) +
                 " s for a lock on the table" + (holders.empty() ? "" : ": " + holders) +
                 ". The export stops and releases its locks so that this can go on; export again "
                 "once it is done, or raise --lock-wait-timeout to wait longer");
}

Status PgSnapshot::GuardRead(PgConnection* reader, const TableEntry& entry, const Chunk& chunk,
                             const std::string& context) {
  // The heaps this chunk reads.
  std::vector<const LeafRelation*> leaves;
  for (const LeafRelation& leaf : entry.leaves) {
    if (chunk.relation.empty() || leaf.qualified == chunk.relation) leaves.push_back(&leaf);
  }
  std::vector<uint32_t> oids = RelationsRead(entry, chunk);

  // lock_timeout stays for the whole read: the read's own locks (TOAST,
  // partitions read through their parent) wait no longer either.
  std::string lock = "SET lock_timeout = " + std::to_string(options_.lock_wait_timeout_ms) + "; ";
  lock += chunk.relation.empty() ? LockStatement(LockWithPartitions(entry), entry.qualified, "")
                                 : LockStatement(false, chunk.relation, "");
  Status locked = reader->Exec(lock, context + ": locking the table");
  if (IsLockTimeout(locked, *reader)) return LockTimeoutError(oids, context);
  if (locked.code() == StatusCode::kNotFound) {
    return DataLoss(context + ": the table was dropped or renamed after the snapshot was taken; "
                              "its rows can no longer be read");
  }
  DBX_RETURN_IF_ERROR(locked);

  // Now that the lock is held, the catalog as of now is what the read sees.
  std::vector<uint32_t> leaf_oids;
  for (const LeafRelation* leaf : leaves) leaf_oids.push_back(leaf->oid);
  DBX_ASSIGN_OR_RETURN(PgRows now, reader->Query("SELECT coalesce(pg_relation_filenode(r), 0) "
                                                 "FROM unnest($1::oid[]) WITH ORDINALITY AS u(r, i) ORDER BY i",
                                                 context + ": checking the table's storage",
                                                 {OidArray(leaf_oids)}));
  for (int i = 0; i < now.size() && i < static_cast<int>(leaves.size()); ++i) {
    uint32_t current = static_cast<uint32_t>(now.GetInt(i, 0));
    const LeafRelation& leaf = *leaves[static_cast<size_t>(i)];
    if (current == leaf.filenode) continue;
    if (current == 0) {
      return DataLoss(context + ": " + leaf.qualified +
                      " was dropped after the snapshot was taken; its rows can no longer be read");
    }
    return DataLoss(context + ": " + leaf.qualified +
                    " was truncated or rewritten after the snapshot was taken (TRUNCATE, or an ALTER TABLE, "
                    "VACUUM FULL or CLUSTER that rewrites it: its storage changed from file " +
                    std::to_string(leaf.filenode) + " to " + std::to_string(current) +
                    "), so the snapshot no longer holds its rows; it is not exported. Export it again");
  }
  return Status::OK();
}

std::string SnapshotLostText(const std::string& database) {
  return "the connection that holds the export's snapshot of database " + database +
         " was lost (the server closed it or it was terminated), so the snapshot is gone; export again";
}

Status PgSnapshot::SnapshotLost(const Status& import_error, const std::string& context) {
  std::lock_guard<std::mutex> lock(mu_);
  bool lost = conn_ == nullptr || !conn_->alive() || !conn_->Exec("SELECT 1", "checking the snapshot").ok();
  if (!lost) return import_error;
  return Aborted(context + ": " + SnapshotLostText(database_));
}

}  // namespace dbexport::source::postgres
