#pragma once
// WebhookNotifier: POSTs one JSON document per task status change to the
// configured webhook_url, in order, from a background thread:
//
//   {"eventId":"<uuid>","eventType":"ExportTaskStatusChange",
//    "exportTaskIdentifier":"...","sourceArn":"...","oldStatus":"STARTING"|null,
//    "newStatus":"IN_PROGRESS","time":"2024-05-01T10:00:00.123Z",
//    "failureCause":"..."|null,"percentProgress":37}
//
// With a signing secret, each POST is signed as Standard Webhooks
// (standardwebhooks.com) specifies, which receivers verify with its
// libraries or a few lines of code (docs/service.md):
//   webhook-id: <eventId>
//   webhook-timestamp: <unix seconds>
//   webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>
// The key is the secret's bytes, or for a "whsec_<base64>" secret the
// decoded bytes.
//
// A connection error, a timeout, 408, 429 or a 5xx is retried with
// exponential backoff (the same eventId each time, so a receiver can drop
// duplicates); another 4xx drops the event (logged). Events wait behind the
// one being retried, which keeps them in order. Publish never blocks.
// Thread-safe.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"
#include "service/task_manager.h"

namespace dbexport::service {

struct NotifierOptions {
  int max_attempts = 8;                                  // per event
  std::chrono::milliseconds initial_backoff{500};        // doubled per retry
  std::chrono::milliseconds max_backoff{30000};
  std::chrono::milliseconds request_timeout{5000};
  // Queue bound: beyond it the oldest event is dropped (logged), so a dead
  // receiver cannot grow memory without limit.
  size_t max_queued = 10000;
  std::string signing_secret;  // empty: unsigned
};

class WebhookNotifier {
 public:
  // `url` is http:// or https://host[:port][/path].
  static Result<std::unique_ptr<WebhookNotifier>> Make(const std::string& url, NotifierOptions options = {});
  ~WebhookNotifier();  // Stop(std::chrono::seconds(5))

  void Publish(const TaskEvent& event);

  // Delivers what is queued for at most `drain`, then stops the thread.
  void Stop(std::chrono::milliseconds drain);

  // The JSON document for `event` with id `event_id`.
  static std::string EventJson(const TaskEvent& event, const std::string& event_id);

  // The webhook-signature header value for a body sent with `event_id` at
  // `unix_seconds`: "v1,<base64>". InvalidArgument for a "whsec_" secret
  // that is not base64.
  static Result<std::string> Signature(const std::string& secret, const std::string& event_id,
                                       int64_t unix_seconds, const std::string& body);

 private:
  struct Pending {
    std::string event_id;
    std::string task_id;
    std::string body;
  };
  WebhookNotifier(std::string origin, std::string path, std::string display, NotifierOptions options)
      : origin_(std::move(origin)), path_(std::move(path)), display_(std::move(display)), options_(options) {}
  void Run();
  // One POST; OK, Unavailable (retry) or another code (give up).
  Status Post(const Pending& pending);

  const std::string origin_;  // scheme://host:port
  const std::string path_;
  // scheme://host[:port] for messages: a webhook URL's user info, path or
  // query can hold a token.
  const std::string display_;
  const NotifierOptions options_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point drain_deadline_;
  std::thread thread_;
};

}  // namespace dbexport::service
