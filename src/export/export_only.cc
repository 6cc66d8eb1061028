// --export-only / ExportOnly entries: validation and splitting.

#include <string_view>

#include "export/export.h"
#include "export/export_internal.h"

namespace dbexport::exporter {
namespace {

// StartExportTask limit on the whole ExportOnly list (spec/reference.md 1).
constexpr size_t kMaxExportOnlyBytes = 200 * 1024;
// database[.schema[.table]]
constexpr int kMaxExportOnlyParts = 3;

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '$' || c == '_';
}

std::vector<std::string_view> SplitDots(std::string_view entry) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    size_t dot = entry.find('.', start);
    if (dot == std::string_view::npos) {
      parts.push_back(entry.substr(start));
      return parts;
    }
    parts.push_back(entry.substr(start, dot - start));
    start = dot + 1;
  }
}

}  // namespace

Status ValidateExportOnly(const std::vector<std::string>& entries) {
  size_t total = 0;
  for (const std::string& entry : entries) {
    total += entry.size();
    std::string prefix = "invalid export-only entry '" + entry + "': ";
    if (entry.empty()) return InvalidArgument("invalid export-only entry '': the entry is empty");
    std::vector<std::string_view> parts = SplitDots(entry);
    if (static_cast<int>(parts.size()) > kMaxExportOnlyParts) {
      return InvalidArgument(prefix + "expected database, database.schema or database.schema.table");
    }
    for (std::string_view part : parts) {
      if (part.empty()) return InvalidArgument(prefix + "a name is empty");
      for (char c : part) {
        if (!IsNameChar(c)) {
          return InvalidArgument(prefix + "name '" + std::string(part) +
                                 "' may contain only A-Z, a-z, 0-9, $ and _");
        }
      }
    }
  }
  if (total > kMaxExportOnlyBytes) {
    return InvalidArgument("export-only list is " + std::to_string(total) + " bytes, above the limit of " +
                           std::to_string(kMaxExportOnlyBytes));
  }
  return Status::OK();
}

std::vector<source::ExportFilterEntry> ParseExportOnly(const std::vector<std::string>& entries) {
  std::vector<source::ExportFilterEntry> out;
  out.reserve(entries.size());
  for (const std::string& entry : entries) {
    std::vector<std::string_view> parts = SplitDots(entry);
    source::ExportFilterEntry e;
    e.database = std::string(parts[0]);
    if (parts.size() > 1) e.schema = std::string(parts[1]);
    if (parts.size() > 2) e.table = std::string(parts[2]);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace dbexport::exporter
