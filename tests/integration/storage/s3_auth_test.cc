// IAM role (STS AssumeRole), KMS key checks and the export pre-flight
// against moto_server. moto assumes any role ARN it is given and does not
// enforce IAM policies, so refusals by STS and AccessDenied answers from S3
// are injected by the fault proxy; everything else is moto's own answer.

#include <gtest/gtest.h>

#include "integration/storage/s3_test_util.h"
#include "storage/s3/preflight.h"
#include "storage/s3/sts.h"

namespace dbexport::s3 {
namespace {

using testing::AwsCli;
using testing::FaultProxy;
using testing::MakeClient;
using testing::ResetBucket;
using testing::StoreOptions;

constexpr char kRoleArn[] = "arn:aws:iam::123456789012:role/s3test-export-role";

std::string Trimmed(std::string s) {
  s.erase(s.find_last_not_of("\r\n ") + 1);
  return s;
}

void EnsureRole() {
  AwsCli("iam create-role --role-name s3test-export-role --assume-role-policy-document "
         "'{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
         "{\"Service\":\"export.rds.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}'");
  auto get = AwsCli("iam get-role --role-name s3test-export-role --query Role.Arn --output text");
  ASSERT_EQ(get.exit_code, 0) << get.err;
  ASSERT_EQ(Trimmed(get.out), kRoleArn);
}

std::string CreateKey(const std::string& description) {
  auto key = AwsCli("kms create-key --description " + description + " --query KeyMetadata.Arn --output text");
  EXPECT_EQ(key.exit_code, 0) << key.err;
  return Trimmed(key.out);
}

TEST(S3AssumeRole, WritesWithTheRolesTemporaryCredentials) {
  EnsureRole();
  const std::string bucket = "s3test-role";
  ASSERT_TRUE(ResetBucket(bucket).ok());
  FaultProxy proxy;
  S3StoreOptions o = StoreOptions(bucket, proxy.endpoint());
  o.role_arn = kRoleArn;
  o.role_session_name = RoleSessionName("task-1");
  auto store = OpenS3Store(o);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->Put("x.json", "{}").ok());

  nlohmann::json log = proxy.Log();
  ASSERT_EQ(log.size(), 2u) << log.dump(1);
  // 1. AssumeRole, signed with the caller's own key for service sts.
  EXPECT_EQ(log[0]["method"], "POST");
  std::string body = log[0]["body_prefix"];
  EXPECT_NE(body.find("Action=AssumeRole"), std::string::npos) << body;
  EXPECT_NE(body.find("RoleSessionName=dbexport-task-1"), std::string::npos) << body;
  EXPECT_NE(body.find("RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fs3test-export-role"), std::string::npos);
  EXPECT_NE(log[0]["authorization"].get<std::string>().find("Credential=testing/"), std::string::npos);
  EXPECT_NE(log[0]["authorization"].get<std::string>().find("/us-east-1/sts/aws4_request"), std::string::npos);
  // 2. The write, signed with the temporary key (ASIA...) and its token.
  EXPECT_EQ(log[1]["method"], "PUT");
  EXPECT_EQ(log[1]["path"], "/s3test-role/x.json");
  EXPECT_NE(log[1]["authorization"].get<std::string>().find("Credential=ASIA"), std::string::npos) << log[1];
  EXPECT_FALSE(log[1]["security_token"].get<std::string>().empty());

  auto ls = AwsCli("s3 ls s3://s3test-role/");
  EXPECT_NE(ls.out.find("x.json"), std::string::npos) << ls.out << ls.err;
}

TEST(S3AssumeRole, RefreshesCredentialsBeforeTheyExpire) {
  FaultProxy proxy;
  auto endpoint = ParseEndpointUrl(proxy.endpoint());
  ASSERT_TRUE(endpoint.ok());
  auto sts = std::make_shared<AwsCaller>(std::make_shared<HttpClient>(), testing::TestCredentials(), *endpoint,
                                         "us-east-1", "sts", testing::FastRetry());
  // Refresh window longer than the lifetime: every Get() re-assumes.
  AssumeRoleOptions eager{kRoleArn, "dbexport-refresh", kMinAssumeRoleSeconds, std::chrono::seconds(3600)};
  auto provider = MakeAssumeRoleCredentialsProvider(sts, eager);
  ASSERT_TRUE(provider.ok()) << provider.status();
  auto first = (*provider)->Get();
  auto second = (*provider)->Get();
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(first->access_key_id, second->access_key_id);
  EXPECT_EQ(proxy.Log().size(), 3u);

  // A short window: the credentials are reused until close to expiry.
  proxy.ClearLog();
  AssumeRoleOptions lazy{kRoleArn, "dbexport-cached", kMinAssumeRoleSeconds, std::chrono::seconds(60)};
  auto cached = MakeAssumeRoleCredentialsProvider(sts, lazy);
  ASSERT_TRUE(cached.ok());
  EXPECT_EQ((*cached)->Get()->access_key_id, (*cached)->Get()->access_key_id);
  EXPECT_EQ(proxy.Log().size(), 1u);
  EXPECT_EQ((*cached)->Describe(), std::string("role ") + kRoleArn);
}

// ---- Pre-flight ------------------------------------------------------------

TEST(S3Preflight, PassesAndWritesTheMetadataObject) {
  EnsureRole();
  const std::string bucket = "s3test-preflight-ok";
  ASSERT_TRUE(ResetBucket(bucket).ok());
  S3StoreOptions o = StoreOptions(bucket);
  o.prefix = "exports";
  o.role_arn = kRoleArn;
  o.kms_key_id = CreateKey("s3test-preflight-ok");
  PreflightResult result = RunPreflight(o, "task-1/export_task_check.json", "{\"task\":\"task-1\"}");
  ASSERT_TRUE(result.ok()) << result.status << " / " << result.failure_cause;
  EXPECT_EQ(result.failed_step, PreflightStep::kNone);
  EXPECT_EQ(result.failure_cause, "");
  ASSERT_NE(result.store, nullptr);
  EXPECT_EQ(*result.store->Get("task-1/export_task_check.json"), "{\"task\":\"task-1\"}");

  auto head = AwsCli("s3api head-object --bucket " + bucket + " --key exports/task-1/export_task_check.json");
  ASSERT_EQ(head.exit_code, 0) << head.err;
  auto json = nlohmann::json::parse(head.out);
  EXPECT_EQ(json["ServerSideEncryption"], "aws:kms");
  EXPECT_EQ(json["SSEKMSKeyId"], o.kms_key_id);
}

TEST(S3Preflight, MissingBucket) {
  const std::string bucket = "s3test-preflight-no-such-bucket";
  AwsCli("s3 rb s3://" + bucket + " --force");
  PreflightResult result = RunPreflight(StoreOptions(bucket), "check.json", "{}");
  EXPECT_EQ(result.failed_step, PreflightStep::kBucket);
  EXPECT_EQ(result.failure_cause,
            "The S3 bucket s3test-preflight-no-such-bucket isn't valid. Either it isn't located in the current AWS "
            "Region or it doesn't exist. Review your S3 bucket name and retry the export.");
  EXPECT_EQ(result.status.code(), StatusCode::kNotFound);
  EXPECT_EQ(result.status.message().rfind(
                "GetBucketLocation s3://s3test-preflight-no-such-bucket: HTTP 404 NoSuchBucket: "
                "The specified bucket does not exist",
                0),
            0u)
      << result.status;
  EXPECT_EQ(result.store, nullptr);
}

TEST(S3Preflight, BucketInAnotherRegion) {
  const std::string bucket = "s3test-preflight-eu";
  ASSERT_TRUE(ResetBucket(bucket, "eu-west-1").ok());
  PreflightResult result = RunPreflight(StoreOptions(bucket), "check.json", "{}");
  EXPECT_EQ(result.failed_step, PreflightStep::kBucket);
  EXPECT_EQ(result.failure_cause,
            "The S3 bucket s3test-preflight-eu isn't located in the current AWS Region. Review your S3 bucket name "
            "and retry the export.");
  EXPECT_EQ(result.status, FailedPrecondition("checking s3://s3test-preflight-eu: the bucket is in eu-west-1, "
                                              "not in the configured region us-east-1"));
  auto objects = MakeClient("", "eu-west-1")->ListObjects(bucket, "");
  ASSERT_TRUE(objects.ok());
  EXPECT_TRUE(objects->empty());  // nothing written
}

TEST(S3Preflight, DisabledKmsKey) {
  const std::string bucket = "s3test-preflight-kms";
  ASSERT_TRUE(ResetBucket(bucket).ok());
  std::string key = CreateKey("s3test-disabled");
  // moto's DisableKey wants the key id, not the ARN.
  auto disabled = AwsCli("kms disable-key --key-id " + key.substr(key.rfind('/') + 1));
  ASSERT_EQ(disabled.exit_code, 0) << disabled.err;
  S3StoreOptions o = StoreOptions(bucket);
  o.kms_key_id = key;
  PreflightResult result = RunPreflight(o, "check.json", "{}");
  EXPECT_EQ(result.failed_step, PreflightStep::kKmsKey);
  EXPECT_EQ(result.failure_cause, "KMS key check failed. Check the credentials on your KMS key and try again.");
  EXPECT_EQ(result.status, FailedPrecondition("KMS key " + key + " is not enabled (state Disabled)"));
}

TEST(S3Preflight, MissingKmsKey) {
  const std::string bucket = "s3test-preflight-kms-missing";
  ASSERT_TRUE(ResetBucket(bucket).ok());
  S3StoreOptions o = StoreOptions(bucket);
  o.kms_key_id = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-00000000dead";
  PreflightResult result = RunPreflight(o, "check.json", "{}");
  EXPECT_EQ(result.failed_step, PreflightStep::kKmsKey);
  EXPECT_EQ(result.failure_cause, "KMS key check failed. Check the credentials on your KMS key and try again.");
  EXPECT_EQ(result.status.code(), StatusCode::kNotFound);
  EXPECT_EQ(result.status.message().rfind("KMS DescribeKey key " + o.kms_key_id + ": HTTP 400 NotFoundException: ", 0),
            0u)
      << result.status;
}

TEST(S3Preflight, SigningKeyIsNotAnEncryptionKey) {
  const std::string bucket = "s3test-preflight-kms-usage";
  ASSERT_TRUE(ResetBucket(bucket).ok());
  auto key = AwsCli("kms create-key --key-usage SIGN_VERIFY --key-spec RSA_2048 --query KeyMetadata.Arn --output text");
  ASSERT_EQ(key.exit_code, 0) << key.err;
  S3StoreOptions o = StoreOptions(bucket);
  o.kms_key_id = Trimmed(key.out);
  PreflightResult result = RunPreflight(o, "check.json", "{}");
  EXPECT_EQ(result.failed_step, PreflightStep::kKmsKey);
  EXPECT_EQ(result.failure_cause, kKmsKeyCheckFailedCause);
  EXPECT_EQ(result.status, FailedPrecondition("KMS key " + o.kms_key_id + " has usage SIGN_VERIFY, not ENCRYPT_DECRYPT"));
}

TEST(S3Preflight, MalformedRoleArnCannotBeAssumed) {
  S3StoreOptions o = StoreOptions("s3test-preflight-ok");
  o.role_arn = "arn:aws:iam::123:role/x";
  PreflightResult result = RunPreflight(o, "check.json", "{}");
  EXPECT_EQ(result.failed_step, PreflightStep::kAssumeRole);
  EXPECT_EQ(result.failure_cause,
            "The RDS export failed to write the export task's metadata because it can't assume the IAM role "
            "arn:aws:iam::123:role/x.");
  EXPECT_EQ(result.status, InvalidArgument("IAM role ARN 'arn:aws:iam::123:role/x' has no 12-digit account id"));
}

TEST(S3Preflight, RoleThatStsRefuses) {
  FaultProxy proxy;
  proxy.SetRules({{{"body", "Action=AssumeRole"}, {"action", "status"}, {"status", 403},
                   {"code", "AccessDenied"},
                   {"message", "User is not authorized to perform: sts:AssumeRole"}}});
  S3StoreOptions o = StoreOptions("s3test-preflight-ok", proxy.endpoint());
  o.role_arn = "arn:aws:iam::123456789012:role/not-trusted";
  PreflightResult result = RunPreflight(o, "check.json", "{}");
  EXPECT_EQ(result.failed_step, PreflightStep::kAssumeRole);
  EXPECT_EQ(result.failure_cause,
            "The RDS export failed to write the export task's metadata because it can't assume the IAM role "
            "arn:aws:iam::123456789012:role/not-trusted.");
  EXPECT_EQ(result.status,
            PermissionDenied("AssumeRole arn:aws:iam::123456789012:role/not-trusted: HTTP 403 AccessDenied: User is "
                             "not authorized to perform: sts:AssumeRole (request id FAULTPROXY0001)"));
}

TEST(S3Preflight, RoleNotAllowedToPutObjects) {
  EnsureRole();
  const std::string bucket = "s3test-preflight-deny";
  ASSERT_TRUE(ResetBucket(bucket).ok());
  FaultProxy proxy;
  proxy.SetRules({{{"method", "PUT"}, {"path", "/s3test-preflight-deny/"}, {"action", "status"}, {"status", 403},
                   {"code", "AccessDenied"}, {"message", "Access Denied"}}});
  S3StoreOptions o = StoreOptions(bucket, proxy.endpoint());
  o.role_arn = kRoleArn;
  PreflightResult result = RunPreflight(o, "check.json", "{}");
  EXPECT_EQ(result.failed_step, PreflightStep::kWriteMetadata);
  EXPECT_EQ(result.failure_cause, std::string("The IAM role ") + kRoleArn +
                                      " isn't authorized to call s3:PutObject on the S3 bucket s3test-preflight-deny. "
                                      "Review your permissions and retry the export.");
  EXPECT_EQ(result.status, PermissionDenied("PutObject s3://s3test-preflight-deny/check.json: HTTP 403 AccessDenied: "
                                            "Access Denied (request id FAULTPROXY0001)"));
}

TEST(S3Preflight, RoleNotAllowedToReadTheBucketLocation) {
  EnsureRole();
  const std::string bucket = "s3test-preflight-deny-location";
  ASSERT_TRUE(ResetBucket(bucket).ok());
  FaultProxy proxy;
  proxy.SetRules({{{"method", "GET"}, {"query", "location"}, {"action", "status"}, {"status", 403},
                   {"code", "AccessDenied"}, {"message", "Access Denied"}}});
  S3StoreOptions o = StoreOptions(bucket, proxy.endpoint());
  o.role_arn = kRoleArn;
  PreflightResult result = RunPreflight(o, "check.json", "{}");
  EXPECT_EQ(result.failed_step, PreflightStep::kBucket);
  EXPECT_EQ(result.failure_cause, NotAuthorizedCause(kRoleArn, "s3:GetBucketLocation", bucket));
  EXPECT_EQ(result.status.code(), StatusCode::kPermissionDenied);

  // Without a role, the caller's own credentials are at fault.
  o.role_arn.clear();
  result = RunPreflight(o, "check.json", "{}");
  EXPECT_EQ(result.failure_cause,
            "S3 credential check failed. Check the permissions on your S3 bucket and IAM policy.");
}

TEST(S3Preflight, NoCredentialsAnywhere) {
  S3StoreOptions o = StoreOptions("s3test-preflight-ok");
  o.credentials = nullptr;
  o.env = [](std::string_view name) -> std::optional<std::string> {
    if (name == "HOME") return "/nonexistent-home";
    return std::nullopt;
  };
  PreflightResult result = RunPreflight(o, "check.json", "{}");
  EXPECT_EQ(result.failed_step, PreflightStep::kSetup);
  EXPECT_EQ(result.failure_cause, kS3CredentialCheckFailedCause);
  EXPECT_EQ(result.status,
            Unauthenticated("no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or profile "
                            "'default' in /nonexistent-home/.aws/credentials or /nonexistent-home/.aws/config"));
}

}  // namespace
}  // namespace dbexport::s3
