#pragma once
// ServiceMetrics: GET /metrics in the Prometheus text format (0.0.4).
//
//   dbexport_export_tasks{status="..."}          gauge: tasks per status
//   dbexport_rows_exported_total                 counter: rows written, all tasks
//   dbexport_bytes_written_total                 counter: Parquet bytes written
//   dbexport_bytes_extracted_total               counter: source bytes read
//   dbexport_export_duration_seconds             histogram: start to end of finished tasks
//   dbexport_api_requests_total{action,code}     counter: API requests by action and result
//   dbexport_http_refusals_total{reason}         counter: requests and connections the HTTP
//                                                front refused (http_internal.h, Refusal)
//   dbexport_http_open_connections               gauge: open HTTP connections
//
// Task figures are computed from the task list at scrape time (tasks are
// never deleted, so the counters only grow, across restarts too). Thread-safe.

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "service/export_task.h"

namespace dbexport::service {

class ServiceMetrics {
 public:
  // Counts one API request; `code` is "OK" or the error code.
  void CountRequest(const std::string& action, const std::string& code);
  // Counts one refusal of the HTTP front; `reason` is its label value.
  void CountHttpRefusal(std::string_view reason);
  // Sets the number of open HTTP connections.
  void SetHttpOpenConnections(int64_t n) { open_connections_.store(n, std::memory_order_relaxed); }

  std::string Render(const std::vector<ExportTask>& tasks) const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, int64_t> requests_;
  std::map<std::string, int64_t, std::less<>> refusals_;
  std::atomic<int64_t> open_connections_{0};
};

}  // namespace dbexport::service
