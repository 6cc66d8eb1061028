#pragma once
// One AWS service endpoint as the S3, STS and KMS clients call it: resolves
// where the service is, signs each attempt (SigV4), sends it, maps a
// failure to a Status (aws_error.h) and retries transient failures with
// exponential backoff and full jitter, within a time budget.
//
// Deadlines. A call may take RetryPolicy::total_timeout, all attempts and
// backoff sleeps included: it stops retrying once that is spent, and each
// attempt's HTTP deadline is the budget left, never less than
// RetryPolicy::min_attempt_timeout (so that a last attempt can complete).
// Besides, the caller remembers since when its endpoint has not answered
// anything (no HTTP response of any status to any attempt): once that is
// longer than total_timeout, a call makes one attempt with the floor
// deadline and does not retry, so that after the endpoint stops answering,
// a sequence of calls (a failing upload, its abort, a cleanup listing, a
// manifest write) ends within about total_timeout plus a few floor
// deadlines rather than one budget per call. Silence counts from the start
// of the first attempt that went unanswered after the last answer: an idle
// endpoint is not a silent one.
//
// Thread-safe.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
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

using CallTime = std::chrono::steady_clock::time_point;

struct RetryPolicy {
  // 5 minutes: several times the 30 s a stalled transfer needs to be
  // noticed (HttpClientOptions::low_speed_time_s).
  static constexpr std::chrono::milliseconds kDefaultTotalTimeout{300000};
  // 5 s: a small request (an abort, a HEAD, a manifest) completes well
  // within it on any working connection.
  static constexpr std::chrono::milliseconds kDefaultMinAttemptTimeout{5000};

  // Total attempts of one call, the first included.
  int max_attempts = 6;
  // Backoff before retry n (1-based) is uniform in [0, min(max_delay,
  // base_delay * 2^(n-1))] ("full jitter"), and never longer than the
  // call's budget left.
  std::chrono::milliseconds base_delay{200};
  std::chrono::milliseconds max_delay{20000};
  // The time one call may take, all attempts and backoff sleeps included;
  // also how long the endpoint may stay silent before calls stop retrying
  // (see the header comment).
  std::chrono::milliseconds total_timeout{kDefaultTotalTimeout};
  // The shortest HTTP deadline an attempt is given, even when the budget
  // left is shorter: enough for a small request to complete.
  std::chrono::milliseconds min_attempt_timeout{kDefaultMinAttemptTimeout};
  // When set, called before each retry with one line for a person, e.g.
  //   S3 is not answering: UploadPart s3://b/k part 3: connection failed:
  //   Operation timed out after 30000 milliseconds with 0 bytes received
  //   (curl error 28); retrying (attempt 3, 62 s of 300 s)
  // It names the operation, the target (s3://bucket/key: never credentials
  // or signatures), the error, the attempt about to be made and the time
  // spent against the budget. Called on the calling thread, possibly from
  // several threads at once.
  std::function<void(const std::string& warning)> on_retry;
};

// The backoff before retry `retry` (1-based) given a uniform sample `u` in
// [0, 1), at most `budget_left` (none left: 0).
std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int retry, double u,
                                       std::chrono::milliseconds budget_left = std::chrono::milliseconds::max());

// Since when an endpoint has not answered, for the store-wide bound (header
// comment). Thread-safe.
class EndpointSilence {
 public:
  // An attempt got an HTTP response (any status) at `at`.
  void Answered(CallTime at);
  // An attempt that started at `attempt_start` ended with no response.
  void Unanswered(CallTime attempt_start);
  // The start of the first unanswered attempt since the last answer, if
  // any attempt has gone unanswered since then.
  std::optional<CallTime> silent_since() const;

 private:
  mutable std::mutex mu_;
  std::optional<CallTime> last_answer_;   // guarded by mu_
  std::optional<CallTime> silent_since_;  // guarded by mu_
};

// When a call must end: its own budget (start + total_timeout), the
// deadline of an enclosing call (`outer`, a check made on its behalf), and
// the store-wide bound (silent_since + total_timeout), whichever is first.
struct CallDeadline {
  enum class Bound { kCallBudget, kOuterCall, kEndpointSilent };
  CallTime at;
  Bound bound = Bound::kCallBudget;
};
CallDeadline ComputeCallDeadline(const RetryPolicy& policy, CallTime call_start,
                                 std::optional<CallTime> outer, std::optional<CallTime> silent_since);

// The HTTP deadline of an attempt starting at `now`: the time left until
// `deadline`, at least policy.min_attempt_timeout.
std::chrono::milliseconds AttemptTimeout(const RetryPolicy& policy, CallTime deadline, CallTime now);

// "62 s", "6.5 s", "0.2 s": a duration in messages.
std::string FormatSeconds(std::chrono::milliseconds duration);

// Whether a failed attempt may nonetheless have taken effect: its request
// reached the service (a transport error other than failing to resolve or
// connect, or a 5xx answer). Such a request is checked before it is
// retried when the call has a check (CallOptions::check_applied).
bool MayHaveTakenEffect(const HttpResponse& response);

// Time as AwsCaller sees it. Tests substitute a fake clock to exercise
// deadlines without waiting.
class CallClock {
 public:
  virtual ~CallClock() = default;
  virtual CallTime Now() = 0;
  virtual void SleepFor(std::chrono::milliseconds duration) = 0;
};
// steady_clock and this_thread::sleep_for.
std::shared_ptr<CallClock> RealCallClock();

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

// What a call needs beyond its request. All optional.
struct CallOptions {
  // Receives the number of attempts made.
  int* attempts = nullptr;
  // When set, the call ends by this time even if its own budget lasts
  // longer: a check made on behalf of another call shares its deadline.
  std::optional<CallTime> deadline;
  // For a request that is not safe to repeat blindly: called before a
  // retry after a failure that may have taken effect (MayHaveTakenEffect),
  // with the deadline the check's own calls must keep (pass it as their
  // CallOptions::deadline). Returns true when the request did take effect:
  // the call then ends OK with an empty response (status 0), and the
  // caller takes its result from what the check found. False when it did
  // not or the check could not tell: the request is retried. A call with a
  // check sends each attempt on a new connection, which libcurl never
  // resends by itself (HttpRequest::fresh_connection).
  std::function<bool(CallTime deadline)> check_applied;
  // For a service that may answer 2xx with an error in the body
  // (CompleteMultipartUpload): that error, or OK. An error is retried as
  // any other (kUnavailable) or ends the call.
  std::function<Status(const HttpResponse& response)> check_response;
};

// Counters a caller can read (tests, benchmarks).
struct AwsCallStats {
  int64_t attempts = 0;
  int64_t retries = 0;
};

class AwsCaller {
 public:
  AwsCaller(std::shared_ptr<HttpClient> http, std::shared_ptr<CredentialsProvider> credentials,
            AwsEndpoint endpoint, std::string region, std::string service, RetryPolicy retry,
            std::shared_ptr<CallClock> clock = RealCallClock());

  // Sends `request`, retrying transient failures (kUnavailable) within the
  // deadlines of the header comment. Returns the 2xx response, or the
  // Status of the last attempt, its text "<operation> <target>: ..." with
  // why no retry followed, e.g. "(gave up after 6 attempts)" or "(S3 did
  // not answer within the time limit of 300 s: gave up after 4 attempts in
  // 301 s)" (redirects are not followed: a 301 is an error).
  Result<HttpResponse> Call(const AwsRequest& request, std::string_view operation,
                            std::string_view target, const CallOptions& options = {});

  const AwsEndpoint& endpoint() const { return endpoint_; }
  const std::string& region() const { return region_; }
  const std::string& service() const { return service_; }
  CredentialsProvider& credentials() const { return *credentials_; }
  AwsCallStats stats() const;

 private:
  HttpResponse SendOnce(const AwsRequest& request, const AwsCredentials& credentials,
                        std::chrono::milliseconds timeout, bool fresh_connection);
  // The failure `last` of attempt `attempts`, ended by `deadline`.
  Status GiveUp(const Status& last, bool answered, int attempts, CallTime call_start,
                const CallDeadline& deadline);

  const std::shared_ptr<HttpClient> http_;
  const std::shared_ptr<CredentialsProvider> credentials_;
  const AwsEndpoint endpoint_;
  const std::string region_;
  const std::string service_;
  const std::string service_name_;  // for messages: "S3", "STS", "KMS"
  const RetryPolicy retry_;
  const std::shared_ptr<CallClock> clock_;
  EndpointSilence silence_;
  mutable std::mutex stats_mu_;
  AwsCallStats stats_;
};

// Builds the URL of a request: endpoint + encoded path + encoded query, the
// same encoding the signature covers.
std::string RequestUrl(const AwsEndpoint& endpoint, std::string_view host, const AwsRequest& request);

}  // namespace dbexport::s3
