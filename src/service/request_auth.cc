#include "service/request_auth.h"

#include <algorithm>

#include "common/ascii.h"
#include "storage/s3/sigv4.h"

namespace dbexport::service {
namespace {

constexpr char kSigningService[] = "rds";
constexpr char kAlgorithm[] = "AWS4-HMAC-SHA256";

const std::string* FindHeader(const IncomingRequest& request, std::string_view name) {
  for (const auto& [key, value] : request.headers) {
    if (EqualsIgnoreAsciiCase(key, name)) return &value;
  }
  return nullptr;
}

constexpr char kSignatureMismatch[] =
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access "
    "Key and signing method. Consult the service documentation for details.";
constexpr char kInvalidToken[] = "The security token included in the request is invalid.";

}  // namespace

ApiErrorCode AuthErrorCode(const Status& status) {
  switch (status.code()) {
    case StatusCode::kUnauthenticated: return api_error::kMissingAuthenticationToken;
    case StatusCode::kInvalidArgument: return api_error::kIncompleteSignature;
    case StatusCode::kNotFound: return api_error::kInvalidClientTokenId;
    default: return api_error::kSignatureDoesNotMatch;
  }
}

Result<std::string> RequestAuthenticator::Verify(const IncomingRequest& request, TimeMs now) const {
  const std::string* header = FindHeader(request, "authorization");
  if (header == nullptr || header->empty()) return Unauthenticated("Request is missing Authentication Token");
  if (header->rfind(kAlgorithm, 0) != 0) {
    return InvalidArgument("Unsupported AWS 'algorithm': the Authorization header must start with " +
                           std::string(kAlgorithm) + ".");
  }
  Result<s3::SigV4Authorization> parsed = s3::ParseAuthorization(*header);
  if (!parsed.ok()) {
    return InvalidArgument("Authorization header is incomplete: " + parsed.status().message() + ".");
  }
  const s3::SigV4Authorization& auth = *parsed;

  const std::string* amz_date = FindHeader(request, "x-amz-date");
  if (amz_date == nullptr) {
    return InvalidArgument("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  std::optional<TimeMs> signed_at = s3::ParseAmzDate(*amz_date);
  if (!signed_at) {
    // Header values are never echoed (they would reach the log).
    return InvalidArgument("The X-Amz-Date header is not in the form YYYYMMDDTHHMMSSZ.");
  }
  if (std::find(auth.signed_headers.begin(), auth.signed_headers.end(), "host") == auth.signed_headers.end()) {
    return InvalidArgument("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }

  const AccessKey* key = config_->FindAccessKey(auth.access_key_id);
  if (key == nullptr) return NotFound(kInvalidToken);
  // Keys are long-term; a session token means temporary credentials we did not issue.
  if (FindHeader(request, "x-amz-security-token") != nullptr) return NotFound(kInvalidToken);

  if (auth.date != amz_date->substr(0, 8)) {
    return PermissionDenied("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
                            "HTTP (X-Amz-Date " + *amz_date + ").");
  }
  if (auth.service != kSigningService) {
    return PermissionDenied("Credential should be scoped to correct service: '" + std::string(kSigningService) +
                            "'. ");
  }
  if (auth.region != config_->region) {
    return PermissionDenied("Credential should be scoped to a valid region. This service runs in " +
                            config_->region + ".");
  }
  if (*signed_at < now - kMaxClockSkewMs) {
    return PermissionDenied("Signature expired: " + *amz_date + " is now earlier than " +
                            s3::FormatAmzDate(now - kMaxClockSkewMs) + " (" + s3::FormatAmzDate(now) + " - 15 min.)");
  }
  if (*signed_at > now + kMaxClockSkewMs) {
    return PermissionDenied("Signature not yet current: " + *amz_date + " is still later than " +
                            s3::FormatAmzDate(now + kMaxClockSkewMs) + " (" + s3::FormatAmzDate(now) + " + 15 min.)");
  }

  s3::SigV4Request canonical;
  canonical.method = request.method;
  canonical.path = request.path;
  canonical.query = request.query;
  canonical.headers = request.headers;
  canonical.payload_sha256_hex = s3::Sha256Hex(request.body);
  for (const std::string& name : auth.signed_headers) {
    if (FindHeader(request, name) == nullptr) return PermissionDenied(kSignatureMismatch);
  }
  std::string canonical_request = s3::CanonicalRequest(canonical, auth.signed_headers);
  std::string string_to_sign = s3::StringToSign(*amz_date, auth.Scope(), s3::Sha256Hex(canonical_request));
  std::string expected = s3::Signature(key->secret, auth.date, auth.region, auth.service, string_to_sign);
  if (!s3::SignaturesEqual(expected, auth.signature)) return PermissionDenied(kSignatureMismatch);
  return auth.access_key_id;
}

}  // namespace dbexport::service
