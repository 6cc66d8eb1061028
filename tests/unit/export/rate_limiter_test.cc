// The source read limit (--max-rate): the token bucket's arithmetic on a
// clock the test drives, the blocking limiter (waits, cancel), and the
// parsing of rate values.

#include "export/rate_limiter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace dbexport::exporter {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Duration = TokenBucket::Duration;

constexpr int64_t kMiB = 1 << 20;

double Seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

TEST(TokenBucket, BurstIsFreeThenDebtIsPaidAtTheRate) {
  TokenBucket bucket(10 * kMiB, kMiB, Duration::zero());
  EXPECT_EQ(bucket.Charge(kMiB, Duration::zero()), Duration::zero());  // the burst
  // 5 MiB more at the same instant: half a second at 10 MiB/s.
  EXPECT_NEAR(Seconds(bucket.Charge(5 * kMiB, Duration::zero())), 0.5, 1e-6);
  // A second consumer charging right after waits behind the first one's debt.
  EXPECT_NEAR(Seconds(bucket.Charge(kMiB, Duration::zero())), 0.6, 1e-6);
  // 0.6 s later the debt is paid: a small read waits only for itself.
  EXPECT_NEAR(Seconds(bucket.Charge(kMiB / 10, milliseconds(600))), 0.01, 1e-6);
}

TEST(TokenBucket, IdleTimeRefillsNoMoreThanTheBurst) {
  TokenBucket bucket(kMiB, 256 << 10, Duration::zero());
  EXPECT_NEAR(Seconds(bucket.Charge(kMiB, Duration::zero())), 0.75, 1e-6);
  // An hour idle is worth one burst, not an hour of reading.
  EXPECT_EQ(bucket.Charge(256 << 10, seconds(3600)), Duration::zero());
  EXPECT_NEAR(Seconds(bucket.Charge(kMiB, seconds(3600))), 1.0, 1e-6);
}

// Several readers on a simulated clock, each reading a batch, charging it and
// sleeping as told: over the whole run and over any window the bytes read
// keep to burst + rate * time, plus the batch each reader read last.
TEST(TokenBucket, ReadersTogetherKeepToTheRateOverAnyWindow) {
  const int64_t rate = 20 * kMiB;
  const int64_t burst = DefaultBurstBytes(rate);
  const int64_t batch = 3 * kMiB + 12345;
  const int readers = 4;
  TokenBucket bucket(rate, burst, Duration::zero());
  std::vector<Duration> ready(readers, Duration::zero());  // when each reader reads next
  struct Read {
    Duration at;
    int64_t bytes;
  };
  std::vector<Read> reads;
  int64_t total = 0;
  while (total < 2000 * kMiB) {
    int r = static_cast<int>(std::min_element(ready.begin(), ready.end()) - ready.begin());
    // Reading the batch itself takes 10 ms.
    Duration done = ready[r] + milliseconds(10);
    reads.push_back({done, batch});
    total += batch;
    ready[r] = done + bucket.Charge(batch, done);
  }
  Duration end = *std::max_element(ready.begin(), ready.end());
  double elapsed = Seconds(end);
  // The run cannot be faster than the limit allows...
  EXPECT_GE(elapsed, static_cast<double>(total - burst) / rate);
  // ...and is not much slower (within 1%).
  EXPECT_LE(elapsed, static_cast<double>(total) / rate * 1.01);
  // Any one-second window: at most burst + rate + one batch per reader.
  for (size_t i = 0; i < reads.size(); ++i) {
    int64_t in_window = 0;
    for (size_t j = i; j < reads.size() && reads[j].at < reads[i].at + seconds(1); ++j) in_window += reads[j].bytes;
    ASSERT_LE(in_window, burst + rate + readers * batch) << "window starting at read " << i;
  }
}

TEST(RateLimiter, HoldsReaderThreadsToTheRate) {
  const int64_t rate = 8 * kMiB;
  const int64_t burst = 256 << 10;
  RateLimiter limiter(rate, burst);
  std::atomic<int64_t> charged{0};
  const int64_t total = 4 * kMiB;
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&] {
      while (charged.fetch_add(128 << 10) < total - (128 << 10)) {
        EXPECT_TRUE(limiter.Acquire(128 << 10, nullptr).ok());
      }
    });
  }
  for (std::thread& t : readers) t.join();
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_GE(elapsed, static_cast<double>(total - burst - (128 << 10)) / rate);
  EXPECT_LT(elapsed, 2.0);  // 0.5 s expected
  EXPECT_TRUE(limiter.TakeThrottled());
  EXPECT_FALSE(limiter.TakeThrottled());  // nobody waited since
}

TEST(RateLimiter, CancelWakesAWaiterAtOnce) {
  RateLimiter limiter(1024, 1024);
  std::atomic<bool> stop{false};
  Status result;
  auto start = std::chrono::steady_clock::now();
  std::thread waiter([&] { result = limiter.Acquire(100 * kMiB, &stop); });  // a debt of 100 000 s
  std::this_thread::sleep_for(milliseconds(50));
  limiter.Cancel();
  waiter.join();
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(result.code(), StatusCode::kCancelled);
  EXPECT_LT(elapsed, 1.0);
  // Later readers do not wait either.
  EXPECT_EQ(limiter.Acquire(100 * kMiB, nullptr).code(), StatusCode::kCancelled);
}

TEST(RateLimiter, StopFlagEndsAWaitWithinThePollInterval) {
  RateLimiter limiter(1024, 1024);
  std::atomic<bool> stop{false};
  Status result;
  std::thread waiter([&] { result = limiter.Acquire(100 * kMiB, &stop); });
  std::this_thread::sleep_for(milliseconds(50));
  auto set = std::chrono::steady_clock::now();
  stop.store(true);
  waiter.join();
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - set).count();
  EXPECT_EQ(result.code(), StatusCode::kCancelled);
  EXPECT_LT(elapsed, 1.0);  // kStopPoll is 100 ms
}

TEST(RateLimiter, WithinTheBurstNobodyWaits) {
  RateLimiter limiter(kMiB, kMiB);
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(limiter.Acquire(kMiB, nullptr).ok());
  EXPECT_TRUE(limiter.Acquire(0, nullptr).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(50));
  EXPECT_FALSE(limiter.TakeThrottled());
}

TEST(ThrottledBatchBytes, ASecondsShareOfTheRatePerReader) {
  EXPECT_EQ(ThrottledBatchBytes(8 * kMiB, 4, 64 * kMiB), 2 * kMiB);
  EXPECT_EQ(ThrottledBatchBytes(1024 * kMiB, 4, 64 * kMiB), 64 * kMiB);  // never above the source's own
  EXPECT_EQ(ThrottledBatchBytes(100 << 10, 8, 64 * kMiB), 64 << 10);    // nor below 64 KiB
  EXPECT_EQ(ThrottledBatchBytes(8 * kMiB, 0, 64 * kMiB), 8 * kMiB);
}

TEST(ParseByteRate, AcceptsUnitsAndPerSecond) {
  EXPECT_EQ(*ParseByteRate("1048576"), kMiB);
  EXPECT_EQ(*ParseByteRate("50MB"), 50 * kMiB);
  EXPECT_EQ(*ParseByteRate("200MiB"), 200 * kMiB);
  EXPECT_EQ(*ParseByteRate("200MiB/s"), 200 * kMiB);
  EXPECT_EQ(*ParseByteRate("1G"), 1ll << 30);
  EXPECT_EQ(*ParseByteRate("64k/s"), 64 << 10);
  EXPECT_EQ(*ParseByteRate("2 gib"), 2ll << 30);
  EXPECT_EQ(*ParseByteRate("1KiB"), 1024);
}

TEST(ParseByteRate, RejectsBadValuesSayingWhatIsExpected) {
  const std::string expected =
      "': expected bytes per second, a number with an optional unit (K, M, G, T as KB/KiB, MB/MiB, ...: powers "
      "of 1024) and an optional /s, e.g. 50MB or 200MiB/s";
  EXPECT_EQ(ParseByteRate("fast").status(), InvalidArgument("invalid rate 'fast" + expected));
  EXPECT_EQ(ParseByteRate("1.5G").status(), InvalidArgument("invalid rate '1.5G" + expected));
  EXPECT_EQ(ParseByteRate("-5MB").status(), InvalidArgument("invalid rate '-5MB" + expected));
  EXPECT_EQ(ParseByteRate("50 parsecs").status(), InvalidArgument("invalid rate '50 parsecs" + expected));
  EXPECT_EQ(ParseByteRate("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseByteRate("0").status(),
            InvalidArgument("invalid rate '0': must be at least 1KiB (1024 bytes) per second"));
  EXPECT_EQ(ParseByteRate("1000").status(),
            InvalidArgument("invalid rate '1000': must be at least 1KiB (1024 bytes) per second"));
  EXPECT_EQ(ParseByteRate("99999999999999999999").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseByteRate("9999999999T").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace dbexport::exporter
