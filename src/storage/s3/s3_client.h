#pragma once
// S3Client: the S3 REST operations dbexport uses, one method per operation.
// Each call is signed, retried on transient failures within a time budget
// and mapped to a Status by the AwsCaller it is built on; error text names
// the operation, the s3://bucket/key, the HTTP status, S3's error code and
// message and the request id.
//
// Writes that may have taken effect although no success came back (a lost
// answer, a 5xx) are checked before they are retried, so that a retry
// neither opens a second multipart upload nor fails on one already
// completed: PutObject and CompleteMultipartUpload look at the object
// (HeadObject), CreateMultipartUpload lists the uploads of its key.
//
// Addressing: virtual-hosted (https://<bucket>.s3.<region>.amazonaws.com/key)
// on AWS; path-style (<endpoint>/<bucket>/<key>) on a custom endpoint and
// for bucket names that are not DNS labels (dots, upper case).
//
// Integrity: PutObject and UploadPart send x-amz-checksum-sha256 (base64
// SHA-256 of the body; the same digest, in hex, signs the payload as
// x-amz-content-sha256, so each body is hashed once), multipart uploads are
// created with x-amz-checksum-algorithm: SHA256 and completed with each
// part's ChecksumSHA256. S3 checks each body on receipt and refuses one
// that does not match (BadDigest) rather than store it.
//
// Thread-safe.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "storage/s3/aws_call.h"

namespace dbexport::s3 {

struct S3ObjectSummary {
  std::string key;
  int64_t size = 0;
  std::string etag;
};

struct S3MultipartUploadSummary {
  std::string key;
  std::string upload_id;
};

struct S3ObjectHead {
  int64_t size = 0;
  std::string etag;
  std::string server_side_encryption;  // "aws:kms", "AES256", or ""
  std::string sse_kms_key_id;
};

class S3Client {
 public:
  // `sse_kms_key_id`: when not empty, every object written (PutObject,
  // CreateMultipartUpload) asks for SSE-KMS with this key.
  S3Client(std::shared_ptr<AwsCaller> caller, std::string sse_kms_key_id);

  // Before a retry, an object of the body's size (and, without SSE-KMS,
  // whose ETag is the body's MD5) already under `key` counts as this write.
  Status PutObject(const std::string& bucket, const std::string& key, std::string_view body);
  Result<std::string> GetObject(const std::string& bucket, const std::string& key);
  // The bytes [offset, offset + length) of the object (`Range: bytes=`),
  // fewer when it ends first, none when `offset` is at or past its end.
  // REQUIRES: offset >= 0, length >= 0.
  Result<std::string> GetObjectRange(const std::string& bucket, const std::string& key, int64_t offset,
                                     int64_t length);
  Result<S3ObjectHead> HeadObject(const std::string& bucket, const std::string& key);
  Status DeleteObject(const std::string& bucket, const std::string& key);
  // Every object whose key starts with `prefix` (all ListObjectsV2 pages).
  Result<std::vector<S3ObjectSummary>> ListObjects(const std::string& bucket, const std::string& prefix);

  Status HeadBucket(const std::string& bucket);
  // The bucket's region ("" and "US" mean us-east-1, "EU" eu-west-1).
  Result<std::string> GetBucketLocation(const std::string& bucket);
  // Creates a bucket in `region` (tests, tools). AlreadyExists if it does.
  Status CreateBucket(const std::string& bucket, const std::string& region);

  // Multipart uploads, in call order: Create, UploadPart (parts numbered
  // from 1, any order, concurrently), then Complete or Abort.
  //
  // REQUIRES: no one else writes `key` meanwhile (dbexport's keys are unique
  // per export): before a retry, any upload open for the key is taken as
  // made by an earlier attempt, used, and the others aborted. An attempt
  // the store applies after that check still leaves an upload open, which
  // ObjectStore::AbortIncompleteWrites discards.
  Result<std::string> CreateMultipartUpload(const std::string& bucket, const std::string& key);
  // Returns the part's ETag; `checksum_sha256`, if given, receives the
  // base64 SHA-256 the part was sent with (for CompleteMultipartUpload).
  Result<std::string> UploadPart(const std::string& bucket, const std::string& key,
                                 const std::string& upload_id, int part_number, std::string_view data,
                                 std::string* checksum_sha256 = nullptr);
  // `etags[i]` is the ETag of part i + 1 and `checksums[i]` (if not empty)
  // its base64 SHA-256, listed as the part's ChecksumSHA256. Before a retry, and on
  // NoSuchUpload after more than one attempt, an object under `key` with a
  // multipart ETag of as many parts ("...-N") counts as this completion.
  Status CompleteMultipartUpload(const std::string& bucket, const std::string& key,
                                 const std::string& upload_id, const std::vector<std::string>& etags,
                                 const std::vector<std::string>& checksums = {});
  Status AbortMultipartUpload(const std::string& bucket, const std::string& key,
                              const std::string& upload_id);
  Result<std::vector<S3MultipartUploadSummary>> ListMultipartUploads(const std::string& bucket,
                                                                     const std::string& prefix);

  AwsCaller& caller() { return *caller_; }

 private:
  // A request addressed to `bucket` (and `key`, may be empty).
  AwsRequest Request(std::string method, const std::string& bucket, const std::string& key) const;
  void AddEncryptionHeaders(AwsRequest* request) const;

  // The calls the checks before a retry make, within `deadline` (that of
  // the call they check for; nullopt: their own budget).
  Result<S3ObjectHead> HeadObjectWithin(const std::string& bucket, const std::string& key,
                                        std::optional<CallTime> deadline);
  Result<std::vector<S3MultipartUploadSummary>> ListMultipartUploadsWithin(const std::string& bucket,
                                                                           const std::string& prefix,
                                                                           std::optional<CallTime> deadline);
  Status AbortMultipartUploadWithin(const std::string& bucket, const std::string& key,
                                    const std::string& upload_id, std::optional<CallTime> deadline);
  // Whether `key` holds a completed multipart upload of `parts` parts.
  bool IsCompletedUpload(const std::string& bucket, const std::string& key, size_t parts,
                         std::optional<CallTime> deadline);

  const std::shared_ptr<AwsCaller> caller_;
  const std::string sse_kms_key_id_;
};

// "s3://bucket/key" (or "s3://bucket" when key is empty), for messages.
std::string S3Url(std::string_view bucket, std::string_view key);

// True when the bucket name can be a DNS label of a virtual-hosted URL.
bool IsVirtualHostable(std::string_view bucket);

// Where a request for `bucket`/`key` goes: Host header (empty: the
// endpoint's) and decoded path, by the addressing rule above.
struct S3Address {
  std::string host;
  std::string path;
};
S3Address AddressObject(const AwsEndpoint& endpoint, const std::string& bucket, const std::string& key);

// The SHA-256 of a request body in the two forms S3 takes: lowercase hex
// (x-amz-content-sha256) and base64 (x-amz-checksum-sha256).
struct BodyDigest {
  std::string hex;
  std::string base64;
};
BodyDigest DigestBody(std::string_view body);

}  // namespace dbexport::s3
