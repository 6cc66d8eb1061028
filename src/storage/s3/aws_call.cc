#include "storage/s3/aws_call.h"

#include <algorithm>
#include <cctype>
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

std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int retry, double u) {
  int shift = std::clamp(retry - 1, 0, 30);
  int64_t ceiling = policy.base_delay.count() << shift;
  if (ceiling <= 0 || ceiling > policy.max_delay.count()) ceiling = policy.max_delay.count();
  return std::chrono::milliseconds(static_cast<int64_t>(u * static_cast<double>(ceiling)));
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
                     AwsEndpoint endpoint, std::string region, std::string service, RetryPolicy retry)
    : http_(std::move(http)),
      credentials_(std::move(credentials)),
      endpoint_(std::move(endpoint)),
      region_(std::move(region)),
      service_(std::move(service)),
      retry_(retry) {}

AwsCallStats AwsCaller::stats() const {
  std::lock_guard<std::mutex> lock(stats_mu_);
  return stats_;
}

HttpResponse AwsCaller::SendOnce(const AwsRequest& request, const AwsCredentials& credentials) {
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
                   request.body};
  return http_->Send(http);
}

Result<HttpResponse> AwsCaller::Call(const AwsRequest& request, std::string_view operation,
                                     std::string_view target, int* attempts) {
  thread_local std::minstd_rand rng(std::random_device{}());
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  Status last;
  for (int attempt = 1; attempt <= std::max(1, retry_.max_attempts); ++attempt) {
    if (attempt > 1) {
      std::this_thread::sleep_for(BackoffDelay(retry_, attempt - 1, uniform(rng)));
    }
    DBX_ASSIGN_OR_RETURN(AwsCredentials credentials, credentials_->Get());
    if (attempts != nullptr) *attempts = attempt;
    {
      std::lock_guard<std::mutex> lock(stats_mu_);
      ++stats_.attempts;
      if (attempt > 1) ++stats_.retries;
    }
    HttpResponse response = SendOnce(request, credentials);
    if (response.curl_code == -1) {  // could not sign: not transient
      return InvalidArgument(std::string(operation) + " " + std::string(target) + ": " +
                             response.transport_error);
    }
    if (response.curl_code == 0 && response.status >= 200 && response.status < 300) return response;
    last = AwsErrorStatus(operation, target, response);
    if (last.code() != StatusCode::kUnavailable) return last;
  }
  return Status(last.code(), last.message() + " (gave up after " + std::to_string(retry_.max_attempts) +
                                 " attempts)");
}

}  // namespace dbexport::s3
