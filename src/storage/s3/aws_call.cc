#include "storage/s3/aws_call.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <random>
#include <thread>

#include "storage/s3/aws_error.h"
#include "storage/s3/sigv4.h"

namespace dbexport::s3 {

Result<AwsEndpoint> ParseEndpointUrl(std::string_view url) {
  AwsEndpoint endpoint;
  endpoint.custom = true;
  std::string_view rest;
  if (url.starts_with("https://")) {
    endpoint.scheme = "https";
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    endpoint.scheme = "http";
    rest = url.substr(7);
  } else {
    return InvalidArgument("endpoint URL '" + std::string(url) + "' must start with http:// or https://");
  }
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.empty()) return InvalidArgument("endpoint URL '" + std::string(url) + "' has no host");
  if (rest.find_first_of("/?#@ ") != std::string_view::npos) {
    return InvalidArgument("endpoint URL '" + std::string(url) +
                           "' must be scheme://host[:port] (no path, query or user)");
  }
  endpoint.host = std::string(rest);
  return endpoint;
}

Result<AwsEndpoint> ResolveEndpoint(std::string_view service, std::string_view region,
                                    std::string_view endpoint_url, const EnvLookup& env) {
  if (!endpoint_url.empty()) return ParseEndpointUrl(endpoint_url);
  std::string variable = "AWS_ENDPOINT_URL_";
  for (char c : service) variable.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  for (const std::string& name : {variable, std::string("AWS_ENDPOINT_URL")}) {
    if (auto v = env(name); v && !v->empty()) {
      auto parsed = ParseEndpointUrl(*v);
      if (!parsed.ok()) return parsed.status().WithContext(name);
      return parsed;
    }
  }
  if (region.empty()) {
    return InvalidArgument("no AWS region to reach " + std::string(service) +
                           ": set the region option, AWS_REGION or AWS_DEFAULT_REGION");
  }
  AwsEndpoint endpoint;
  endpoint.scheme = "https";
  endpoint.host = std::string(service) + "." + std::string(region) + ".amazonaws.com";
  if (region.starts_with("cn-")) endpoint.host += ".cn";
  return endpoint;
}

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

// A budget long enough to mean "no limit" without overflowing time points.
constexpr milliseconds kLongestBudget{365LL * 24 * 3600 * 1000};

milliseconds Budget(const RetryPolicy& policy) {
  return std::clamp(policy.total_timeout, milliseconds(1), kLongestBudget);
}

// Rounded up: a deadline 0.4 ms away is 1 ms, not "no timeout".
milliseconds CeilMs(CallTime::duration d) {
  milliseconds ms = duration_cast<milliseconds>(d);
  return ms < d ? ms + milliseconds(1) : ms;
}

// "s3" -> "S3", as people write it.
std::string ServiceName(std::string_view service) {
  std::string name(service);
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

std::string Attempts(int n) { return n == 1 ? "1 attempt" : std::to_string(n) + " attempts"; }

class RealClock final : public CallClock {
 public:
  CallTime Now() override { return std::chrono::steady_clock::now(); }
  void SleepFor(milliseconds duration) override { std::this_thread::sleep_for(duration); }
};

}  // namespace

milliseconds BackoffDelay(const RetryPolicy& policy, int retry, double u, milliseconds budget_left) {
  int shift = std::clamp(retry - 1, 0, 30);
  int64_t ceiling = policy.base_delay.count() << shift;
  if (ceiling <= 0 || ceiling > policy.max_delay.count()) ceiling = policy.max_delay.count();
  milliseconds delay(static_cast<int64_t>(u * static_cast<double>(ceiling)));
  return std::clamp(delay, milliseconds(0), std::max(budget_left, milliseconds(0)));
}

void EndpointSilence::Answered(CallTime at) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!last_answer_ || at > *last_answer_) last_answer_ = at;
  silent_since_.reset();
}

void EndpointSilence::Unanswered(CallTime attempt_start) {
  std::lock_guard<std::mutex> lock(mu_);
  // An attempt begun before the last answer shows silence only since that
  // answer.
  CallTime since = last_answer_ ? std::max(attempt_start, *last_answer_) : attempt_start;
  if (!silent_since_ || since < *silent_since_) silent_since_ = since;
}

std::optional<CallTime> EndpointSilence::silent_since() const {
  std::lock_guard<std::mutex> lock(mu_);
  return silent_since_;
}

CallDeadline ComputeCallDeadline(const RetryPolicy& policy, CallTime call_start, std::optional<CallTime> outer,
                                 std::optional<CallTime> silent_since) {
  const milliseconds budget = Budget(policy);
  CallDeadline deadline{call_start + budget, CallDeadline::Bound::kCallBudget};
  if (silent_since && *silent_since + budget < deadline.at) {
    deadline = {*silent_since + budget, CallDeadline::Bound::kEndpointSilent};
  }
  if (outer && *outer < deadline.at) deadline = {*outer, CallDeadline::Bound::kOuterCall};
  return deadline;
}

milliseconds AttemptTimeout(const RetryPolicy& policy, CallTime deadline, CallTime now) {
  // Never 0, which HttpRequest reads as "no limit".
  milliseconds floor = std::max(policy.min_attempt_timeout, milliseconds(1));
  return deadline > now ? std::max(CeilMs(deadline - now), floor) : floor;
}

std::string FormatSeconds(milliseconds duration) {
  int64_t ms = std::max<int64_t>(duration.count(), 0);
  if (ms % 1000 == 0 || ms >= 10000) return std::to_string((ms + 500) / 1000) + " s";
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(ms) / 1000.0);
  return text;
}

bool MayHaveTakenEffect(const HttpResponse& response) {
  if (response.curl_code == -1) return false;  // never sent: signing failed
  if (response.curl_code != 0) {
    switch (static_cast<CURLcode>(response.curl_code)) {
      case CURLE_COULDNT_RESOLVE_PROXY:
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_CONNECT:
      case CURLE_SSL_CONNECT_ERROR:
        return false;  // no connection, so no request
      default:
        return true;  // sent, at least in part, and no answer came
    }
  }
  return response.status >= 500;
}

std::shared_ptr<CallClock> RealCallClock() {
  static const std::shared_ptr<CallClock> clock = std::make_shared<RealClock>();
  return clock;
}

std::string RequestUrl(const AwsEndpoint& endpoint, std::string_view host, const AwsRequest& request) {
  std::string url = endpoint.scheme + "://" + std::string(host.empty() ? endpoint.host : host);
  url += request.path.empty() ? "/" : UriEncode(request.path, /*encode_slash=*/false);
  for (size_t i = 0; i < request.query.size(); ++i) {
    url += i == 0 ? '?' : '&';
    url += UriEncode(request.query[i].first);
    if (!request.query[i].second.empty()) url += "=" + UriEncode(request.query[i].second);
  }
  return url;
}

AwsCaller::AwsCaller(std::shared_ptr<HttpClient> http, std::shared_ptr<CredentialsProvider> credentials,
                     AwsEndpoint endpoint, std::string region, std::string service, RetryPolicy retry,
                     std::shared_ptr<CallClock> clock)
    : http_(std::move(http)),
      credentials_(std::move(credentials)),
      endpoint_(std::move(endpoint)),
      region_(std::move(region)),
      service_(std::move(service)),
      service_name_(ServiceName(service_)),
      retry_(std::move(retry)),
      clock_(clock ? std::move(clock) : RealCallClock()) {}

AwsCallStats AwsCaller::stats() const {
  std::lock_guard<std::mutex> lock(stats_mu_);
  return stats_;
}

HttpResponse AwsCaller::SendOnce(const AwsRequest& request, const AwsCredentials& credentials,
                                 milliseconds timeout, bool fresh_connection) {
  const std::string& host = request.host.empty() ? endpoint_.host : request.host;
  SigV4Request signing{request.method, request.path, request.query, request.headers,
                       request.payload_sha256.empty() ? Sha256Hex(request.body) : request.payload_sha256};
  signing.headers.emplace_back("host", host);
  HttpResponse response;
  Status signed_ok = SignRequest(&signing, credentials, region_, service_, AmzDateNow());
  if (!signed_ok.ok()) {
    response.curl_code = -1;
    response.transport_error = signed_ok.message();
    return response;
  }
  HttpRequest http{request.method, RequestUrl(endpoint_, host, request), std::move(signing.headers),
                   request.body, timeout, fresh_connection};
  return http_->Send(http);
}

Status AwsCaller::GiveUp(const Status& last, bool answered, int attempts, CallTime call_start,
                         const CallDeadline& deadline) {
  const CallTime now = clock_->Now();
  const milliseconds budget = Budget(retry_);
  std::string why;
  switch (deadline.bound) {
    case CallDeadline::Bound::kEndpointSilent:
      why = service_name_ + " has not answered for " + FormatSeconds(duration_cast<milliseconds>(now - (deadline.at - budget))) +
            ", longer than the time limit of " + FormatSeconds(budget) +
            (attempts == 1 ? ": not retried" : ": gave up after " + Attempts(attempts));
      break;
    case CallDeadline::Bound::kCallBudget: {
      std::string spent = "gave up after " + Attempts(attempts) + " in " +
                          FormatSeconds(duration_cast<milliseconds>(now - call_start));
      why = answered ? spent + ", the time limit being " + FormatSeconds(budget)
                     : service_name_ + " did not answer within the time limit of " + FormatSeconds(budget) + ": " +
                           spent;
      break;
    }
    case CallDeadline::Bound::kOuterCall:
      why = "gave up after " + Attempts(attempts) + ": the time limit of the call it serves was reached";
      break;
  }
  return Status(last.code(), last.message() + " (" + why + ")");
}

Result<HttpResponse> AwsCaller::Call(const AwsRequest& request, std::string_view operation,
                                     std::string_view target, const CallOptions& options) {
  thread_local std::minstd_rand rng(std::random_device{}());
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  const CallTime call_start = clock_->Now();
  const int max_attempts = std::max(1, retry_.max_attempts);
  // Recomputed after every attempt: another call may have found the
  // endpoint silent meanwhile, or an answer may have ended the silence.
  CallDeadline deadline = ComputeCallDeadline(retry_, call_start, options.deadline, silence_.silent_since());
  for (int attempt = 1;; ++attempt) {
    DBX_ASSIGN_OR_RETURN(AwsCredentials credentials, credentials_->Get());
    if (options.attempts != nullptr) *options.attempts = attempt;
    {
      std::lock_guard<std::mutex> lock(stats_mu_);
      ++stats_.attempts;
      if (attempt > 1) ++stats_.retries;
    }
    const CallTime attempt_start = clock_->Now();
    // A request checked before its retries is not resent by libcurl
    // behind the check's back (HttpRequest::fresh_connection).
    HttpResponse response = SendOnce(request, credentials, AttemptTimeout(retry_, deadline.at, attempt_start),
                                     /*fresh_connection=*/static_cast<bool>(options.check_applied));
    if (response.curl_code == -1) {  // could not sign: not transient
      return InvalidArgument(std::string(operation) + " " + std::string(target) + ": " +
                             response.transport_error);
    }
    const bool answered = response.curl_code == 0 && response.status > 0;
    if (answered) {
      silence_.Answered(clock_->Now());
    } else {
      silence_.Unanswered(attempt_start);
    }

    Status last;
    if (response.curl_code == 0 && response.status >= 200 && response.status < 300) {
      if (!options.check_response) return response;
      last = options.check_response(response);
      if (last.ok()) return response;
    } else {
      last = AwsErrorStatus(operation, target, response);
    }
    if (last.code() != StatusCode::kUnavailable) return last;
    if (attempt >= max_attempts) {
      return Status(last.code(), last.message() + " (gave up after " + Attempts(attempt) + ")");
    }
    deadline = ComputeCallDeadline(retry_, call_start, options.deadline, silence_.silent_since());
    if (clock_->Now() >= deadline.at) return GiveUp(last, answered, attempt, call_start, deadline);

    // The request may have been applied although no success came back:
    // repeating it blindly could apply it twice (a second multipart
    // upload left open, for one).
    if (options.check_applied && MayHaveTakenEffect(response)) {
      if (options.check_applied(deadline.at)) return HttpResponse{};
      deadline = ComputeCallDeadline(retry_, call_start, options.deadline, silence_.silent_since());
      if (clock_->Now() >= deadline.at) return GiveUp(last, answered, attempt, call_start, deadline);
    }

    const CallTime now = clock_->Now();
    if (retry_.on_retry) {
      retry_.on_retry(service_name_ + (answered ? " answered with a transient error: " : " is not answering: ") +
                      last.message() + "; retrying (attempt " + std::to_string(attempt + 1) + ", " +
                      FormatSeconds(duration_cast<milliseconds>(now - call_start)) + " of " +
                      FormatSeconds(Budget(retry_)) + ")");
    }
    clock_->SleepFor(BackoffDelay(retry_, attempt, uniform(rng), CeilMs(deadline.at - now)));
  }
}

}  // namespace dbexport::s3
