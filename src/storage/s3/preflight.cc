#include "storage/s3/preflight.h"

#include "storage/s3/aws_error.h"
#include "storage/s3/kms.h"
#include "storage/s3/s3_setup_internal.h"

namespace dbexport::s3 {
namespace {

PreflightResult Fail(PreflightStep step, Status status, std::string cause) {
  PreflightResult result;
  result.status = std::move(status);
  result.failed_step = step;
  result.failure_cause = std::move(cause);
  return result;
}

// An access problem on the bucket: with a role, the role is named; without,
// the caller's own credentials are.
std::string AccessCause(const S3StoreOptions& o, const Status& status, const std::string& action) {
  if (status.code() == StatusCode::kPermissionDenied && !o.role_arn.empty()) {
    return NotAuthorizedCause(o.role_arn, action, o.bucket);
  }
  return kS3CredentialCheckFailedCause;
}

}  // namespace

std::string BucketInvalidCause(const std::string& bucket) {
  return "The S3 bucket " + bucket +
         " isn't valid. Either it isn't located in the current AWS Region or it doesn't exist. "
         "Review your S3 bucket name and retry the export.";
}

std::string BucketWrongRegionCause(const std::string& bucket) {
  return "The S3 bucket " + bucket +
         " isn't located in the current AWS Region. Review your S3 bucket name and retry the export.";
}

std::string AssumeRoleFailedCause(const std::string& role_arn) {
  return "The RDS export failed to write the export task's metadata because it can't assume the IAM role " +
         role_arn + ".";
}

std::string NotAuthorizedCause(const std::string& role_arn, const std::string& action, const std::string& bucket) {
  return "The IAM role " + role_arn + " isn't authorized to call " + action + " on the S3 bucket " + bucket +
         ". Review your permissions and retry the export.";
}

std::string MetadataWriteFailedCause(const std::string& bucket, const std::string& role_arn,
                                     const std::string& kms_key_id, const std::string& error_code) {
  return "The RDS export failed to write the export task's metadata to the S3 bucket " + bucket +
         " using the IAM role " + role_arn + " with the KMS key " + kms_key_id + ". Error code: " + error_code;
}

std::string UnknownMetadataWriteCause(const std::string& bucket) {
  return "An unknown internal error occurred writing the export task's metadata to the S3 bucket " + bucket + ".";
}

PreflightResult RunPreflight(const S3StoreOptions& options, const std::string& metadata_key,
                             const std::string& metadata_contents) {
  // 1. Settings and the caller's credentials.
  auto setup = ResolveS3Setup(options);
  if (!setup.ok()) {
    StatusCode code = setup.status().code();
    bool credentials = code == StatusCode::kUnauthenticated || code == StatusCode::kNotFound;
    return Fail(PreflightStep::kSetup, setup.status(),
                credentials ? kS3CredentialCheckFailedCause : kUnknownInternalErrorCause);
  }
  const S3StoreOptions& o = setup->options;

  // 2. The role.
  auto credentials = ResolveWriteCredentials(*setup);
  if (!credentials.ok()) {
    return Fail(PreflightStep::kAssumeRole, credentials.status(), AssumeRoleFailedCause(o.role_arn));
  }

  // 3. The key, checked with the credentials that will write.
  if (!o.kms_key_id.empty()) {
    auto kms = MakeCaller(*setup, *credentials, setup->kms_endpoint, setup->kms_region, "kms");
    auto key = DescribeKey(*kms, o.kms_key_id);
    Status usable = key.ok() ? CheckKeyForServerSideEncryption(*key) : key.status();
    if (!usable.ok()) return Fail(PreflightStep::kKmsKey, usable, kKmsKeyCheckFailedCause);
  }

  // 4. The bucket and its region.
  auto caller = MakeCaller(*setup, *credentials, setup->s3_endpoint, setup->region, "s3");
  auto client = std::make_shared<S3Client>(std::move(caller), o.kms_key_id);
  auto location = client->GetBucketLocation(o.bucket);
  if (!location.ok()) {
    const Status& s = location.status();
    switch (s.code()) {
      case StatusCode::kNotFound:
      case StatusCode::kInvalidArgument:  // InvalidBucketName
        return Fail(PreflightStep::kBucket, s, BucketInvalidCause(o.bucket));
      case StatusCode::kFailedPrecondition:  // 301 PermanentRedirect: another region
        return Fail(PreflightStep::kBucket, s, BucketWrongRegionCause(o.bucket));
      case StatusCode::kPermissionDenied:
      case StatusCode::kUnauthenticated:
        return Fail(PreflightStep::kBucket, s, AccessCause(o, s, "s3:GetBucketLocation"));
      default:
        return Fail(PreflightStep::kBucket, s, kUnknownInternalErrorCause);
    }
  }
  if (*location != setup->region) {
    return Fail(PreflightStep::kBucket,
                FailedPrecondition("checking " + S3Url(o.bucket, "") + ": the bucket is in " + *location +
                                   ", not in the configured region " + setup->region),
                BucketWrongRegionCause(o.bucket));
  }

  // 5. A small object, written as the export's files will be.
  std::unique_ptr<ObjectStore> store = MakeS3Store(*setup, client);
  Status written = store->Put(metadata_key, metadata_contents);
  if (!written.ok()) {
    std::string error_code = AwsErrorCodeOf(written);
    if (error_code.starts_with("KMS.") || (!o.kms_key_id.empty() && error_code == "KMSKeyNotAccessibleFault")) {
      return Fail(PreflightStep::kWriteMetadata, written,
                  MetadataWriteFailedCause(o.bucket, o.role_arn, o.kms_key_id, error_code));
    }
    if (written.code() == StatusCode::kPermissionDenied || written.code() == StatusCode::kUnauthenticated) {
      return Fail(PreflightStep::kWriteMetadata, written, AccessCause(o, written, "s3:PutObject"));
    }
    return Fail(PreflightStep::kWriteMetadata, written, UnknownMetadataWriteCause(o.bucket));
  }

  PreflightResult result;
  result.store = std::move(store);
  return result;
}

}  // namespace dbexport::s3
