#pragma once
// One AWS service endpoint as the S3, STS and KMS clients call it: resolves
// where the service is, signs each attempt (SigV4), sends it, maps a
// failure to a Status (aws_error.h) and retries transient failures with
// exponential backoff and full jitter.
//
// Thread-safe.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "storage/s3/credentials.h"
#include "storage/s3/http_client.h"

namespace dbexport::s3 {

// Where a service is reached.
struct AwsEndpoint {
  std::string scheme;  // "https" or "http"
  std::string host;    // host[:port], e.g. "s3.eu-west-1.amazonaws.com"
  // A user-given endpoint (S3-compatible store, emulator): S3 uses
  // path-style addressing there.
  bool custom = false;

  std::string Url() const { return scheme + "://" + host; }
};

// Parses "http[s]://host[:port][/]". InvalidArgument otherwise (a path
// component is not supported).
Result<AwsEndpoint> ParseEndpointUrl(std::string_view url);

// The endpoint of `service` ("s3", "sts", "kms") in `region`, from, in
// order: `endpoint_url` (an option, e.g. --endpoint-url), the environment
// variable AWS_ENDPOINT_URL_<SERVICE> (e.g. AWS_ENDPOINT_URL_S3), the
// environment variable AWS_ENDPOINT_URL, and otherwise AWS itself
// (https://<service>.<region>.amazonaws.com).
Result<AwsEndpoint> ResolveEndpoint(std::string_view service, std::string_view region,
                                    std::string_view endpoint_url, const EnvLookup& env);

struct RetryPolicy {
  // Total attempts of one call, the first included.
  int max_attempts = 6;
  // Backoff before retry n (1-based) is uniform in [0, min(max_delay,
  // base_delay * 2^(n-1))] ("full jitter").
  std::chrono::milliseconds base_delay{200};
  std::chrono::milliseconds max_delay{20000};
};

// The backoff before retry `retry` (1-based) given a uniform sample `u` in
// [0, 1).
std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int retry, double u);

// A request before signing. Path and query are DECODED (sigv4.h).
struct AwsRequest {
  std::string method;
  std::string host;  // Host header; defaults to the endpoint's host
  std::string path = "/";
  std::vector<std::pair<std::string, std::string>> query;
  HttpHeaders headers;     // signed along with host and x-amz-*
  std::string_view body;   // not owned
  std::string payload_sha256;  // empty: computed from body
};

// Counters a caller can read (tests, benchmarks).
struct AwsCallStats {
  int64_t attempts = 0;
  int64_t retries = 0;
};

class AwsCaller {
 public:
  AwsCaller(std::shared_ptr<HttpClient> http, std::shared_ptr<CredentialsProvider> credentials,
            AwsEndpoint endpoint, std::string region, std::string service, RetryPolicy retry);

  // Sends `request`, retrying transient failures (kUnavailable). Returns the
  // 2xx response, or the Status of the last attempt, its text
  // "<operation> <target>: ..." (redirects are not followed: a 301 is an
  // error). `attempts`, when given, receives the number of attempts made.
  Result<HttpResponse> Call(const AwsRequest& request, std::string_view operation,
                            std::string_view target, int* attempts = nullptr);

  const AwsEndpoint& endpoint() const { return endpoint_; }
  const std::string& region() const { return region_; }
  const std::string& service() const { return service_; }
  CredentialsProvider& credentials() const { return *credentials_; }
  AwsCallStats stats() const;

 private:
  HttpResponse SendOnce(const AwsRequest& request, const AwsCredentials& credentials);

  const std::shared_ptr<HttpClient> http_;
  const std::shared_ptr<CredentialsProvider> credentials_;
  const AwsEndpoint endpoint_;
  const std::string region_;
  const std::string service_;
  const RetryPolicy retry_;
  mutable std::mutex stats_mu_;
  AwsCallStats stats_;
};

// Builds the URL of a request: endpoint + encoded path + encoded query, the
// same encoding the signature covers.
std::string RequestUrl(const AwsEndpoint& endpoint, std::string_view host, const AwsRequest& request);

}  // namespace dbexport::s3
