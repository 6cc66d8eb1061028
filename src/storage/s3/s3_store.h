#pragma once
// The S3 ObjectStore: objects under s3://bucket/prefix/, written by
// multipart upload (multipart_stream.h), optionally with an assumed IAM role
// and SSE-KMS. Before an export reads any data, RunPreflight() (preflight.h)
// checks the role, the key and the bucket. AbortIncompleteWrites aborts the
// multipart uploads a process that died left open under a prefix.

#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "storage/object_store.h"
#include "storage/s3/aws_call.h"
#include "storage/s3/credentials.h"
#include "storage/s3/http_client.h"
#include "storage/s3/multipart_stream.h"

namespace dbexport::s3 {

struct S3StoreOptions {
  std::string bucket;
  // Keys are written as "<prefix>/<key>" ('/' added when missing); empty:
  // the bucket root.
  std::string prefix;
  // Empty: AWS_REGION, AWS_DEFAULT_REGION, the profile's region, else
  // us-east-1.
  std::string region;
  // Empty: AWS_ENDPOINT_URL_<S3|STS|KMS>, AWS_ENDPOINT_URL, else AWS. A
  // custom endpoint serves S3, STS and KMS (an emulator) and S3 uses
  // path-style addressing there.
  std::string endpoint_url;
  // When set, objects are written with this role's temporary credentials
  // (STS AssumeRole, refreshed before expiry).
  std::string role_arn;
  std::string role_session_name = "dbexport";
  int role_duration_seconds = 3600;
  // When set, every object is written with SSE-KMS under this key.
  std::string kms_key_id;
  int64_t part_size = kDefaultPartSize;
  // Largest object expected, 0 if unknown: raises the part size so it fits
  // in 10,000 parts.
  int64_t max_object_size = 0;
  int parts_in_flight = kDefaultPartsInFlight;
  // Empty: the default chain (credentials.h). Also signs AssumeRole.
  std::shared_ptr<CredentialsProvider> credentials;
  RetryPolicy retry;
  HttpClientOptions http;
  // Empty: the process environment.
  EnvLookup env;
};

// Resolves region, endpoints and credentials, assumes the role if one is
// given, and returns the store. Does not contact S3 itself (see
// RunPreflight). Errors: InvalidArgument (options), Unauthenticated/NotFound
// (credentials), AssumeRole's status.
Result<std::unique_ptr<ObjectStore>> OpenS3Store(const S3StoreOptions& options);

// Splits "s3://bucket/some/prefix" into bucket and prefix. InvalidArgument
// when the URL names no bucket.
Status ParseS3Url(const std::string& url, std::string* bucket, std::string* prefix);

// S3StoreOptions for an S3 location and the generic StoreOptions (endpoint,
// region, role and its session name, key; timeout and on_retry become
// retry.total_timeout and retry.on_retry); everything else default.
// InvalidArgument when the location names no bucket.
Result<S3StoreOptions> S3StoreOptionsFor(const StoreLocation& location, const StoreOptions& options);

// S3StoreOptionsFor the location an "s3://bucket[/prefix]" URL names.
Result<S3StoreOptions> S3StoreOptionsForUrl(const std::string& url, const StoreOptions& options);

}  // namespace dbexport::s3
