// Deadlines of the S3 client without a server: the budget arithmetic
// (backoff, attempt deadlines, the store-wide silence bound), and AwsCaller
// and S3Client over a scripted transport and a fake clock, so that minutes
// of a stalled endpoint pass in no time.

#include <deque>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/s3/aws_call.h"
#include "storage/s3/credentials.h"
#include "storage/s3/http_client.h"
#include "storage/s3/s3_client.h"

namespace dbexport::s3 {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kSecretKey[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

// ---- Budget arithmetic ------------------------------------------------------

RetryPolicy Policy(milliseconds total, milliseconds floor = seconds(5)) {
  RetryPolicy p;
  p.total_timeout = total;
  p.min_attempt_timeout = floor;
  return p;
}

TEST(S3Deadlines, DefaultsAreFiveMinutesPerCallAndAFiveSecondFloor) {
  RetryPolicy p;
  EXPECT_EQ(p.total_timeout, seconds(300));
  EXPECT_EQ(p.min_attempt_timeout, seconds(5));
  EXPECT_EQ(p.max_attempts, 6);
  EXPECT_FALSE(p.on_retry);
}

TEST(S3Deadlines, BackoffNeverOverrunsTheBudgetLeft) {
  RetryPolicy p;
  p.base_delay = milliseconds(100);
  p.max_delay = milliseconds(1000);
  EXPECT_EQ(BackoffDelay(p, 4, 0.999, milliseconds(10000)).count(), 799);  // the budget does not bind
  EXPECT_EQ(BackoffDelay(p, 4, 0.999, milliseconds(150)).count(), 150);
  EXPECT_EQ(BackoffDelay(p, 4, 0.999, milliseconds(0)).count(), 0);
  EXPECT_EQ(BackoffDelay(p, 4, 0.999, milliseconds(-20)).count(), 0);  // already overrun
  EXPECT_EQ(BackoffDelay(p, 5, 0.5).count(), 500);                      // no budget given
}

TEST(S3Deadlines, AttemptDeadlineIsTheBudgetLeftButNeverBelowTheFloor) {
  RetryPolicy p = Policy(seconds(300));
  CallTime start{};
  CallTime deadline = start + seconds(300);
  EXPECT_EQ(AttemptTimeout(p, deadline, start), seconds(300));
  EXPECT_EQ(AttemptTimeout(p, deadline, start + seconds(62)), seconds(238));
  EXPECT_EQ(AttemptTimeout(p, deadline, start + milliseconds(294500)), milliseconds(5500));
  EXPECT_EQ(AttemptTimeout(p, deadline, start + seconds(297)), seconds(5));  // 3 s left: the floor
  EXPECT_EQ(AttemptTimeout(p, deadline, start + seconds(400)), seconds(5));  // overrun: the floor
  EXPECT_EQ(AttemptTimeout(p, deadline, deadline - std::chrono::microseconds(300)), seconds(5));
  // Rounded up, and never 0 (which would mean no limit at all).
  EXPECT_EQ(AttemptTimeout(Policy(seconds(300), milliseconds(0)), deadline, deadline - std::chrono::microseconds(300)),
            milliseconds(1));
  EXPECT_EQ(AttemptTimeout(Policy(seconds(300), milliseconds(0)), deadline, deadline), milliseconds(1));
}

TEST(S3Deadlines, CallDeadlineIsTheEarliestOfItsBudgetTheOuterCallAndTheSilenceBound) {
  RetryPolicy p = Policy(seconds(60));
  CallTime start = CallTime{} + seconds(1000);
  CallDeadline own = ComputeCallDeadline(p, start, std::nullopt, std::nullopt);
  EXPECT_EQ(own.at, start + seconds(60));
  EXPECT_EQ(own.bound, CallDeadline::Bound::kCallBudget);

  // Silent since 50 s before this call: 10 s left of the store-wide bound.
  CallDeadline silent = ComputeCallDeadline(p, start, std::nullopt, start - seconds(50));
  EXPECT_EQ(silent.at, start + seconds(10));
  EXPECT_EQ(silent.bound, CallDeadline::Bound::kEndpointSilent);
  // Silence that began with this call's own first attempt binds no sooner.
  EXPECT_EQ(ComputeCallDeadline(p, start, std::nullopt, start).bound, CallDeadline::Bound::kCallBudget);
  // Silent for longer than the budget: the deadline is already past.
  EXPECT_LT(ComputeCallDeadline(p, start, std::nullopt, start - seconds(90)).at, start);

  CallDeadline outer = ComputeCallDeadline(p, start, start + seconds(5), start - seconds(50));
  EXPECT_EQ(outer.at, start + seconds(5));
  EXPECT_EQ(outer.bound, CallDeadline::Bound::kOuterCall);
  EXPECT_EQ(ComputeCallDeadline(p, start, start + seconds(100), std::nullopt).bound,
            CallDeadline::Bound::kCallBudget);
}

TEST(S3Deadlines, SilenceCountsFromTheFirstUnansweredAttemptSinceTheLastAnswer) {
  CallTime t0{};
  EndpointSilence silence;
  EXPECT_EQ(silence.silent_since(), std::nullopt);
  silence.Unanswered(t0 + seconds(5));
  EXPECT_EQ(silence.silent_since(), t0 + seconds(5));
  silence.Unanswered(t0 + seconds(3));  // a longer attempt, begun earlier
  EXPECT_EQ(silence.silent_since(), t0 + seconds(3));
  silence.Unanswered(t0 + seconds(9));
  EXPECT_EQ(silence.silent_since(), t0 + seconds(3));

  silence.Answered(t0 + seconds(10));
  EXPECT_EQ(silence.silent_since(), std::nullopt);
  // Begun before the answer, failed after it: silent since the answer.
  silence.Unanswered(t0 + seconds(8));
  EXPECT_EQ(silence.silent_since(), t0 + seconds(10));
}

TEST(S3Deadlines, FormatSeconds) {
  EXPECT_EQ(FormatSeconds(seconds(300)), "300 s");
  EXPECT_EQ(FormatSeconds(seconds(6)), "6 s");
  EXPECT_EQ(FormatSeconds(milliseconds(6240)), "6.2 s");
  EXPECT_EQ(FormatSeconds(milliseconds(62400)), "62 s");
  EXPECT_EQ(FormatSeconds(milliseconds(62600)), "63 s");
  EXPECT_EQ(FormatSeconds(milliseconds(0)), "0 s");
  EXPECT_EQ(FormatSeconds(milliseconds(-5)), "0 s");
}

TEST(S3Deadlines, WhatMayHaveTakenEffect) {
  auto transport = [](int curl_code) {
    HttpResponse r;
    r.curl_code = curl_code;
    return r;
  };
  auto http = [](int status) {
    HttpResponse r;
    r.status = status;
    return r;
  };
  // curl: COULDNT_RESOLVE_HOST 6, COULDNT_CONNECT 7, SSL_CONNECT_ERROR 35:
  // no request went out. OPERATION_TIMEDOUT 28, GOT_NOTHING 52,
  // SEND_ERROR 55, RECV_ERROR 56: it may have.
  EXPECT_FALSE(MayHaveTakenEffect(transport(6)));
  EXPECT_FALSE(MayHaveTakenEffect(transport(7)));
  EXPECT_FALSE(MayHaveTakenEffect(transport(35)));
  EXPECT_FALSE(MayHaveTakenEffect(transport(-1)));  // not signed, not sent
  EXPECT_TRUE(MayHaveTakenEffect(transport(28)));
  EXPECT_TRUE(MayHaveTakenEffect(transport(52)));
  EXPECT_TRUE(MayHaveTakenEffect(transport(55)));
  EXPECT_TRUE(MayHaveTakenEffect(transport(56)));
  EXPECT_TRUE(MayHaveTakenEffect(http(500)));
  EXPECT_TRUE(MayHaveTakenEffect(http(503)));
  EXPECT_FALSE(MayHaveTakenEffect(http(400)));  // RequestTimeout: the body never arrived
  EXPECT_FALSE(MayHaveTakenEffect(http(429)));
}

// ---- AwsCaller over a scripted transport and a fake clock ------------------

class FakeClock final : public CallClock {
 public:
  CallTime Now() override { return now_; }
  void SleepFor(milliseconds duration) override {
    sleeps.push_back(duration);
    now_ += duration;
  }
  void Advance(milliseconds duration) { now_ += duration; }
  milliseconds Since(CallTime t) const { return std::chrono::duration_cast<milliseconds>(now_ - t); }

  std::vector<milliseconds> sleeps;

 private:
  CallTime now_ = CallTime{} + seconds(100000);
};

struct SentRequest {
  std::string method;
  std::string url;
  milliseconds timeout;
  bool fresh_connection;
  std::string authorization;
};

// Answers each request with the next step of a script; a step may let time
// pass on the fake clock first. Past the script's end: the default step.
class ScriptedHttp final : public HttpClient {
 public:
  using Step = std::function<HttpResponse(const HttpRequest&)>;

  HttpResponse Send(const HttpRequest& request) override {
    std::string authorization;
    for (const auto& [k, v] : request.headers) {
      if (k == "Authorization") authorization = v;
    }
    sent.push_back({request.method, request.url, request.timeout, request.fresh_connection, authorization});
    Step step = default_step;
    if (!script.empty()) {
      step = std::move(script.front());
      script.pop_front();
    }
    return step(request);
  }

  std::deque<Step> script;
  Step default_step;
  std::vector<SentRequest> sent;
};

constexpr milliseconds kLowSpeedTime = seconds(30);

// A stalled endpoint: nothing comes back until the request's deadline or the
// low-speed limit ends the attempt.
ScriptedHttp::Step Stall(FakeClock* clock) {
  return [clock](const HttpRequest& request) {
    milliseconds waited = std::min(request.timeout, kLowSpeedTime);
    clock->Advance(waited);
    HttpResponse r;
    r.curl_code = 28;
    r.transport_error = "Operation timed out after " + std::to_string(waited.count()) +
                        " milliseconds with 0 bytes received";
    return r;
  };
}

ScriptedHttp::Step Answer(int status, std::string body = "", HttpHeaders headers = {}) {
  return [=](const HttpRequest&) {
    HttpResponse r;
    r.status = status;
    r.body = body;
    r.headers = headers;
    return r;
  };
}

ScriptedHttp::Step TransportError(int curl_code, std::string text) {
  return [=](const HttpRequest&) {
    HttpResponse r;
    r.curl_code = curl_code;
    r.transport_error = text;
    return r;
  };
}

ScriptedHttp::Step SlowDown() {
  return Answer(503,
                "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>",
                {{"x-amz-request-id", "R1"}});
}

class AwsCallerDeadlines : public ::testing::Test {
 protected:
  void SetUp() override {
    policy_.max_attempts = 100;  // the time limit binds, not the count
    policy_.base_delay = milliseconds(0);
    policy_.max_delay = milliseconds(0);  // no backoff: exact timelines
    policy_.total_timeout = seconds(62);
    policy_.min_attempt_timeout = seconds(5);
    policy_.on_retry = [this](const std::string& warning) { warnings_.push_back(warning); };
  }

  std::shared_ptr<AwsCaller> Caller() {
    http_ = std::make_shared<ScriptedHttp>();
    auto credentials = MakeStaticCredentialsProvider({"AKIDEXAMPLE", kSecretKey, ""}, "test");
    return std::make_shared<AwsCaller>(http_, credentials, AwsEndpoint{"http", "127.0.0.1:9", true}, "us-east-1",
                                       "s3", policy_, clock_);
  }

  static AwsRequest Put() {
    AwsRequest request;
    request.method = "PUT";
    request.path = "/b/k";
    request.body = "{}";
    return request;
  }

  std::vector<milliseconds> Timeouts() const {
    std::vector<milliseconds> timeouts;
    for (const SentRequest& r : http_->sent) timeouts.push_back(r.timeout);
    return timeouts;
  }

  RetryPolicy policy_;
  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
  std::shared_ptr<ScriptedHttp> http_;
  std::vector<std::string> warnings_;
};

TEST_F(AwsCallerDeadlines, StalledEndpointFailsTheCallWithinItsBudgetPlusOneFloor) {
  auto caller = Caller();
  http_->default_step = Stall(clock_.get());
  CallTime start = clock_->Now();
  Result<HttpResponse> r = caller->Call(Put(), "PutObject", "s3://b/k");
  // Attempts at 0 s (deadline 62 s, ended at 30 s by the low-speed limit),
  // 30 s (32 s left) and 60 s (2 s left: the 5 s floor), then no time left.
  EXPECT_EQ(Timeouts(), (std::vector<milliseconds>{seconds(62), seconds(32), seconds(5)}));
  EXPECT_EQ(clock_->Since(start), seconds(65));
  EXPECT_EQ(r.status(),
            Unavailable("PutObject s3://b/k: connection failed: Operation timed out after 5000 milliseconds with 0 "
                        "bytes received (curl error 28) (S3 did not answer within the time limit of 62 s: gave up "
                        "after 3 attempts in 65 s)"));
  EXPECT_EQ(caller->stats().attempts, 3);
}

TEST_F(AwsCallerDeadlines, OnceTheEndpointIsSilentForTheBudgetCallsMakeOneAttemptWithTheFloor) {
  auto caller = Caller();
  http_->default_step = Stall(clock_.get());
  CallTime silent_from = clock_->Now();
  ASSERT_FALSE(caller->Call(Put(), "UploadPart", "s3://b/k part 1").ok());  // 65 s, as above

  // The abort, the cleanup listing, the manifest: one floor deadline each.
  http_->sent.clear();
  warnings_.clear();
  Result<HttpResponse> abort = caller->Call(Put(), "AbortMultipartUpload", "s3://b/k");
  EXPECT_EQ(Timeouts(), std::vector<milliseconds>{seconds(5)});
  EXPECT_EQ(abort.status(),
            Unavailable("AbortMultipartUpload s3://b/k: connection failed: Operation timed out after 5000 "
                        "milliseconds with 0 bytes received (curl error 28) (S3 has not answered for 70 s, longer "
                        "than the time limit of 62 s: not retried)"));
  EXPECT_FALSE(caller->Call(Put(), "ListMultipartUploads", "s3://b/").ok());
  EXPECT_FALSE(caller->Call(Put(), "PutObject", "s3://b/manifest.json").ok());
  EXPECT_EQ(Timeouts(), (std::vector<milliseconds>{seconds(5), seconds(5), seconds(5)}));
  EXPECT_TRUE(warnings_.empty());
  // The whole sequence: the budget, plus a floor for the last attempt of the
  // first call and one for each call after it.
  EXPECT_EQ(clock_->Since(silent_from), seconds(62 + 3 + 5 * 3));

  // Any answer ends the silence: the next call retries again, in full.
  http_->script = {Answer(200)};
  ASSERT_TRUE(caller->Call(Put(), "PutObject", "s3://b/k").ok());
  http_->sent.clear();
  http_->script = {SlowDown(), SlowDown(), Answer(200)};
  int attempts = 0;
  CallOptions options;
  options.attempts = &attempts;
  ASSERT_TRUE(caller->Call(Put(), "PutObject", "s3://b/k", options).ok());
  EXPECT_EQ(attempts, 3);
  EXPECT_EQ(Timeouts(), (std::vector<milliseconds>{seconds(62), seconds(62), seconds(62)}));
}

TEST_F(AwsCallerDeadlines, SilenceBeganByAnotherCallCutsARunningCallShort) {
  auto caller = Caller();
  http_->default_step = Stall(clock_.get());
  // A first call (a check for an enclosing call whose time was up) went
  // unanswered 40 s ago.
  CallTime silent_from = clock_->Now();
  CallOptions enclosed;
  enclosed.deadline = clock_->Now();
  ASSERT_FALSE(caller->Call(Put(), "HeadObject", "s3://b/a", enclosed).ok());
  EXPECT_EQ(Timeouts(), std::vector<milliseconds>{seconds(5)});
  clock_->Advance(seconds(35));
  http_->sent.clear();
  // 22 s left of the store-wide bound: the attempt ends at the 30 s
  // low-speed limit, after the bound, and is not retried.
  Result<HttpResponse> r = caller->Call(Put(), "UploadPart", "s3://b/k part 2");
  EXPECT_EQ(Timeouts(), std::vector<milliseconds>{seconds(22)});
  EXPECT_EQ(clock_->Since(silent_from), seconds(62));
  EXPECT_EQ(r.status(),
            Unavailable("UploadPart s3://b/k part 2: connection failed: Operation timed out after 22000 "
                        "milliseconds with 0 bytes received (curl error 28) (S3 has not answered for 62 s, longer "
                        "than the time limit of 62 s: not retried)"));
}

TEST_F(AwsCallerDeadlines, AnIdleEndpointIsNotASilentOne) {
  auto caller = Caller();
  http_->script = {Answer(200)};
  ASSERT_TRUE(caller->Call(Put(), "PutObject", "s3://b/a").ok());
  clock_->Advance(seconds(3600));  // an hour reading the database
  http_->sent.clear();
  http_->script = {Stall(clock_.get()), Answer(200)};
  ASSERT_TRUE(caller->Call(Put(), "PutObject", "s3://b/k").ok());
  EXPECT_EQ(Timeouts(), (std::vector<milliseconds>{seconds(62), seconds(32)}));
}

TEST_F(AwsCallerDeadlines, BackoffSleepsEndAtTheDeadline) {
  policy_.base_delay = seconds(100);
  policy_.max_delay = seconds(100);
  auto caller = Caller();
  http_->default_step = SlowDown();  // answers at once
  CallTime start = clock_->Now();
  Result<HttpResponse> r = caller->Call(Put(), "PutObject", "s3://b/k");
  ASSERT_FALSE(r.ok());
  // Every sleep fits in what was left; the call ends exactly at its budget.
  EXPECT_EQ(clock_->Since(start), seconds(62));
  milliseconds slept{0};
  for (milliseconds s : clock_->sleeps) {
    EXPECT_LE(s, seconds(62) - slept);
    slept += s;
  }
  EXPECT_EQ(slept, seconds(62));
  const std::string& m = r.status().message();
  EXPECT_EQ(m.rfind("PutObject s3://b/k: HTTP 503 SlowDown: Please reduce your request rate. (request id R1) "
                    "(gave up after ",
                    0),
            0u)
      << m;
  EXPECT_TRUE(m.ends_with(" attempts in 62 s, the time limit being 62 s)")) << m;
}

TEST_F(AwsCallerDeadlines, MaxAttemptsStillLimitsAFastFailingCall) {
  policy_.max_attempts = 3;
  auto caller = Caller();
  http_->default_step = SlowDown();
  EXPECT_EQ(caller->Call(Put(), "PutObject", "s3://b/k").status(),
            Unavailable("PutObject s3://b/k: HTTP 503 SlowDown: Please reduce your request rate. (request id R1) "
                        "(gave up after 3 attempts)"));
  EXPECT_EQ(warnings_.size(), 2u);
}

TEST_F(AwsCallerDeadlines, RetryWarningsNameTheOperationTargetErrorAttemptAndTime) {
  policy_.total_timeout = seconds(300);
  auto caller = Caller();
  http_->script = {Stall(clock_.get()), Stall(clock_.get()), SlowDown(), Answer(200)};
  ASSERT_TRUE(caller->Call(Put(), "UploadPart", "s3://b/k part 3").ok());
  EXPECT_EQ(warnings_,
            (std::vector<std::string>{
                "S3 is not answering: UploadPart s3://b/k part 3: connection failed: Operation timed out after 30000 "
                "milliseconds with 0 bytes received (curl error 28); retrying (attempt 2, 30 s of 300 s)",
                "S3 is not answering: UploadPart s3://b/k part 3: connection failed: Operation timed out after 30000 "
                "milliseconds with 0 bytes received (curl error 28); retrying (attempt 3, 60 s of 300 s)",
                "S3 answered with a transient error: UploadPart s3://b/k part 3: HTTP 503 SlowDown: Please reduce "
                "your request rate. (request id R1); retrying (attempt 4, 60 s of 300 s)",
            }));
  ASSERT_EQ(http_->sent.size(), 4u);
  // The requests were signed; the warnings carry none of it.
  EXPECT_NE(http_->sent[0].authorization.find("Signature="), std::string::npos);
  for (const std::string& w : warnings_) {
    EXPECT_EQ(w.find(kSecretKey), std::string::npos) << w;
    EXPECT_EQ(w.find("AKIDEXAMPLE"), std::string::npos) << w;
    EXPECT_EQ(w.find("Signature"), std::string::npos) << w;
    EXPECT_EQ(w.find("AWS4-HMAC-SHA256"), std::string::npos) << w;
  }
}

TEST_F(AwsCallerDeadlines, CheckRunsBeforeRetryingOnlyWhenTheRequestMayHaveTakenEffect) {
  auto caller = Caller();
  std::vector<CallTime> checks;
  bool applied = false;
  CallOptions options;
  options.check_applied = [&](CallTime deadline) {
    checks.push_back(deadline);
    return applied;
  };
  CallTime start = clock_->Now();
  // Not connected, then a 400 RequestTimeout: nothing to check. A lost
  // answer and a 500: checked, found not applied, retried.
  http_->script = {TransportError(7, "Failed to connect"),
                   Answer(400, "<Error><Code>RequestTimeout</Code><Message>idle</Message></Error>"),
                   TransportError(52, "Empty reply from server"),
                   Answer(500, "<Error><Code>InternalError</Code><Message>oops</Message></Error>"), Answer(200)};
  ASSERT_TRUE(caller->Call(Put(), "PutObject", "s3://b/k", options).ok());
  EXPECT_EQ(http_->sent.size(), 5u);
  EXPECT_EQ(checks, (std::vector<CallTime>{start + seconds(62), start + seconds(62)}));

  // Found applied: the call ends OK at once with an empty response.
  checks.clear();
  applied = true;
  http_->sent.clear();
  http_->script = {TransportError(56, "Recv failure: Connection reset by peer")};
  Result<HttpResponse> r = caller->Call(Put(), "PutObject", "s3://b/k", options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 0);
  EXPECT_EQ(http_->sent.size(), 1u);
  EXPECT_EQ(checks.size(), 1u);
  EXPECT_EQ(warnings_.size(), 4u);  // from the first call; none for the applied request
}

TEST_F(AwsCallerDeadlines, A2xxCarryingAnErrorIsRetriedAsThatError) {
  auto caller = Caller();
  CallOptions options;
  options.check_response = [](const HttpResponse& response) {
    return response.body.empty() ? Status::OK() : Unavailable("CompleteMultipartUpload s3://b/k: " + response.body);
  };
  http_->script = {Answer(200, "InternalError"), Answer(200)};
  int attempts = 0;
  options.attempts = &attempts;
  ASSERT_TRUE(caller->Call(Put(), "CompleteMultipartUpload", "s3://b/k", options).ok());
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(warnings_, std::vector<std::string>{"S3 answered with a transient error: CompleteMultipartUpload s3://b/k: "
                                                "InternalError; retrying (attempt 2, 0 s of 62 s)"});
}

// ---- S3Client's checks before a retry --------------------------------------

class S3ClientChecks : public AwsCallerDeadlines {
 protected:
  S3Client Client(std::string kms_key = "") { return S3Client(Caller(), std::move(kms_key)); }

  std::vector<std::string> Sent() const {
    std::vector<std::string> sent;
    for (const SentRequest& r : http_->sent) sent.push_back(r.method + " " + r.url);
    return sent;
  }
  // Which requests went out on a new connection.
  std::vector<bool> Fresh() const {
    std::vector<bool> fresh;
    for (const SentRequest& r : http_->sent) fresh.push_back(r.fresh_connection);
    return fresh;
  }
};

TEST_F(S3ClientChecks, PutObjectFoundWrittenByALostAttemptIsNotRepeated) {
  S3Client client = Client();
  // MD5("{}") = 99914b932bd37a50b983c5e7c90ae93b
  http_->script = {Stall(clock_.get()),
                   Answer(200, "", {{"content-length", "2"}, {"etag", "\"99914b932bd37a50b983c5e7c90ae93b\""}})};
  ASSERT_TRUE(client.PutObject("b", "k.json", "{}").ok());
  EXPECT_EQ(Sent(), (std::vector<std::string>{"PUT http://127.0.0.1:9/b/k.json", "HEAD http://127.0.0.1:9/b/k.json"}));
  // The check shares the call's deadline: 62 s less the 30 s stall.
  EXPECT_EQ(Timeouts(), (std::vector<milliseconds>{seconds(62), seconds(32)}));
  // Only the checked write avoids a kept-alive connection, which libcurl
  // would resend it on by itself.
  EXPECT_EQ(Fresh(), (std::vector<bool>{true, false}));
}

TEST_F(S3ClientChecks, PutObjectOverAnOlderObjectIsRepeated) {
  S3Client client = Client();
  // The same size, another body's MD5: an object from before, not this write.
  http_->script = {TransportError(52, "Empty reply from server"),
                   Answer(200, "", {{"content-length", "2"}, {"etag", "\"0123456789abcdef0123456789abcdef\""}}),
                   Answer(200)};
  ASSERT_TRUE(client.PutObject("b", "k.json", "{}").ok());
  EXPECT_EQ(Sent(), (std::vector<std::string>{"PUT http://127.0.0.1:9/b/k.json", "HEAD http://127.0.0.1:9/b/k.json",
                                              "PUT http://127.0.0.1:9/b/k.json"}));
  // Under SSE-KMS the ETag is no MD5: the size decides.
  S3Client kms = Client("key-1");
  http_->script = {TransportError(52, "Empty reply from server"),
                   Answer(200, "", {{"content-length", "2"}, {"etag", "\"0123456789abcdef0123456789abcdef\""}})};
  ASSERT_TRUE(kms.PutObject("b", "k.json", "{}").ok());
  EXPECT_EQ(http_->sent.size(), 2u);
}

TEST_F(S3ClientChecks, CreateMultipartUploadAdoptsTheUploadALostAttemptOpened) {
  S3Client client = Client();
  http_->script = {
      Answer(500, "<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>"),
      Answer(200,
             "<ListMultipartUploadsResult><Upload><Key>d/f.parquet</Key><UploadId>U1</UploadId></Upload>"
             "<Upload><Key>d/f.parquet</Key><UploadId>U2</UploadId></Upload>"
             "<Upload><Key>d/f.parquet.old</Key><UploadId>U3</UploadId></Upload>"
             "<IsTruncated>false</IsTruncated></ListMultipartUploadsResult>"),
      Answer(204)};
  Result<std::string> upload = client.CreateMultipartUpload("b", "d/f.parquet");
  ASSERT_TRUE(upload.ok()) << upload.status();
  EXPECT_EQ(*upload, "U1");
  // The listing is of exactly that key; the second upload is aborted, the
  // other key's left alone.
  EXPECT_EQ(Sent(), (std::vector<std::string>{
                        "POST http://127.0.0.1:9/b/d/f.parquet?uploads",
                        "GET http://127.0.0.1:9/b?uploads&max-uploads=1000&prefix=d%2Ff.parquet",
                        "DELETE http://127.0.0.1:9/b/d/f.parquet?uploadId=U2",
                    }));
  EXPECT_EQ(Fresh(), (std::vector<bool>{true, false, false}));
}

TEST_F(S3ClientChecks, CreateMultipartUploadFindingNoUploadCreatesAgain) {
  S3Client client = Client();
  http_->script = {TransportError(52, "Empty reply from server"),
                   Answer(200, "<ListMultipartUploadsResult><IsTruncated>false</IsTruncated></ListMultipartUploadsResult>"),
                   Answer(200, "<InitiateMultipartUploadResult><UploadId>U9</UploadId></InitiateMultipartUploadResult>")};
  Result<std::string> upload = client.CreateMultipartUpload("b", "k");
  ASSERT_TRUE(upload.ok()) << upload.status();
  EXPECT_EQ(*upload, "U9");
  EXPECT_EQ(Sent(), (std::vector<std::string>{"POST http://127.0.0.1:9/b/k?uploads",
                                              "GET http://127.0.0.1:9/b?uploads&max-uploads=1000&prefix=k",
                                              "POST http://127.0.0.1:9/b/k?uploads"}));
}

TEST_F(S3ClientChecks, CompleteFoundDoneByALostAttemptIsNotRepeated) {
  S3Client client = Client();
  http_->script = {TransportError(56, "Recv failure: Connection reset by peer"),
                   Answer(200, "", {{"content-length", "12582912"}, {"etag", "\"3858f62230ac3c915f300c664312c11f-3\""}})};
  ASSERT_TRUE(client.CompleteMultipartUpload("b", "k", "U1", {"\"e1\"", "\"e2\"", "\"e3\""}).ok());
  EXPECT_EQ(Sent(), (std::vector<std::string>{"POST http://127.0.0.1:9/b/k?uploadId=U1", "HEAD http://127.0.0.1:9/b/k"}));
  EXPECT_EQ(Fresh(), (std::vector<bool>{true, false}));

  // Parts are not checked, and keep their connections.
  http_->sent.clear();
  http_->script = {Answer(200, "", {{"etag", "\"e1\""}})};
  ASSERT_TRUE(client.UploadPart("b", "k", "U1", 1, "data").ok());
  EXPECT_EQ(Fresh(), std::vector<bool>{false});
}

TEST_F(S3ClientChecks, CompleteRetriedIntoNoSuchUploadLooksAtTheObject) {
  S3Client client = Client();
  // The check ran while the completion was still under way (404); the
  // retry finds the upload gone; the object is there.
  http_->script = {TransportError(28, "Operation timed out"), Answer(404),
                   Answer(404, "<Error><Code>NoSuchUpload</Code><Message>gone</Message></Error>"),
                   Answer(200, "", {{"etag", "\"3858f62230ac3c915f300c664312c11f-2\""}})};
  ASSERT_TRUE(client.CompleteMultipartUpload("b", "k", "U1", {"\"e1\"", "\"e2\""}).ok());
  EXPECT_EQ(Sent(), (std::vector<std::string>{"POST http://127.0.0.1:9/b/k?uploadId=U1", "HEAD http://127.0.0.1:9/b/k",
                                              "POST http://127.0.0.1:9/b/k?uploadId=U1", "HEAD http://127.0.0.1:9/b/k"}));

  // Another part count: not this completion.
  http_->sent.clear();
  http_->script = {TransportError(28, "Operation timed out"), Answer(404),
                   Answer(404, "<Error><Code>NoSuchUpload</Code><Message>gone</Message></Error>"),
                   Answer(200, "", {{"etag", "\"3858f62230ac3c915f300c664312c11f-2\""}})};
  EXPECT_EQ(client.CompleteMultipartUpload("b", "k", "U1", {"\"e1\"", "\"e2\"", "\"e3\""}),
            NotFound("CompleteMultipartUpload s3://b/k: HTTP 404 NoSuchUpload: gone"));
}

}  // namespace
}  // namespace dbexport::s3
