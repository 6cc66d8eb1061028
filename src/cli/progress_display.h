#pragma once
// Shows export progress on stderr: on a terminal a bar redrawn in place
// (tables, chunks, rows, bytes, rate, ETA); otherwise a plain line every few
// seconds, for logs. Update() is called from the engine's thread; Finish()
// from the same thread after RunExport returns.

#include <chrono>
#include <cstdio>
#include <string>

#include "export/export.h"

namespace dbexport::cli {

class ProgressDisplay {
 public:
  // `terminal`: redraw one line with \r; else print a line per interval.
  ProgressDisplay(std::FILE* out, bool terminal);

  void Update(const exporter::ExportProgress& progress);
  // Ends the bar's line so that later messages start on a fresh one.
  void Finish();

  // The text of one progress line (no \r or newline); `width` 0 = no limit.
  static std::string FormatLine(const exporter::ExportProgress& progress, double elapsed_seconds,
                                bool with_bar, int width);

 private:
  std::FILE* out_;
  bool terminal_;
  bool drawn_ = false;
  bool timing_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_plain_{};
};

// Human units: "1.23M" rows, "245.3 MB" bytes (powers of 1024), "1:02:03".
std::string FormatCount(int64_t n);
std::string FormatBytes(int64_t n);
std::string FormatDuration(double seconds);

}  // namespace dbexport::cli
