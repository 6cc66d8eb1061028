#pragma once
// Pre-flight of an S3 export: called by the CLI and the service before any
// data is read. In order:
//   1. resolve region, endpoints and credentials
//   2. assume the IAM role (when options.role_arn is set)
//   3. check the KMS key (when options.kms_key_id is set): DescribeKey says
//      Enabled, ENCRYPT_DECRYPT, SYMMETRIC_DEFAULT
//   4. check the bucket: it exists and GetBucketLocation is the configured
//      region
//   5. write a small metadata object (with SSE-KMS when a key is set)
// A failure stops the sequence and carries both a Status (code and the
// technical detail: operation, bucket, HTTP status, S3 code, request id)
// and the FailureCause an RDS export task reports, word for word (spec:
// export-cluster-data.md, "Failure messages for Amazon S3 export tasks").

#include <memory>
#include <string>

#include "common/status.h"
#include "storage/object_store.h"
#include "storage/s3/s3_store.h"

namespace dbexport::s3 {

enum class PreflightStep {
  kNone,           // all passed
  kSetup,          // options, region, endpoints, credentials
  kAssumeRole,
  kKmsKey,
  kBucket,         // missing, wrong region, no access
  kWriteMetadata,
};

struct PreflightResult {
  Status status;
  PreflightStep failed_step = PreflightStep::kNone;
  std::string failure_cause;  // empty when OK
  std::unique_ptr<ObjectStore> store;  // when OK: the store, ready to write

  bool ok() const { return status.ok(); }
};

// `metadata_key` is relative to the store (options.prefix).
PreflightResult RunPreflight(const S3StoreOptions& options, const std::string& metadata_key,
                             const std::string& metadata_contents);

// The FailureCause texts.
std::string BucketInvalidCause(const std::string& bucket);
std::string BucketWrongRegionCause(const std::string& bucket);
std::string AssumeRoleFailedCause(const std::string& role_arn);
std::string NotAuthorizedCause(const std::string& role_arn, const std::string& action, const std::string& bucket);
std::string MetadataWriteFailedCause(const std::string& bucket, const std::string& role_arn,
                                     const std::string& kms_key_id, const std::string& error_code);
std::string UnknownMetadataWriteCause(const std::string& bucket);
inline constexpr char kKmsKeyCheckFailedCause[] = "KMS key check failed. Check the credentials on your KMS key and try again.";
inline constexpr char kS3CredentialCheckFailedCause[] =
    "S3 credential check failed. Check the permissions on your S3 bucket and IAM policy.";
inline constexpr char kUnknownInternalErrorCause[] = "An unknown internal error occurred.";

}  // namespace dbexport::s3
