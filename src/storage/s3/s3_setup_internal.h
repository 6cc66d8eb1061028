#pragma once
// What OpenS3Store and RunPreflight share: turning S3StoreOptions into
// resolved settings and clients, one step at a time so that the pre-flight
// can tell which step failed.

#include <memory>
#include <string>

#include "storage/s3/aws_call.h"
#include "storage/s3/s3_client.h"
#include "storage/s3/s3_store.h"

namespace dbexport::s3 {

// Step 1: region, endpoints, the caller's own credentials. No network.
struct S3Setup {
  S3StoreOptions options;  // with env filled in
  std::string region;
  std::string kms_region;  // the key ARN's region, else `region`
  AwsEndpoint s3_endpoint;
  AwsEndpoint sts_endpoint;
  AwsEndpoint kms_endpoint;
  std::shared_ptr<HttpClient> http;
  std::shared_ptr<CredentialsProvider> base_credentials;
};
Result<S3Setup> ResolveS3Setup(const S3StoreOptions& options);

// Step 2: the credentials objects are written with: the assumed role when
// options.role_arn is set (calls STS), else the base credentials.
Result<std::shared_ptr<CredentialsProvider>> ResolveWriteCredentials(const S3Setup& setup);

// A caller of `service` with `credentials`.
std::shared_ptr<AwsCaller> MakeCaller(const S3Setup& setup, std::shared_ptr<CredentialsProvider> credentials,
                                      const AwsEndpoint& endpoint, const std::string& region,
                                      const std::string& service);

// Step 3: the store over a client.
std::unique_ptr<ObjectStore> MakeS3Store(const S3Setup& setup, std::shared_ptr<S3Client> client);

}  // namespace dbexport::s3
