// The S3 client's pure parts: error mapping and text, backoff, part sizes,
// endpoints and addressing, credentials chain, role ARNs, KMS key checks,
// pre-flight failure texts.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include <gtest/gtest.h>

#include "storage/s3/aws_call.h"
#include "storage/s3/aws_error.h"
#include "storage/s3/credentials.h"
#include "storage/s3/http_client.h"
#include "storage/s3/kms.h"
#include "storage/s3/multipart_stream.h"
#include "storage/s3/preflight.h"
#include "storage/s3/s3_client.h"
#include "storage/s3/s3_store.h"
#include "storage/s3/sts.h"

namespace dbexport::s3 {
namespace {

// ---- Error mapping ----------------------------------------------------------

TEST(S3ErrorMapping, MapsStatusCodeAndCurlErrors) {
  struct Case {
    int http;
    const char* code;
    int curl;
    StatusCode expected;
  };
  const Case cases[] = {
      {500, "InternalError", 0, StatusCode::kUnavailable},
      {503, "SlowDown", 0, StatusCode::kUnavailable},
      {503, "", 0, StatusCode::kUnavailable},
      {502, "", 0, StatusCode::kUnavailable},
      {400, "RequestTimeout", 0, StatusCode::kUnavailable},
      {400, "ThrottlingException", 0, StatusCode::kUnavailable},  // KMS
      {400, "Throttling", 0, StatusCode::kUnavailable},           // STS
      {429, "", 0, StatusCode::kUnavailable},
      {404, "NoSuchBucket", 0, StatusCode::kNotFound},
      {404, "NoSuchKey", 0, StatusCode::kNotFound},
      {404, "NoSuchUpload", 0, StatusCode::kNotFound},
      {404, "", 0, StatusCode::kNotFound},  // HEAD: no body
      {400, "NotFoundException", 0, StatusCode::kNotFound},  // KMS
      {403, "AccessDenied", 0, StatusCode::kPermissionDenied},
      {400, "AccessDeniedException", 0, StatusCode::kPermissionDenied},
      {403, "", 0, StatusCode::kPermissionDenied},
      {403, "SignatureDoesNotMatch", 0, StatusCode::kUnauthenticated},
      {403, "InvalidAccessKeyId", 0, StatusCode::kUnauthenticated},
      {400, "ExpiredToken", 0, StatusCode::kUnauthenticated},
      {403, "RequestTimeTooSkewed", 0, StatusCode::kFailedPrecondition},
      {301, "PermanentRedirect", 0, StatusCode::kFailedPrecondition},
      {301, "", 0, StatusCode::kFailedPrecondition},
      {400, "AuthorizationHeaderMalformed", 0, StatusCode::kFailedPrecondition},
      {400, "DisabledException", 0, StatusCode::kFailedPrecondition},
      {409, "BucketAlreadyOwnedByYou", 0, StatusCode::kAlreadyExists},
      {400, "EntityTooSmall", 0, StatusCode::kInvalidArgument},
      {400, "InvalidPart", 0, StatusCode::kInvalidArgument},
      {400, "SomethingNew", 0, StatusCode::kInvalidArgument},
      {416, "InvalidRange", 0, StatusCode::kOutOfRange},
      {400, "EntityTooLarge", 0, StatusCode::kResourceExhausted},
      {418, "", 0, StatusCode::kInternal},
      // libcurl: CURLE_COULDNT_RESOLVE_HOST 6, COULDNT_CONNECT 7,
      // OPERATION_TIMEDOUT 28, SEND_ERROR 55, RECV_ERROR 56, GOT_NOTHING 52,
      // URL_MALFORMAT 3, PEER_FAILED_VERIFICATION 60.
      {0, "", 6, StatusCode::kUnavailable},
      {0, "", 7, StatusCode::kUnavailable},
      {0, "", 28, StatusCode::kUnavailable},
      {0, "", 52, StatusCode::kUnavailable},
      {0, "", 55, StatusCode::kUnavailable},
      {0, "", 56, StatusCode::kUnavailable},
      {0, "", 3, StatusCode::kInvalidArgument},
      {0, "", 60, StatusCode::kFailedPrecondition},
      {500, "AccessDenied", 7, StatusCode::kUnavailable},  // curl wins: no response
  };
  for (const Case& c : cases) {
    EXPECT_EQ(MapAwsError(c.http, c.code, c.curl), c.expected)
        << "http " << c.http << " code '" << c.code << "' curl " << c.curl;
  }
}

TEST(S3ErrorMapping, ErrorTextFromS3XmlNamesEverything) {
  HttpResponse r;
  r.status = 404;
  r.headers = {{"x-amz-request-id", "4442587FB7D0A2F9"}};
  r.body =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not "
      "exist.</Message><Key>a/b</Key><RequestId>ignored-when-header</RequestId></Error>";
  EXPECT_EQ(AwsErrorStatus("GetObject", "s3://bucket/a/b", r),
            NotFound("GetObject s3://bucket/a/b: HTTP 404 NoSuchKey: The specified key does not exist. "
                     "(request id 4442587FB7D0A2F9)"));
}

TEST(S3ErrorMapping, ErrorTextFromStsXmlAndRedirectRegion) {
  HttpResponse sts;
  sts.status = 403;
  sts.body =
      "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>"
      "<Code>AccessDenied</Code><Message>not authorized</Message></Error><RequestId>abc-123</RequestId>"
      "</ErrorResponse>";
  EXPECT_EQ(AwsErrorStatus("AssumeRole", "arn:aws:iam::1:role/r", sts),
            PermissionDenied("AssumeRole arn:aws:iam::1:role/r: HTTP 403 AccessDenied: not authorized "
                             "(request id abc-123)"));

  HttpResponse redirect;
  redirect.status = 301;
  redirect.headers = {{"x-amz-bucket-region", "eu-west-1"}, {"x-amz-request-id", "R1"}};
  EXPECT_EQ(AwsErrorStatus("HeadBucket", "s3://b", redirect),
            FailedPrecondition("HeadBucket s3://b: HTTP 301 (bucket region eu-west-1) (request id R1)"));
}

TEST(S3ErrorMapping, ErrorTextFromKmsJson) {
  HttpResponse r;
  r.status = 400;
  r.headers = {{"x-amzn-requestid", "kms-req-1"}};
  r.body = R"({"__type":"com.amazonaws.kms#NotFoundException","message":"Key 'k' does not exist"})";
  EXPECT_EQ(AwsErrorStatus("KMS DescribeKey", "key k", r),
            NotFound("KMS DescribeKey key k: HTTP 400 NotFoundException: Key 'k' does not exist (request id kms-req-1)"));
}

TEST(S3ErrorMapping, TransportErrorText) {
  HttpResponse r;
  r.curl_code = 7;
  r.transport_error = "Failed to connect to 127.0.0.1 port 1: Connection refused";
  EXPECT_EQ(AwsErrorStatus("PutObject", "s3://b/k", r),
            Unavailable("PutObject s3://b/k: connection failed: Failed to connect to 127.0.0.1 port 1: Connection "
                        "refused (curl error 7)"));
}

TEST(S3ErrorMapping, ErrorCodeOfStatus) {
  EXPECT_EQ(AwsErrorCodeOf(PermissionDenied("PutObject s3://b/k: HTTP 403 AccessDenied: Access Denied (request id x)")),
            "AccessDenied");
  EXPECT_EQ(AwsErrorCodeOf(FailedPrecondition("PutObject s3://b/k: HTTP 400 KMS.DisabledException: disabled")),
            "KMS.DisabledException");
  EXPECT_EQ(AwsErrorCodeOf(NotFound("HeadObject s3://b/k: HTTP 404 (request id x)")), "");
  EXPECT_EQ(AwsErrorCodeOf(NotFound("HeadObject s3://b/k: HTTP 404")), "");
  EXPECT_EQ(AwsErrorCodeOf(Unavailable("PutObject s3://b/k: connection failed: x (curl error 7)")), "");
}

// ---- Retry backoff ----------------------------------------------------------

TEST(S3Retry, FullJitterBackoffDoublesUpToTheCap) {
  RetryPolicy p;
  p.base_delay = std::chrono::milliseconds(100);
  p.max_delay = std::chrono::milliseconds(1000);
  EXPECT_EQ(BackoffDelay(p, 1, 0.0).count(), 0);
  EXPECT_EQ(BackoffDelay(p, 1, 0.999).count(), 99);
  EXPECT_EQ(BackoffDelay(p, 2, 0.5).count(), 100);
  EXPECT_EQ(BackoffDelay(p, 3, 0.5).count(), 200);
  EXPECT_EQ(BackoffDelay(p, 4, 0.999).count(), 799);
  EXPECT_EQ(BackoffDelay(p, 5, 0.999).count(), 999);   // capped
  EXPECT_EQ(BackoffDelay(p, 60, 0.5).count(), 500);    // no overflow
}

// ---- Part size --------------------------------------------------------------

TEST(S3Multipart, ChoosePartSizeFitsTheLargestObjectInTenThousandParts) {
  EXPECT_EQ(ChoosePartSize(kDefaultPartSize, 0), 8 * kMiB);
  EXPECT_EQ(ChoosePartSize(kMiB, 0), 5 * kMiB);  // S3 minimum
  EXPECT_EQ(ChoosePartSize(5 * kMiB, 20LL * 1024 * kMiB), 5 * kMiB);  // 20 GiB: 2.05 MiB needed
  EXPECT_EQ(ChoosePartSize(16 * kMiB, 500LL * 1024 * kMiB), 52 * kMiB);  // 500 GiB: 51.2 MiB, rounded up
  EXPECT_EQ(ChoosePartSize(16 * kMiB, 5LL * 1024 * 1024 * kMiB), 525 * kMiB);  // 5 TiB, the S3 object maximum
  EXPECT_EQ(ChoosePartSize(16 * kMiB, 60LL * 1024 * 1024 * kMiB), 5 * 1024 * kMiB);  // capped at 5 GiB
  EXPECT_EQ(ChoosePartSize(6 * kMiB + 1, 0), 7 * kMiB);
}

TEST(S3Multipart, PartSizeDoublesEveryThousandPartsSoAnyObjectFits) {
  EXPECT_EQ(PartSizeFor(1, 8 * kMiB), 8 * kMiB);
  EXPECT_EQ(PartSizeFor(1000, 8 * kMiB), 8 * kMiB);
  EXPECT_EQ(PartSizeFor(1001, 8 * kMiB), 16 * kMiB);
  EXPECT_EQ(PartSizeFor(2001, 8 * kMiB), 32 * kMiB);
  EXPECT_EQ(PartSizeFor(10000, 8 * kMiB), 4096 * kMiB);
  EXPECT_EQ(PartSizeFor(9001, 3 * 1024 * kMiB), 5 * 1024 * kMiB);  // capped at 5 GiB
  // 10,000 parts from the default first size hold more than S3's 5 TiB maximum.
  int64_t total = 0;
  for (int part = 1; part <= kMaxParts; ++part) total += PartSizeFor(part, kDefaultPartSize);
  EXPECT_GT(total, 5LL * 1024 * 1024 * kMiB);
}

// ---- Endpoints and addressing ----------------------------------------------

std::map<std::string, std::string> g_env;
EnvLookup FakeEnv() {
  return [](std::string_view name) -> std::optional<std::string> {
    auto it = g_env.find(std::string(name));
    if (it == g_env.end()) return std::nullopt;
    return it->second;
  };
}

TEST(S3Endpoint, ResolvesOptionThenServiceEnvThenGlobalEnvThenAws) {
  g_env.clear();
  auto aws = ResolveEndpoint("s3", "eu-west-1", "", FakeEnv());
  ASSERT_TRUE(aws.ok());
  EXPECT_EQ(aws->Url(), "https://s3.eu-west-1.amazonaws.com");
  EXPECT_FALSE(aws->custom);
  EXPECT_EQ(ResolveEndpoint("kms", "cn-north-1", "", FakeEnv())->Url(), "https://kms.cn-north-1.amazonaws.com.cn");

  g_env = {{"AWS_ENDPOINT_URL", "http://global:1"}};
  EXPECT_EQ(ResolveEndpoint("sts", "us-east-1", "", FakeEnv())->Url(), "http://global:1");
  g_env["AWS_ENDPOINT_URL_S3"] = "http://minio:9000/";
  auto s3 = ResolveEndpoint("s3", "us-east-1", "", FakeEnv());
  EXPECT_EQ(s3->Url(), "http://minio:9000");
  EXPECT_TRUE(s3->custom);
  EXPECT_EQ(ResolveEndpoint("s3", "us-east-1", "https://option:443", FakeEnv())->Url(), "https://option:443");

  g_env = {{"AWS_ENDPOINT_URL_S3", "minio:9000"}};
  EXPECT_EQ(ResolveEndpoint("s3", "us-east-1", "", FakeEnv()).status(),
            InvalidArgument("AWS_ENDPOINT_URL_S3: endpoint URL 'minio:9000' must start with http:// or https://"));
  EXPECT_EQ(ParseEndpointUrl("http://h:1/path").status(),
            InvalidArgument("endpoint URL 'http://h:1/path' must be scheme://host[:port] (no path, query or user)"));
  g_env.clear();
}

TEST(S3Endpoint, VirtualHostOnAwsPathStyleOnCustomEndpoints) {
  AwsEndpoint aws{"https", "s3.us-east-1.amazonaws.com", false};
  S3Address v = AddressObject(aws, "my-bucket", "a/b c.parquet");
  EXPECT_EQ(v.host, "my-bucket.s3.us-east-1.amazonaws.com");
  EXPECT_EQ(v.path, "/a/b c.parquet");
  S3Address dotted = AddressObject(aws, "my.bucket", "k");
  EXPECT_EQ(dotted.host, "");
  EXPECT_EQ(dotted.path, "/my.bucket/k");
  AwsEndpoint minio{"http", "127.0.0.1:9000", true};
  S3Address p = AddressObject(minio, "my-bucket", "k");
  EXPECT_EQ(p.host, "");
  EXPECT_EQ(p.path, "/my-bucket/k");
  EXPECT_EQ(AddressObject(minio, "my-bucket", "").path, "/my-bucket");

  AwsRequest request;
  request.path = "/my-bucket/a b+c.parquet";
  request.query = {{"partNumber", "3"}, {"uploadId", "x/y=z"}};
  EXPECT_EQ(RequestUrl(minio, "", request), "http://127.0.0.1:9000/my-bucket/a%20b%2Bc.parquet?partNumber=3&uploadId=x%2Fy%3Dz");
  request.query = {{"uploads", ""}};
  EXPECT_EQ(RequestUrl(minio, "", request), "http://127.0.0.1:9000/my-bucket/a%20b%2Bc.parquet?uploads");
}

TEST(S3Store, ParseS3Url) {
  std::string bucket, prefix;
  ASSERT_TRUE(ParseS3Url("s3://lake/exports/2024/", &bucket, &prefix).ok());
  EXPECT_EQ(bucket, "lake");
  EXPECT_EQ(prefix, "exports/2024");
  ASSERT_TRUE(ParseS3Url("s3://lake", &bucket, &prefix).ok());
  EXPECT_EQ(prefix, "");
  EXPECT_EQ(ParseS3Url("s3:///x", &bucket, &prefix),
            InvalidArgument("'s3:///x' names no bucket: expected s3://bucket[/prefix]"));

  StoreOptions generic;
  generic.endpoint_url = "http://127.0.0.1:9000";
  generic.region = "eu-west-1";
  generic.iam_role_arn = "arn:aws:iam::123456789012:role/r";
  generic.kms_key_id = "key-1";
  auto o = S3StoreOptionsForUrl("s3://lake/a/b", generic);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->bucket, "lake");
  EXPECT_EQ(o->prefix, "a/b");
  EXPECT_EQ(o->endpoint_url, "http://127.0.0.1:9000");
  EXPECT_EQ(o->region, "eu-west-1");
  EXPECT_EQ(o->role_arn, "arn:aws:iam::123456789012:role/r");
  EXPECT_EQ(o->kms_key_id, "key-1");
  EXPECT_EQ(o->retry.total_timeout, std::chrono::milliseconds(300000));
  EXPECT_FALSE(o->retry.on_retry);

  // The store's deadline and retry warnings reach every call.
  std::string warned;
  generic.timeout = std::chrono::seconds(45);
  generic.on_retry = [&warned](const std::string& warning) { warned = warning; };
  auto timed = S3StoreOptionsForUrl("s3://lake", generic);
  ASSERT_TRUE(timed.ok());
  EXPECT_EQ(timed->retry.total_timeout, std::chrono::seconds(45));
  ASSERT_TRUE(timed->retry.on_retry);
  timed->retry.on_retry("S3 is not answering");
  EXPECT_EQ(warned, "S3 is not answering");
}

// ---- Credentials chain ------------------------------------------------------

class S3CredentialsChain : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("dbx-s3-creds-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_ / ".aws");
    g_env = {{"HOME", dir_.string()}};
  }
  void TearDown() override {
    std::filesystem::remove_all(dir_);
    g_env.clear();
  }
  void WriteFile(const std::string& rel, const std::string& text) { std::ofstream(dir_ / rel) << text; }
  std::string Path(const std::string& rel) { return (dir_ / rel).string(); }

  std::filesystem::path dir_;
};

TEST_F(S3CredentialsChain, EnvironmentComesFirst) {
  WriteFile(".aws/credentials", "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = filesecret\n");
  g_env["AWS_ACCESS_KEY_ID"] = "ENVKEY";
  g_env["AWS_SECRET_ACCESS_KEY"] = "envsecret";
  g_env["AWS_SESSION_TOKEN"] = "envtoken";
  auto p = ResolveDefaultCredentials(FakeEnv());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ((*p)->Get()->access_key_id, "ENVKEY");
  EXPECT_EQ((*p)->Get()->session_token, "envtoken");
  EXPECT_EQ((*p)->Describe(), "environment");

  g_env.erase("AWS_SECRET_ACCESS_KEY");
  EXPECT_EQ(ResolveDefaultCredentials(FakeEnv()).status(),
            InvalidArgument("reading AWS credentials from the environment: AWS_ACCESS_KEY_ID and "
                            "AWS_SECRET_ACCESS_KEY must both be set"));
}

TEST_F(S3CredentialsChain, SharedCredentialsFileThenConfigFile) {
  WriteFile(".aws/credentials",
            "# comment\n[default]\naws_access_key_id = DEFKEY\naws_secret_access_key = defsecret\n\n"
            "[dev]\naws_access_key_id=DEVKEY\naws_secret_access_key=devsecret\naws_session_token = devtoken\n");
  WriteFile(".aws/config",
            "[default]\nregion = eu-central-1\n[profile ops]\nregion = ap-south-1\n"
            "aws_access_key_id = OPSKEY\naws_secret_access_key = opssecret\ns3 =\n  max_concurrent_requests = 4\n");
  auto def = ResolveDefaultCredentials(FakeEnv());
  ASSERT_TRUE(def.ok()) << def.status();
  EXPECT_EQ((*def)->Get()->access_key_id, "DEFKEY");
  EXPECT_EQ((*def)->Describe(), "profile 'default' in " + Path(".aws/credentials"));
  EXPECT_EQ(ResolveDefaultRegion(FakeEnv()), "eu-central-1");

  g_env["AWS_PROFILE"] = "dev";
  auto dev = ResolveDefaultCredentials(FakeEnv());
  ASSERT_TRUE(dev.ok());
  EXPECT_EQ((*dev)->Get()->access_key_id, "DEVKEY");
  EXPECT_EQ((*dev)->Get()->session_token, "devtoken");

  g_env["AWS_PROFILE"] = "ops";
  auto ops = ResolveDefaultCredentials(FakeEnv());
  ASSERT_TRUE(ops.ok());
  EXPECT_EQ((*ops)->Get()->access_key_id, "OPSKEY");
  EXPECT_EQ((*ops)->Describe(), "profile 'ops' in " + Path(".aws/config"));
  EXPECT_EQ(ResolveDefaultRegion(FakeEnv()), "ap-south-1");
  g_env["AWS_REGION"] = "us-west-2";
  EXPECT_EQ(ResolveDefaultRegion(FakeEnv()), "us-west-2");

  g_env["AWS_PROFILE"] = "nope";
  EXPECT_EQ(ResolveDefaultCredentials(FakeEnv()).status(),
            NotFound("AWS profile 'nope' not found in " + Path(".aws/credentials") + " or " + Path(".aws/config")));
}

TEST_F(S3CredentialsChain, FileLocationsFromEnvironment) {
  WriteFile("creds", "[other]\naws_access_key_id = OTHERKEY\naws_secret_access_key = s\n");
  g_env["AWS_SHARED_CREDENTIALS_FILE"] = Path("creds");
  g_env["AWS_DEFAULT_PROFILE"] = "other";
  auto p = ResolveDefaultCredentials(FakeEnv());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ((*p)->Get()->access_key_id, "OTHERKEY");

  WriteFile("half", "[default]\naws_access_key_id = K\n");
  g_env = {{"HOME", dir_.string()}, {"AWS_SHARED_CREDENTIALS_FILE", Path("half")}};
  EXPECT_EQ(ResolveDefaultCredentials(FakeEnv()).status(),
            InvalidArgument("reading AWS credentials of profile 'default' in " + Path("half") +
                            ": aws_access_key_id and aws_secret_access_key must both be set"));
}

// ---- Roles and keys ---------------------------------------------------------

TEST(S3Roles, ValidateRoleArn) {
  EXPECT_TRUE(ValidateRoleArn("arn:aws:iam::123456789012:role/export").ok());
  EXPECT_TRUE(ValidateRoleArn("arn:aws-us-gov:iam::123456789012:role/path/to/export").ok());
  EXPECT_EQ(ValidateRoleArn("export-role"),
            InvalidArgument("IAM role ARN 'export-role' is not arn:aws:iam::<account>:role/<name>"));
  EXPECT_EQ(ValidateRoleArn("arn:aws:s3:::bucket/x"),
            InvalidArgument("IAM role ARN 'arn:aws:s3:::bucket/x' is not arn:aws:iam::<account>:role/<name>"));
  EXPECT_EQ(ValidateRoleArn("arn:aws:iam::123456789012:user/bob"),
            InvalidArgument("IAM role ARN 'arn:aws:iam::123456789012:user/bob' does not name a role (role/<name>)"));
}

TEST(S3Roles, RoleSessionNameIsSanitizedAndBounded) {
  EXPECT_EQ(RoleSessionName("my-export_1"), "dbexport-my-export_1");
  EXPECT_EQ(RoleSessionName("a b/c:d"), "dbexport-a-b-c-d");
  EXPECT_EQ(RoleSessionName(std::string(100, 'x')).size(), 64u);
}

TEST(S3Kms, KeyRegionAndServerSideEncryptionCheck) {
  EXPECT_EQ(KmsKeyRegion("arn:aws:kms:eu-west-3:111122223333:key/abc", "us-east-1"), "eu-west-3");
  EXPECT_EQ(KmsKeyRegion("alias/export", "us-east-1"), "us-east-1");
  EXPECT_EQ(KmsKeyRegion("1234abcd-12ab", "us-east-2"), "us-east-2");

  KmsKeyMetadata key{"k1", "arn:aws:kms:us-east-1:1:key/k1", true, "Enabled", "ENCRYPT_DECRYPT", "SYMMETRIC_DEFAULT"};
  EXPECT_TRUE(CheckKeyForServerSideEncryption(key).ok());
  key.key_spec = "RSA_2048";
  EXPECT_EQ(CheckKeyForServerSideEncryption(key),
            FailedPrecondition("KMS key arn:aws:kms:us-east-1:1:key/k1 has spec RSA_2048, not SYMMETRIC_DEFAULT"));
  key.enabled = false;
  key.key_state = "PendingDeletion";
  EXPECT_EQ(CheckKeyForServerSideEncryption(key),
            FailedPrecondition("KMS key arn:aws:kms:us-east-1:1:key/k1 is not enabled (state PendingDeletion)"));
}

// ---- Pre-flight failure texts (spec: export-cluster-data.md) ---------------

TEST(S3Preflight, FailureCausesMatchTheSpecWordForWord) {
  EXPECT_EQ(BucketInvalidCause("lake"),
            "The S3 bucket lake isn't valid. Either it isn't located in the current AWS Region or it doesn't exist. "
            "Review your S3 bucket name and retry the export.");
  EXPECT_EQ(BucketWrongRegionCause("lake"),
            "The S3 bucket lake isn't located in the current AWS Region. Review your S3 bucket name and retry the "
            "export.");
  EXPECT_EQ(AssumeRoleFailedCause("arn:aws:iam::1:role/r"),
            "The RDS export failed to write the export task's metadata because it can't assume the IAM role "
            "arn:aws:iam::1:role/r.");
  EXPECT_EQ(NotAuthorizedCause("arn:aws:iam::1:role/r", "s3:PutObject", "lake"),
            "The IAM role arn:aws:iam::1:role/r isn't authorized to call s3:PutObject on the S3 bucket lake. Review "
            "your permissions and retry the export.");
  EXPECT_EQ(MetadataWriteFailedCause("lake", "arn:aws:iam::1:role/r", "k1", "KMS.DisabledException"),
            "The RDS export failed to write the export task's metadata to the S3 bucket lake using the IAM role "
            "arn:aws:iam::1:role/r with the KMS key k1. Error code: KMS.DisabledException");
  EXPECT_EQ(UnknownMetadataWriteCause("lake"),
            "An unknown internal error occurred writing the export task's metadata to the S3 bucket lake.");
  EXPECT_STREQ(kKmsKeyCheckFailedCause, "KMS key check failed. Check the credentials on your KMS key and try again.");
  EXPECT_STREQ(kS3CredentialCheckFailedCause,
               "S3 credential check failed. Check the permissions on your S3 bucket and IAM policy.");
}

}  // namespace
}  // namespace dbexport::s3

namespace dbexport::s3 {
namespace {

// ---- Transport --------------------------------------------------------------

// The request line a loopback listener receives for one request to `path`.
std::string RequestLineFor(const std::string& path) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener, 1) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(listener);
    return "listen failed";
  }
  std::string received;
  std::thread server([&] {
    int conn = ::accept(listener, nullptr, nullptr);
    char buf[4096];
    while (received.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = ::recv(conn, buf, sizeof buf, 0);
      if (n <= 0) break;
      received.append(buf, static_cast<size_t>(n));
    }
    const char kResponse[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    ::send(conn, kResponse, sizeof kResponse - 1, 0);
    ::close(conn);
  });
  HttpClient client;
  HttpRequest request;
  request.method = "GET";
  request.url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + path;
  HttpResponse response = client.Send(request);
  server.join();
  ::close(listener);
  EXPECT_EQ(response.status, 200) << response.transport_error;
  return received.substr(0, received.find("\r\n"));
}

// The path goes out as signed: dot segments are not removed, which would
// move a request into another bucket.
TEST(S3Transport, SendsThePathExactlyAsGiven) {
  EXPECT_EQ(RequestLineFor("/exp-bucket/../victim-bucket/x"), "GET /exp-bucket/../victim-bucket/x HTTP/1.1");
  EXPECT_EQ(RequestLineFor("/b/./a/%2E%2E/k"), "GET /b/./a/%2E%2E/k HTTP/1.1");
}

}  // namespace
}  // namespace dbexport::s3
