// --verify-counts: each exported table's rows counted three ways before the
// export is declared complete:
//   source   COUNT(*) on a session of the export's own snapshot
//   written  the rows the chunk workers encoded (TableResult::rows)
//   stored   the num_rows of each data file's Parquet footer, read back
//            from the store as it holds the file now (ranged reads of the
//            footer alone)
// Counts and footer reads are independent jobs run by up to `parallelism`
// threads; the calling thread waits and ticks.

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <system_error>
#include <thread>

#include "common/secrets.h"
#include "export/export_internal.h"
#include "verify/verify.h"

namespace dbexport::exporter {
namespace {

constexpr auto kTickInterval = std::chrono::milliseconds(250);

struct Job {
  size_t table = 0;
  int file = -1;  // -1: the source count; else an index into data_files
};

struct TableCounts {
  int64_t source_rows = -1;
  std::vector<int64_t> file_rows;  // per data file, from its footer; -1 not read
  Status error;                    // the first failure to count, guarded by the pool's mu
};

}  // namespace

Status VerifyRowCounts(source::Snapshot* snapshot, ObjectStore* store, const std::string& task_dir,
                       const std::vector<TableResult*>& tables, int parallelism, const std::function<void()>& tick, const std::atomic<bool>* stop) {
  if (tables.empty()) return Status::OK();
  // The sizes of the files as stored now, for ranged reads of their footers.
  Result<std::vector<ObjectInfo>> listed = store->List(task_dir);
  if (!listed.ok()) return listed.status().WithContext("listing " + store->Describe() + "/" + task_dir);
  std::map<std::string, int64_t> stored_sizes;
  for (const ObjectInfo& o : *listed) stored_sizes[o.key] = o.size;
  std::vector<TableCounts> counts(tables.size());
  std::vector<Job> jobs;
  for (size_t i = 0; i < tables.size(); ++i) {
    jobs.push_back({i, -1});
    counts[i].file_rows.assign(tables[i]->data_files.size(), -1);
    for (size_t f = 0; f < tables[i]->data_files.size(); ++f) jobs.push_back({i, static_cast<int>(f)});
  }

  std::mutex mu;
  std::condition_variable done_cv;
  std::atomic<size_t> next{0};
  int running = 0;
  auto work = [&] {
    for (;;) {
      if (stop != nullptr && stop->load()) break;
      size_t j = next.fetch_add(1);
      if (j >= jobs.size()) break;
      const Job& job = jobs[j];
      TableResult& t = *tables[job.table];
      TableCounts& c = counts[job.table];
      Status failed;
      if (job.file < 0) {
        Result<int64_t> n = snapshot->CountRows(t.info);
        if (n.ok()) c.source_rows = *n;
        else failed = n.status();
      } else {
        const DataFile& f = t.data_files[static_cast<size_t>(job.file)];
        auto stored = stored_sizes.find(f.key);
        Result<int64_t> n = stored == stored_sizes.end()
                                ? NotFound("not in the store")
                                : verify::StoredFooterRows(store, f.key, stored->second);
        if (n.ok()) {
          c.file_rows[static_cast<size_t>(job.file)] = *n;
        } else if (n.status().code() == StatusCode::kInvalidArgument || stored == stored_sizes.end()) {
          // The store holds something other than the Parquet file written, or nothing.
          failed = DataLoss("the data file " + store->Describe() + "/" + f.key + " as stored is not the file written (" +
                            n.status().message() + ")");
        } else {
          failed = n.status().WithContext("reading back " + store->Describe() + "/" + f.key);
        }
      }
      if (!failed.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (c.error.ok()) c.error = failed;
      }
    }
    std::lock_guard<std::mutex> lock(mu);
    --running;
    done_cv.notify_all();
  };

  const int n = static_cast<int>(std::min<size_t>(static_cast<size_t>(std::max(parallelism, 1)), jobs.size()));
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu);
    running = n;
  }
  for (int i = 0; i < n; ++i) {
    try {
      threads.emplace_back(work);
    } catch (const std::system_error& e) {
      std::lock_guard<std::mutex> lock(mu);
      running -= n - i;
      if (i == 0) return ResourceExhausted(std::string("starting the row count threads: ") + e.what());
      break;
    }
  }
  {
    std::unique_lock<std::mutex> lock(mu);
    while (running > 0) {
      done_cv.wait_for(lock, kTickInterval);
      lock.unlock();
      if (tick) tick();
      lock.lock();
    }
  }
  for (std::thread& t : threads) t.join();
  if (stop != nullptr && stop->load()) return Cancelled("export cancelled while verifying row counts");

  std::vector<std::string> failures;
  StatusCode code = StatusCode::kDataLoss;
  for (size_t i = 0; i < tables.size(); ++i) {
    TableResult& t = *tables[i];
    const TableCounts& c = counts[i];
    const std::string context = "verifying the row count of table " + t.info.target();
    std::string cause;
    if (!c.error.ok()) {
      if (c.error.code() != StatusCode::kDataLoss && failures.empty()) code = c.error.code();
      cause = context + ": " + c.error.message();
    } else {
      int64_t stored = 0;
      for (int64_t r : c.file_rows) stored += r;
      if (c.source_rows == t.rows && stored == t.rows) {
        t.verified_rows = t.rows;
        continue;
      }
      cause = context + ": the snapshot has " + std::to_string(c.source_rows) + " rows, the export wrote " +
              std::to_string(t.rows) + " and its " + std::to_string(t.data_files.size()) +
              " data files as stored hold " + std::to_string(stored);
      for (size_t f = 0; f < t.data_files.size(); ++f) {
        if (c.file_rows[f] == t.data_files[f].rows) continue;
        cause += " (" + t.data_files[f].key + " holds " + std::to_string(c.file_rows[f]) + " rows; " +
                 std::to_string(t.data_files[f].rows) + " were written to it)";
        break;
      }
      cause += ". The export is not complete; export the table again";
    }
    t.status = kTableFailed;
    t.failure_cause = RedactSecrets(cause);
    failures.push_back(cause);
  }
  if (failures.empty()) return Status::OK();
  if (failures.size() == 1) return Status(code, failures.front());
  return Status(code, std::to_string(failures.size()) + " tables failed the row count check; the first: " +
                          failures.front());
}

}  // namespace dbexport::exporter
