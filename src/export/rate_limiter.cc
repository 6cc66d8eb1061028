#include "export/rate_limiter.h"

#include <algorithm>
#include <limits>
#include <string>

#include "common/ascii.h"

namespace dbexport::exporter {

TokenBucket::TokenBucket(int64_t bytes_per_second, int64_t burst_bytes, Duration now)
    : rate_(bytes_per_second), burst_(burst_bytes), tokens_(static_cast<double>(burst_bytes)), last_(now) {}

void TokenBucket::Refill(Duration now) {
  if (now <= last_) return;
  double seconds = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(static_cast<double>(burst_), tokens_ + seconds * static_cast<double>(rate_));
  last_ = now;
}

TokenBucket::Duration TokenBucket::Charge(int64_t bytes, Duration now) {
  Refill(now);
  tokens_ -= static_cast<double>(bytes);
  if (tokens_ >= 0) return Duration::zero();
  double seconds = -tokens_ / static_cast<double>(rate_);
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds));
}

int64_t DefaultBurstBytes(int64_t bytes_per_second) { return std::max<int64_t>(64 << 10, bytes_per_second / 4); }

int64_t ThrottledBatchBytes(int64_t bytes_per_second, int readers, int64_t batch_bytes) {
  int64_t share = bytes_per_second / std::max(1, readers);
  return std::min(batch_bytes, std::max<int64_t>(64 << 10, share));
}

namespace {

TokenBucket::Duration SteadyNow() {
  return std::chrono::duration_cast<TokenBucket::Duration>(std::chrono::steady_clock::now().time_since_epoch());
}

}  // namespace

RateLimiter::RateLimiter(int64_t bytes_per_second, int64_t burst_bytes)
    : bucket_(bytes_per_second, burst_bytes, SteadyNow()) {}

Status RateLimiter::Acquire(int64_t bytes, const std::atomic<bool>* stop) {
  std::unique_lock<std::mutex> lock(mu_);
  if (cancelled_) return Cancelled("export stopped");
  if (bytes <= 0) return Status::OK();
  TokenBucket::Duration wait = bucket_.Charge(bytes, SteadyNow());
  if (wait == TokenBucket::Duration::zero()) return Status::OK();
  const auto until = std::chrono::steady_clock::now() + wait;
  ++waiting_;
  waited_ = true;
  Status result;
  for (;;) {
    if (cancelled_ || (stop != nullptr && stop->load(std::memory_order_relaxed))) {
      result = Cancelled("export stopped");
      break;
    }
    auto now = std::chrono::steady_clock::now();
    if (now >= until) break;
    cv_.wait_until(lock, std::min(until, now + kStopPoll));
  }
  --waiting_;
  return result;
}

void RateLimiter::Cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  cancelled_ = true;
  cv_.notify_all();
}

bool RateLimiter::TakeThrottled() {
  std::lock_guard<std::mutex> lock(mu_);
  bool throttled = waited_ || waiting_ > 0;
  waited_ = false;
  return throttled;
}

Result<int64_t> ParseByteRate(std::string_view text) {
  const std::string error = "invalid rate '" + std::string(text) +
                            "': expected bytes per second, a number with an optional unit (K, M, G, T as KB/KiB, "
                            "MB/MiB, ...: powers of 1024) and an optional /s, e.g. 50MB or 200MiB/s";
  std::string t = AsciiLower(text);
  if (t.ends_with("/s")) t.resize(t.size() - 2);
  size_t i = 0;
  while (i < t.size() && IsAsciiDigit(t[i])) ++i;
  if (i == 0) return InvalidArgument(error);
  std::string unit = t.substr(i);
  while (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
  struct Unit {
    std::string_view name;
    int64_t factor;
  };
  static constexpr Unit kUnits[] = {
      {"", 1},           {"b", 1},           {"k", 1ll << 10},   {"kb", 1ll << 10}, {"kib", 1ll << 10},
      {"m", 1ll << 20},  {"mb", 1ll << 20},  {"mib", 1ll << 20}, {"g", 1ll << 30},  {"gb", 1ll << 30},
      {"gib", 1ll << 30}, {"t", 1ll << 40},  {"tb", 1ll << 40},  {"tib", 1ll << 40}};
  const Unit* found = nullptr;
  for (const Unit& u : kUnits) {
    if (u.name == unit) found = &u;
  }
  if (found == nullptr) return InvalidArgument(error);
  int64_t value = 0;
  for (size_t k = 0; k < i; ++k) {
    int digit = t[k] - '0';
    if (value > (std::numeric_limits<int64_t>::max() - digit) / 10) return InvalidArgument(error + ": too large");
    value = value * 10 + digit;
  }
  if (value > std::numeric_limits<int64_t>::max() / found->factor) return InvalidArgument(error + ": too large");
  value *= found->factor;
  if (value < 1024) {
    return InvalidArgument("invalid rate '" + std::string(text) + "': must be at least 1KiB (1024 bytes) per second");
  }
  return value;
}

}  // namespace dbexport::exporter
