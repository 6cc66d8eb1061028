#pragma once
// RequestAuthenticator: verifies the SigV4 signature (service "rds", the
// configured region) of an incoming API request against the configured
// access keys, with the signing code of the S3 client (storage/s3/sigv4.h).
//
// Verify's Status codes and the API error each becomes (AuthErrorCode):
//   kUnauthenticated    MissingAuthenticationToken  no Authorization header
//   kInvalidArgument    IncompleteSignature         malformed header, no X-Amz-Date
//   kNotFound           InvalidClientTokenId        unknown access key id or session token
//   kPermissionDenied   SignatureDoesNotMatch       wrong signature, wrong scope,
//                                                   more than 15 minutes of clock skew
// Thread-safe.

#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "service/config.h"
#include "service/export_task.h"
#include "service/query_api.h"

namespace dbexport::service {

struct IncomingRequest {
  std::string method;
  std::string path;  // decoded
  std::vector<std::pair<std::string, std::string>> query;    // decoded
  std::vector<std::pair<std::string, std::string>> headers;  // as received
  std::string body;
};

// Largest accepted difference between X-Amz-Date and the server clock (AWS).
inline constexpr int64_t kMaxClockSkewMs = 15 * 60 * 1000;

class RequestAuthenticator {
 public:
  // `config` must outlive the authenticator.
  explicit RequestAuthenticator(const ServiceConfig* config) : config_(config) {}

  // Returns the caller's access key id, or an error whose message is the one
  // AWS sends for that case.
  Result<std::string> Verify(const IncomingRequest& request, TimeMs now) const;

  // The region requests must be signed for (the web console asks for it).
  const std::string& region() const { return config_->region; }

 private:
  const ServiceConfig* config_;
};

// The API error for a non-OK Verify status (table above).
ApiErrorCode AuthErrorCode(const Status& status);

}  // namespace dbexport::service
