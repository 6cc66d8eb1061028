#include "service/request_auth.h"

#include <gtest/gtest.h>

#include "storage/s3/sigv4.h"

namespace dbexport::service {
namespace {

constexpr char kBody[] = "Action=DescribeExportTasks&Version=2014-10-31";
// 2015-08-30T12:36:00Z, the date of the AWS SigV4 examples.
constexpr TimeMs kSignedAt = 1440938160000;
constexpr char kAmzDate[] = "20150830T123600Z";

class ServiceRequestAuth : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.region = "us-east-1";
    config_.access_keys.push_back({"AKIAEXPORTADMIN", "admin-secret"});
    auth_ = std::make_unique<RequestAuthenticator>(&config_);
  }

  // A request signed the way botocore signs Query API calls.
  IncomingRequest Signed(const std::string& secret = "admin-secret", const std::string& region = "us-east-1",
                         const std::string& service = "rds", const std::string& key_id = "AKIAEXPORTADMIN") {
    s3::SigV4Request r;
    r.method = "POST";
    r.path = "/";
    r.headers = {{"Host", "127.0.0.1:8480"}, {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    r.payload_sha256_hex = s3::Sha256Hex(kBody);
    s3::AwsCredentials credentials{key_id, secret, ""};
    Status s = s3::SignRequest(&r, credentials, region, service, kAmzDate);
    EXPECT_TRUE(s.ok()) << s;
    IncomingRequest in;
    in.method = r.method;
    in.path = r.path;
    in.headers = r.headers;
    in.body = kBody;
    return in;
  }

  Result<std::string> Verify(const IncomingRequest& request, TimeMs now = kSignedAt) {
    return auth_->Verify(request, now);
  }

  static void SetHeader(IncomingRequest* r, const std::string& name, const std::string& value) {
    for (auto& [k, v] : r->headers) {
      if (k == name) {
        v = value;
        return;
      }
    }
    r->headers.emplace_back(name, value);
  }
  static void RemoveHeader(IncomingRequest* r, const std::string& name) {
    std::erase_if(r->headers, [&](const auto& h) { return h.first == name; });
  }

  ServiceConfig config_;
  std::unique_ptr<RequestAuthenticator> auth_;
};

void ExpectRefused(const Result<std::string>& result, StatusCode code, const std::string& wire_code,
                   const std::string& message) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), code);
  EXPECT_EQ(AuthErrorCode(result.status()).code, wire_code);
  EXPECT_EQ(AuthErrorCode(result.status()).http_status, 403);
  EXPECT_EQ(result.status().message(), message);
}

constexpr char kMismatch[] =
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access "
    "Key and signing method. Consult the service documentation for details.";

TEST_F(ServiceRequestAuth, AcceptsACorrectSignature) {
  Result<std::string> caller = Verify(Signed());
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(*caller, "AKIAEXPORTADMIN");
  // Within 15 minutes either way.
  EXPECT_TRUE(Verify(Signed(), kSignedAt + kMaxClockSkewMs).ok());
  EXPECT_TRUE(Verify(Signed(), kSignedAt - kMaxClockSkewMs).ok());
}

TEST_F(ServiceRequestAuth, RefusesAWrongSecret) {
  ExpectRefused(Verify(Signed("wrong-secret")), StatusCode::kPermissionDenied, "SignatureDoesNotMatch", kMismatch);
}

TEST_F(ServiceRequestAuth, RefusesATamperedBodyOrHeader) {
  IncomingRequest r = Signed();
  r.body = "Action=CancelExportTask&ExportTaskIdentifier=x&Version=2014-10-31";
  ExpectRefused(Verify(r), StatusCode::kPermissionDenied, "SignatureDoesNotMatch", kMismatch);
  r = Signed();
  SetHeader(&r, "Host", "evil:1");
  ExpectRefused(Verify(r), StatusCode::kPermissionDenied, "SignatureDoesNotMatch", kMismatch);
  r = Signed();
  RemoveHeader(&r, "Content-Type");
  ExpectRefused(Verify(r), StatusCode::kPermissionDenied, "SignatureDoesNotMatch", kMismatch);
}

TEST_F(ServiceRequestAuth, RefusesAnUnsignedRequest) {
  IncomingRequest r = Signed();
  RemoveHeader(&r, "Authorization");
  ExpectRefused(Verify(r), StatusCode::kUnauthenticated, "MissingAuthenticationToken",
                "Request is missing Authentication Token");
}

TEST_F(ServiceRequestAuth, RefusesAnUnknownKey) {
  ExpectRefused(Verify(Signed("admin-secret", "us-east-1", "rds", "AKIAUNKNOWN")), StatusCode::kNotFound,
                "InvalidClientTokenId", "The security token included in the request is invalid.");
  IncomingRequest r = Signed();
  r.headers.emplace_back("X-Amz-Security-Token", "token");
  ExpectRefused(Verify(r), StatusCode::kNotFound, "InvalidClientTokenId",
                "The security token included in the request is invalid.");
}

TEST_F(ServiceRequestAuth, RefusesStaleAndFutureRequests) {
  ExpectRefused(Verify(Signed(), kSignedAt + kMaxClockSkewMs + 1000), StatusCode::kPermissionDenied,
                "SignatureDoesNotMatch",
                "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T125101Z - 15 "
                "min.)");
  ExpectRefused(Verify(Signed(), kSignedAt - kMaxClockSkewMs - 1000), StatusCode::kPermissionDenied,
                "SignatureDoesNotMatch",
                "Signature not yet current: 20150830T123600Z is still later than 20150830T123559Z (20150830T122059Z + "
                "15 min.)");
}

TEST_F(ServiceRequestAuth, RefusesIncompleteSignatures) {
  IncomingRequest r = Signed();
  SetHeader(&r, "Authorization", "AWS4-HMAC-SHA256 Credential=AKIAEXPORTADMIN/20150830/us-east-1/rds/aws4_request");
  Result<std::string> result = Verify(r);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(AuthErrorCode(result.status()).code, "IncompleteSignature");
  EXPECT_EQ(result.status().message().rfind("Authorization header is incomplete: ", 0), 0u) << result.status();

  r = Signed();
  SetHeader(&r, "Authorization", "Basic dXNlcjpwYXNz");
  ExpectRefused(Verify(r), StatusCode::kInvalidArgument, "IncompleteSignature",
                "Unsupported AWS 'algorithm': the Authorization header must start with AWS4-HMAC-SHA256.");
  r = Signed();
  RemoveHeader(&r, "x-amz-date");
  ExpectRefused(Verify(r), StatusCode::kInvalidArgument, "IncompleteSignature",
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
}

TEST_F(ServiceRequestAuth, RefusesAWrongScope) {
  ExpectRefused(Verify(Signed("admin-secret", "eu-west-1")), StatusCode::kPermissionDenied, "SignatureDoesNotMatch",
                "Credential should be scoped to a valid region. This service runs in us-east-1.");
  ExpectRefused(Verify(Signed("admin-secret", "us-east-1", "s3")), StatusCode::kPermissionDenied,
                "SignatureDoesNotMatch", "Credential should be scoped to correct service: 'rds'. ");
}

}  // namespace
}  // namespace dbexport::service
