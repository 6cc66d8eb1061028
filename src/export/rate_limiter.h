#pragma once
// A limit on how fast an export reads its source (--max-rate, the service's
// max_rate): one token bucket that every chunk reader of the export charges
// with the source wire bytes it consumed.
//
//   TokenBucket  the arithmetic alone, on times the caller passes in, so that
//                tests drive it with a clock of their own
//   RateLimiter  a TokenBucket on the steady clock that blocks a reader until
//                the bytes it read are paid for
//
// Readers charge after reading (a reader cannot know a batch's size before
// it has read it), so the balance may go below zero: the reader then waits
// until the refill has paid the debt back. Over any window the bytes read
// are at most burst + rate * window, plus the batch each reader read last;
// an export of B bytes takes at least (B - burst) / rate.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string_view>

#include "common/status.h"

namespace dbexport::exporter {

class TokenBucket {
 public:
  using Duration = std::chrono::nanoseconds;

  // Starts full (`burst_bytes` tokens) at time `now`.
  // REQUIRES: bytes_per_second > 0, burst_bytes >= 0.
  TokenBucket(int64_t bytes_per_second, int64_t burst_bytes, Duration now);

  // Takes `bytes` consumed at `now` (not before the last call's `now`) and
  // returns how long the consumer must wait before it reads again: zero
  // while tokens are left, else the time until the refill brings the balance
  // back to zero. Each call's debt comes after the debts before it, so
  // concurrent consumers are served in the order they charged.
  Duration Charge(int64_t bytes, Duration now);

  int64_t bytes_per_second() const { return rate_; }
  int64_t burst_bytes() const { return burst_; }

 private:
  void Refill(Duration now);

  const int64_t rate_;
  const int64_t burst_;
  double tokens_;  // may be negative: a debt
  Duration last_;
};

// The burst a limit of `bytes_per_second` allows: a quarter of a second's
// worth, at least 64 KiB.
int64_t DefaultBurstBytes(int64_t bytes_per_second);

// Thread-safe.
class RateLimiter {
 public:
  // How often a waiting reader looks at its stop flag.
  static constexpr std::chrono::milliseconds kStopPoll{100};

  explicit RateLimiter(int64_t bytes_per_second)
      : RateLimiter(bytes_per_second, DefaultBurstBytes(bytes_per_second)) {}
  RateLimiter(int64_t bytes_per_second, int64_t burst_bytes);

  // Charges `bytes` and blocks until they are paid for. Returns Cancelled
  // at once when Cancel() is called, or within kStopPoll once `*stop` is
  // set (`stop` may be null).
  Status Acquire(int64_t bytes, const std::atomic<bool>* stop);

  // Wakes every waiter, now and later, with Cancelled.
  void Cancel();

  int64_t bytes_per_second() const { return bucket_.bytes_per_second(); }
  // True when a reader has waited since the last call (or is waiting now).
  bool TakeThrottled();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  TokenBucket bucket_;  // guarded by mu_
  bool cancelled_ = false;
  int waiting_ = 0;
  bool waited_ = false;
};

// The bytes per ColumnBatch (SourceOptions::batch_bytes) an export limited to
// `bytes_per_second` reads with, so that `readers` readers each read about a
// second's share at a time (at least 64 KiB, at most `batch_bytes`): a
// reader's wait then lasts about a second, short enough for the server not
// to time out a result nobody reads (MySQL's net_write_timeout) and smooth
// enough for the database's other clients.
int64_t ThrottledBatchBytes(int64_t bytes_per_second, int readers, int64_t batch_bytes);

// "50MB", "200MiB", "1G", "64k/s", "1048576": bytes per second. Units are
// powers of 1024 (K, KB, KiB, M, MB, MiB, G, GB, GiB, T, TB, TiB;
// case-insensitive), as --max-file-size's; "/s" may follow. At least 1 KiB.
// InvalidArgument saying what was expected.
Result<int64_t> ParseByteRate(std::string_view text);

}  // namespace dbexport::exporter
