#include <algorithm>

#include "export/export_internal.h"

namespace dbexport::exporter {

void ProgressTracker::Plan(int tables_total, int64_t chunks_total, int64_t rows_estimated,
                           int64_t bytes_estimated) {
  std::lock_guard<std::mutex> lock(mu_);
  tables_total_ = tables_total;
  chunks_total_ = chunks_total;
  rows_estimated_ = rows_estimated;
  bytes_estimated_ = bytes_estimated;
}

ExportProgress ProgressTracker::Sample(ExportProgress::Phase phase) {
  std::lock_guard<std::mutex> lock(mu_);
  ExportProgress p;
  p.phase = phase;
  p.snapshot_time = snapshot_time_;
  p.tables_total = tables_total_;
  p.tables_done = tables_done_.load(std::memory_order_relaxed);
  p.chunks_total = chunks_total_;
  p.chunks_done = chunks_done_.load(std::memory_order_relaxed);
  p.rows_exported = rows_.load(std::memory_order_relaxed);
  p.rows_estimated = rows_estimated_;
  p.bytes_read = bytes_read_.load(std::memory_order_relaxed);
  p.bytes_estimated = bytes_estimated_;
  p.bytes_written = bytes_written_.load(std::memory_order_relaxed);
  int64_t percent = bytes_estimated_ > 0 ? std::min<int64_t>(100, p.bytes_read * 100 / bytes_estimated_) : 0;
  if (chunks_total_ > 0) {
    int64_t started = chunks_started_.load(std::memory_order_relaxed);
    int64_t low = p.chunks_done * 100 / chunks_total_;
    int64_t high = bytes_estimated_ > 0 ? std::max(low, started * 100 / chunks_total_) : low;
    percent = std::clamp(percent, low, high);
  }
  last_percent_ = std::max(last_percent_, std::min(99, static_cast<int>(percent)));
  p.percent = last_percent_;
  return p;
}

ExportProgress ProgressTracker::Finished() {
  ExportProgress p = Sample(ExportProgress::Phase::kFinishing);
  std::lock_guard<std::mutex> lock(mu_);
  last_percent_ = 100;
  p.percent = 100;
  return p;
}

}  // namespace dbexport::exporter
