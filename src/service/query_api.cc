// Dispatch and the four actions. Parameter checks that decide an error code
// live in start_validation.cc; XML shapes in query_render.cc.

#include "service/query_api.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>

#include "common/ascii.h"
#include "service/log.h"
#include "service/query_internal.h"

namespace dbexport::service {
namespace {

// botocore's DescribeExportTasks / DescribeDBClusters bounds (MaxRecords).
constexpr int kMinMaxRecords = 20;
constexpr int kMaxMaxRecords = 100;
constexpr int kDefaultMaxRecords = 100;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> FormDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      int hi = i + 2 < s.size() ? HexValue(s[i + 1]) : -1;
      int lo = i + 2 < s.size() ? HexValue(s[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return InvalidArgument("malformed percent escape '" + std::string(s.substr(i, 3)) + "'");
      }
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

// Values of Prefix.1, Prefix.2, ... in index order (gaps allowed).
std::vector<std::string> IndexedList(const FormParams& params, const std::string& prefix) {
  std::map<long, std::string> by_index;
  for (auto it = params.lower_bound(prefix); it != params.end() && it->first.rfind(prefix, 0) == 0; ++it) {
    std::string rest = it->first.substr(prefix.size());
    // ::isdigit of a negative char (a byte above 127) is undefined behaviour.
    if (rest.empty() || rest.size() > 9 ||
        !std::all_of(rest.begin(), rest.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      continue;
    }
    by_index[std::stol(rest)] = it->second;
  }
  std::vector<std::string> out;
  for (auto& [index, value] : by_index) out.push_back(value);
  return out;
}

const std::string* Param(const FormParams& params, const std::string& name) {
  auto it = params.find(name);
  return it == params.end() ? nullptr : &it->second;
}

ApiResponse Missing(const std::string& name, const std::string& request_id) {
  return ErrorResponse(api_error::kMissingParameter, "The request must contain the parameter " + name, request_id);
}

// MaxRecords, or an error response.
std::optional<ApiResponse> ReadMaxRecords(const FormParams& params, const std::string& request_id, int* out) {
  *out = kDefaultMaxRecords;
  const std::string* value = Param(params, "MaxRecords");
  if (value == nullptr) return std::nullopt;
  bool numeric = !value->empty() && value->size() <= 9 &&
                 std::all_of(value->begin(), value->end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
  long n = numeric ? std::stol(*value) : -1;
  if (n < kMinMaxRecords || n > kMaxMaxRecords) {
    return ErrorResponse(api_error::kInvalidParameterValue,
                         "Invalid value " + *value + " for MaxRecords. Must be between " +
                             std::to_string(kMinMaxRecords) + " and " + std::to_string(kMaxMaxRecords),
                         request_id);
  }
  *out = static_cast<int>(n);
  return std::nullopt;
}

// Marker: the decimal position (seq or index) of the first record to return.
std::optional<ApiResponse> ReadMarker(const FormParams& params, const std::string& request_id, int64_t* out) {
  *out = 0;
  const std::string* value = Param(params, "Marker");
  if (value == nullptr || value->empty()) return std::nullopt;
  bool numeric = value->size() <= 18 &&
                 std::all_of(value->begin(), value->end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
  if (!numeric) {
    return ErrorResponse(api_error::kInvalidParameterValue,
                         "The Marker value '" + *value + "' is not valid: pass the Marker of a previous response.",
                         request_id);
  }
  *out = std::stoll(*value);
  return std::nullopt;
}

struct Filter {
  std::string name;
  std::vector<std::string> values;
};

std::vector<Filter> ReadFilters(const FormParams& params) {
  std::vector<Filter> filters;
  for (long i = 1;; ++i) {
    std::string base = "Filters.Filter." + std::to_string(i) + ".";
    const std::string* name = Param(params, base + "Name");
    if (name == nullptr) break;
    filters.push_back(Filter{*name, IndexedList(params, base + "Values.Value.")});
  }
  return filters;
}

}  // namespace

Result<std::vector<std::pair<std::string, std::string>>> SplitParams(std::string_view text, ParamDecoder decode) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t amp = text.find('&', start);
    std::string_view pair = text.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      DBX_ASSIGN_OR_RETURN(std::string name, decode(pair.substr(0, eq)));
      std::string value;
      if (eq != std::string_view::npos) {
        DBX_ASSIGN_OR_RETURN(value, decode(pair.substr(eq + 1)));
      }
      out.emplace_back(std::move(name), std::move(value));
    }
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  return out;
}

Result<FormParams> ParseFormBody(std::string_view body) {
  DBX_ASSIGN_OR_RETURN(auto pairs, SplitParams(body, FormDecode));
  FormParams params;
  for (auto& [name, value] : pairs) params[std::move(name)] = std::move(value);
  return params;
}

ApiResponse QueryApi::Handle(const FormParams& params, const std::string& request_id) const {
  const std::string* action = Param(params, "Action");
  if (action == nullptr || action->empty()) {
    return ErrorResponse(api_error::kMissingAction, "The request must contain the parameter Action", request_id);
  }
  const std::string* version = Param(params, "Version");
  if (version != nullptr && *version != kRdsApiVersion) {
    return ErrorResponse(api_error::kInvalidAction,
                         "Could not find operation " + *action + " for version " + *version, request_id);
  }
  if (*action == "StartExportTask") return StartExportTask(params, request_id);
  if (*action == "DescribeExportTasks") return DescribeExportTasks(params, request_id);
  if (*action == "CancelExportTask") return CancelExportTask(params, request_id);
  if (*action == "DescribeDBClusters") return DescribeDBClusters(params, request_id);
  return ErrorResponse(api_error::kInvalidAction, "The action " + *action + " is not valid for this web service.",
                       request_id);
}

ApiResponse QueryApi::StartExportTask(const FormParams& params, const std::string& request_id) const {
  for (const char* name : {"ExportTaskIdentifier", "SourceArn", "S3BucketName", "IamRoleArn", "KmsKeyId"}) {
    const std::string* value = Param(params, name);
    if (value == nullptr || value->empty()) return Missing(name, request_id);
  }
  StartRequest request;
  exporter::ExportSpec& spec = request.spec;
  spec.task_id = *Param(params, "ExportTaskIdentifier");
  spec.source_arn = *Param(params, "SourceArn");
  spec.destination.s3_bucket = *Param(params, "S3BucketName");
  spec.store.iam_role_arn = *Param(params, "IamRoleArn");
  spec.store.kms_key_id = *Param(params, "KmsKeyId");
  if (const std::string* prefix = Param(params, "S3Prefix")) spec.destination.s3_prefix = *prefix;
  spec.export_only = IndexedList(params, "ExportOnly.member.");

  if (std::optional<CheckFailure> failure = CheckStartRequest(*config_, &request)) {
    return ErrorResponse(failure->code, failure->message, request_id);
  }
  Result<ExportTask> task = manager_->Start(request);
  if (!task.ok()) {
    const Status& s = task.status();
    switch (s.code()) {
      case StatusCode::kAlreadyExists:
        return ErrorResponse(api_error::kExportTaskAlreadyExists, s.message(), request_id);
      case StatusCode::kNotFound:
        return ErrorResponse(api_error::kDbClusterNotFound, s.message(), request_id);
      case StatusCode::kFailedPrecondition:
      case StatusCode::kResourceExhausted:
        return ErrorResponse(api_error::kInvalidExportSourceState, s.message(), request_id);
      case StatusCode::kUnavailable:
        return ErrorResponse(api_error::kServiceUnavailable, s.message(), request_id);
      default:
        LogError("StartExportTask " + spec.task_id + ": " + s.ToString());
        return ErrorResponse(api_error::kInternalFailure,
                             "An internal error occurred while recording the export task; nothing was started.",
                             request_id);
    }
  }
  XmlWriter xml;
  OpenResponse(&xml, "StartExportTask");
  RenderExportTaskFields(&xml, *task);
  CloseResponse(&xml, "StartExportTask", request_id);
  return ApiResponse{200, xml.Take(), ""};
}

ApiResponse QueryApi::DescribeExportTasks(const FormParams& params, const std::string& request_id) const {
  int max_records;
  int64_t marker;
  if (auto error = ReadMaxRecords(params, request_id, &max_records)) return *error;
  if (auto error = ReadMarker(params, request_id, &marker)) return *error;

  const std::string* id = Param(params, "ExportTaskIdentifier");
  const std::string* source_arn = Param(params, "SourceArn");
  const std::string* source_type = Param(params, "SourceType");
  if (source_type != nullptr && *source_type != "CLUSTER" && *source_type != "SNAPSHOT") {
    return ErrorResponse(api_error::kInvalidParameterValue,
                         "Invalid value '" + *source_type + "' for SourceType. Valid values: SNAPSHOT, CLUSTER.",
                         request_id);
  }
  static const std::set<std::string> kStatusValues = {"canceled", "canceling", "complete",
                                                      "failed",   "in_progress", "starting"};
  std::vector<Filter> filters = ReadFilters(params);
  for (const Filter& f : filters) {
    if (f.name != "export-task-identifier" && f.name != "s3-bucket" && f.name != "source-arn" && f.name != "status") {
      return ErrorResponse(api_error::kInvalidParameterValue,
                           "Unrecognized filter name: " + f.name +
                               ". Valid filters: export-task-identifier, s3-bucket, source-arn, status.",
                           request_id);
    }
    if (f.values.empty()) {
      return ErrorResponse(api_error::kInvalidParameterValue, "The filter " + f.name + " has no values.", request_id);
    }
    if (f.name == "status") {
      for (const auto& v : f.values) {
        if (!kStatusValues.count(v)) {
          return ErrorResponse(api_error::kInvalidParameterValue,
                               "Invalid status filter value '" + v +
                                   "'. Valid values (lowercase): canceled, canceling, complete, failed, "
                                   "in_progress, starting.",
                               request_id);
        }
      }
    }
  }
  if (id != nullptr && !id->empty() && !manager_->Get(*id).ok()) {
    return ErrorResponse(api_error::kExportTaskNotFound, "Cannot find export task with ID " + *id + ".", request_id);
  }

  auto matches = [&](const ExportTask& t) {
    if (id != nullptr && !id->empty() && t.id() != *id) return false;
    if (source_arn != nullptr && !source_arn->empty() && t.spec.source_arn != *source_arn) return false;
    if (source_type != nullptr && *source_type != "CLUSTER") return false;
    for (const Filter& f : filters) {
      std::string field = f.name == "export-task-identifier" ? t.id()
                          : f.name == "s3-bucket"            ? t.spec.destination.s3_bucket
                          : f.name == "source-arn"           ? t.spec.source_arn
                                                             : AsciiLower(TaskStatusName(t.status));
      if (std::find(f.values.begin(), f.values.end(), field) == f.values.end()) return false;
    }
    return true;
  };

  XmlWriter xml;
  OpenResponse(&xml, "DescribeExportTasks");
  xml.Open("ExportTasks");
  int returned = 0;
  std::optional<int64_t> next_marker;
  for (const ExportTask& t : manager_->List()) {
    if (t.seq < marker || !matches(t)) continue;
    if (returned == max_records) {
      next_marker = t.seq;
      break;
    }
    xml.Open("ExportTask");
    RenderExportTaskFields(&xml, t);
    xml.Close("ExportTask");
    ++returned;
  }
  xml.Close("ExportTasks");
  if (next_marker) xml.Element("Marker", std::to_string(*next_marker));
  CloseResponse(&xml, "DescribeExportTasks", request_id);
  return ApiResponse{200, xml.Take(), ""};
}

ApiResponse QueryApi::CancelExportTask(const FormParams& params, const std::string& request_id) const {
  const std::string* id = Param(params, "ExportTaskIdentifier");
  if (id == nullptr || id->empty()) return Missing("ExportTaskIdentifier", request_id);
  Result<ExportTask> task = manager_->Cancel(*id);
  if (!task.ok()) {
    const Status& s = task.status();
    switch (s.code()) {
      case StatusCode::kNotFound:
        return ErrorResponse(api_error::kExportTaskNotFound, s.message(), request_id);
      case StatusCode::kFailedPrecondition:
        return ErrorResponse(api_error::kInvalidExportTaskState, s.message(), request_id);
      default:
        LogError("CancelExportTask " + *id + ": " + s.ToString());
        return ErrorResponse(api_error::kInternalFailure, "An internal error occurred while canceling the task.",
                             request_id);
    }
  }
  XmlWriter xml;
  OpenResponse(&xml, "CancelExportTask");
  RenderExportTaskFields(&xml, *task);
  CloseResponse(&xml, "CancelExportTask", request_id);
  return ApiResponse{200, xml.Take(), ""};
}

ApiResponse QueryApi::DescribeDBClusters(const FormParams& params, const std::string& request_id) const {
  int max_records;
  int64_t marker;
  if (auto error = ReadMaxRecords(params, request_id, &max_records)) return *error;
  if (auto error = ReadMarker(params, request_id, &marker)) return *error;
  std::vector<Filter> filters = ReadFilters(params);
  for (const Filter& f : filters) {
    if (f.name != "db-cluster-id" && f.name != "engine") {
      return ErrorResponse(api_error::kInvalidParameterValue,
                           "Unrecognized filter name: " + f.name + ". Valid filters: db-cluster-id, engine.",
                           request_id);
    }
  }
  const std::string* wanted = Param(params, "DBClusterIdentifier");
  std::vector<const ClusterConfig*> selected;
  for (const ClusterConfig& c : config_->clusters) {
    if (wanted != nullptr && !wanted->empty() && c.name != *wanted && config_->ClusterArn(c.name) != *wanted) continue;
    bool keep = true;
    for (const Filter& f : filters) {
      const std::string field = f.name == "engine" ? c.engine : c.name;
      bool any = std::find(f.values.begin(), f.values.end(), field) != f.values.end() ||
                 (f.name == "db-cluster-id" &&
                  std::find(f.values.begin(), f.values.end(), config_->ClusterArn(c.name)) != f.values.end());
      keep = keep && any;
    }
    if (keep) selected.push_back(&c);
  }
  if (wanted != nullptr && !wanted->empty() && selected.empty() && filters.empty()) {
    std::string name = wanted->substr(wanted->rfind(':') == std::string::npos ? 0 : wanted->rfind(':') + 1);
    return ErrorResponse(api_error::kDbClusterNotFound, "DBCluster " + name + " not found.", request_id);
  }
  XmlWriter xml;
  OpenResponse(&xml, "DescribeDBClusters");
  xml.Open("DBClusters");
  int64_t index = 0;
  int returned = 0;
  std::optional<int64_t> next_marker;
  for (const ClusterConfig* c : selected) {
    if (index++ < marker) continue;
    if (returned == max_records) {
      next_marker = index - 1;
      break;
    }
    RenderDBCluster(&xml, *config_, *c);
    ++returned;
  }
  xml.Close("DBClusters");
  if (next_marker) xml.Element("Marker", std::to_string(*next_marker));
  CloseResponse(&xml, "DescribeDBClusters", request_id);
  return ApiResponse{200, xml.Take(), ""};
}

}  // namespace dbexport::service
