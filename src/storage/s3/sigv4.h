#pragma once
// AWS Signature Version 4: signing outgoing requests (S3, STS, KMS) and
// recomputing the signature of incoming ones (the RDS-compatible API).
//
// Signing, step by step (each step is a function so a verifier can reuse it):
//   1. CanonicalRequest(request, signed_headers)
//   2. StringToSign(amz_date, scope, Sha256Hex(canonical_request))
//   3. Signature(secret, date, region, service, string_to_sign)
// SignRequest() does all three and adds the headers AWS expects.
//
// Verifying an incoming request:
//   auth = ParseAuthorization(request.Authorization header);
//   fill a SigV4Request from the request (decoded path and query, headers
//   as received, Sha256Hex(body));
//   expected = Signature(secret_of(auth.access_key_id), auth.date,
//       auth.region, auth.service,
//       StringToSign(x-amz-date, auth.Scope(),
//                    Sha256Hex(CanonicalRequest(request, auth.signed_headers))));
//   SignaturesEqual(expected, auth.signature).
//
// Pure functions; thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace dbexport::s3 {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty unless temporary (STS) credentials
};

struct SigV4Request {
  std::string method;  // "GET", "PUT", ...
  // The URI path, DECODED (e.g. "/bucket/my key.parquet"): the canonical URI
  // percent-encodes each segment once and keeps '/' (the S3 rule; for the
  // other services this equals the AWS rule whenever the path is "/" or has
  // no reserved characters). No dot-segment normalization is done.
  std::string path;
  // Query parameters, DECODED, in any order; a parameter without a value
  // ("?uploads") has an empty value.
  std::vector<std::pair<std::string, std::string>> query;
  // Headers as sent (any name case). Repeated names are allowed: their
  // values are joined with ',' in order. Must include "host".
  std::vector<std::pair<std::string, std::string>> headers;
  // Lowercase hex SHA-256 of the body; for S3 also "UNSIGNED-PAYLOAD".
  std::string payload_sha256_hex;
};

// The SHA-256 of the empty string, the payload hash of a request with no body.
inline constexpr std::string_view kEmptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// Lowercase hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);
// Raw (32-byte) HMAC-SHA256 of `data` under `key`.
std::string HmacSha256(std::string_view key, std::string_view data);
std::string HexEncode(std::string_view bytes);

// RFC 3986 percent-encoding as SigV4 defines it: unreserved characters
// A-Z a-z 0-9 - . _ ~ stay, everything else becomes %XX (uppercase hex);
// '/' stays when `encode_slash` is false (paths).
std::string UriEncode(std::string_view s, bool encode_slash = true);
// Decodes %XX escapes (and nothing else; '+' stays '+'). Fails on a
// malformed escape.
Result<std::string> UriDecode(std::string_view s);

// Step 1. `signed_headers` are lowercase header names, sorted (as in the
// SignedHeaders field); each must be present in request.headers.
std::string CanonicalRequest(const SigV4Request& request,
                             const std::vector<std::string>& signed_headers);

// "20150830/us-east-1/service/aws4_request".
std::string CredentialScope(std::string_view date, std::string_view region,
                            std::string_view service);

// Step 2. `amz_date` is "YYYYMMDDTHHMMSSZ".
std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request_hash);

// Step 3: lowercase hex signature. `date` is "YYYYMMDD".
std::string Signature(std::string_view secret_access_key, std::string_view date,
                      std::string_view region, std::string_view service,
                      std::string_view string_to_sign);

// Adds x-amz-date, x-amz-content-sha256 (service "s3" only),
// x-amz-security-token (temporary credentials) and Authorization, signing
// every header of the request. REQUIRES: a "host" header;
// payload_sha256_hex set. Fails (InvalidArgument) if either is missing or
// the credentials are empty.
Status SignRequest(SigV4Request* request, const AwsCredentials& credentials,
                   std::string_view region, std::string_view service,
                   std::string_view amz_date);

// The current UTC time as "YYYYMMDDTHHMMSSZ".
std::string AmzDateNow();
// `unix_ms` (milliseconds since the Unix epoch) as "YYYYMMDDTHHMMSSZ".
std::string FormatAmzDate(int64_t unix_ms);
// "YYYYMMDDTHHMMSSZ" -> milliseconds since the Unix epoch; nullopt unless
// the text is exactly that form.
std::optional<int64_t> ParseAmzDate(const std::string& text);

// The parts of an "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/
// service/aws4_request, SignedHeaders=host;x-amz-date, Signature=..." header.
struct SigV4Authorization {
  std::string access_key_id;
  std::string date;     // YYYYMMDD
  std::string region;
  std::string service;
  std::vector<std::string> signed_headers;
  std::string signature;  // lowercase hex

  std::string Scope() const { return CredentialScope(date, region, service); }
};

// Parses an Authorization header value. Fails (Unauthenticated) naming what
// is malformed.
Result<SigV4Authorization> ParseAuthorization(std::string_view header_value);

// Constant-time comparison of two signatures.
bool SignaturesEqual(std::string_view a, std::string_view b);

}  // namespace dbexport::s3
