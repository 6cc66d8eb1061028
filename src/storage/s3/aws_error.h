#pragma once
// Maps the outcome of an AWS call (HTTP status, the service's error code,
// libcurl's code) to a StatusCode, and builds the error text: operation,
// target, HTTP status, error code, message and request id.
//
// StatusCode tells the retry loop and the caller what to do:
//   kUnavailable      transient (5xx, SlowDown, throttling, connection
//                     errors, RequestTimeout): retried with backoff
//   kNotFound         NoSuchBucket, NoSuchKey, NoSuchUpload, KMS NotFound
//   kPermissionDenied AccessDenied (IAM policy, bucket policy, KMS grant)
//   kUnauthenticated  bad or expired credentials, signature mismatch
//   kFailedPrecondition wrong region (301/PermanentRedirect), disabled key,
//                     TLS peer verification failure
//   kInvalidArgument  malformed request or URL
//   kAlreadyExists, kOutOfRange, kResourceExhausted as named

#include <string>
#include <string_view>

#include "common/status.h"
#include "storage/s3/http_client.h"

namespace dbexport::s3 {

// The one mapping. `curl_code` != 0 means no HTTP response arrived (then
// `http_status` and `error_code` are ignored). `error_code` is the service's
// code ("NoSuchBucket", "SlowDown", "ThrottlingException", ...), may be empty.
StatusCode MapAwsError(int http_status, std::string_view error_code, int curl_code);

// The error parts of a response body: S3 and STS (<Error><Code>...), KMS
// (JSON "__type" and "message"). RequestId from the headers
// (x-amz-request-id, x-amzn-requestid) or the body.
struct AwsErrorDetails {
  std::string code;
  std::string message;
  std::string request_id;
  std::string region;  // S3 <Region> / x-amz-bucket-region, when given
};
AwsErrorDetails ParseAwsError(const HttpResponse& response);

// Status for a failed exchange. Text:
//   "<operation> <target>: HTTP 404 NoSuchBucket: The specified bucket does
//    not exist (request id 4442587FB7D0A2F9)"
//   "<operation> <target>: connection failed: <curl text> (curl error 7)"
// `target` names the object, e.g. "s3://bucket/key".
Status AwsErrorStatus(std::string_view operation, std::string_view target,
                      const HttpResponse& response);

// The service error code in a Status made by AwsErrorStatus ("NoSuchBucket"),
// or "" when it has none (a transport error, another kind of Status).
std::string AwsErrorCodeOf(const Status& status);

}  // namespace dbexport::s3
