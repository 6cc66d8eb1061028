// Retries and clean failure, through the fault proxy in front of moto:
// injected 500/503 answers, connections dropped before and in the middle of
// a part, lost responses. Past the retry budget the stream fails with the
// last error and aborts its multipart upload: nothing is left. A write whose
// answer was lost is checked before it is retried, and is not made twice.
// (Stalled stores: s3_stall_test.cc.)

#include <mutex>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "integration/storage/s3_test_util.h"
#include "storage/s3/sigv4.h"

namespace dbexport::s3 {
namespace {

using nlohmann::json;
using testing::Bytes;
using testing::CountFaults;
using testing::CountRequests;
using testing::ExpectBucketEmpty;
using testing::ExpectOnlyObject;
using testing::FaultProxy;
using testing::MakeClient;
using testing::ResetBucket;
using testing::StoreOptions;
using testing::WriteAll;

std::unique_ptr<ObjectStore> OpenThrough(const FaultProxy& proxy, const std::string& bucket, int attempts = 4) {
  S3StoreOptions o = StoreOptions(bucket, proxy.endpoint());
  o.retry = testing::FastRetry(attempts);
  o.http.low_speed_time_s = 5;
  auto store = OpenS3Store(o);
  EXPECT_TRUE(store.ok()) << store.status();
  return std::move(store).value();
}

TEST(S3Faults, MultipartUploadSurvivesTransientFaults) {
  const std::string bucket = "s3test-faults-transient";
  ASSERT_TRUE(ResetBucket(bucket).ok());
  FaultProxy proxy;
  proxy.SetRules(json::array({
      {{"method", "POST"}, {"query", "uploads"}, {"action", "drop"}, {"times", 1}},
      {{"method", "PUT"}, {"query", "partNumber=1&"}, {"action", "status"}, {"status", 500},
       {"code", "InternalError"}, {"message", "We encountered an internal error."}, {"times", 2}},
      {{"method", "PUT"}, {"query", "partNumber=2&"}, {"action", "drop_mid_body"}, {"times", 1}},
      {{"method", "PUT"}, {"query", "partNumber=3&"}, {"action", "status"}, {"status", 503}, {"code", "SlowDown"},
       {"message", "Please reduce your request rate."}, {"times", 2}},
      // The completion takes effect but its answer is lost: the check
      // before the retry finds the object complete.
      {{"method", "POST"}, {"query", "uploadId"}, {"action", "forward_then_drop"}, {"times", 1}},
  }));
  auto store = OpenThrough(proxy, bucket);
  std::string data = Bytes(17 * kMiB, 11);  // 4 parts of 5 MiB
  Status written = WriteAll(*store, "retried.bin", data);
  ASSERT_TRUE(written.ok()) << written;

  json log = proxy.Log();
  EXPECT_EQ(CountFaults(log, "drop"), 1);
  EXPECT_EQ(CountFaults(log, "status"), 4);
  EXPECT_EQ(CountFaults(log, "drop_mid_body"), 1);
  EXPECT_EQ(CountFaults(log, "forward_then_drop"), 1);
  EXPECT_EQ(CountRequests(log, "PUT", "partNumber="), 4 + 2 + 1 + 2);

  auto back = MakeClient()->GetObject(bucket, "retried.bin");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(Sha256Hex(*back), Sha256Hex(data));
  auto uploads = MakeClient()->ListMultipartUploads(bucket, "");
  ASSERT_TRUE(uploads.ok());
  EXPECT_TRUE(uploads->empty());
}

TEST(S3Faults, CompleteAnsweringErrorInA200IsRetried) {
  const std::string bucket = "s3test-faults-complete";
  ASSERT_TRUE(ResetBucket(bucket).ok());
  FaultProxy proxy;
  proxy.SetRules(json::array({{{"method", "POST"}, {"query", "uploadId"}, {"action", "status"}, {"status", 200},
                               {"code", "InternalError"}, {"message", "We encountered an internal error."},
                               {"times", 1}}}));
  auto store = OpenThrough(proxy, bucket);
  std::string data = Bytes(11 * kMiB, 12);
  ASSERT_TRUE(WriteAll(*store, "complete.bin", data).ok());
  EXPECT_EQ(CountRequests(proxy.Log(), "POST", "uploadId"), 2);
  auto back = MakeClient()->GetObject(bucket, "complete.bin");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->size(), data.size());
}

TEST(S3Faults, SmallPutRetriesThrottling) {
  const std::string bucket = "s3test-faults-put";
  ASSERT_TRUE(ResetBucket(bucket).ok());
  FaultProxy proxy;
  proxy.SetRules(json::array({{{"method", "PUT"}, {"action", "status"}, {"status", 503}, {"code", "SlowDown"},
                               {"message", "Please reduce your request rate."}, {"times", 3}}}));
  auto store = OpenThrough(proxy, bucket);
  ASSERT_TRUE(store->Put("small.json", "{}").ok());
  EXPECT_EQ(CountRequests(proxy.Log(), "PUT", ""), 4);
}

TEST(S3Faults, PartFailingPastTheRetryBudgetAbortsTheUpload) {
  const std::string bucket = "s3test-faults-budget";
  ASSERT_TRUE(ResetBucket(bucket).ok());
  FaultProxy proxy;
  proxy.SetRules(json::array({{{"method", "PUT"}, {"query", "partNumber=3&"}, {"action", "status"}, {"status", 503},
                               {"code", "SlowDown"}, {"message", "Please reduce your request rate."}}}));
  auto store = OpenThrough(proxy, bucket, /*attempts=*/3);
  Status written = WriteAll(*store, "failed.bin", Bytes(23 * kMiB, 13));
  EXPECT_EQ(written, Unavailable("UploadPart s3://s3test-faults-budget/failed.bin part 3: HTTP 503 SlowDown: Please reduce "
                                 "your request rate. (request id FAULTPROXY0001) (gave up after 3 attempts)"));
  json log = proxy.Log();
  EXPECT_EQ(CountRequests(log, "PUT", "partNumber=3&"), 3);
  EXPECT_EQ(CountRequests(log, "DELETE", "uploadId"), 1);  // AbortMultipartUpload
  EXPECT_EQ(CountRequests(log, "POST", "uploadId"), 0);    // never completed
  ExpectBucketEmpty(bucket);
}

TEST(S3Faults, ConnectionsDroppingMidPartFailCleanly) {
  const std::string bucket = "s3test-faults-drop";
  ASSERT_TRUE(ResetBucket(bucket).ok());
  FaultProxy proxy;
  proxy.SetRules(json::array({{{"method", "PUT"}, {"query", "partNumber=2&"}, {"action", "drop_mid_body"}}}));
  auto store = OpenThrough(proxy, bucket, /*attempts=*/3);
  Status written = WriteAll(*store, "dropped.bin", Bytes(12 * kMiB, 14));
  EXPECT_EQ(written.code(), StatusCode::kUnavailable) << written;
  EXPECT_EQ(written.message().rfind("UploadPart s3://s3test-faults-drop/dropped.bin part 2: connection failed: ", 0), 0u)
      << written;
  EXPECT_NE(written.message().find("(gave up after 3 attempts)"), std::string::npos) << written;
  // 3 attempts; libcurl itself resends once when a reused keep-alive
  // connection dies before any answer, so the proxy may see one more.
  int drops = CountFaults(proxy.Log(), "drop_mid_body");
  EXPECT_GE(drops, 3);
  EXPECT_LE(drops, 6);
  ExpectBucketEmpty(bucket);
}

TEST(S3Faults, PermanentErrorsAreNotRetried) {
  const std::string bucket = "s3test-faults-denied";
  ASSERT_TRUE(ResetBucket(bucket).ok());
  FaultProxy proxy;
  proxy.SetRules(json::array({{{"method", "PUT"}, {"query", "partNumber=1&"}, {"action", "status"}, {"status", 403},
                               {"code", "AccessDenied"}, {"message", "Access Denied"}}}));
  auto store = OpenThrough(proxy, bucket);
  Status written = WriteAll(*store, "denied.bin", Bytes(12 * kMiB, 15));
  EXPECT_EQ(written, PermissionDenied("UploadPart s3://s3test-faults-denied/denied.bin part 1: HTTP 403 AccessDenied: "
                                      "Access Denied (request id FAULTPROXY0001)"));
  EXPECT_EQ(CountRequests(proxy.Log(), "PUT", "partNumber=1&"), 1);
  ExpectBucketEmpty(bucket);
}

// The index in `log` of the first request with `method` whose query
// contains `query_part` and whose path ends with `path_end`, from `from`
// on; -1 if none.
int FindRequest(const json& log, size_t from, const std::string& method, const std::string& query_part,
                const std::string& path_end = "") {
  for (size_t i = from; i < log.size(); ++i) {
    const std::string path = log[i]["path"];
    if (log[i]["method"] == method && log[i]["query"].get<std::string>().find(query_part) != std::string::npos &&
        path.ends_with(path_end)) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

TEST(S3Faults, LostCreateMultipartUploadAnswerAdoptsTheUploadItOpened) {
  const std::string bucket = "s3test-faults-lost-create";
  ASSERT_TRUE(ResetBucket(bucket).ok());
  FaultProxy proxy;
  proxy.SetRules(json::array({{{"method", "POST"}, {"query", "uploads"}, {"action", "forward_then_drop"}, {"times", 1}}}));
  auto store = OpenThrough(proxy, bucket);
  std::string data = Bytes(12 * kMiB, 21);
  Status written = WriteAll(*store, "d/lost-create.bin", data);
  ASSERT_TRUE(written.ok()) << written;

  json log = proxy.Log();
  EXPECT_EQ(CountFaults(log, "forward_then_drop"), 1);
  // One CreateMultipartUpload; then, before any retry, the uploads of that
  // very key were listed and the one the lost attempt opened was used.
  EXPECT_EQ(CountRequests(log, "POST", "uploads"), 1);
  EXPECT_EQ(FindRequest(log, 0, "POST", "uploads"), 0);
  EXPECT_EQ(FindRequest(log, 1, "POST", "uploads"), -1) << log.dump(1);
  int check = FindRequest(log, 1, "GET", "uploads");
  ASSERT_EQ(check, 1) << log.dump(1);
  EXPECT_NE(log[check]["query"].get<std::string>().find("prefix=d%2Flost-create.bin"), std::string::npos)
      << log[check]["query"];
  ExpectOnlyObject(bucket, "d/lost-create.bin", data);
}

TEST(S3Faults, LostCompleteMultipartUploadAnswerIsCheckedNotRepeated) {
  const std::string bucket = "s3test-faults-lost-complete";
  ASSERT_TRUE(ResetBucket(bucket).ok());
  FaultProxy proxy;
  proxy.SetRules(json::array({{{"method", "POST"}, {"query", "uploadId"}, {"action", "forward_then_drop"}, {"times", 1}}}));
  auto store = OpenThrough(proxy, bucket);
  std::string data = Bytes(12 * kMiB, 22);
  Status written = WriteAll(*store, "lost-complete.bin", data);
  ASSERT_TRUE(written.ok()) << written;

  json log = proxy.Log();
  EXPECT_EQ(CountFaults(log, "forward_then_drop"), 1);
  EXPECT_EQ(CountRequests(log, "POST", "uploadId"), 1) << log.dump(1);
  int complete = FindRequest(log, 0, "POST", "uploadId");
  ASSERT_GE(complete, 0);
  EXPECT_EQ(FindRequest(log, complete + 1, "HEAD", "", "/lost-complete.bin"), complete + 1) << log.dump(1);
  ExpectOnlyObject(bucket, "lost-complete.bin", data);
}

TEST(S3Faults, LostPutObjectAnswerIsCheckedNotRepeated) {
  const std::string bucket = "s3test-faults-lost-put";
  ASSERT_TRUE(ResetBucket(bucket).ok());
  FaultProxy proxy;
  proxy.SetRules(json::array({{{"method", "PUT"}, {"path", "/manifest.json"}, {"action", "forward_then_drop"},
                               {"times", 1}}}));
  auto store = OpenThrough(proxy, bucket);
  const std::string manifest = R"({"exportTaskIdentifier":"t1","status":"COMPLETE"})";
  Status put = store->Put("manifest.json", manifest);
  ASSERT_TRUE(put.ok()) << put;

  json log = proxy.Log();
  ASSERT_EQ(log.size(), 2u) << log.dump(1);
  EXPECT_EQ(log[0]["method"], "PUT");
  EXPECT_EQ(log[0]["fault"], "forward_then_drop");
  EXPECT_EQ(log[1]["method"], "HEAD");
  EXPECT_EQ(log[1]["path"], "/" + bucket + "/manifest.json");
  ExpectOnlyObject(bucket, "manifest.json", manifest);
}

TEST(S3Faults, RetryWarningsNameTheOperationAndCarryNoSecret) {
  const std::string bucket = "s3test-faults-warnings";
  ASSERT_TRUE(ResetBucket(bucket).ok());
  FaultProxy proxy;
  proxy.SetRules(json::array({
      {{"method", "PUT"}, {"path", "/small.json"}, {"action", "status"}, {"status", 503}, {"code", "SlowDown"},
       {"message", "Please reduce your request rate."}, {"times", 1}},
      {{"method", "PUT"}, {"query", "partNumber=1&"}, {"action", "status"}, {"status", 500},
       {"code", "InternalError"}, {"message", "We encountered an internal error."}, {"times", 1}},
  }));
  const std::string access_key = "AKIAWARNINGTEST00001";
  const std::string secret_key = "wJalrXUtnFEMI/K7MDENG+NeverPrintThisKey";
  std::mutex mu;
  std::vector<std::string> warnings;
  S3StoreOptions o = StoreOptions(bucket, proxy.endpoint());
  o.credentials = MakeStaticCredentialsProvider({access_key, secret_key, ""}, "test");
  o.retry.on_retry = [&](const std::string& warning) {
    std::lock_guard<std::mutex> lock(mu);
    warnings.push_back(warning);
  };
  auto store = OpenS3Store(o);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->Put("small.json", "{}").ok());
  ASSERT_TRUE(WriteAll(**store, "big.bin", Bytes(6 * kMiB, 23)).ok());

  ASSERT_EQ(warnings.size(), 2u);
  const std::string put_warning =
      "S3 answered with a transient error: PutObject s3://" + bucket +
      "/small.json: HTTP 503 SlowDown: Please reduce your request rate. (request id FAULTPROXY0001); retrying "
      "(attempt 2, ";
  EXPECT_EQ(warnings[0].rfind(put_warning, 0), 0u) << warnings[0];
  EXPECT_TRUE(warnings[0].ends_with(" of 300 s)")) << warnings[0];
  const std::string part_warning =
      "S3 answered with a transient error: UploadPart s3://" + bucket +
      "/big.bin part 1: HTTP 500 InternalError: We encountered an internal error. (request id FAULTPROXY0001); "
      "retrying (attempt 2, ";
  EXPECT_EQ(warnings[1].rfind(part_warning, 0), 0u) << warnings[1];
  // The requests carried the signature; the warnings none of it.
  json log = proxy.Log();
  ASSERT_FALSE(log.empty());
  EXPECT_NE(log[0]["authorization"].get<std::string>().find("Credential=" + access_key), std::string::npos);
  for (const std::string& w : warnings) {
    for (const std::string& secret : {secret_key, access_key, std::string("Signature"), std::string("AWS4-HMAC"),
                                      std::string("Authorization"), std::string("X-Amz-")}) {
      EXPECT_EQ(w.find(secret), std::string::npos) << secret << " in: " << w;
    }
  }
}

TEST(S3Faults, UnreachableEndpointIsUnavailable) {
  S3StoreOptions o = StoreOptions("s3test-faults", "http://127.0.0.1:1");
  o.retry = testing::FastRetry(2);
  auto store = OpenS3Store(o);
  ASSERT_TRUE(store.ok());
  Status put = (*store)->Put("x", "y");
  EXPECT_EQ(put.code(), StatusCode::kUnavailable);
  EXPECT_EQ(put.message().rfind("PutObject s3://s3test-faults/x: connection failed: ", 0), 0u) << put;
  EXPECT_NE(put.message().find("(curl error 7) (gave up after 2 attempts)"), std::string::npos) << put;
}

}  // namespace
}  // namespace dbexport::s3
