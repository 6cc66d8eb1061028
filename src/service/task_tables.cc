// DescribeExportTaskTables, a dbexport extension of the Query API: the
// per-table status of a task, read from the export_tables_info_*.json
// manifests (docs/manifest.md) that the export wrote beside its data. The
// web console uses it, since a browser has no S3 credentials of its own; the
// service reads with the task's own store settings (bucket, prefix, role),
// as the export did.

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "service/export_runner.h"
#include "service/query_api.h"
#include "service/query_internal.h"
#include "storage/object_store.h"

namespace dbexport::service {
namespace {

// Manifests name: <task_id>/export_tables_info_<task_id>_from_<n>_to_<m>.json.
constexpr std::string_view kTablesInfoPrefix = "export_tables_info_";

struct TableRow {
  std::string target;
  std::string status;
  std::string reason;          // SKIPPED: reason code and sentence
  std::string failure_cause;   // FAILED / CANCELED
  int64_t rows = -1;           // -1: absent
  int64_t files = -1;
  int64_t size_bytes = -1;
  int64_t partitions = -1;
  int64_t completed_partitions = -1;
  std::string constraint_type;
};

int64_t IntField(const nlohmann::json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_number_integer() ? it->get<int64_t>() : -1;
}

std::string StringField(const nlohmann::json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// The entries of one manifest file, appended to `rows`; InvalidArgument
// naming the key when it is not a manifest.
Status ParseTablesInfo(const std::string& key, const std::string& text, std::vector<TableRow>* rows) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("perTableStatus") || !doc["perTableStatus"].is_array()) {
    return InvalidArgument("the manifest " + key + " has no perTableStatus list");
  }
  for (const nlohmann::json& entry : doc["perTableStatus"]) {
    if (!entry.is_object()) continue;
    TableRow row;
    row.target = StringField(entry, "target");
    row.status = StringField(entry, "status");
    row.reason = StringField(entry, "reason");
    std::string detail = StringField(entry, "reasonDetail");
    if (!detail.empty()) row.reason += row.reason.empty() ? detail : ": " + detail;
    row.failure_cause = StringField(entry, "failureCause");
    auto stats = entry.find("tableStatistics");
    if (stats != entry.end() && stats->is_object()) {
      row.rows = IntField(*stats, "numberOfRows");
      row.files = IntField(*stats, "numberOfFiles");
      row.size_bytes = IntField(*stats, "sizeBytes");
      auto partitioning = stats->find("partitioningInfo");
      if (partitioning != stats->end() && partitioning->is_object()) {
        row.partitions = IntField(*partitioning, "numberOfPartitions");
        row.completed_partitions = IntField(*partitioning, "numberOfCompletedPartitions");
        row.constraint_type = StringField(*partitioning, "constraintType");
      }
    }
    rows->push_back(std::move(row));
  }
  return Status::OK();
}

// The number n of "..._from_<n>_to_<m>.json", so that _from_101_ sorts after _from_2_.
int64_t FromIndex(const std::string& key) {
  size_t from = key.rfind("_from_");
  if (from == std::string::npos) return 0;
  return std::strtoll(key.c_str() + from + 6, nullptr, 10);
}

void OptionalNumber(XmlWriter* xml, std::string_view name, int64_t value) {
  if (value >= 0) xml->Element(name, std::to_string(value));
}

ApiResponse StoreError(const ExportTask& task, const Status& status, const std::string& request_id) {
  std::string message = "Reading the manifests of export task " + task.id() + " at " + task.OutputLocation() +
                        " failed: " + status.message();
  if (status.code() == StatusCode::kUnavailable) {
    return ErrorResponse(api_error::kServiceUnavailable, message, request_id);
  }
  return ErrorResponse(api_error::kExportTaskTablesUnavailable, message, request_id);
}

}  // namespace

ApiResponse QueryApi::DescribeExportTaskTables(const FormParams& params, const std::string& request_id) const {
  auto id_it = params.find("ExportTaskIdentifier");
  if (id_it == params.end() || id_it->second.empty()) {
    return ErrorResponse(api_error::kMissingParameter, "The request must contain the parameter ExportTaskIdentifier",
                         request_id);
  }
  const std::string& id = id_it->second;
  Result<ExportTask> found = manager_->Get(id);
  if (!found.ok()) {
    return ErrorResponse(api_error::kExportTaskNotFound, "Cannot find export task with ID " + id + ".", request_id);
  }
  const ExportTask& task = *found;
  exporter::ExportSpec spec = TaskRunSpec(*config_, task, nullptr);
  Result<std::unique_ptr<ObjectStore>> store = OpenStore(spec.destination, spec.store);
  if (!store.ok()) return StoreError(task, store.status(), request_id);
  std::string prefix = task.id() + "/" + std::string(kTablesInfoPrefix);
  Result<std::vector<ObjectInfo>> listed = (*store)->List(prefix);
  if (!listed.ok()) return StoreError(task, listed.status(), request_id);
  std::vector<std::string> keys;
  for (const ObjectInfo& object : *listed) {
    if (object.key.size() > 5 && object.key.ends_with(".json")) keys.push_back(object.key);
  }
  if (keys.empty()) {
    std::string when = IsActive(task.status) ? " The export writes them when it ends; it is " +
                                                   std::string(TaskStatusName(task.status)) + "."
                                             : "";
    return ErrorResponse(api_error::kExportTaskTablesUnavailable,
                         "No per-table manifests (export_tables_info_*.json) of export task " + task.id() +
                             " are at " + task.OutputLocation() + " yet." + when,
                         request_id);
  }
  std::sort(keys.begin(), keys.end(),
            [](const std::string& a, const std::string& b) { return FromIndex(a) < FromIndex(b); });
  std::vector<TableRow> rows;
  for (const std::string& key : keys) {
    Result<std::string> text = (*store)->Get(key);
    if (!text.ok()) return StoreError(task, text.status(), request_id);
    Status parsed = ParseTablesInfo(key, *text, &rows);
    if (!parsed.ok()) return StoreError(task, parsed, request_id);
  }

  XmlWriter xml;
  OpenResponse(&xml, "DescribeExportTaskTables");
  xml.Element("ExportTaskIdentifier", task.id());
  xml.Element("S3Location", task.OutputLocation());
  xml.Open("Tables");
  for (const TableRow& row : rows) {
    xml.Open("Table");
    xml.Element("Target", row.target);
    xml.Element("Status", row.status);
    OptionalNumber(&xml, "NumberOfRows", row.rows);
    OptionalNumber(&xml, "NumberOfFiles", row.files);
    OptionalNumber(&xml, "SizeBytes", row.size_bytes);
    OptionalNumber(&xml, "NumberOfPartitions", row.partitions);
    OptionalNumber(&xml, "NumberOfCompletedPartitions", row.completed_partitions);
    if (!row.constraint_type.empty()) xml.Element("ConstraintType", row.constraint_type);
    if (!row.reason.empty()) xml.Element("Reason", row.reason);
    if (!row.failure_cause.empty()) xml.Element("FailureCause", row.failure_cause);
    xml.Close("Table");
  }
  xml.Close("Tables");
  CloseResponse(&xml, "DescribeExportTaskTables", request_id);
  return ApiResponse{200, xml.Take(), ""};
}

}  // namespace dbexport::service
