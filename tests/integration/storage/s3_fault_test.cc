// Retries and clean failure, through the fault proxy in front of moto:
// injected 500/503 answers, connections dropped before and in the middle of
// a part, lost responses. Past the retry budget the stream fails with the
// last error and aborts its multipart upload: nothing is left.

#include <random>

#include <gtest/gtest.h>

#include "integration/storage/s3_test_util.h"
#include "storage/s3/sigv4.h"

namespace dbexport::s3 {
namespace {

using nlohmann::json;
using testing::FaultProxy;
using testing::Bytes;
using testing::MakeClient;
using testing::ResetBucket;
using testing::StoreOptions;

Status WriteAll(ObjectStore& store, const std::string& key, const std::string& data) {
  DBX_ASSIGN_OR_RETURN(auto out, store.OpenWrite(key));
  for (size_t pos = 0; pos < data.size(); pos += kMiB) {
    Status s = out->Write(reinterpret_cast<const uint8_t*>(data.data() + pos), std::min<size_t>(kMiB, data.size() - pos));
    if (!s.ok()) {
      out->Abort().IgnoreError();
      return s;
    }
  }
  return out->Close();
}

int CountFaults(const json& log, const std::string& action) {
  int n = 0;
  for (const auto& e : log) n += e["fault"] == action;
  return n;
}

int CountRequests(const json& log, const std::string& method, const std::string& query_part) {
  int n = 0;
  for (const auto& e : log) {
    n += e["method"] == method && e["query"].get<std::string>().find(query_part) != std::string::npos;
  }
  return n;
}

// Nothing visible, no upload left open.
void ExpectBucketEmpty(const std::string& bucket) {
  auto client = MakeClient();
  auto objects = client->ListObjects(bucket, "");
  ASSERT_TRUE(objects.ok()) << objects.status();
  EXPECT_TRUE(objects->empty()) << objects->size() << " objects, first " << objects->front().key;
  auto uploads = client->ListMultipartUploads(bucket, "");
  ASSERT_TRUE(uploads.ok()) << uploads.status();
  EXPECT_TRUE(uploads->empty()) << uploads->size() << " multipart uploads left";
}

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
      // The completion takes effect but its answer is lost: the retry finds
      // the upload gone and the object complete.
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
