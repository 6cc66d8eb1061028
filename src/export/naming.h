#pragma once
// Names an export produces: task identifiers, object keys of data files and
// manifests (spec/reference.md section 2), and the manifests' time formats.
// Pure functions, thread-safe.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "parquet/file_writer.h"

namespace dbexport::exporter {

// RDS limit on ExportTaskIdentifier.
inline constexpr size_t kMaxTaskIdentifierLength = 60;

// Checks an ExportTaskIdentifier against the RDS rule (begins with a letter;
// ASCII letters, digits and hyphens; no trailing or double hyphen; 1..60
// characters). Returns InvalidArgument with the RDS message.
Status ValidateTaskIdentifier(std::string_view id);

// "export-<yyyymmdd>-<hhmmss>" in UTC, a valid identifier.
std::string DefaultTaskIdentifier(std::chrono::system_clock::time_point now);

// A path segment as the hosted export writes it: '\', '`', '"' and ' ' become
// '_'. '/' becomes '_' too, so that a name is always exactly one segment.
std::string SanitizePathSegment(std::string_view segment);

// ".gz.parquet", ".snappy.parquet", ".zstd.parquet" or ".parquet".
std::string_view DataFileExtension(parquet::Codec codec);

// <task_id>/<database>/<schema>.<table>/ (segments sanitized).
std::string TablePrefix(std::string_view task_id, std::string_view database,
                        std::string_view schema, std::string_view table);

// <table_prefix><partition_index>/part-<part:05d>-<uuid>-c000<extension>.
std::string DataFileKey(std::string_view table_prefix, int partition_index, int part,
                        std::string_view uuid, parquet::Codec codec);

// <task_id>/export_info_<task_id>.json
std::string ExportInfoKey(std::string_view task_id);
// <task_id>/export_tables_info_<task_id>_from_<first>_to_<last>.json (1-based).
std::string TablesInfoKey(std::string_view task_id, int first, int last);

// A random (version 4) UUID in its 36-character text form.
std::string NewUuid();

// "Jul 19, 2023, 11:21:00 PM" (UTC), the manifests' extraction times.
std::string FormatManifestTime(std::chrono::system_clock::time_point t);
// "2023-07-19T23:21:00.123Z", the API's timestamps.
std::string FormatIso8601(std::chrono::system_clock::time_point t);

}  // namespace dbexport::exporter
