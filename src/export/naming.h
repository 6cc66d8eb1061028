#pragma once
// Names an export produces: task identifiers, object keys of data files and
// manifests (spec/reference.md section 2), and the manifests' time formats.
// Pure functions, thread-safe.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time_format.h"
#include "common/uuid.h"
#include "parquet/file_writer.h"

namespace dbexport::exporter {

// RDS limit on ExportTaskIdentifier.
inline constexpr size_t kMaxTaskIdentifierLength = 60;

// The RDS message for an ExportTaskIdentifier of 1..60 characters that
// breaks the identifier rule.
inline constexpr std::string_view kInvalidTaskIdentifierMessage =
    "The parameter ExportTaskIdentifier is not a valid identifier. Identifiers must begin with a "
    "letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen "
    "or contain two consecutive hyphens.";

// The RDS identifier rule (export task and DB cluster identifiers): begins
// with an ASCII letter; ASCII letters, digits and hyphens; no trailing or
// double hyphen; 1..max_length characters.
bool IsValidRdsIdentifier(std::string_view id, size_t max_length);

// Checks an ExportTaskIdentifier against the RDS rule (1..60 characters).
// Returns InvalidArgument with the RDS message.
Status ValidateTaskIdentifier(std::string_view id);

// "export-<yyyymmdd>-<hhmmss>" in UTC, a valid identifier.
std::string DefaultTaskIdentifier(std::chrono::system_clock::time_point now);

// A path segment as the hosted export writes it: '\', '`', '"' and ' ' become
// '_'. So do '/' and control characters, so that a name is always exactly
// one valid key segment (storage/object_store.h), and a name that would be
// empty, "." or ".." becomes as many '_' (at least one).
std::string SanitizePathSegment(std::string_view segment);

// ".gz.parquet", ".snappy.parquet", ".zstd.parquet" or ".parquet".
std::string_view DataFileExtension(parquet::Codec codec);

// <task_id>/<database>/<schema>.<table>/ (segments sanitized).
std::string TablePrefix(std::string_view task_id, std::string_view database,
                        std::string_view schema, std::string_view table);

struct TableName {
  std::string database, schema, table;
};

// TablePrefix of each table, made distinct: sanitizing can give two tables
// one folder ("a b" and "a_b" both become "a_b"). A table whose names need
// no sanitizing keeps its folder; the others, in byte order of (database,
// schema, table), take theirs if free, else add "-2", "-3", ... to the
// table's segment. The same set of tables always gets the same folders.
std::vector<std::string> DistinctTablePrefixes(std::string_view task_id, const std::vector<TableName>& tables);

// <table_prefix><partition_index>/part-<part:05d>-<uuid>-c000<extension>.
std::string DataFileKey(std::string_view table_prefix, int partition_index, int part,
                        std::string_view uuid, parquet::Codec codec);

// <task_id>/export_info_<task_id>.json
std::string ExportInfoKey(std::string_view task_id);
// <task_id>/export_tables_info_<task_id>_from_<first>_to_<last>.json (1-based).
std::string TablesInfoKey(std::string_view task_id, int first, int last);
// <task_id>/_SUCCESS: written last, only by an export that completed.
std::string SuccessMarkerKey(std::string_view task_id);

// "Jul 19, 2023, 11:21:00 PM" (UTC), the manifests' extraction times. Data
// file UUIDs (NewUuid) and the API's timestamps (FormatIso8601) come from
// common/uuid.h and common/time_format.h.
std::string FormatManifestTime(std::chrono::system_clock::time_point t);

}  // namespace dbexport::exporter
