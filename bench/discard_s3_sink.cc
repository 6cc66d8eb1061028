#include "discard_s3_sink.h"

#include <httplib.h>

#include <chrono>

#include "bench_util.h"

namespace dbexport::bench {
namespace {

// Concurrent connections served: workers x parts in flight plus the
// control calls, with room to spare, so that no upload waits for a thread.
constexpr size_t kServerThreads = 32;
// Requests per kept-alive connection (httplib's default, 5, would make the
// client reconnect every few parts).
constexpr size_t kKeepAliveRequests = 100000;

// How long the server thread may take to start accepting.
constexpr int kStartTimeoutMs = 5000;

constexpr char kXmlHeader[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

// The bucket and key of a path-style request: /bucket/key...
std::pair<std::string, std::string> BucketAndKey(const std::string& path) {
  size_t slash = path.find('/', 1);
  if (slash == std::string::npos) return {path.substr(1), ""};
  return {path.substr(1, slash - 1), path.substr(slash + 1)};
}

}  // namespace

DiscardS3Sink::DiscardS3Sink() : server_(std::make_unique<httplib::Server>()) {
  server_->new_task_queue = [] { return new httplib::ThreadPool(kServerThreads); };
  server_->set_keep_alive_max_count(kKeepAliveRequests);

  // Reads and drops the request body.
  auto drain = [this](const httplib::ContentReader& reader) {
    reader([this](const char*, size_t n) {
      bytes_received_ += static_cast<int64_t>(n);
      return true;
    });
  };

  server_->Get(R"(/[^/]+/?)", [](const httplib::Request& req, httplib::Response& res) {
    auto [bucket, key] = BucketAndKey(req.path);
    res.set_content(std::string(kXmlHeader) + "<ListBucketResult><Name>" + bucket + "</Name><Prefix>" +
                        req.get_param_value("prefix") + "</Prefix><KeyCount>0</KeyCount><MaxKeys>" +
                        req.get_param_value("max-keys") + "</MaxKeys><IsTruncated>false</IsTruncated>" +
                        "</ListBucketResult>",
                    "application/xml");
  });
  server_->Put(R"(/.+)", [drain](const httplib::Request& req, httplib::Response& res,
                                 const httplib::ContentReader& reader) {
    drain(reader);
    std::string part = req.has_param("partNumber") ? req.get_param_value("partNumber") : "0";
    res.set_header("ETag", "\"discarded-" + part + "\"");
    res.status = 200;
  });
  server_->Post(R"(/.+)", [this, drain](const httplib::Request& req, httplib::Response& res,
                                        const httplib::ContentReader& reader) {
    drain(reader);
    auto [bucket, key] = BucketAndKey(req.path);
    if (req.has_param("uploads")) {
      res.set_content(std::string(kXmlHeader) + "<InitiateMultipartUploadResult><Bucket>" + bucket +
                          "</Bucket><Key>" + key + "</Key><UploadId>upload-" +
                          std::to_string(next_upload_id_++) + "</UploadId></InitiateMultipartUploadResult>",
                      "application/xml");
    } else {
      res.set_content(std::string(kXmlHeader) + "<CompleteMultipartUploadResult><Bucket>" + bucket +
                          "</Bucket><Key>" + key +
                          "</Key><ETag>\"discarded\"</ETag></CompleteMultipartUploadResult>",
                      "application/xml");
    }
  });
  server_->Delete(R"(/.+)", [](const httplib::Request&, httplib::Response& res) { res.status = 204; });

  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) Die("the discarding S3 sink cannot listen on 127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  for (int waited_ms = 0; !server_->is_running(); ++waited_ms) {
    if (waited_ms == kStartTimeoutMs) Die("the discarding S3 sink did not start serving on port " + std::to_string(port_));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

DiscardS3Sink::~DiscardS3Sink() {
  server_->stop();
  thread_.join();
}

std::string DiscardS3Sink::endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

}  // namespace dbexport::bench
