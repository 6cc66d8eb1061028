#pragma once
// QueryApi: the RDS export-task API in the AWS Query protocol (form-encoded
// parameters in, XML in namespace http://rds.amazonaws.com/doc/2014-10-31/
// out), for requests already authenticated. Actions: StartExportTask,
// DescribeExportTasks, CancelExportTask, DescribeDBClusters, and the dbexport
// extension DescribeExportTaskTables (task_tables.cc). Every error is
// an <ErrorResponse> with the wire code and HTTP status of reference.md
// section 1, so that the AWS CLI and boto3 raise the named exceptions.
// Thread-safe; never blocks on export work (DescribeExportTaskTables reads
// the task's manifests from S3).

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "service/config.h"
#include "service/task_manager.h"

namespace dbexport::service {

inline constexpr std::string_view kRdsXmlNamespace = "http://rds.amazonaws.com/doc/2014-10-31/";
inline constexpr std::string_view kRdsApiVersion = "2014-10-31";

// An error code on the wire and its HTTP status.
struct ApiErrorCode {
  std::string_view code;
  int http_status;
};

namespace api_error {
inline constexpr ApiErrorCode kExportTaskAlreadyExists{"ExportTaskAlreadyExists", 400};
inline constexpr ApiErrorCode kExportTaskNotFound{"ExportTaskNotFound", 404};
inline constexpr ApiErrorCode kInvalidExportTaskState{"InvalidExportTaskStateFault", 400};
inline constexpr ApiErrorCode kInvalidExportOnly{"InvalidExportOnly", 400};
inline constexpr ApiErrorCode kInvalidExportSourceState{"InvalidExportSourceState", 400};
inline constexpr ApiErrorCode kInvalidS3Bucket{"InvalidS3BucketFault", 400};
inline constexpr ApiErrorCode kIamRoleNotFound{"IamRoleNotFound", 404};
inline constexpr ApiErrorCode kIamRoleMissingPermissions{"IamRoleMissingPermissions", 400};
inline constexpr ApiErrorCode kKmsKeyNotAccessible{"KMSKeyNotAccessibleFault", 400};
inline constexpr ApiErrorCode kDbClusterNotFound{"DBClusterNotFoundFault", 404};
inline constexpr ApiErrorCode kInvalidParameterValue{"InvalidParameterValue", 400};
inline constexpr ApiErrorCode kMissingParameter{"MissingParameter", 400};
inline constexpr ApiErrorCode kMissingAction{"MissingAction", 400};
inline constexpr ApiErrorCode kInvalidAction{"InvalidAction", 400};
inline constexpr ApiErrorCode kMalformedQueryString{"MalformedQueryString", 404};
// DescribeExportTaskTables (a dbexport extension): the task's manifests are
// not in its bucket (not written yet) or could not be read.
inline constexpr ApiErrorCode kExportTaskTablesUnavailable{"ExportTaskTablesUnavailable", 404};
// Authentication (request_auth.h maps its Status codes to these).
inline constexpr ApiErrorCode kMissingAuthenticationToken{"MissingAuthenticationToken", 403};
inline constexpr ApiErrorCode kIncompleteSignature{"IncompleteSignature", 403};
inline constexpr ApiErrorCode kInvalidClientTokenId{"InvalidClientTokenId", 403};
inline constexpr ApiErrorCode kSignatureDoesNotMatch{"SignatureDoesNotMatch", 403};
inline constexpr ApiErrorCode kInternalFailure{"InternalFailure", 500};
inline constexpr ApiErrorCode kServiceUnavailable{"ServiceUnavailable", 503};
}  // namespace api_error

struct ApiResponse {
  int http_status = 200;
  std::string body;        // text/xml
  std::string error_code;  // the wire code of an error response, empty on success
};

// Decoded form parameters; a repeated name keeps its last value.
using FormParams = std::map<std::string, std::string>;

// Splits "a=1&b&c=2" at '&' and at the first '=' of each pair (a pair
// without '=' has an empty value; empty pairs are skipped) and decodes names
// and values with `decode`, keeping their order and repeats. The first
// decoding error is returned.
using ParamDecoder = Result<std::string> (*)(std::string_view);
Result<std::vector<std::pair<std::string, std::string>>> SplitParams(std::string_view text, ParamDecoder decode);

// Parses an application/x-www-form-urlencoded body ('+' is a space).
// InvalidArgument naming the bad escape.
Result<FormParams> ParseFormBody(std::string_view body);

// An <ErrorResponse> (Type Sender for 4xx, Receiver for 5xx).
ApiResponse ErrorResponse(const ApiErrorCode& code, const std::string& message, const std::string& request_id);

class QueryApi {
 public:
  // `config` and `manager` must outlive the API.
  QueryApi(const ServiceConfig* config, TaskManager* manager) : config_(config), manager_(manager) {}

  ApiResponse Handle(const FormParams& params, const std::string& request_id) const;

 private:
  ApiResponse StartExportTask(const FormParams& params, const std::string& request_id) const;
  ApiResponse DescribeExportTasks(const FormParams& params, const std::string& request_id) const;
  ApiResponse CancelExportTask(const FormParams& params, const std::string& request_id) const;
  ApiResponse DescribeDBClusters(const FormParams& params, const std::string& request_id) const;
  ApiResponse DescribeExportTaskTables(const FormParams& params, const std::string& request_id) const;

  const ServiceConfig* config_;
  TaskManager* manager_;
};

}  // namespace dbexport::service
