#include "export/naming.h"

#include <cstdio>
#include <ctime>

namespace dbexport::exporter {
namespace {

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

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
    if (c == '\\' || c == '`' || c == '"' || c == ' ' || c == '/') c = '_';
  }
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
  std::string out = SanitizePathSegment(task_id);
  out += '/';
  out += SanitizePathSegment(database);
  out += '/';
  out += SanitizePathSegment(schema);
  out += '.';
  out += SanitizePathSegment(table);
  out += '/';
  return out;
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
