#include "storage/s3/s3_client.h"

#include <cctype>
#include <pugixml.hpp>

#include "storage/s3/aws_error.h"
#include "storage/s3/sigv4.h"

namespace dbexport::s3 {
namespace {

// S3 returns at most 1000 keys (and uploads) per list page.
constexpr int kListPageSize = 1000;
// CompleteMultipartUpload can answer 200 with an <Error> body after the
// headers were sent; such a transient error is retried this many times.
constexpr int kCompleteAttempts = 3;

Result<pugi::xml_document> ParseXml(const HttpResponse& response, std::string_view operation,
                                    std::string_view target) {
  pugi::xml_document doc;
  if (!doc.load_buffer(response.body.data(), response.body.size())) {
    return Internal(std::string(operation) + " " + std::string(target) +
                    ": response is not XML (request id " + response.Header("x-amz-request-id") + ")");
  }
  return doc;
}

int64_t ToInt64(const char* text) {
  try {
    return std::stoll(text);
  } catch (...) {
    return -1;
  }
}

}  // namespace

std::string S3Url(std::string_view bucket, std::string_view key) {
  std::string url = "s3://" + std::string(bucket);
  if (!key.empty()) url += "/" + std::string(key);
  return url;
}

bool IsVirtualHostable(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  for (char c : bucket) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
          c == '-')) {
      return false;  // dots break the TLS wildcard certificate
    }
  }
  return bucket.front() != '-' && bucket.back() != '-';
}

S3Client::S3Client(std::shared_ptr<AwsCaller> caller, std::string sse_kms_key_id)
    : caller_(std::move(caller)), sse_kms_key_id_(std::move(sse_kms_key_id)) {}

S3Address AddressObject(const AwsEndpoint& endpoint, const std::string& bucket, const std::string& key) {
  if (endpoint.custom || !IsVirtualHostable(bucket)) {
    return {"", key.empty() ? "/" + bucket : "/" + bucket + "/" + key};
  }
  return {bucket + "." + endpoint.host, "/" + key};
}

AwsRequest S3Client::Request(std::string method, const std::string& bucket, const std::string& key) const {
  AwsRequest request;
  request.method = std::move(method);
  S3Address address = AddressObject(caller_->endpoint(), bucket, key);
  request.host = std::move(address.host);
  request.path = std::move(address.path);
  return request;
}

void S3Client::AddEncryptionHeaders(AwsRequest* request) const {
  if (sse_kms_key_id_.empty()) return;
  request->headers.emplace_back("x-amz-server-side-encryption", "aws:kms");
  request->headers.emplace_back("x-amz-server-side-encryption-aws-kms-key-id", sse_kms_key_id_);
}

Status S3Client::PutObject(const std::string& bucket, const std::string& key, std::string_view body) {
  AwsRequest request = Request("PUT", bucket, key);
  AddEncryptionHeaders(&request);
  request.body = body;
  return caller_->Call(request, "PutObject", S3Url(bucket, key)).status();
}

Result<std::string> S3Client::GetObject(const std::string& bucket, const std::string& key) {
  DBX_ASSIGN_OR_RETURN(HttpResponse response,
                       caller_->Call(Request("GET", bucket, key), "GetObject", S3Url(bucket, key)));
  return std::move(response.body);
}

Result<S3ObjectHead> S3Client::HeadObject(const std::string& bucket, const std::string& key) {
  DBX_ASSIGN_OR_RETURN(HttpResponse response,
                       caller_->Call(Request("HEAD", bucket, key), "HeadObject", S3Url(bucket, key)));
  S3ObjectHead head;
  head.size = ToInt64(response.Header("content-length").c_str());
  head.etag = response.Header("etag");
  head.server_side_encryption = response.Header("x-amz-server-side-encryption");
  head.sse_kms_key_id = response.Header("x-amz-server-side-encryption-aws-kms-key-id");
  return head;
}

Status S3Client::DeleteObject(const std::string& bucket, const std::string& key) {
  return caller_->Call(Request("DELETE", bucket, key), "DeleteObject", S3Url(bucket, key)).status();
}

Result<std::vector<S3ObjectSummary>> S3Client::ListObjects(const std::string& bucket,
                                                           const std::string& prefix) {
  std::vector<S3ObjectSummary> objects;
  std::string token;
  const std::string target = S3Url(bucket, prefix);
  while (true) {
    AwsRequest request = Request("GET", bucket, "");
    request.query = {{"list-type", "2"}, {"max-keys", std::to_string(kListPageSize)}, {"prefix", prefix}};
    if (!token.empty()) request.query.emplace_back("continuation-token", token);
    DBX_ASSIGN_OR_RETURN(HttpResponse response, caller_->Call(request, "ListObjectsV2", target));
    DBX_ASSIGN_OR_RETURN(pugi::xml_document doc, ParseXml(response, "ListObjectsV2", target));
    pugi::xml_node result = doc.child("ListBucketResult");
    for (pugi::xml_node c : result.children("Contents")) {
      objects.push_back({c.child_value("Key"), ToInt64(c.child_value("Size")), c.child_value("ETag")});
    }
    if (std::string_view(result.child_value("IsTruncated")) != "true") break;
    token = result.child_value("NextContinuationToken");
    if (token.empty()) {
      return Internal("ListObjectsV2 " + target + ": truncated page without NextContinuationToken");
    }
  }
  return objects;
}

Status S3Client::HeadBucket(const std::string& bucket) {
  return caller_->Call(Request("HEAD", bucket, ""), "HeadBucket", S3Url(bucket, "")).status();
}

Result<std::string> S3Client::GetBucketLocation(const std::string& bucket) {
  AwsRequest request = Request("GET", bucket, "");
  request.query = {{"location", ""}};
  const std::string target = S3Url(bucket, "");
  DBX_ASSIGN_OR_RETURN(HttpResponse response, caller_->Call(request, "GetBucketLocation", target));
  DBX_ASSIGN_OR_RETURN(pugi::xml_document doc, ParseXml(response, "GetBucketLocation", target));
  std::string location = doc.child("LocationConstraint").child_value();
  if (location.empty() || location == "US") return std::string("us-east-1");
  if (location == "EU") return std::string("eu-west-1");
  return location;
}

Status S3Client::CreateBucket(const std::string& bucket, const std::string& region) {
  AwsRequest request = Request("PUT", bucket, "");
  std::string body;
  if (region != "us-east-1") {
    body = "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
           "<LocationConstraint>" + region + "</LocationConstraint></CreateBucketConfiguration>";
  }
  request.body = body;
  return caller_->Call(request, "CreateBucket", S3Url(bucket, "")).status();
}

Result<std::string> S3Client::CreateMultipartUpload(const std::string& bucket, const std::string& key) {
  AwsRequest request = Request("POST", bucket, key);
  request.query = {{"uploads", ""}};
  AddEncryptionHeaders(&request);
  const std::string target = S3Url(bucket, key);
  DBX_ASSIGN_OR_RETURN(HttpResponse response, caller_->Call(request, "CreateMultipartUpload", target));
  DBX_ASSIGN_OR_RETURN(pugi::xml_document doc, ParseXml(response, "CreateMultipartUpload", target));
  std::string upload_id = doc.child("InitiateMultipartUploadResult").child_value("UploadId");
  if (upload_id.empty()) return Internal("CreateMultipartUpload " + target + ": response has no UploadId");
  return upload_id;
}

Result<std::string> S3Client::UploadPart(const std::string& bucket, const std::string& key,
                                         const std::string& upload_id, int part_number,
                                         std::string_view data) {
  AwsRequest request = Request("PUT", bucket, key);
  request.query = {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}};
  request.body = data;
  // Over TLS the transport protects the bytes; hashing a 16 MiB part costs
  // more CPU than the upload needs (the AWS SDKs make the same choice).
  if (caller_->endpoint().scheme == "https") request.payload_sha256 = "UNSIGNED-PAYLOAD";
  const std::string target = S3Url(bucket, key) + " part " + std::to_string(part_number);
  DBX_ASSIGN_OR_RETURN(HttpResponse response, caller_->Call(request, "UploadPart", target));
  std::string etag = response.Header("etag");
  if (etag.empty()) return Internal("UploadPart " + target + ": response has no ETag");
  return etag;
}

Status S3Client::CompleteMultipartUpload(const std::string& bucket, const std::string& key,
                                         const std::string& upload_id,
                                         const std::vector<std::string>& etags) {
  std::string body = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  for (size_t i = 0; i < etags.size(); ++i) {
    body += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + etags[i] + "</ETag></Part>";
  }
  body += "</CompleteMultipartUpload>";
  AwsRequest request = Request("POST", bucket, key);
  request.query = {{"uploadId", upload_id}};
  request.headers = {{"content-type", "application/xml"}};
  request.body = body;
  const std::string target = S3Url(bucket, key);

  Status last;
  for (int attempt = 0; attempt < kCompleteAttempts; ++attempt) {
    int attempts = 0;
    Result<HttpResponse> response = caller_->Call(request, "CompleteMultipartUpload", target, &attempts);
    if (!response.ok()) {
      last = response.status();
      if (last.code() == StatusCode::kNotFound && attempt + attempts > 1) {
        // A retry after a lost response finds the upload already completed:
        // the object is there with a multipart ETag of as many parts.
        auto head = HeadObject(bucket, key);
        if (head.ok() && head->etag.find("-" + std::to_string(etags.size()) + "\"") != std::string::npos) {
          return Status::OK();
        }
      }
      return last;
    }
    // 200 with an <Error> body: the completion failed after all.
    std::string_view text = response->body;
    if (text.find("<Error>") == std::string_view::npos) return Status::OK();
    HttpResponse as_error = std::move(response).value();
    as_error.status = 500;
    last = AwsErrorStatus("CompleteMultipartUpload", target, as_error);
    if (last.code() != StatusCode::kUnavailable) return last;
  }
  return last;
}

Status S3Client::AbortMultipartUpload(const std::string& bucket, const std::string& key,
                                      const std::string& upload_id) {
  AwsRequest request = Request("DELETE", bucket, key);
  request.query = {{"uploadId", upload_id}};
  Status status = caller_->Call(request, "AbortMultipartUpload", S3Url(bucket, key)).status();
  // Already gone (aborted or completed by an earlier attempt): done.
  if (status.code() == StatusCode::kNotFound) return Status::OK();
  return status;
}

Result<std::vector<S3MultipartUploadSummary>> S3Client::ListMultipartUploads(const std::string& bucket,
                                                                            const std::string& prefix) {
  std::vector<S3MultipartUploadSummary> uploads;
  std::string key_marker, upload_id_marker;
  const std::string target = S3Url(bucket, prefix);
  while (true) {
    AwsRequest request = Request("GET", bucket, "");
    request.query = {{"uploads", ""}, {"max-uploads", std::to_string(kListPageSize)}, {"prefix", prefix}};
    if (!key_marker.empty()) request.query.emplace_back("key-marker", key_marker);
    if (!upload_id_marker.empty()) request.query.emplace_back("upload-id-marker", upload_id_marker);
    DBX_ASSIGN_OR_RETURN(HttpResponse response, caller_->Call(request, "ListMultipartUploads", target));
    DBX_ASSIGN_OR_RETURN(pugi::xml_document doc, ParseXml(response, "ListMultipartUploads", target));
    pugi::xml_node result = doc.child("ListMultipartUploadsResult");
    for (pugi::xml_node u : result.children("Upload")) {
      uploads.push_back({u.child_value("Key"), u.child_value("UploadId")});
    }
    if (std::string_view(result.child_value("IsTruncated")) != "true") break;
    key_marker = result.child_value("NextKeyMarker");
    upload_id_marker = result.child_value("NextUploadIdMarker");
    if (key_marker.empty()) break;
  }
  return uploads;
}

}  // namespace dbexport::s3
