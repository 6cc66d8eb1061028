#include "service/query_api.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "support/test_env.h"
#include "unit/service/scripted_runner.h"

namespace dbexport::service {
namespace {

using testing::ScriptedRunner;

constexpr char kNs[] = "http://rds.amazonaws.com/doc/2014-10-31/";
constexpr char kRole[] = "arn:aws:iam::123456789012:role/export";
constexpr char kKey[] = "1234abcd-12ab-34cd-56ef-1234567890ab";
constexpr char kShopArn[] = "arn:aws:rds:us-east-1:123456789012:cluster:shop";

std::string Error(const std::string& code, const std::string& message, const std::string& type = "Sender") {
  return std::string("<ErrorResponse xmlns=\"") + kNs + "\"><Error><Type>" + type + "</Type><Code>" + code +
         "</Code><Message>" + message + "</Message></Error><RequestId>req-1</RequestId></ErrorResponse>";
}

class ServiceQueryApi : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"shop", "billing", "c3", "c4", "c5", "c6"}) {
      ClusterConfig c;
      c.name = name;
      c.source_url = "postgresql://exporter@db.internal:6543/" + std::string(name);
      c.host = "db.internal";
      c.port = 6543;
      c.database = name;
      c.user = "exporter";
      config_.clusters.push_back(c);
    }
    auto store = TaskStore::Open(dbexport::testing::MakeTempDir("query_api"));
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
    auto manager = TaskManager::Make(&config_, store_.get(), &runner_, TaskManagerOptions{}, nullptr);
    ASSERT_TRUE(manager.ok());
    manager_ = std::move(manager).value();
    api_ = std::make_unique<QueryApi>(&config_, manager_.get());
  }

  ApiResponse Call(FormParams params) {
    params.emplace("Version", "2014-10-31");
    return api_->Handle(params, "req-1");
  }

  FormParams StartParams(const std::string& id, const std::string& arn = kShopArn) {
    return {{"Action", "StartExportTask"}, {"ExportTaskIdentifier", id}, {"SourceArn", arn},
            {"S3BucketName", "export-bucket"}, {"IamRoleArn", kRole}, {"KmsKeyId", kKey}};
  }

  void ExpectError(FormParams params, int http_status, const std::string& code, const std::string& message) {
    ApiResponse r = Call(params);
    EXPECT_EQ(r.http_status, http_status);
    EXPECT_EQ(r.body, Error(code, message));
  }

  void FinishAll() {
    for (const auto& t : manager_->List()) {
      if (IsActive(t.status)) runner_.Complete(t.id(), exporter::ExportSummary{});
    }
    for (int i = 0; i < 1000; ++i) {
      bool active = false;
      for (const auto& t : manager_->List()) active = active || IsActive(t.status);
      if (!active) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    FAIL() << "tasks did not finish";
  }

  ServiceConfig config_;
  ScriptedRunner runner_;
  std::unique_ptr<TaskStore> store_;
  std::unique_ptr<TaskManager> manager_;
  std::unique_ptr<QueryApi> api_;
};

TEST(ServiceQueryApiForm, ParsesFormBodies) {
  auto params = ParseFormBody("Action=StartExportTask&S3Prefix=a%2Fb+c&ExportOnly.member.1=db&Empty=&Flag");
  ASSERT_TRUE(params.ok()) << params.status();
  EXPECT_EQ(params->at("Action"), "StartExportTask");
  EXPECT_EQ(params->at("S3Prefix"), "a/b c");
  EXPECT_EQ(params->at("ExportOnly.member.1"), "db");
  EXPECT_EQ(params->at("Empty"), "");
  EXPECT_EQ(params->at("Flag"), "");
  auto bad = ParseFormBody("Action=%4");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "malformed percent escape '%4'");
  EXPECT_EQ(ParseFormBody("a=%zz").status().message(), "malformed percent escape '%zz'");
}

TEST_F(ServiceQueryApi, StartExportTaskReturnsTheTask) {
  FormParams params = StartParams("my-export");
  params["S3Prefix"] = "daily/<x>";
  params["ExportOnly.member.2"] = "shop.public.orders";
  params["ExportOnly.member.1"] = "shop.public";
  ApiResponse r = Call(params);
  ASSERT_EQ(r.http_status, 200) << r.body;
  ExportTask t = *manager_->Get("my-export");
  EXPECT_EQ(t.spec.export_only, (std::vector<std::string>{"shop.public", "shop.public.orders"}));
  EXPECT_EQ(r.body, std::string("<StartExportTaskResponse xmlns=\"") + kNs +
                        "\"><StartExportTaskResult><ExportTaskIdentifier>my-export</ExportTaskIdentifier>"
                        "<SourceArn>arn:aws:rds:us-east-1:123456789012:cluster:shop</SourceArn>"
                        "<ExportOnly><member>shop.public</member><member>shop.public.orders</member></ExportOnly>"
                        "<TaskStartTime>" +
                        FormatIso8601(*t.task_start_time) +
                        "</TaskStartTime><S3Bucket>export-bucket</S3Bucket><S3Prefix>daily/&lt;x&gt;</S3Prefix>"
                        "<IamRoleArn>arn:aws:iam::123456789012:role/export</IamRoleArn>"
                        "<KmsKeyId>1234abcd-12ab-34cd-56ef-1234567890ab</KmsKeyId><Status>STARTING</Status>"
                        "<PercentProgress>0</PercentProgress><TotalExtractedDataInGB>0</TotalExtractedDataInGB>"
                        "<SourceType>CLUSTER</SourceType></StartExportTaskResult>"
                        "<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></StartExportTaskResponse>");
  FinishAll();
}

// ExportOnly.member.<n> whose <n> holds a byte above 127 is no member (the
// index check called ::isdigit on a negative char, undefined behaviour).
TEST_F(ServiceQueryApi, ExportOnlyIgnoresMembersWithNonAsciiIndexes) {
  FormParams params = StartParams("non-ascii-index");
  params["ExportOnly.member.1"] = "shop.public";
  params["ExportOnly.member.\xd9"] = "shop.other";
  params["ExportOnly.member.2\xb2"] = "shop.other";
  ApiResponse r = Call(params);
  ASSERT_EQ(r.http_status, 200) << r.body;
  EXPECT_EQ(manager_->Get("non-ascii-index")->spec.export_only, (std::vector<std::string>{"shop.public"}));
  FinishAll();
}

TEST_F(ServiceQueryApi, StartExportTaskErrors) {
  ExpectError({{"Action", "StartExportTask"}}, 400, "MissingParameter",
              "The request must contain the parameter ExportTaskIdentifier");
  FormParams p = StartParams("x");
  p.erase("KmsKeyId");
  ExpectError(p, 400, "MissingParameter", "The request must contain the parameter KmsKeyId");
  for (const char* bad : {"1abc", "abc-", "a--b", "a_b"}) {
    ExpectError(StartParams(bad), 400, "InvalidParameterValue",
                "The parameter ExportTaskIdentifier is not a valid identifier. Identifiers must begin with a letter; "
                "must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two "
                "consecutive hyphens.");
  }
  ExpectError(StartParams(std::string(61, 'a')), 400, "InvalidParameterValue",
              "The parameter ExportTaskIdentifier is not a valid identifier. Identifiers must begin with a letter; "
              "must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two "
              "consecutive hyphens.");
  ExpectError(StartParams("x", "shop"), 400, "InvalidParameterValue",
              "The parameter SourceArn is not a valid DB cluster ARN: 'shop'. Expected "
              "arn:aws:rds:&lt;region&gt;:&lt;account-id&gt;:cluster:&lt;cluster-name&gt;.");
  ExpectError(StartParams("x", "arn:aws:rds:us-east-1:123456789012:cluster:ghost"), 404, "DBClusterNotFoundFault",
              "DBCluster ghost not found.");
  ExpectError(StartParams("x", "arn:aws:rds:eu-west-1:123456789012:cluster:shop"), 404, "DBClusterNotFoundFault",
              "DBCluster shop not found.");
  ExpectError(StartParams("x", "arn:aws:rds:us-east-1:123456789012:cluster-snapshot:snap"), 400,
              "InvalidParameterValue",
              "The parameter SourceArn names a cluster-snapshot, but this service exports live DB clusters only: use "
              "arn:aws:rds:&lt;region&gt;:&lt;account-id&gt;:cluster:&lt;cluster-name&gt;.");
  p = StartParams("x");
  p["S3BucketName"] = "Bad_Bucket";
  ExpectError(p, 400, "InvalidS3BucketFault",
              "The S3 bucket name Bad_Bucket isn't valid: it may contain only lowercase letters, digits, dots and "
              "hyphens.");
  p["S3BucketName"] = "ab";
  ExpectError(p, 400, "InvalidS3BucketFault", "The S3 bucket name ab isn't valid: it must be 3 to 63 characters long.");
  p = StartParams("x");
  p["S3Prefix"] = "a:b";
  ExpectError(p, 400, "InvalidParameterValue",
              "The S3 prefix a:b isn't valid: S3 prefixes containing ':' are not supported.");
  p = StartParams("x");
  p["IamRoleArn"] = "export-role";
  ExpectError(p, 404, "IamRoleNotFound",
              "The IAM role export-role can't be found: IamRoleArn must be an IAM role ARN, "
              "arn:aws:iam::&lt;account-id&gt;:role/&lt;role-name&gt;.");
  p["IamRoleArn"] = "arn:aws:iam::999999999999:role/export";
  ExpectError(p, 400, "IamRoleMissingPermissions",
              "The IAM role arn:aws:iam::999999999999:role/export belongs to account 999999999999; export tasks of "
              "account 123456789012 can only assume roles of their own account.");
  p = StartParams("x");
  p["KmsKeyId"] = "not a key";
  ExpectError(p, 400, "KMSKeyNotAccessibleFault",
              "The KMS key not a key isn't accessible: KmsKeyId must be a key ID, key ARN, alias name (alias/...) or "
              "alias ARN.");
  p["KmsKeyId"] = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
  ExpectError(p, 400, "KMSKeyNotAccessibleFault",
              "The KMS key arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab is in region "
              "eu-west-1, but export tasks here run in us-east-1 and can only use keys of that region.");
  p = StartParams("x");
  p["ExportOnly.member.1"] = "shop.public.orders.extra";
  ExpectError(p, 400, "InvalidExportOnly",
              "The ExportOnly parameter isn't valid: invalid export-only entry 'shop.public.orders.extra': expected "
              "database, database.schema or database.schema.table");
  p["ExportOnly.member.1"] = "shop.pub-lic";
  ExpectError(p, 400, "InvalidExportOnly",
              "The ExportOnly parameter isn't valid: invalid export-only entry 'shop.pub-lic': name 'pub-lic' may "
              "contain only A-Z, a-z, 0-9, $ and _");
  EXPECT_TRUE(manager_->List().empty());
}

TEST_F(ServiceQueryApi, AcceptsEveryKmsKeyForm) {
  const char* keys[] = {"1234abcd-12ab-34cd-56ef-1234567890ab", "mrk-1234abcd12ab34cd56ef1234567890ab",
                        "alias/export-key", "arn:aws:kms:us-east-1:123456789012:alias/export-key",
                        "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"};
  int i = 0;
  for (const char* key : keys) {
    FormParams p = StartParams("k" + std::to_string(i), config_.ClusterArn(config_.clusters[i].name));
    p["KmsKeyId"] = key;
    ApiResponse r = Call(p);
    EXPECT_EQ(r.http_status, 200) << key << ": " << r.body;
    ++i;
  }
  FinishAll();
}

TEST_F(ServiceQueryApi, StateErrorsOfStart) {
  ASSERT_EQ(Call(StartParams("first")).http_status, 200);
  ExpectError(StartParams("first"), 400, "ExportTaskAlreadyExists", "The export task with the ID first already exists.");
  ExpectError(StartParams("second"), 400, "InvalidExportSourceState",
              "The DB cluster shop already has an export task in progress (first, STARTING). Only one export task "
              "can run per DB cluster at a time.");
  for (const char* name : {"billing", "c3", "c4", "c5"}) {
    ASSERT_EQ(Call(StartParams(std::string("on-") + name, config_.ClusterArn(name))).http_status, 200);
  }
  ExpectError(StartParams("sixth", config_.ClusterArn("c6")), 400, "InvalidExportSourceState",
              "You have reached the maximum number of concurrent export tasks (5) for account 123456789012: first, "
              "on-billing, on-c3, on-c4, on-c5. Wait for one to finish or cancel one, then retry.");
  FinishAll();
}

TEST_F(ServiceQueryApi, CancelExportTask) {
  ASSERT_EQ(Call(StartParams("t1")).http_status, 200);
  ApiResponse r = Call({{"Action", "CancelExportTask"}, {"ExportTaskIdentifier", "t1"}});
  ASSERT_EQ(r.http_status, 200) << r.body;
  EXPECT_NE(r.body.find("<CancelExportTaskResponse xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\">"
                        "<CancelExportTaskResult><ExportTaskIdentifier>t1</ExportTaskIdentifier>"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("<Status>CANCELING</Status>"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("</CancelExportTaskResult><ResponseMetadata><RequestId>req-1</RequestId>"),
            std::string::npos);
  for (int i = 0; i < 1000 && manager_->Get("t1")->status != TaskStatus::kCanceled; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ExpectError({{"Action", "CancelExportTask"}, {"ExportTaskIdentifier", "t1"}}, 400, "InvalidExportTaskStateFault",
              "Cannot cancel export task t1 because its status is CANCELED. Only STARTING or IN_PROGRESS tasks can be "
              "canceled.");
  ExpectError({{"Action", "CancelExportTask"}, {"ExportTaskIdentifier", "nope"}}, 404, "ExportTaskNotFound",
              "Cannot find export task with ID nope.");
  ExpectError({{"Action", "CancelExportTask"}}, 400, "MissingParameter",
              "The request must contain the parameter ExportTaskIdentifier");
}

TEST_F(ServiceQueryApi, DescribeExportTasksPaginatesAndFilters) {
  runner_.auto_complete = true;
  for (int i = 0; i < 45; ++i) {
    FormParams p = StartParams("t" + std::to_string(i));
    if (i % 3 == 0) p["S3BucketName"] = "other-bucket";
    ASSERT_EQ(Call(p).http_status, 200);
    for (int k = 0; k < 1000 && IsActive(manager_->Get("t" + std::to_string(i))->status); ++k) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  auto count = [](const std::string& body) {
    size_t n = 0;
    for (size_t pos = 0; (pos = body.find("<ExportTask>", pos)) != std::string::npos; ++pos) ++n;
    return n;
  };
  ApiResponse page1 = Call({{"Action", "DescribeExportTasks"}, {"MaxRecords", "20"}});
  ASSERT_EQ(page1.http_status, 200);
  EXPECT_EQ(count(page1.body), 20u);
  EXPECT_NE(page1.body.find("</ExportTasks><Marker>21</Marker></DescribeExportTasksResult>"), std::string::npos);
  ApiResponse page2 = Call({{"Action", "DescribeExportTasks"}, {"MaxRecords", "20"}, {"Marker", "21"}});
  EXPECT_EQ(count(page2.body), 20u);
  EXPECT_NE(page2.body.find("<ExportTaskIdentifier>t20</ExportTaskIdentifier>"), std::string::npos);
  ApiResponse page3 = Call({{"Action", "DescribeExportTasks"}, {"MaxRecords", "20"}, {"Marker", "41"}});
  EXPECT_EQ(count(page3.body), 5u);
  EXPECT_EQ(page3.body.find("<Marker>"), std::string::npos);
  EXPECT_EQ(count(Call({{"Action", "DescribeExportTasks"}}).body), 45u);

  ApiResponse by_bucket = Call({{"Action", "DescribeExportTasks"},
                                {"Filters.Filter.1.Name", "s3-bucket"},
                                {"Filters.Filter.1.Values.Value.1", "other-bucket"}});
  EXPECT_EQ(count(by_bucket.body), 15u);
  ApiResponse by_status = Call({{"Action", "DescribeExportTasks"},
                                {"Filters.Filter.1.Name", "status"},
                                {"Filters.Filter.1.Values.Value.1", "complete"},
                                {"Filters.Filter.2.Name", "export-task-identifier"},
                                {"Filters.Filter.2.Values.Value.1", "t1"},
                                {"Filters.Filter.2.Values.Value.2", "t2"},
                                {"Filters.Filter.2.Values.Value.3", "t3"}});
  EXPECT_EQ(count(by_status.body), 3u);
  EXPECT_EQ(count(Call({{"Action", "DescribeExportTasks"},
                        {"Filters.Filter.1.Name", "status"},
                        {"Filters.Filter.1.Values.Value.1", "failed"}})
                      .body),
            0u);
  EXPECT_EQ(count(Call({{"Action", "DescribeExportTasks"},
                        {"Filters.Filter.1.Name", "source-arn"},
                        {"Filters.Filter.1.Values.Value.1", kShopArn}})
                      .body),
            45u);
  EXPECT_EQ(count(Call({{"Action", "DescribeExportTasks"}, {"ExportTaskIdentifier", "t7"}}).body), 1u);
  EXPECT_EQ(count(Call({{"Action", "DescribeExportTasks"}, {"SourceArn", kShopArn}, {"MaxRecords", "100"}}).body), 45u);
  EXPECT_EQ(count(Call({{"Action", "DescribeExportTasks"}, {"SourceType", "SNAPSHOT"}}).body), 0u);
  EXPECT_EQ(count(Call({{"Action", "DescribeExportTasks"}, {"SourceType", "CLUSTER"}}).body), 45u);
}

TEST_F(ServiceQueryApi, DescribeExportTasksErrors) {
  ExpectError({{"Action", "DescribeExportTasks"}, {"MaxRecords", "19"}}, 400, "InvalidParameterValue",
              "Invalid value 19 for MaxRecords. Must be between 20 and 100");
  ExpectError({{"Action", "DescribeExportTasks"}, {"MaxRecords", "101"}}, 400, "InvalidParameterValue",
              "Invalid value 101 for MaxRecords. Must be between 20 and 100");
  ExpectError({{"Action", "DescribeExportTasks"}, {"Marker", "abc"}}, 400, "InvalidParameterValue",
              "The Marker value 'abc' is not valid: pass the Marker of a previous response.");
  ExpectError({{"Action", "DescribeExportTasks"}, {"ExportTaskIdentifier", "nope"}}, 404, "ExportTaskNotFound",
              "Cannot find export task with ID nope.");
  ExpectError({{"Action", "DescribeExportTasks"},
               {"Filters.Filter.1.Name", "color"},
               {"Filters.Filter.1.Values.Value.1", "red"}},
              400, "InvalidParameterValue",
              "Unrecognized filter name: color. Valid filters: export-task-identifier, s3-bucket, source-arn, status.");
  ExpectError({{"Action", "DescribeExportTasks"},
               {"Filters.Filter.1.Name", "status"},
               {"Filters.Filter.1.Values.Value.1", "COMPLETE"}},
              400, "InvalidParameterValue",
              "Invalid status filter value 'COMPLETE'. Valid values (lowercase): canceled, canceling, complete, "
              "failed, in_progress, starting.");
  ExpectError({{"Action", "DescribeExportTasks"}, {"SourceType", "cluster"}}, 400, "InvalidParameterValue",
              "Invalid value 'cluster' for SourceType. Valid values: SNAPSHOT, CLUSTER.");
}

TEST_F(ServiceQueryApi, RendersEveryFieldOfAFinishedTask) {
  ASSERT_EQ(Call(StartParams("full")).http_status, 200);
  runner_.AllowSnapshot("full");
  exporter::ExportSummary summary;
  summary.warning_message = R"({"skippedTables":[],"skippedObjectives":[],"general":[]})";
  runner_.Complete("full", summary);
  for (int i = 0; i < 1000 && manager_->Get("full")->status != TaskStatus::kComplete; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ExportTask t = *manager_->Get("full");
  ApiResponse r = Call({{"Action", "DescribeExportTasks"}, {"ExportTaskIdentifier", "full"}});
  EXPECT_EQ(r.body,
            std::string("<DescribeExportTasksResponse xmlns=\"") + kNs +
                "\"><DescribeExportTasksResult><ExportTasks><ExportTask>"
                "<ExportTaskIdentifier>full</ExportTaskIdentifier><SourceArn>" +
                kShopArn + "</SourceArn><SnapshotTime>2024-05-01T10:00:00.123Z</SnapshotTime><TaskStartTime>" +
                FormatIso8601(*t.task_start_time) + "</TaskStartTime><TaskEndTime>" + FormatIso8601(*t.task_end_time) +
                "</TaskEndTime><S3Bucket>export-bucket</S3Bucket><S3Prefix></S3Prefix><IamRoleArn>" + kRole +
                "</IamRoleArn><KmsKeyId>" + kKey +
                "</KmsKeyId><Status>COMPLETE</Status><PercentProgress>100</PercentProgress>"
                "<TotalExtractedDataInGB>3</TotalExtractedDataInGB>"
                "<WarningMessage>{&quot;skippedTables&quot;:[],&quot;skippedObjectives&quot;:[],&quot;general&quot;:[]}"
                "</WarningMessage><SourceType>CLUSTER</SourceType></ExportTask></ExportTasks>"
                "</DescribeExportTasksResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>"
                "</DescribeExportTasksResponse>");
}

TEST_F(ServiceQueryApi, DescribeDBClusters) {
  ApiResponse r = Call({{"Action", "DescribeDBClusters"}, {"DBClusterIdentifier", "shop"}});
  ASSERT_EQ(r.http_status, 200);
  EXPECT_EQ(r.body, std::string("<DescribeDBClustersResponse xmlns=\"") + kNs +
                        "\"><DescribeDBClustersResult><DBClusters><DBCluster>"
                        "<DBClusterIdentifier>shop</DBClusterIdentifier><DBClusterArn>" +
                        kShopArn +
                        "</DBClusterArn><Engine>aurora-postgresql</Engine><EngineMode>provisioned</EngineMode>"
                        "<Status>available</Status><Endpoint>db.internal</Endpoint><Port>6543</Port>"
                        "<DatabaseName>shop</DatabaseName><MasterUsername>exporter</MasterUsername>"
                        "<MultiAZ>false</MultiAZ><StorageEncrypted>false</StorageEncrypted></DBCluster></DBClusters>"
                        "</DescribeDBClustersResult><ResponseMetadata><RequestId>req-1</RequestId>"
                        "</ResponseMetadata></DescribeDBClustersResponse>");
  ApiResponse all = Call({{"Action", "DescribeDBClusters"}});
  size_t n = 0;
  for (size_t pos = 0; (pos = all.body.find("<DBCluster>", pos)) != std::string::npos; ++pos) ++n;
  EXPECT_EQ(n, 6u);
  ApiResponse by_arn = Call({{"Action", "DescribeDBClusters"}, {"DBClusterIdentifier", kShopArn}});
  EXPECT_NE(by_arn.body.find("<DBClusterIdentifier>shop</DBClusterIdentifier>"), std::string::npos);
  ExpectError({{"Action", "DescribeDBClusters"}, {"DBClusterIdentifier", "ghost"}}, 404, "DBClusterNotFoundFault",
              "DBCluster ghost not found.");
}

TEST_F(ServiceQueryApi, ActionErrors) {
  ApiResponse r = api_->Handle({}, "req-1");
  EXPECT_EQ(r.http_status, 400);
  EXPECT_EQ(r.body, Error("MissingAction", "The request must contain the parameter Action"));
  ExpectError({{"Action", "DeleteDBCluster"}}, 400, "InvalidAction",
              "The action DeleteDBCluster is not valid for this web service.");
  r = api_->Handle({{"Action", "DescribeExportTasks"}, {"Version", "2013-01-10"}}, "req-1");
  EXPECT_EQ(r.http_status, 400);
  EXPECT_EQ(r.body, Error("InvalidAction", "Could not find operation DescribeExportTasks for version 2013-01-10"));
}

TEST(ServiceQueryApiErrors, ServerErrorsAreReceiverFaults) {
  ApiResponse r = ErrorResponse(api_error::kInternalFailure, "boom", "req-1");
  EXPECT_EQ(r.http_status, 500);
  EXPECT_EQ(r.body, Error("InternalFailure", "boom", "Receiver"));
}

}  // namespace
}  // namespace dbexport::service
