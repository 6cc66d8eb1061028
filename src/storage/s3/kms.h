#pragma once
// KMS DescribeKey (JSON protocol), and the check that a key can encrypt S3
// objects (SSE-KMS).

#include <string>
#include <string_view>

#include "common/status.h"
#include "storage/s3/aws_call.h"

namespace dbexport::s3 {

struct KmsKeyMetadata {
  std::string key_id;
  std::string arn;
  bool enabled = false;
  std::string key_state;  // "Enabled", "Disabled", "PendingDeletion", ...
  std::string key_usage;  // "ENCRYPT_DECRYPT", "SIGN_VERIFY", ...
  std::string key_spec;   // "SYMMETRIC_DEFAULT", "RSA_2048", ...
};

// The region a key lives in: the region of an ARN
// (arn:aws:kms:<region>:<account>:key/<id>), else `default_region`.
std::string KmsKeyRegion(std::string_view key_id, std::string_view default_region);

Result<KmsKeyMetadata> DescribeKey(AwsCaller& kms, const std::string& key_id);

// OK when S3 can encrypt with the key: enabled, usage ENCRYPT_DECRYPT, spec
// SYMMETRIC_DEFAULT. FailedPrecondition naming the first mismatch.
Status CheckKeyForServerSideEncryption(const KmsKeyMetadata& key);

}  // namespace dbexport::s3
