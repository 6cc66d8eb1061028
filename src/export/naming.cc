#include "export/naming.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <set>
#include <tuple>

#include "common/ascii.h"

namespace dbexport::exporter {
namespace {

std::tm UtcTm(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}

}  // namespace

bool IsValidRdsIdentifier(std::string_view id, size_t max_length) {
  if (id.empty() || id.size() > max_length) return false;
  if (!IsAsciiLetter(id.front()) || id.back() == '-') return false;
  for (size_t i = 0; i < id.size(); ++i) {
    char c = id[i];
    if (!IsAsciiLetter(c) && !IsAsciiDigit(c) && c != '-') return false;
    if (c == '-' && i > 0 && id[i - 1] == '-') return false;
  }
  return true;
}

Status ValidateTaskIdentifier(std::string_view id) {
  if (id.empty() || id.size() > kMaxTaskIdentifierLength) {
    return InvalidArgument("The parameter ExportTaskIdentifier is not a valid identifier. It must be 1 to " +
                           std::to_string(kMaxTaskIdentifierLength) + " characters long.");
  }
  if (!IsValidRdsIdentifier(id, kMaxTaskIdentifierLength)) {
    return InvalidArgument(std::string(kInvalidTaskIdentifierMessage));
  }
  return Status::OK();
}

std::string DefaultTaskIdentifier(std::chrono::system_clock::time_point now) {
  std::tm tm = UtcTm(now);
  char buf[64];
  std::snprintf(buf, sizeof buf, "export-%04d%02d%02d-%02d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string SanitizePathSegment(std::string_view segment) {
  std::string out(segment);
  for (char& c : out) {
    if (c == '\\' || c == '`' || c == '"' || c == ' ' || c == '/' || IsAsciiControl(c)) c = '_';
  }
  if (out.empty() || out == "." || out == "..") out.assign(std::max<size_t>(out.size(), 1), '_');
  return out;
}

std::string_view DataFileExtension(parquet::Codec codec) {
  switch (codec) {
    case parquet::Codec::kGzip: return ".gz.parquet";
    case parquet::Codec::kSnappy: return ".snappy.parquet";
    case parquet::Codec::kZstd: return ".zstd.parquet";
    case parquet::Codec::kUncompressed: return ".parquet";
  }
  return ".parquet";
}

std::string TablePrefix(std::string_view task_id, std::string_view database, std::string_view schema,
                        std::string_view table) {
  std::string folder = std::string(schema) + "." + std::string(table);
  return SanitizePathSegment(task_id) + "/" + SanitizePathSegment(database) + "/" + SanitizePathSegment(folder) + "/";
}

std::vector<std::string> DistinctTablePrefixes(std::string_view task_id, const std::vector<TableName>& tables) {
  std::vector<std::string> prefixes(tables.size());
  std::set<std::string> taken;
  std::vector<size_t> renamed;  // tables whose names were sanitized
  for (size_t i = 0; i < tables.size(); ++i) {
    const TableName& t = tables[i];
    prefixes[i] = TablePrefix(task_id, t.database, t.schema, t.table);
    const std::string folder = t.schema + "." + t.table;
    if (SanitizePathSegment(t.database) == t.database && SanitizePathSegment(folder) == folder &&
        taken.insert(prefixes[i]).second) {
      continue;
    }
    renamed.push_back(i);
  }
  std::sort(renamed.begin(), renamed.end(), [&](size_t a, size_t b) {
    return std::tie(tables[a].database, tables[a].schema, tables[a].table) <
           std::tie(tables[b].database, tables[b].schema, tables[b].table);
  });
  for (size_t i : renamed) {
    const std::string base = prefixes[i].substr(0, prefixes[i].size() - 1);  // without the final '/'
    for (int n = 2; !taken.insert(prefixes[i]).second; ++n) prefixes[i] = base + "-" + std::to_string(n) + "/";
  }
  return prefixes;
}

std::string DataFileKey(std::string_view table_prefix, int partition_index, int part, std::string_view uuid,
                        parquet::Codec codec) {
  char part_text[16];
  std::snprintf(part_text, sizeof part_text, "%05d", part);
  std::string out(table_prefix);
  out += std::to_string(partition_index);
  out += "/part-";
  out += part_text;
  out += '-';
  out += uuid;
  out += "-c000";
  out += DataFileExtension(codec);
  return out;
}

std::string ExportInfoKey(std::string_view task_id) {
  std::string id = SanitizePathSegment(task_id);
  return id + "/export_info_" + id + ".json";
}

std::string TablesInfoKey(std::string_view task_id, int first, int last) {
  std::string id = SanitizePathSegment(task_id);
  return id + "/export_tables_info_" + id + "_from_" + std::to_string(first) + "_to_" +
         std::to_string(last) + ".json";
}

std::string SuccessMarkerKey(std::string_view task_id) {
  return SanitizePathSegment(task_id) + "/_SUCCESS";
}

std::string FormatManifestTime(std::chrono::system_clock::time_point t) {
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm tm = UtcTm(t);
  int hour12 = tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12;
  char buf[96];
  std::snprintf(buf, sizeof buf, "%s %d, %04d, %d:%02d:%02d %s", kMonths[tm.tm_mon], tm.tm_mday,
                tm.tm_year + 1900, hour12, tm.tm_min, tm.tm_sec, tm.tm_hour < 12 ? "AM" : "PM");
  return buf;
}

}  // namespace dbexport::exporter
