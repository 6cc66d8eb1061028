#pragma once
// The MySQL/MariaDB Source (see source.h for the call order).
//
//   MySqlSource    ListDatabases, BeginSnapshot
//   MySqlSnapshot  one snapshot of the whole server: a coordinator session
//                  (catalog, planning) and `readers` reader sessions, each
//                  in START TRANSACTION WITH CONSISTENT SNAPSHOT, opened so
//                  that all see the same point (mysql_snapshot.cc)
//   reader         a streaming SELECT (mysql_use_result) on a leased session,
//                  text values decoded into a ColumnBatch (mysql_reader.cc)

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "source/mysql/mysql_connection_internal.h"
#include "source/source.h"

namespace dbexport::source::mysql {

// How a value's text becomes a Parquet value.
enum class ValueReader {
  kInt32,          // INT32 from a decimal integer
  kInt64,          // INT64 from a decimal integer
  kUInt32,         // INT32 holding the bits of an unsigned 32-bit integer (INT UNSIGNED, native)
  kUInt64,         // INT64 holding the bits of an unsigned 64-bit integer (BIT, native)
  kUnsignedBig,    // FIXED_LEN_BYTE_ARRAY(9) DECIMAL(20,0) from BIGINT UNSIGNED
  kDecimal32,      // DECIMAL on INT32
  kDecimal64,      // DECIMAL on INT64
  kDecimalFixed,   // DECIMAL on FIXED_LEN_BYTE_ARRAY
  kDouble,
  kTimestamp,      // INT64 microseconds from 'YYYY-MM-DD hh:mm:ss[.ffffff]'
  kDate,           // INT32 days from 'YYYY-MM-DD'
  kTime,           // INT64 microseconds from 'hh:mm:ss[.ffffff]' (00:00:00..23:59:59.999999)
  kUuid,           // FIXED_LEN_BYTE_ARRAY(16) from 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx' (MariaDB UUID, native)
  kBytes,          // the text or bytes as they are
};

struct ColumnPlan {
  std::string name;
  std::string select_expr;  // what the reader selects (the column, or an expression of it)
  ValueReader reader = ValueReader::kBytes;
  int precision = 0;
  int scale = 0;
  int width = 0;            // FIXED_LEN_BYTE_ARRAY bytes
};

// A column as information_schema.COLUMNS describes it.
struct MySqlColumn {
  std::string name;
  std::string data_type;    // "int", "varchar", ...
  std::string column_type;  // "int(10) unsigned", "enum('a','b')", ...
  int64_t char_max_length = 0;
  int num_precision = 0;
  int num_scale = 0;
  int datetime_precision = 0;
  bool json_check = false;  // MariaDB's JSON: a LONGTEXT with a json_valid() check
};

struct MappedColumn {
  ColumnInfo info;
  ColumnPlan plan;
};

// The Parquet column for a MySQL column under `mapping` (spec/reference.md
// section 3 for kAws).
MappedColumn MapColumn(const MySqlColumn& column, TypeMapping mapping);

// What the snapshot remembers of a table it listed.
struct TableEntry {
  std::string qualified;  // `db`.`table`
  std::vector<ColumnPlan> plans;
  std::string key;        // integer key column for ranges; empty: none
  bool key_is_primary = false;
  std::string key_type;
  // Otherwise the primary key's columns (composite, or not integer), split
  // by ranges of key tuples; with each column's DATA_TYPE.
  std::vector<std::string> tuple_key;
  std::vector<std::string> tuple_key_types;
};

// Decodes one value's text into `column` per `plan`. Returns false when the
// text is not a value of the type (a zero date, a TIME beyond a day): the
// caller stores NULL and counts it.
bool AppendValue(const ColumnPlan& plan, const char* text, size_t size, parquet::Column* column);

// Appends one text-protocol row to `batch`, whose columns match `plans`:
// values[i] is column i's text of lengths[i] bytes, or nullptr for NULL. A
// value AppendValue refuses is stored as NULL and counted in
// (*unrepresentable)[i]. Fails with ResourceExhausted, naming the column,
// on a value longer than `max_value_bytes`; the batch is then partly
// appended and must be discarded.
Status AppendRow(const std::vector<ColumnPlan>& plans, const char* const* values, const unsigned long* lengths,
                 int64_t max_value_bytes, parquet::ColumnBatch* batch, std::vector<int64_t>* unrepresentable);

class MySqlSnapshot;

class MySqlSource : public Source {
 public:
  static Result<std::unique_ptr<MySqlSource>> Open(const std::string& url, const SourceOptions& options);

  Result<std::vector<std::string>> ListDatabases() override;
  Result<std::unique_ptr<Snapshot>> BeginSnapshot(const SnapshotRequest& request) override;
  std::string engine() const override { return "mysql"; }

 private:
  MySqlSource(MySqlUrl url, SourceOptions options) : url_(std::move(url)), options_(options) {}
  const MySqlUrl url_;
  const SourceOptions options_;
};

// Opens `readers` + 1 sessions that see one point of the server, per
// options.consistency (docs/consistency.md), and leases reader sessions.
class MySqlSnapshot : public Snapshot {
 public:
  static Result<std::unique_ptr<MySqlSnapshot>> Begin(const MySqlUrl& url, const SourceOptions& options,
                                                      const SnapshotRequest& request);
  ~MySqlSnapshot() override;

  std::string snapshot_time() const override { return snapshot_time_; }
  Result<std::vector<TableInfo>> ListTables(const std::string& database,
                                            const std::vector<ExportFilterEntry>& filter) override;
  Result<std::vector<Chunk>> PlanChunks(const TableInfo& table, int64_t chunk_rows) override;
  Result<std::unique_ptr<ChunkReader>> OpenChunk(const TableInfo& table, const Chunk& chunk,
                                                 const parquet::Schema* schema,
                                                 const CancelFlag* cancel) override;
  // On a leased reader session, which holds the shared snapshot. A chunk is
  // never read again: a lost reader session cannot rejoin the snapshot
  // (docs/consistency.md).
  Result<int64_t> CountRows(const TableInfo& table) override;
  Status Close() override;

  SnapshotInfo info() const override {
    return {mode_, binlog_file_, binlog_position_, gtid_set_, mode_ == "no-lock" ? -1 : writers_blocked_ms_};
  }

  // Reader sessions: Lease blocks until one is free; Return gives it back
  // (nullptr: the session was lost or left mid-result, and is closed).
  std::unique_ptr<MySqlConnection> Lease();
  void Return(std::unique_ptr<MySqlConnection> session);

  // A reader's statement is stopped on the server (KILL QUERY, from a
  // connection of its own) soon after `*cancel` is set, even while the
  // reader is blocked inside the server (a metadata lock wait, a slow
  // result). Watch until Unwatch(thread_id).
  void Watch(unsigned long thread_id, const CancelFlag* cancel);
  void Unwatch(unsigned long thread_id);

 private:
  MySqlSnapshot(MySqlUrl url, SourceOptions options) : url_(std::move(url)), options_(options) {}
  Status OpenSessions(int count);
  Status TakeLocked(bool backup_lock, bool mariadb);
  Status TakeWithoutLock(bool mariadb);
  Status ReadSnapshotTime();
  Result<std::vector<Chunk>> PlanTupleChunks(const TableInfo& table, const TableEntry& entry, int64_t chunk_rows);

  const MySqlUrl url_;
  const SourceOptions options_;
  std::string snapshot_time_;
  std::string mode_;
  std::string binlog_file_;
  int64_t binlog_position_ = 0;
  std::string gtid_set_;
  int64_t writers_blocked_ms_ = 0;

  std::mutex mu_;
  std::condition_variable free_cv_;
  std::unique_ptr<MySqlConnection> coordinator_;              // guarded by mu_
  std::vector<std::unique_ptr<MySqlConnection>> free_;        // guarded by mu_
  int live_sessions_ = 0;                                     // leased + free, guarded by mu_
  std::map<std::string, TableEntry> tables_;                  // by TableInfo::target(), guarded by mu_

  void WatchLoop();
  std::mutex watch_mu_;
  std::condition_variable watch_cv_;
  std::map<unsigned long, const CancelFlag*> watched_;  // guarded by watch_mu_
  bool watch_stop_ = false;                            // guarded by watch_mu_
  std::thread watcher_;                                // started by the first Watch()
};

}  // namespace dbexport::source::mysql
