// The manifest files (docs/manifest.md): export_info_<id>.json and
// export_tables_info_<id>_from_<n>_to_<m>.json.

#include <algorithm>
#include <nlohmann/json.hpp>

#include "export/export_internal.h"
#include "export/naming.h"

namespace dbexport::exporter {
namespace {

using json = nlohmann::ordered_json;

// The manifests' "GB" is GiB, as the RDS API's TotalExtractedDataInGB.
constexpr double kBytesPerGb = 1024.0 * 1024.0 * 1024.0;
constexpr int kIndent = 2;

// Names come from the source's catalog; a database in a non-UTF-8 encoding
// can hold bytes that are not UTF-8. They become U+FFFD rather than making
// the serializer throw.
std::string Dump(const json& doc, int indent = -1) {
  return doc.dump(indent, ' ', false, json::error_handler_t::replace);
}

std::string_view CodecName(parquet::Codec codec) {
  switch (codec) {
    case parquet::Codec::kGzip: return "GZIP";
    case parquet::Codec::kSnappy: return "SNAPPY";
    case parquet::Codec::kZstd: return "ZSTD";
    case parquet::Codec::kUncompressed: return "NONE";
  }
  return "NONE";
}

json TypeMappings(const source::TableInfo& info) {
  json out = json::array();
  for (const source::ColumnInfo& c : info.columns) {
    out.push_back({{"columnName", c.name},
                   {"originalType", c.original_type},
                   {"expectedExportedType", c.expected_exported_type},
                   {"originalCharMaxLength", c.char_max_length},
                   {"originalNumPrecision", c.num_precision},
                   {"originalNumScale", c.num_scale},
                   {"originalDateTimePrecision", c.datetime_precision}});
  }
  return out;
}

json PartitioningInfo(const TableResult& t) {
  json info = {{"numberOfPartitions", t.chunks.size()},
               {"numberOfCompletedPartitions", t.completed_chunks}};
  json columns = json::array();
  if (!t.chunks.empty()) {
    const source::Chunk& first = t.chunks.front();
    const source::Chunk& last = t.chunks.back();
    info["constraintType"] = first.constraint_type;
    if (!first.column_name.empty()) {
      columns.push_back({{"columnType", first.column_type},
                         {"columnName", first.column_name},
                         {"min", first.min},
                         {"max", last.max}});
    }
  } else {
    info["constraintType"] = "NONE";
  }
  info["partitionColumns"] = std::move(columns);
  return info;
}

json TableEntry(const TableResult& t) {
  json entry = json::object();
  if (t.status != kTableSkipped) {
    json stats = json::object();
    if (t.start) stats["extractionStartTime"] = FormatManifestTime(*t.start);
    if (t.end) stats["extractionEndTime"] = FormatManifestTime(*t.end);
    stats["partitioningInfo"] = PartitioningInfo(t);
    stats["numberOfRows"] = t.rows;
    if (t.verified_rows >= 0) stats["verifiedRowCount"] = t.verified_rows;
    stats["chunkRetries"] = t.chunk_retries;
    stats["numberOfFiles"] = t.files;
    stats["sizeBytes"] = t.bytes_written;
    json files = json::array();
    for (const DataFile& f : t.data_files) {
      json file = {{"key", f.key}, {"sizeBytes", f.size}};
      if (f.rows >= 0) file["numberOfRows"] = f.rows;
      if (!f.sha256.empty()) file["sha256"] = f.sha256;
      files.push_back(std::move(file));
    }
    stats["dataFiles"] = std::move(files);
    stats["keyPrefix"] = t.prefix;
    entry["tableStatistics"] = std::move(stats);
  }
  entry["schemaMetadata"] = {{"originalTypeMappings", TypeMappings(t.info)}};
  entry["status"] = t.status;
  if (t.status == kTableSkipped) {
    entry["reason"] = t.info.skip_reason;
    if (!t.info.skip_detail.empty()) entry["reasonDetail"] = t.info.skip_detail;
  }
  if (!t.failure_cause.empty()) entry["failureCause"] = t.failure_cause;
  if (t.status != kTableSkipped) entry["warnings"] = t.warnings;
  entry["sizeGB"] = static_cast<double>(t.bytes_written) / kBytesPerGb;
  entry["target"] = t.info.target();
  return entry;
}

}  // namespace

std::string WarningMessageJson(const std::vector<SkippedTable>& skipped_tables,
                               const std::vector<SkippedObjective>& skipped_objectives,
                               const std::vector<GeneralWarning>& general) {
  if (skipped_tables.empty() && skipped_objectives.empty() && general.empty()) return "";
  json tables = json::array();
  for (const SkippedTable& s : skipped_tables) tables.push_back({{"target", s.target}, {"reason", s.reason}});
  json objectives = json::array();
  for (const SkippedObjective& s : skipped_objectives) {
    objectives.push_back({{"target", s.target}, {"reason", s.reason}});
  }
  json general_entries = json::array();
  for (const GeneralWarning& g : general) {
    general_entries.push_back({{"reason", g.reason}, {"target", g.target}, {"detail", g.detail}});
  }
  json out = {{"skippedTables", std::move(tables)},
              {"skippedObjectives", std::move(objectives)},
              {"general", std::move(general_entries)}};
  return Dump(out);
}

std::vector<ManifestFile> TablesInfoFiles(const std::string& task_id, const std::vector<TableResult>& tables) {
  std::vector<ManifestFile> files;
  if (tables.empty()) {
    files.push_back({TablesInfoKey(task_id, 0, 0), Dump(json{{"perTableStatus", json::array()}}, kIndent)});
    return files;
  }
  for (size_t first = 0; first < tables.size(); first += kTablesPerManifestFile) {
    size_t last = std::min(tables.size(), first + kTablesPerManifestFile);
    json entries = json::array();
    for (size_t i = first; i < last; ++i) entries.push_back(TableEntry(tables[i]));
    files.push_back({TablesInfoKey(task_id, static_cast<int>(first + 1), static_cast<int>(last)),
                     Dump(json{{"perTableStatus", std::move(entries)}}, kIndent)});
  }
  return files;
}

ManifestFile ExportInfoFile(const ExportSpec& spec, const TaskResult& task,
                            const std::vector<TableResult>& tables,
                            const std::vector<std::string>& tables_info_keys) {
  int64_t rows = 0, bytes = 0, files = 0;
  int exported = 0, skipped = 0, failed = 0;
  for (const TableResult& t : tables) {
    rows += t.rows;
    bytes += t.bytes_written;
    files += t.files;
    if (t.status == kTableComplete) ++exported;
    else if (t.status == kTableSkipped) ++skipped;
    else ++failed;
  }
  json info = json::object();
  info["exportTaskIdentifier"] = spec.task_id;
  info["sourceArn"] = spec.source_arn;
  info["exportOnly"] = spec.export_only;
  info["s3Bucket"] = spec.destination.s3_bucket;
  info["s3Prefix"] = spec.destination.s3_prefix;
  info["iamRoleArn"] = spec.store.iam_role_arn;
  info["kmsKeyId"] = spec.store.kms_key_id;
  info["status"] = task.status;
  info["percentProgress"] = task.percent;
  info["taskStartTime"] = FormatIso8601(task.start);
  info["taskEndTime"] = FormatIso8601(task.end);
  info["snapshotTime"] = task.snapshot_time;
  if (!task.snapshot.mode.empty()) {
    json snapshot = {{"consistency", task.snapshot.mode}};
    if (!task.snapshot.binlog_file.empty()) {
      snapshot["binlogFile"] = task.snapshot.binlog_file;
      snapshot["binlogPosition"] = task.snapshot.binlog_position;
    }
    if (!task.snapshot.gtid_set.empty()) snapshot["gtidSet"] = task.snapshot.gtid_set;
    if (task.snapshot.writers_blocked_ms >= 0) snapshot["writersBlockedMs"] = task.snapshot.writers_blocked_ms;
    info["snapshot"] = std::move(snapshot);
  }
  info["totalExportedDataInGB"] = static_cast<double>(bytes) / kBytesPerGb;
  info["typeMapping"] = spec.source_options.type_mapping == source::TypeMapping::kNative ? "native" : "aws";
  info["compression"] = CodecName(spec.writer.codec);
  if (!task.failure_cause.empty()) info["failureCause"] = task.failure_cause;
  if (!task.warning_message.empty()) info["warningMessage"] = task.warning_message;
  info["totalTables"] = tables.size();
  info["exportedTables"] = exported;
  info["skippedTables"] = skipped;
  info["failedTables"] = failed;
  info["totalRows"] = rows;
  info["totalFiles"] = files;
  info["totalExportedBytes"] = bytes;
  json keys = json::array();
  for (const std::string& k : tables_info_keys) keys.push_back(k.substr(k.rfind('/') + 1));
  info["tablesInfoFiles"] = std::move(keys);
  return {ExportInfoKey(spec.task_id), Dump(info, kIndent)};
}

}  // namespace dbexport::exporter
