#include "service/notifier.h"

#include <httplib.h>
#include <openssl/evp.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>

#include "common/uuid.h"
#include "service/log.h"
#include "storage/s3/sigv4.h"

namespace dbexport::service {

namespace {

std::string Base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::string> DecodeBase64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  std::string out(3 * text.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  size_t padding = text.size() - text.find_last_not_of('=') - 1;  // EVP_DecodeBlock keeps the pad bytes
  out.resize(static_cast<size_t>(n) - std::min<size_t>(padding, 2));
  return out;
}

}  // namespace

Result<std::string> WebhookNotifier::Signature(const std::string& secret, const std::string& event_id,
                                               int64_t unix_seconds, const std::string& body) {
  std::string key = secret;
  constexpr std::string_view kPrefix = "whsec_";
  if (secret.rfind(kPrefix, 0) == 0) {
    std::optional<std::string> decoded = DecodeBase64(std::string_view(secret).substr(kPrefix.size()));
    if (!decoded) return InvalidArgument("a webhook secret starting with whsec_ must continue in base64");
    key = std::move(*decoded);
  }
  return "v1," + Base64(s3::HmacSha256(key, event_id + "." + std::to_string(unix_seconds) + "." + body));
}

Result<std::unique_ptr<WebhookNotifier>> WebhookNotifier::Make(const std::string& url, NotifierOptions options) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos || (url.compare(0, scheme_end, "http") != 0 && url.compare(0, scheme_end, "https") != 0)) {
    return InvalidArgument("webhook_url is not an http:// or https:// URL");
  }
  if (!options.signing_secret.empty()) {
    DBX_RETURN_IF_ERROR(Signature(options.signing_secret, "", 0, "").status());
  }
  size_t path_start = url.find_first_of("/?#", scheme_end + 3);
  std::string origin = url.substr(0, path_start);
  std::string path = path_start == std::string::npos ? "/" : url.substr(path_start);
  if (!path.empty() && path.front() != '/') path.insert(0, "/");
  size_t at = origin.rfind('@');
  std::string display = at == std::string::npos || at < scheme_end
                            ? origin
                            : origin.substr(0, scheme_end + 3) + origin.substr(at + 1);
  std::unique_ptr<WebhookNotifier> notifier(new WebhookNotifier(origin, path, display, options));
  notifier->thread_ = std::thread([n = notifier.get()] { n->Run(); });
  return notifier;
}

WebhookNotifier::~WebhookNotifier() { Stop(std::chrono::seconds(5)); }

std::string WebhookNotifier::EventJson(const TaskEvent& event, const std::string& event_id) {
  nlohmann::json doc;
  doc["eventId"] = event_id;
  doc["eventType"] = "ExportTaskStatusChange";
  doc["exportTaskIdentifier"] = event.task_id;
  doc["sourceArn"] = event.source_arn;
  doc["oldStatus"] = event.created ? nlohmann::json(nullptr) : nlohmann::json(std::string(TaskStatusName(event.old_status)));
  doc["newStatus"] = std::string(TaskStatusName(event.new_status));
  doc["time"] = FormatIso8601(event.time);
  doc["failureCause"] = event.failure_cause.empty() ? nlohmann::json(nullptr) : nlohmann::json(event.failure_cause);
  doc["percentProgress"] = event.percent_progress;
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void WebhookNotifier::Publish(const TaskEvent& event) {
  std::string event_id = NewUuid();
  Pending pending{event_id, event.task_id, EventJson(event, event_id)};
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return;
  if (queue_.size() >= options_.max_queued) {
    LogWarning("webhook: queue full, dropping event " + queue_.front().event_id + " of task " +
               queue_.front().task_id);
    queue_.pop_front();
  }
  queue_.push_back(std::move(pending));
  cv_.notify_one();
}

Status WebhookNotifier::Post(const Pending& pending) {
  httplib::Client client(origin_);
  auto timeout_s = std::chrono::duration_cast<std::chrono::seconds>(options_.request_timeout).count();
  client.set_connection_timeout(timeout_s, 0);
  client.set_read_timeout(timeout_s, 0);
  client.set_write_timeout(timeout_s, 0);
  httplib::Headers headers = {{"X-Dbexport-Event-Id", pending.event_id}};
  if (!options_.signing_secret.empty()) {
    // Signed at each attempt: receivers refuse old timestamps.
    const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    Result<std::string> signature = Signature(options_.signing_secret, pending.event_id, now, pending.body);
    if (!signature.ok()) return signature.status();
    headers.emplace("webhook-id", pending.event_id);
    headers.emplace("webhook-timestamp", std::to_string(now));
    headers.emplace("webhook-signature", *signature);
  }
  auto response = client.Post(path_, headers, pending.body, "application/json");
  if (!response) {
    return Unavailable("POST to the webhook at " + display_ + ": " + httplib::to_string(response.error()));
  }
  int status = response->status;
  if (status >= 200 && status < 300) return Status::OK();
  std::string what = "POST to the webhook at " + display_ + ": HTTP " + std::to_string(status);
  if (status == 408 || status == 429 || status >= 500) return Unavailable(what);
  return FailedPrecondition(what);
}

void WebhookNotifier::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, nothing left
    Pending pending = queue_.front();
    std::chrono::milliseconds backoff = options_.initial_backoff;
    for (int attempt = 1;; ++attempt) {
      if (stopping_ && std::chrono::steady_clock::now() >= drain_deadline_) return;
      lock.unlock();
      Status s = Post(pending);
      lock.lock();
      if (s.ok()) break;
      if (s.code() != StatusCode::kUnavailable || attempt >= options_.max_attempts) {
        LogWarning("webhook: giving up on event " + pending.event_id + " of task " + pending.task_id + " after " +
                   std::to_string(attempt) + " attempt(s): " + s.message());
        break;
      }
      // Wait for the backoff, waking early only to honour the drain deadline.
      auto wake = std::chrono::steady_clock::now() + backoff;
      if (stopping_) wake = std::min(wake, drain_deadline_);
      cv_.wait_until(lock, wake, [this] { return stopping_ && std::chrono::steady_clock::now() >= drain_deadline_; });
      backoff = std::min(backoff * 2, options_.max_backoff);
    }
    queue_.pop_front();
  }
}

void WebhookNotifier::Stop(std::chrono::milliseconds drain) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      stopping_ = true;
      drain_deadline_ = std::chrono::steady_clock::now() + drain;
    }
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace dbexport::service
