#include "storage/s3/s3_client.h"

#include <openssl/evp.h>

#include <cctype>
#include <pugixml.hpp>

#include "common/ascii.h"
#include "storage/s3/aws_error.h"
#include "storage/s3/sigv4.h"

namespace dbexport::s3 {
namespace {

// S3 returns at most 1000 keys (and uploads) per list page.
constexpr int kListPageSize = 1000;

Result<pugi::xml_document> ParseXml(const HttpResponse& response, std::string_view operation,
                                    std::string_view target) {
  pugi::xml_document doc;
  if (!doc.load_buffer(response.body.data(), response.body.size())) {
    return Internal(std::string(operation) + " " + std::string(target) +
                    ": response is not XML (request id " + response.Header("x-amz-request-id") + ")");
  }
  return doc;
}

// The ETag S3 gives an object written by one PutObject without SSE-KMS:
// the MD5 of its bytes in hex, quoted.
std::string QuotedMd5Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_md5(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string etag = "\"";
  for (unsigned int i = 0; i < length; ++i) {
    etag += kHex[digest[i] >> 4];
    etag += kHex[digest[i] & 0xf];
  }
  return etag + "\"";
}

int64_t ToInt64(const char* text) {
  try {
    return std::stoll(text);
  } catch (...) {
    return -1;
  }
}

}  // namespace

BodyDigest DigestBody(std::string_view body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(body.data(), body.size(), digest, &length, EVP_sha256(), nullptr);
  BodyDigest out;
  static constexpr char kHex[] = "0123456789abcdef";
  out.hex.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    out.hex += kHex[digest[i] >> 4];
    out.hex += kHex[digest[i] & 0xf];
  }
  unsigned char encoded[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  int n = EVP_EncodeBlock(encoded, digest, static_cast<int>(length));
  out.base64.assign(reinterpret_cast<const char*>(encoded), static_cast<size_t>(n));
  return out;
}

std::string S3Url(std::string_view bucket, std::string_view key) {
  std::string url = "s3://" + std::string(bucket);
  if (!key.empty()) url += "/" + std::string(key);
  return url;
}

bool IsVirtualHostable(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  for (char c : bucket) {
    if (!((c >= 'a' && c <= 'z') || IsAsciiDigit(c) ||
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
  BodyDigest digest = DigestBody(body);
  request.payload_sha256 = std::move(digest.hex);
  // The SDKs name the algorithm too; some S3-compatible stores keep the
  // checksum only when it is named.
  request.headers.emplace_back("x-amz-sdk-checksum-algorithm", "SHA256");
  request.headers.emplace_back("x-amz-checksum-sha256", std::move(digest.base64));
  CallOptions options;
  options.check_applied = [&](CallTime deadline) {
    Result<S3ObjectHead> head = HeadObjectWithin(bucket, key, deadline);
    if (!head.ok() || head->size != static_cast<int64_t>(body.size())) return false;
    // Under SSE-KMS the ETag is not the MD5 of the bytes: the size is all
    // there is to compare.
    return !sse_kms_key_id_.empty() || head->etag == QuotedMd5Hex(body);
  };
  return caller_->Call(request, "PutObject", S3Url(bucket, key), options).status();
}

Result<std::string> S3Client::GetObject(const std::string& bucket, const std::string& key) {
  DBX_ASSIGN_OR_RETURN(HttpResponse response,
                       caller_->Call(Request("GET", bucket, key), "GetObject", S3Url(bucket, key)));
  return std::move(response.body);
}

Result<std::string> S3Client::GetObjectRange(const std::string& bucket, const std::string& key, int64_t offset,
                                             int64_t length) {
  if (length <= 0) return std::string();
  AwsRequest request = Request("GET", bucket, key);
  const std::string range = "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1);
  request.headers.emplace_back("range", range);
  Result<HttpResponse> response = caller_->Call(request, "GetObject", S3Url(bucket, key) + " " + range);
  // 416 InvalidRange: the range starts at or past the end.
  if (response.status().code() == StatusCode::kOutOfRange) return std::string();
  if (!response.ok()) return response.status();
  // A store that ignores Range answers 200 with the whole object.
  if (response->status == 200) {
    if (static_cast<uint64_t>(offset) >= response->body.size()) return std::string();
    return response->body.substr(static_cast<size_t>(offset), static_cast<size_t>(length));
  }
  if (static_cast<int64_t>(response->body.size()) > length) {
    return Internal("GetObject " + S3Url(bucket, key) + " " + range + ": answered " +
                    std::to_string(response->body.size()) + " bytes");
  }
  return std::move(response->body);
}

Result<S3ObjectHead> S3Client::HeadObject(const std::string& bucket, const std::string& key) {
  return HeadObjectWithin(bucket, key, std::nullopt);
}

Result<S3ObjectHead> S3Client::HeadObjectWithin(const std::string& bucket, const std::string& key,
                                                std::optional<CallTime> deadline) {
  CallOptions options;
  options.deadline = deadline;
  DBX_ASSIGN_OR_RETURN(HttpResponse response,
                       caller_->Call(Request("HEAD", bucket, key), "HeadObject", S3Url(bucket, key), options));
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
  request.headers.emplace_back("x-amz-checksum-algorithm", "SHA256");
  AddEncryptionHeaders(&request);
  const std::string target = S3Url(bucket, key);
  // An earlier attempt may have opened an upload whose answer was lost:
  // the key is ours alone (REQUIRES in the header), so any upload open for
  // it is one of ours. One is kept, the others aborted.
  std::string found_upload_id;
  CallOptions options;
  options.check_applied = [&](CallTime deadline) {
    auto uploads = ListMultipartUploadsWithin(bucket, key, deadline);
    if (!uploads.ok()) return false;
    for (const S3MultipartUploadSummary& upload : *uploads) {
      if (upload.key != key) continue;  // the listing is by prefix
      if (found_upload_id.empty()) {
        found_upload_id = upload.upload_id;
      } else {
        AbortMultipartUploadWithin(bucket, key, upload.upload_id, deadline).IgnoreError();
      }
    }
    return !found_upload_id.empty();
  };
  DBX_ASSIGN_OR_RETURN(HttpResponse response, caller_->Call(request, "CreateMultipartUpload", target, options));
  if (!found_upload_id.empty()) return found_upload_id;
  DBX_ASSIGN_OR_RETURN(pugi::xml_document doc, ParseXml(response, "CreateMultipartUpload", target));
  std::string upload_id = doc.child("InitiateMultipartUploadResult").child_value("UploadId");
  if (upload_id.empty()) return Internal("CreateMultipartUpload " + target + ": response has no UploadId");
  return upload_id;
}

Result<std::string> S3Client::UploadPart(const std::string& bucket, const std::string& key,
                                         const std::string& upload_id, int part_number,
                                         std::string_view data, std::string* checksum_sha256) {
  AwsRequest request = Request("PUT", bucket, key);
  request.query = {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}};
  request.body = data;
  // One hash serves the signature and the checksum S3 verifies on receipt,
  // and every attempt of the call.
  BodyDigest digest = DigestBody(data);
  request.payload_sha256 = std::move(digest.hex);
  request.headers.emplace_back("x-amz-sdk-checksum-algorithm", "SHA256");
  request.headers.emplace_back("x-amz-checksum-sha256", digest.base64);
  if (checksum_sha256 != nullptr) *checksum_sha256 = std::move(digest.base64);
  const std::string target = S3Url(bucket, key) + " part " + std::to_string(part_number);
  DBX_ASSIGN_OR_RETURN(HttpResponse response, caller_->Call(request, "UploadPart", target));
  std::string etag = response.Header("etag");
  if (etag.empty()) return Internal("UploadPart " + target + ": response has no ETag");
  return etag;
}

bool S3Client::IsCompletedUpload(const std::string& bucket, const std::string& key, size_t parts,
                                 std::optional<CallTime> deadline) {
  Result<S3ObjectHead> head = HeadObjectWithin(bucket, key, deadline);
  return head.ok() && head->etag.ends_with("-" + std::to_string(parts) + "\"");
}

Status S3Client::CompleteMultipartUpload(const std::string& bucket, const std::string& key,
                                         const std::string& upload_id,
                                         const std::vector<std::string>& etags,
                                         const std::vector<std::string>& checksums) {
  std::string body = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  for (size_t i = 0; i < etags.size(); ++i) {
    body += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + etags[i] + "</ETag>";
    if (i < checksums.size() && !checksums[i].empty()) {
      body += "<ChecksumSHA256>" + checksums[i] + "</ChecksumSHA256>";
    }
    body += "</Part>";
  }
  body += "</CompleteMultipartUpload>";
  AwsRequest request = Request("POST", bucket, key);
  request.query = {{"uploadId", upload_id}};
  request.headers = {{"content-type", "application/xml"}};
  request.body = body;
  const std::string target = S3Url(bucket, key);

  int attempts = 0;
  CallOptions options;
  options.attempts = &attempts;
  options.check_applied = [&](CallTime deadline) { return IsCompletedUpload(bucket, key, etags.size(), deadline); };
  // S3 can answer 200 and then fail the completion, with an <Error> body.
  options.check_response = [&](const HttpResponse& response) {
    if (response.body.find("<Error>") == std::string::npos) return Status::OK();
    HttpResponse as_error = response;
    as_error.status = 500;
    return AwsErrorStatus("CompleteMultipartUpload", target, as_error);
  };
  Status status = caller_->Call(request, "CompleteMultipartUpload", target, options).status();
  // An earlier attempt completed the upload and its answer was lost (the
  // check before the retry came too early to see the object).
  if (status.code() == StatusCode::kNotFound && attempts > 1 &&
      IsCompletedUpload(bucket, key, etags.size(), std::nullopt)) {
    return Status::OK();
  }
  return status;
}

Status S3Client::AbortMultipartUpload(const std::string& bucket, const std::string& key,
                                      const std::string& upload_id) {
  return AbortMultipartUploadWithin(bucket, key, upload_id, std::nullopt);
}

Status S3Client::AbortMultipartUploadWithin(const std::string& bucket, const std::string& key,
                                            const std::string& upload_id, std::optional<CallTime> deadline) {
  AwsRequest request = Request("DELETE", bucket, key);
  request.query = {{"uploadId", upload_id}};
  CallOptions options;
  options.deadline = deadline;
  Status status = caller_->Call(request, "AbortMultipartUpload", S3Url(bucket, key), options).status();
  // Already gone (aborted or completed by an earlier attempt): done.
  if (status.code() == StatusCode::kNotFound) return Status::OK();
  return status;
}

Result<std::vector<S3MultipartUploadSummary>> S3Client::ListMultipartUploads(const std::string& bucket,
                                                                            const std::string& prefix) {
  return ListMultipartUploadsWithin(bucket, prefix, std::nullopt);
}

Result<std::vector<S3MultipartUploadSummary>> S3Client::ListMultipartUploadsWithin(
    const std::string& bucket, const std::string& prefix, std::optional<CallTime> deadline) {
  CallOptions options;
  options.deadline = deadline;
  std::vector<S3MultipartUploadSummary> uploads;
  std::string key_marker, upload_id_marker;
  const std::string target = S3Url(bucket, prefix);
  while (true) {
    AwsRequest request = Request("GET", bucket, "");
    request.query = {{"uploads", ""}, {"max-uploads", std::to_string(kListPageSize)}, {"prefix", prefix}};
    if (!key_marker.empty()) request.query.emplace_back("key-marker", key_marker);
    if (!upload_id_marker.empty()) request.query.emplace_back("upload-id-marker", upload_id_marker);
    DBX_ASSIGN_OR_RETURN(HttpResponse response, caller_->Call(request, "ListMultipartUploads", target, options));
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
