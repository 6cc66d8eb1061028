#include "cli/progress_display.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cmath>

namespace dbexport::cli {
namespace {

// A log line per interval when stderr is not a terminal.
constexpr auto kPlainInterval = std::chrono::seconds(5);
constexpr int kBarCells = 20;

int TerminalWidth(std::FILE* out) {
  winsize ws{};
  if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

}  // namespace

std::string FormatCount(int64_t n) {
  char buf[32];
  if (n < 10000) std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(n));
  else if (n < 1'000'000) std::snprintf(buf, sizeof buf, "%.1fK", n / 1e3);
  else if (n < 1'000'000'000) std::snprintf(buf, sizeof buf, "%.2fM", n / 1e6);
  else std::snprintf(buf, sizeof buf, "%.2fG", n / 1e9);
  return buf;
}

std::string FormatBytes(int64_t n) {
  static constexpr const char* kUnits[] = {"B", "KB", "MB", "GB", "TB"};
  double v = static_cast<double>(n);
  int unit = 0;
  while (v >= 1024 && unit < 4) {
    v /= 1024;
    ++unit;
  }
  char buf[32];
  if (unit == 0) std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(n));
  else std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[unit]);
  return buf;
}

std::string FormatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  long long s = std::llround(seconds);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  return buf;
}

std::string ProgressDisplay::FormatLine(const exporter::ExportProgress& p, double elapsed, bool with_bar,
                                        int width) {
  using Phase = exporter::ExportProgress::Phase;
  if (p.phase == Phase::kStarting) return "starting: taking the snapshot and planning tables";
  std::string line;
  char buf[256];
  if (with_bar) {
    int filled = p.percent * kBarCells / 100;
    line = "[" + std::string(filled, '#') + std::string(kBarCells - filled, '.') + "] ";
  }
  double rate = elapsed > 0 ? p.bytes_read / elapsed : 0;
  double eta = rate > 0 && p.bytes_estimated > p.bytes_read ? (p.bytes_estimated - p.bytes_read) / rate
               : p.percent >= 100                           ? 0
                                                            : NAN;
  std::snprintf(buf, sizeof buf, "%3d%%  tables %d/%d  chunks %lld/%lld  rows %s  read %s  written %s  %.1f MB/s  ETA %s",
                p.percent, p.tables_done, p.tables_total, static_cast<long long>(p.chunks_done),
                static_cast<long long>(p.chunks_total), FormatCount(p.rows_exported).c_str(),
                FormatBytes(p.bytes_read).c_str(), FormatBytes(p.bytes_written).c_str(), rate / (1 << 20),
                FormatDuration(eta).c_str());
  line += buf;
  if (p.throttled) line += "  throttled to " + FormatBytes(p.max_rate) + "/s";
  if (width > 0 && static_cast<int>(line.size()) >= width) line.resize(width - 1);
  return line;
}

ProgressDisplay::ProgressDisplay(std::FILE* out, bool terminal) : out_(out), terminal_(terminal) {}

void ProgressDisplay::Update(const exporter::ExportProgress& progress) {
  auto now = std::chrono::steady_clock::now();
  // The rate counts from the first chunk, not from the planning.
  if (!timing_ && progress.phase != exporter::ExportProgress::Phase::kStarting) {
    start_ = now;
    timing_ = true;
  }
  double elapsed = std::chrono::duration<double>(now - start_).count();
  if (terminal_) {
    std::string line = FormatLine(progress, elapsed, true, TerminalWidth(out_));
    std::fprintf(out_, "\r%s\x1b[K", line.c_str());
    std::fflush(out_);
    drawn_ = true;
    return;
  }
  bool final_sample = progress.percent >= 100;
  if (!final_sample && last_plain_ != std::chrono::steady_clock::time_point{} &&
      now - last_plain_ < kPlainInterval) {
    return;
  }
  last_plain_ = now;
  std::fprintf(out_, "progress: %s\n", FormatLine(progress, elapsed, false, 0).c_str());
  std::fflush(out_);
}

void ProgressDisplay::Finish() {
  if (terminal_ && drawn_) {
    std::fputc('\n', out_);
    std::fflush(out_);
  }
  drawn_ = false;
}

}  // namespace dbexport::cli
