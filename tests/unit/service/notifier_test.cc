#include "service/notifier.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <thread>

namespace dbexport::service {
namespace {

// A webhook receiver on a free loopback port that fails the first
// `failures` deliveries with `failure_status`.
class Receiver {
 public:
  Receiver(int failures, int failure_status) : failures_(failures), failure_status_(failure_status) {
    server_.Post("/events", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      ++attempts_;
      if (failures_ > 0) {
        --failures_;
        res.status = failure_status_;
        return;
      }
      bodies_.push_back(req.body);
      event_ids_.push_back(req.get_header_value("X-Dbexport-Event-Id"));
      res.status = 204;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/events"; }
  std::vector<std::string> bodies() {
    std::lock_guard<std::mutex> lock(mu_);
    return bodies_;
  }
  std::vector<std::string> event_ids() {
    std::lock_guard<std::mutex> lock(mu_);
    return event_ids_;
  }
  int attempts() {
    std::lock_guard<std::mutex> lock(mu_);
    return attempts_;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  int failures_;
  int failure_status_;
  int attempts_ = 0;
  std::vector<std::string> bodies_;
  std::vector<std::string> event_ids_;
};

// A loopback port nothing listens on (bound to 0, then closed).
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

NotifierOptions FastOptions() {
  NotifierOptions o;
  o.initial_backoff = std::chrono::milliseconds(10);
  o.max_backoff = std::chrono::milliseconds(40);
  o.request_timeout = std::chrono::milliseconds(2000);
  return o;
}

TaskEvent Event(const std::string& id, TaskStatus from, TaskStatus to, bool created = false) {
  TaskEvent e;
  e.task_id = id;
  e.source_arn = "arn:aws:rds:us-east-1:123456789012:cluster:shop";
  e.old_status = from;
  e.new_status = to;
  e.created = created;
  e.time = 1714557600123;
  return e;
}

TEST(ServiceWebhookNotifier, EventJsonShape) {
  TaskEvent e = Event("t1", TaskStatus::kInProgress, TaskStatus::kFailed);
  e.failure_cause = "boom";
  e.percent_progress = 42;
  EXPECT_EQ(WebhookNotifier::EventJson(e, "id-1"),
            R"({"eventId":"id-1","eventType":"ExportTaskStatusChange","exportTaskIdentifier":"t1",)"
            R"("failureCause":"boom","newStatus":"FAILED","oldStatus":"IN_PROGRESS","percentProgress":42,)"
            R"("sourceArn":"arn:aws:rds:us-east-1:123456789012:cluster:shop","time":"2024-05-01T10:00:00.123Z"})");
  TaskEvent created = Event("t2", TaskStatus::kStarting, TaskStatus::kStarting, true);
  auto doc = nlohmann::json::parse(WebhookNotifier::EventJson(created, "id-2"));
  EXPECT_TRUE(doc["oldStatus"].is_null());
  EXPECT_TRUE(doc["failureCause"].is_null());
  EXPECT_EQ(doc["newStatus"], "STARTING");
}

TEST(ServiceWebhookNotifier, DeliversInOrder) {
  Receiver receiver(0, 0);
  auto notifier = WebhookNotifier::Make(receiver.url(), FastOptions());
  ASSERT_TRUE(notifier.ok()) << notifier.status();
  (*notifier)->Publish(Event("t1", TaskStatus::kStarting, TaskStatus::kStarting, true));
  (*notifier)->Publish(Event("t1", TaskStatus::kStarting, TaskStatus::kInProgress));
  (*notifier)->Publish(Event("t1", TaskStatus::kInProgress, TaskStatus::kComplete));
  (*notifier)->Stop(std::chrono::seconds(5));
  std::vector<std::string> bodies = receiver.bodies();
  ASSERT_EQ(bodies.size(), 3u);
  EXPECT_EQ(nlohmann::json::parse(bodies[0])["newStatus"], "STARTING");
  EXPECT_EQ(nlohmann::json::parse(bodies[1])["newStatus"], "IN_PROGRESS");
  EXPECT_EQ(nlohmann::json::parse(bodies[2])["newStatus"], "COMPLETE");
  EXPECT_EQ(nlohmann::json::parse(bodies[2])["eventId"], receiver.event_ids()[2]);
}

TEST(ServiceWebhookNotifier, RetriesServerErrorsWithTheSameEventId) {
  Receiver receiver(3, 503);
  auto notifier = WebhookNotifier::Make(receiver.url(), FastOptions());
  ASSERT_TRUE(notifier.ok());
  (*notifier)->Publish(Event("t1", TaskStatus::kStarting, TaskStatus::kInProgress));
  (*notifier)->Publish(Event("t1", TaskStatus::kInProgress, TaskStatus::kComplete));
  (*notifier)->Stop(std::chrono::seconds(5));
  EXPECT_EQ(receiver.attempts(), 5);
  std::vector<std::string> bodies = receiver.bodies();
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(bodies[0])["newStatus"], "IN_PROGRESS");
  EXPECT_EQ(nlohmann::json::parse(bodies[1])["newStatus"], "COMPLETE");
}

TEST(ServiceWebhookNotifier, RetriesWhenTheReceiverIsDown) {
  // Reserve a port, deliver while nothing listens, then start the receiver there.
  int port = FreePort();
  NotifierOptions options = FastOptions();
  options.initial_backoff = std::chrono::milliseconds(100);
  options.max_backoff = std::chrono::milliseconds(100);
  options.max_attempts = 50;
  auto notifier = WebhookNotifier::Make("http://127.0.0.1:" + std::to_string(port) + "/events", options);
  ASSERT_TRUE(notifier.ok());
  (*notifier)->Publish(Event("t1", TaskStatus::kStarting, TaskStatus::kFailed));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  httplib::Server server;
  std::vector<std::string> bodies;
  std::mutex mu;
  server.Post("/events", [&](const httplib::Request& req, httplib::Response&) {
    std::lock_guard<std::mutex> lock(mu);
    bodies.push_back(req.body);
  });
  ASSERT_TRUE(server.bind_to_port("127.0.0.1", port));
  std::thread thread([&] { server.listen_after_bind(); });
  (*notifier)->Stop(std::chrono::seconds(5));
  server.stop();
  thread.join();
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(bodies[0])["newStatus"], "FAILED");
}

TEST(ServiceWebhookNotifier, DropsEventsTheReceiverRefuses) {
  Receiver receiver(1, 400);
  auto notifier = WebhookNotifier::Make(receiver.url(), FastOptions());
  ASSERT_TRUE(notifier.ok());
  (*notifier)->Publish(Event("t1", TaskStatus::kStarting, TaskStatus::kInProgress));
  (*notifier)->Publish(Event("t1", TaskStatus::kInProgress, TaskStatus::kComplete));
  (*notifier)->Stop(std::chrono::seconds(5));
  EXPECT_EQ(receiver.attempts(), 2);
  ASSERT_EQ(receiver.bodies().size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(receiver.bodies()[0])["newStatus"], "COMPLETE");
}

// Standard Webhooks signatures: HMAC-SHA256 over "<id>.<timestamp>.<body>",
// base64, with the key decoded from a whsec_ secret (values computed
// independently with Python's hmac module).
TEST(ServiceWebhookNotifier, SignsAsStandardWebhooks) {
  Result<std::string> signature = WebhookNotifier::Signature(
      "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, R"({"test": 2432232314})");
  ASSERT_TRUE(signature.ok()) << signature.status();
  EXPECT_EQ(*signature, "v1,hK4CWvngkaAwjY1pABLuUbOIkEJjW9tAapq1no4ojG0=");
  EXPECT_EQ(*WebhookNotifier::Signature("plain-secret", "id", 5, "body"), "v1,FGCHappFtZb+oqajYSMX321MCDnTjdExv9vrKwgzLYY=");
  EXPECT_EQ(WebhookNotifier::Signature("whsec_not*base64", "id", 5, "body").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(WebhookNotifier::Make("http://127.0.0.1:9/x", {.signing_secret = "whsec_%%%%"}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(ServiceWebhookNotifier, RefusesANonHttpUrl) {
  auto notifier = WebhookNotifier::Make("ftp://example.com/x");
  EXPECT_EQ(notifier.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(notifier.status().message(), "webhook_url is not an http:// or https:// URL");
}

}  // namespace
}  // namespace dbexport::service
