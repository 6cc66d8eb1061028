#pragma once
// STS AssumeRole: temporary credentials of an IAM role, and a
// CredentialsProvider that keeps them fresh (re-assumes the role before the
// credentials expire).

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "storage/s3/aws_call.h"
#include "storage/s3/credentials.h"

namespace dbexport::s3 {

// AssumeRole's DurationSeconds range (STS API reference); the upper bound is
// the role's MaxSessionDuration, 1 hour unless the role says otherwise.
inline constexpr int kMinAssumeRoleSeconds = 900;
inline constexpr int kDefaultAssumeRoleSeconds = 3600;

struct TemporaryCredentials {
  AwsCredentials credentials;
  std::chrono::system_clock::time_point expiration;
};

// OK when `arn` looks like an IAM role ARN: arn:<partition>:iam::<12-digit
// account>:role/<path/name>. InvalidArgument naming the problem otherwise.
Status ValidateRoleArn(std::string_view arn);

// A RoleSessionName from free text: "dbexport-<text>", characters outside
// [A-Za-z0-9+=,.@_-] replaced by '-', at most 64 characters (STS limits).
std::string RoleSessionName(std::string_view text);

// One AssumeRole call through `sts` (signed with the caller's own
// credentials).
Result<TemporaryCredentials> AssumeRole(AwsCaller& sts, const std::string& role_arn,
                                        const std::string& session_name, int duration_seconds);

struct AssumeRoleOptions {
  std::string role_arn;
  std::string session_name = "dbexport";
  int duration_seconds = kDefaultAssumeRoleSeconds;
  // Re-assume when the credentials have less than this left.
  std::chrono::seconds refresh_before{300};
};

// Assumes the role now (so a role that cannot be assumed fails here) and
// returns a provider that re-assumes it `refresh_before` ahead of expiry.
// If a refresh fails while the old credentials are still valid, those are
// used and the refresh is tried again on the next call.
Result<std::shared_ptr<CredentialsProvider>> MakeAssumeRoleCredentialsProvider(
    std::shared_ptr<AwsCaller> sts, AssumeRoleOptions options);

}  // namespace dbexport::s3
