#pragma once
// Where AWS credentials come from, in the AWS CLI's order:
//   1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
//      AWS_SESSION_TOKEN
//   2. the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, default
//      ~/.aws/credentials), section [<profile>]
//   3. the config file (AWS_CONFIG_FILE, default ~/.aws/config), section
//      [profile <profile>] ([default] for the default profile)
// with <profile> = AWS_PROFILE, else AWS_DEFAULT_PROFILE, else "default".
// An IAM role on top of these is sts.h's AssumeRoleCredentialsProvider.
// Not supported: instance/container metadata credentials, SSO, and
// role_arn/source_profile/credential_process settings inside profiles.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "storage/s3/sigv4.h"

namespace dbexport::s3 {

// Reads an environment variable; nullopt when unset. Injectable for tests.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
// The process environment.
EnvLookup ProcessEnv();

// Supplies the credentials each request is signed with. Thread-safe.
class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // The credentials to sign with now; refreshes them first when they are
  // about to expire.
  virtual Result<AwsCredentials> Get() = 0;
  // Where the credentials come from, for messages: "environment",
  // "profile 'dev' in /home/me/.aws/credentials", "role arn:aws:iam::...".
  virtual std::string Describe() const = 0;
};

// Fixed credentials.
std::shared_ptr<CredentialsProvider> MakeStaticCredentialsProvider(AwsCredentials credentials,
                                                                   std::string source);

// Resolves the chain above once. Fails with Unauthenticated when no source
// has credentials, NotFound when AWS_PROFILE names a profile no file has,
// InvalidArgument when a profile has only half of a key pair.
Result<std::shared_ptr<CredentialsProvider>> ResolveDefaultCredentials(const EnvLookup& env);

// The region the AWS CLI would use: AWS_REGION, AWS_DEFAULT_REGION, then the
// profile's `region` in the config file; nullopt when none is set.
std::optional<std::string> ResolveDefaultRegion(const EnvLookup& env);

}  // namespace dbexport::s3
