#include "storage/s3/aws_error.h"

#include <curl/curl.h>

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

namespace dbexport::s3 {
namespace {

StatusCode CodeForCurl(int curl_code) {
  switch (static_cast<CURLcode>(curl_code)) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return StatusCode::kInvalidArgument;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
      return StatusCode::kFailedPrecondition;
    case CURLE_OUT_OF_MEMORY:
      return StatusCode::kResourceExhausted;
    default:
      // Resolve, connect, send, receive, timeouts, TLS handshake, a
      // connection dropped mid-transfer: the network, so try again.
      return StatusCode::kUnavailable;
  }
}

StatusCode CodeForService(std::string_view code) {
  // Transient, whatever the HTTP status says.
  if (code == "SlowDown" || code == "Throttling" || code == "ThrottlingException" ||
      code == "RequestTimeout" || code == "InternalError" ||
      code == "ServiceUnavailable" || code == "RequestLimitExceeded" ||
      code == "TooManyRequestsException" || code == "KMSInternalException" ||
      code == "DependencyTimeoutException" || code == "IDPCommunicationError" ||
      code == "OperationAborted") {
    return StatusCode::kUnavailable;
  }
  if (code == "NoSuchBucket" || code == "NoSuchKey" || code == "NoSuchUpload" ||
      code == "NotFoundException" || code == "NoSuchEntity") {
    return StatusCode::kNotFound;
  }
  if (code == "AccessDenied" || code == "AccessDeniedException" || code == "AllAccessDisabled" ||
      code == "KMS.AccessDeniedException") {
    return StatusCode::kPermissionDenied;
  }
  if (code == "InvalidAccessKeyId" || code == "SignatureDoesNotMatch" || code == "ExpiredToken" ||
      code == "ExpiredTokenException" || code == "InvalidToken" || code == "InvalidClientTokenId" ||
      code == "UnrecognizedClientException" || code == "IncompleteSignature" ||
      code == "MissingAuthenticationToken" || code == "TokenRefreshRequired") {
    return StatusCode::kUnauthenticated;
  }
  if (code == "PermanentRedirect" || code == "AuthorizationHeaderMalformed" ||
      code == "RequestTimeTooSkewed" ||
      code == "IllegalLocationConstraintException" || code == "DisabledException" ||
      code == "KMSInvalidStateException" || code == "InvalidObjectState" ||
      code == "PreconditionFailed" || code == "InvalidBucketState") {
    return StatusCode::kFailedPrecondition;
  }
  if (code == "BucketAlreadyOwnedByYou" || code == "BucketAlreadyExists" ||
      code == "AlreadyExistsException") {
    return StatusCode::kAlreadyExists;
  }
  if (code == "InvalidRange") return StatusCode::kOutOfRange;
  if (code == "EntityTooLarge" || code == "LimitExceededException" ||
      code == "PackedPolicyTooLarge") {
    return StatusCode::kResourceExhausted;
  }
  if (code == "InvalidArgument" || code == "InvalidRequest" || code == "InvalidPart" ||
      code == "InvalidPartOrder" || code == "EntityTooSmall" || code == "MalformedXML" ||
      code == "InvalidBucketName" || code == "KeyTooLongError" || code == "ValidationError" ||
      code == "ValidationException" || code == "InvalidKeyUsageException" ||
      code == "MalformedPolicyDocument" || code == "InvalidArnException" ||
      code == "InvalidDigest" || code == "BadDigest") {
    return StatusCode::kInvalidArgument;
  }
  return StatusCode::kUnknown;
}

StatusCode CodeForHttp(int status) {
  if (status >= 500 || status == 429 || status == 408) return StatusCode::kUnavailable;
  switch (status) {
    case 301:
    case 307:
      return StatusCode::kFailedPrecondition;  // bucket in another region
    case 400:
      return StatusCode::kInvalidArgument;
    case 401:
      return StatusCode::kUnauthenticated;
    case 403:
      return StatusCode::kPermissionDenied;
    case 404:
      return StatusCode::kNotFound;
    case 409:
      return StatusCode::kAlreadyExists;
    case 412:
      return StatusCode::kFailedPrecondition;
    case 416:
      return StatusCode::kOutOfRange;
    default:
      return StatusCode::kUnknown;
  }
}

std::string XmlText(const pugi::xml_document& doc, const char* name) {
  pugi::xpath_node node = doc.select_node((std::string("//*[local-name()='") + name + "']").c_str());
  return node ? node.node().child_value() : "";
}

}  // namespace

StatusCode MapAwsError(int http_status, std::string_view error_code, int curl_code) {
  if (curl_code != 0) return CodeForCurl(curl_code);
  StatusCode by_code = CodeForService(error_code);
  if (by_code != StatusCode::kUnknown) return by_code;
  StatusCode by_status = CodeForHttp(http_status);
  return by_status == StatusCode::kUnknown ? StatusCode::kInternal : by_status;
}

AwsErrorDetails ParseAwsError(const HttpResponse& response) {
  AwsErrorDetails details;
  std::string_view body = response.body;
  size_t first = body.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && body[first] == '{') {
    nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (json.is_object()) {
      if (json.contains("__type") && json["__type"].is_string()) {
        // "com.amazonaws.kms#NotFoundException" -> "NotFoundException"
        std::string type = json["__type"].get<std::string>();
        size_t hash = type.rfind('#');
        details.code = hash == std::string::npos ? type : type.substr(hash + 1);
      }
      for (const char* key : {"message", "Message"}) {
        if (json.contains(key) && json[key].is_string()) details.message = json[key].get<std::string>();
      }
    }
  } else if (first != std::string_view::npos && body[first] == '<') {
    pugi::xml_document doc;
    if (doc.load_buffer(body.data(), body.size())) {
      details.code = XmlText(doc, "Code");
      details.message = XmlText(doc, "Message");
      details.request_id = XmlText(doc, "RequestId");
      details.region = XmlText(doc, "Region");
    }
  }
  for (const char* header : {"x-amz-request-id", "x-amzn-requestid"}) {
    std::string id = response.Header(header);
    if (!id.empty()) {
      details.request_id = id;
      break;
    }
  }
  if (details.region.empty()) details.region = response.Header("x-amz-bucket-region");
  return details;
}

Status AwsErrorStatus(std::string_view operation, std::string_view target,
                      const HttpResponse& response) {
  std::string text(operation);
  if (!target.empty()) text.append(" ").append(target);
  text += ": ";
  if (response.curl_code != 0) {
    text += "connection failed: " + response.transport_error + " (curl error " +
            std::to_string(response.curl_code) + ")";
    return Status(MapAwsError(0, "", response.curl_code), std::move(text));
  }
  AwsErrorDetails details = ParseAwsError(response);
  text += "HTTP " + std::to_string(response.status);
  if (!details.code.empty()) text += " " + details.code;
  if (!details.message.empty()) text += ": " + details.message;
  if (!details.region.empty()) text += " (bucket region " + details.region + ")";
  if (!details.request_id.empty()) text += " (request id " + details.request_id + ")";
  return Status(MapAwsError(response.status, details.code, 0), std::move(text));
}

std::string AwsErrorCodeOf(const Status& status) {
  const std::string& m = status.message();
  size_t at = m.find(": HTTP ");
  if (at == std::string::npos) return "";
  size_t code_start = m.find(' ', at + 7);  // after the 3-digit status
  if (code_start == std::string::npos || m[code_start + 1] == '(') return "";
  size_t code_end = m.find_first_of(": ", code_start + 1);
  return m.substr(code_start + 1, code_end == std::string::npos ? std::string::npos : code_end - code_start - 1);
}

}  // namespace dbexport::s3
