// A store that stops answering, through the fault proxy's pause (as a
// SIGSTOPped server: connections accepted, requests left unanswered, then
// applied in order once it resumes). A call ends within its time budget
// plus one floor deadline; once the store has been silent for the budget,
// each further call fails after one short attempt; a pause shorter than the
// budget is ridden out, and the requests the store applies late leave
// neither a second object nor an open upload.

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "integration/storage/s3_test_util.h"

namespace dbexport::s3 {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::Bytes;
using testing::CountRequests;
using testing::ExpectBucketEmpty;
using testing::ExpectOnlyObject;
using testing::FaultProxy;
using testing::ResetBucket;
using testing::WriteAll;

using Clock = std::chrono::steady_clock;

// Room for scheduling on a loaded 2-core machine and the proxy's own work.
constexpr double kSlackSeconds = 2.0;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The warnings a store's retries print, from any thread.
class Warnings {
 public:
  void Add(const std::string& warning) {
    std::lock_guard<std::mutex> lock(mu_);
    warnings_.push_back(warning);
  }
  std::vector<std::string> Get() {
    std::lock_guard<std::mutex> lock(mu_);
    return warnings_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> warnings_;
};

struct Deadlines {
  seconds total;
  seconds floor;
  long low_speed_time_s;
};

// A store on `bucket` through `proxy`. Many attempts allowed: the time
// budget is what ends a call.
std::unique_ptr<ObjectStore> OpenThrough(const FaultProxy& proxy, const std::string& bucket, Deadlines deadlines,
                                         Warnings* warnings) {
  S3StoreOptions o = testing::StoreOptions(bucket, proxy.endpoint());
  o.retry = testing::FastRetry(/*max_attempts=*/100);
  o.retry.total_timeout = deadlines.total;
  o.retry.min_attempt_timeout = deadlines.floor;
  o.retry.on_retry = [warnings](const std::string& warning) { warnings->Add(warning); };
  o.http.low_speed_time_s = deadlines.low_speed_time_s;
  auto store = OpenS3Store(o);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? std::move(store).value() : nullptr;
}

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Budget 6 s, floor 2 s, and a low-speed limit of 5 s that would end each
// stalled attempt later than the floor does: a call's last attempt, and the
// single attempt of each call after the budget, are ended by the request
// deadline itself.
constexpr Deadlines kShortBudget{seconds(6), seconds(2), 5};

TEST(S3Stall, PausedStoreFailsAPutWithinItsBudgetAndLaterCallsWithinTheFloor) {
  const std::string bucket = "s3test-stall-put";
  ASSERT_TRUE(ResetBucket(bucket).ok());
  FaultProxy proxy;
  Warnings warnings;
  auto store = OpenThrough(proxy, bucket, kShortBudget, &warnings);
  ASSERT_NE(store, nullptr);
  proxy.Pause();

  Clock::time_point start = Clock::now();
  Status put = store->Put("a.json", "{}");
  double elapsed = SecondsSince(start);
  EXPECT_EQ(put.code(), StatusCode::kUnavailable) << put;
  EXPECT_EQ(put.message().rfind("PutObject s3://s3test-stall-put/a.json: connection failed: ", 0), 0u) << put;
  EXPECT_TRUE(Contains(put.message(), "(curl error 28) (S3 did not answer within the time limit of 6 s: gave up after "))
      << put;
  EXPECT_GE(elapsed, 6.0);
  EXPECT_LE(elapsed, 6.0 + 2.0 + kSlackSeconds);

  // The store has been silent for the budget: the cleanup and the manifest
  // get one attempt each, ended by the 2 s floor deadline.
  start = Clock::now();
  Status manifest = store->Put("export_info.json", "{}");
  double manifest_elapsed = SecondsSince(start);
  EXPECT_EQ(manifest.code(), StatusCode::kUnavailable) << manifest;
  EXPECT_TRUE(Contains(manifest.message(), "(S3 has not answered for ")) << manifest;
  EXPECT_TRUE(manifest.message().ends_with(", longer than the time limit of 6 s: not retried)")) << manifest;
  EXPECT_LE(manifest_elapsed, 2.0 + kSlackSeconds);

  start = Clock::now();
  Result<int> aborted = store->AbortIncompleteWrites("t1/");
  EXPECT_EQ(aborted.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(aborted.status().message().ends_with(": not retried)")) << aborted.status();
  auto listed = store->List("t1/");
  EXPECT_EQ(listed.status().code(), StatusCode::kUnavailable);
  EXPECT_LE(SecondsSince(start), 2 * 2.0 + kSlackSeconds);
  for (const std::string& w : warnings.Get()) {
    EXPECT_EQ(w.rfind("S3 is not answering: PutObject s3://s3test-stall-put/a.json: connection failed: ", 0), 0u) << w;
  }
}

TEST(S3Stall, PausedStoreFailsAMultipartUploadWithinItsBudget) {
  const std::string bucket = "s3test-stall-multipart";
  ASSERT_TRUE(ResetBucket(bucket).ok());

  // Paused from the start: CreateMultipartUpload gets no answer.
  {
    FaultProxy proxy;
    Warnings warnings;
    auto store = OpenThrough(proxy, bucket, kShortBudget, &warnings);
    ASSERT_NE(store, nullptr);
    proxy.Pause();
    Clock::time_point start = Clock::now();
    Status written = WriteAll(*store, "create.bin", Bytes(12 * kMiB, 31));
    double elapsed = SecondsSince(start);
    EXPECT_EQ(written.code(), StatusCode::kUnavailable) << written;
    EXPECT_EQ(written.message().rfind("CreateMultipartUpload s3://s3test-stall-multipart/create.bin: ", 0), 0u)
        << written;
    EXPECT_TRUE(Contains(written.message(), "(S3 did not answer within the time limit of 6 s: gave up after "))
        << written;
    EXPECT_GE(elapsed, 6.0);
    EXPECT_LE(elapsed, 6.0 + 2.0 + kSlackSeconds);
  }

  // Paused at part 2, parts in flight: the parts fail within the budget,
  // then the abort gets one floor deadline.
  FaultProxy proxy;
  proxy.SetRules(json::array({{{"method", "PUT"}, {"query", "partNumber=2&"}, {"action", "pause"}, {"times", 1}}}));
  Warnings warnings;
  auto store = OpenThrough(proxy, bucket, kShortBudget, &warnings);
  ASSERT_NE(store, nullptr);
  Clock::time_point start = Clock::now();
  Status written = WriteAll(*store, "parts.bin", Bytes(17 * kMiB, 32));
  double elapsed = SecondsSince(start);
  EXPECT_EQ(written.code(), StatusCode::kUnavailable) << written;
  EXPECT_EQ(written.message().rfind("UploadPart s3://s3test-stall-multipart/parts.bin part ", 0), 0u) << written;
  EXPECT_TRUE(Contains(written.message(), "S3 did not answer within the time limit of 6 s") ||
              Contains(written.message(), "S3 has not answered for "))
      << written;
  EXPECT_LE(elapsed, 6.0 + 2 * 2.0 + kSlackSeconds);

  // The store comes back and applies what it was sent, the abort last:
  // nothing is left.
  proxy.Resume();
  ASSERT_TRUE(proxy.WaitUntilDrained(20000));
  ExpectBucketEmpty(bucket);
}

// Budget 30 s, pauses of 6 s, and a 2 s low-speed limit so that attempts
// (and the checks before their retries) fail and are retried during the
// pause, leaving requests the store applies late.
constexpr Deadlines kRideOut{seconds(30), seconds(5), 2};
constexpr int kPauseSeconds = 6;

json PauseRule(const std::string& method, const std::string& field, const std::string& value) {
  return json::array({{{"method", method}, {field, value}, {"action", "pause"}, {"seconds", kPauseSeconds},
                       {"times", 1}}});
}

TEST(S3Stall, MultipartUploadRidesOutAPauseAtCreate) {
  const std::string bucket = "s3test-stall-create";
  ASSERT_TRUE(ResetBucket(bucket).ok());
  FaultProxy proxy;
  proxy.SetRules(PauseRule("POST", "query", "uploads"));
  Warnings warnings;
  auto store = OpenThrough(proxy, bucket, kRideOut, &warnings);
  ASSERT_NE(store, nullptr);
  std::string data = Bytes(12 * kMiB, 33);
  Status written = WriteAll(*store, "create.bin", data);
  ASSERT_TRUE(written.ok()) << written;
  ASSERT_TRUE(proxy.WaitUntilDrained(20000));

  json log = proxy.Log();
  EXPECT_EQ(CountRequests(log, "POST", "uploads"), 1) << log.dump(1);      // never created again
  EXPECT_GE(CountRequests(log, "GET", "uploads&max-uploads"), 1) << log.dump(1);  // the check
  EXPECT_FALSE(warnings.Get().empty());
  ExpectOnlyObject(bucket, "create.bin", data);
}

TEST(S3Stall, MultipartUploadRidesOutAPauseAtComplete) {
  const std::string bucket = "s3test-stall-complete";
  ASSERT_TRUE(ResetBucket(bucket).ok());
  FaultProxy proxy;
  proxy.SetRules(PauseRule("POST", "query", "uploadId"));
  Warnings warnings;
  auto store = OpenThrough(proxy, bucket, kRideOut, &warnings);
  ASSERT_NE(store, nullptr);
  std::string data = Bytes(12 * kMiB, 34);
  Status written = WriteAll(*store, "complete.bin", data);
  ASSERT_TRUE(written.ok()) << written;
  ASSERT_TRUE(proxy.WaitUntilDrained(20000));

  json log = proxy.Log();
  EXPECT_EQ(CountRequests(log, "POST", "uploadId"), 1) << log.dump(1);  // completed once
  EXPECT_GE(CountRequests(log, "HEAD", ""), 1) << log.dump(1);          // the check
  ExpectOnlyObject(bucket, "complete.bin", data);
}

TEST(S3Stall, PutObjectRidesOutAPause) {
  const std::string bucket = "s3test-stall-put-ride";
  ASSERT_TRUE(ResetBucket(bucket).ok());
  FaultProxy proxy;
  proxy.SetRules(PauseRule("PUT", "path", "/export_info.json"));
  Warnings warnings;
  auto store = OpenThrough(proxy, bucket, kRideOut, &warnings);
  ASSERT_NE(store, nullptr);
  const std::string manifest = R"({"exportTaskIdentifier":"t1","status":"COMPLETE"})";
  Status put = store->Put("export_info.json", manifest);
  ASSERT_TRUE(put.ok()) << put;
  ASSERT_TRUE(proxy.WaitUntilDrained(20000));

  json log = proxy.Log();
  EXPECT_EQ(CountRequests(log, "PUT", ""), 1) << log.dump(1);
  EXPECT_GE(CountRequests(log, "HEAD", ""), 1) << log.dump(1);
  ExpectOnlyObject(bucket, "export_info.json", manifest);
}

}  // namespace
}  // namespace dbexport::s3
