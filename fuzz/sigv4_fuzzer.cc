// Fuzzes RequestAuthenticator::Verify, the SigV4 check of every API request.
// The input describes a request (method, path, query, headers, body) and how
// it is authorized:
//   mode 0  Authorization and X-Amz-Date headers taken from the input as they
//           are: the header parser and every refusal before the signature;
//   mode 1  signed by the S3 client's signer (s3::SignRequest) with the
//           configured key: Verify must accept it (header names are kept to
//           HTTP tokens, as any HTTP server delivers them);
//   mode 2  signed, then one hex digit of the signature changed: Verify must
//           refuse it with PermissionDenied (SignatureDoesNotMatch).
// Modes 1 and 2 reach the signature comparison; "now" is within the allowed
// clock skew of the signing time unless the input moves it outside.

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/ascii.h"
#include "service/request_auth.h"
#include "storage/s3/sigv4.h"

namespace dbexport::service {
namespace {

constexpr char kAccessKey[] = "AKIAEXPORTADMIN";
constexpr char kSecret[] = "admin-secret-for-tests";
constexpr int64_t kSignedAt = 1714557600000;  // 2024-05-01T10:00:00Z

const ServiceConfig& Config() {
  static const ServiceConfig* config = [] {
    auto* c = new ServiceConfig();
    c->region = "us-east-1";
    c->access_keys.push_back({kAccessKey, kSecret});
    c->access_keys.push_back({"AKIAREADER", "reader-secret"});
    return c;
  }();
  return *config;
}

// An HTTP header name as servers deliver it: 1..20 token characters.
std::string TokenName(FuzzedDataProvider& in) {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
  std::string name;
  size_t n = in.ConsumeIntegralInRange<size_t>(1, 20);
  for (size_t i = 0; i < n; ++i) name += kChars[in.ConsumeIntegralInRange<size_t>(0, sizeof kChars - 2)];
  return name;
}

bool Reserved(const std::string& name) {
  std::string lower = AsciiLower(name);
  return lower == "authorization" || lower == "x-amz-date" || lower == "x-amz-security-token" || lower == "host";
}

[[noreturn]] void Fail(const char* what, const Result<std::string>& result) {
  std::fprintf(stderr, "%s: %s\n", what, result.ok() ? "OK" : result.status().ToString().c_str());
  std::abort();
}

}  // namespace
}  // namespace dbexport::service

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace dbexport;
  using namespace dbexport::service;
  FuzzedDataProvider in(data, size);
  const int mode = in.ConsumeIntegralInRange<int>(0, 2);

  s3::SigV4Request request;
  request.method = in.PickValueInArray({"POST", "GET", "PUT", "DELETE"});
  request.path = in.ConsumeBool() ? "/" : in.ConsumeRandomLengthString(64);
  for (int n = in.ConsumeIntegralInRange<int>(0, 4); n > 0; --n) {
    std::string name = in.ConsumeRandomLengthString(32);
    request.query.emplace_back(std::move(name), in.ConsumeRandomLengthString(64));
  }
  request.headers.emplace_back("Host", in.ConsumeBool() ? "127.0.0.1:8480" : in.ConsumeRandomLengthString(32));
  for (int n = in.ConsumeIntegralInRange<int>(0, 4); n > 0; --n) {
    std::string name = mode == 0 ? in.ConsumeRandomLengthString(24) : TokenName(in);
    if (mode != 0 && Reserved(name)) continue;
    request.headers.emplace_back(std::move(name), in.ConsumeRandomLengthString(64));
  }
  const int64_t skew_ms = in.ConsumeIntegralInRange<int64_t>(-2 * kMaxClockSkewMs, 2 * kMaxClockSkewMs);
  const size_t flip = in.ConsumeIntegral<uint8_t>();

  std::string body;
  if (mode == 0) {
    std::string authorization = in.ConsumeRandomLengthString(512);
    std::string amz_date = in.ConsumeBool() ? s3::FormatAmzDate(kSignedAt) : in.ConsumeRandomLengthString(24);
    body = in.ConsumeBytesAsString(in.remaining_bytes());
    if (!authorization.empty()) request.headers.emplace_back("Authorization", authorization);
    request.headers.emplace_back("X-Amz-Date", amz_date);
  } else {
    body = in.ConsumeBytesAsString(in.remaining_bytes());
    request.payload_sha256_hex = s3::Sha256Hex(body);
    s3::AwsCredentials credentials{kAccessKey, kSecret, ""};
    Status signed_ok = s3::SignRequest(&request, credentials, "us-east-1", "rds", s3::FormatAmzDate(kSignedAt));
    if (!signed_ok.ok()) {
      std::fprintf(stderr, "SignRequest: %s\n", signed_ok.ToString().c_str());
      std::abort();
    }
  }

  IncomingRequest incoming;
  incoming.method = request.method;
  incoming.path = request.path;
  incoming.query = request.query;
  incoming.headers = request.headers;
  incoming.body = body;
  if (mode == 2) {
    for (auto& [name, value] : incoming.headers) {
      if (name != "Authorization") continue;
      size_t at = value.rfind("Signature=");
      if (at == std::string::npos) break;
      char& digit = value[at + 10 + flip % 64];
      digit = digit == '0' ? '1' : '0';
    }
  }

  RequestAuthenticator auth(&Config());
  const int64_t now = kSignedAt + skew_ms;
  const bool in_time = skew_ms >= -kMaxClockSkewMs && skew_ms <= kMaxClockSkewMs;
  Result<std::string> caller = auth.Verify(incoming, now);
  if (caller.ok() && *caller != kAccessKey && *caller != "AKIAREADER") Fail("Verify returned an unknown key", caller);
  if (!caller.ok()) (void)AuthErrorCode(caller.status());
  if (mode == 1 && in_time && !(caller.ok() && *caller == kAccessKey)) Fail("Verify refused a signed request", caller);
  if (mode == 2 && (caller.ok() || caller.status().code() != StatusCode::kPermissionDenied)) {
    Fail("Verify did not refuse a wrong signature with PermissionDenied", caller);
  }
  if (mode != 0 && !in_time && caller.ok()) Fail("Verify accepted a request outside the clock skew", caller);
  return 0;
}
