#include "service/metrics.h"

#include <sstream>

namespace dbexport::service {
namespace {

// Export duration buckets, seconds: from a small table to a multi-hour export.
constexpr double kDurationBuckets[] = {1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 12 * 3600};

// Prometheus label values escape \, " and newline.
std::string LabelValue(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

void ServiceMetrics::CountRequest(const std::string& action, const std::string& code) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{action, code}];
}

void ServiceMetrics::CountHttpRefusal(std::string_view reason) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = refusals_.find(reason);
  if (it == refusals_.end()) it = refusals_.emplace(std::string(reason), 0).first;
  ++it->second;
}

std::string ServiceMetrics::Render(const std::vector<ExportTask>& tasks) const {
  std::map<TaskStatus, int64_t> by_status;
  for (TaskStatus s : {TaskStatus::kStarting, TaskStatus::kInProgress, TaskStatus::kComplete, TaskStatus::kFailed,
                       TaskStatus::kCanceling, TaskStatus::kCanceled}) {
    by_status[s] = 0;
  }
  int64_t rows = 0, written = 0, extracted = 0;
  std::vector<int64_t> bucket_counts(std::size(kDurationBuckets), 0);
  int64_t duration_count = 0;
  double duration_sum = 0;
  for (const ExportTask& t : tasks) {
    ++by_status[t.status];
    rows += t.rows_exported;
    written += t.bytes_written;
    extracted += t.extracted_bytes;
    if (!IsActive(t.status) && t.task_start_time && t.task_end_time) {
      double seconds = static_cast<double>(*t.task_end_time - *t.task_start_time) / 1000.0;
      ++duration_count;
      duration_sum += seconds;
      for (size_t i = 0; i < std::size(kDurationBuckets); ++i) {
        if (seconds <= kDurationBuckets[i]) ++bucket_counts[i];
      }
    }
  }
  std::ostringstream os;
  os << "# HELP dbexport_export_tasks Export tasks by status.\n# TYPE dbexport_export_tasks gauge\n";
  for (const auto& [status, n] : by_status) {
    os << "dbexport_export_tasks{status=\"" << TaskStatusName(status) << "\"} " << n << "\n";
  }
  os << "# HELP dbexport_rows_exported_total Rows written to Parquet by all export tasks.\n"
     << "# TYPE dbexport_rows_exported_total counter\ndbexport_rows_exported_total " << rows << "\n";
  os << "# HELP dbexport_bytes_written_total Parquet bytes written by all export tasks.\n"
     << "# TYPE dbexport_bytes_written_total counter\ndbexport_bytes_written_total " << written << "\n";
  os << "# HELP dbexport_bytes_extracted_total Source bytes read by all export tasks.\n"
     << "# TYPE dbexport_bytes_extracted_total counter\ndbexport_bytes_extracted_total " << extracted << "\n";
  os << "# HELP dbexport_export_duration_seconds Duration of finished export tasks.\n"
     << "# TYPE dbexport_export_duration_seconds histogram\n";
  for (size_t i = 0; i < std::size(kDurationBuckets); ++i) {
    os << "dbexport_export_duration_seconds_bucket{le=\"" << kDurationBuckets[i] << "\"} " << bucket_counts[i] << "\n";
  }
  os << "dbexport_export_duration_seconds_bucket{le=\"+Inf\"} " << duration_count << "\n"
     << "dbexport_export_duration_seconds_sum " << duration_sum << "\n"
     << "dbexport_export_duration_seconds_count " << duration_count << "\n";
  os << "# HELP dbexport_api_requests_total API requests by action and result code.\n"
     << "# TYPE dbexport_api_requests_total counter\n";
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [key, n] : requests_) {
    os << "dbexport_api_requests_total{action=\"" << LabelValue(key.first) << "\",code=\"" << LabelValue(key.second)
       << "\"} " << n << "\n";
  }
  os << "# HELP dbexport_http_refusals_total Requests and connections the HTTP front refused, by reason.\n"
     << "# TYPE dbexport_http_refusals_total counter\n";
  for (const auto& [reason, n] : refusals_) {
    os << "dbexport_http_refusals_total{reason=\"" << LabelValue(reason) << "\"} " << n << "\n";
  }
  os << "# HELP dbexport_http_open_connections Open HTTP connections.\n"
     << "# TYPE dbexport_http_open_connections gauge\n"
     << "dbexport_http_open_connections " << open_connections_.load(std::memory_order_relaxed) << "\n";
  return os.str();
}

}  // namespace dbexport::service
