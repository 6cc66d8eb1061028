#pragma once
// DiscardS3Sink: an HTTP server on 127.0.0.1 that answers the S3 calls an
// export makes (ListObjectsV2, PutObject, CreateMultipartUpload, UploadPart,
// CompleteMultipartUpload, AbortMultipartUpload, DeleteObject) as S3 would,
// and throws the bytes away. An export to it costs what our S3 client and
// the HTTP transfer cost, without a real server's work: the "infinitely
// fast S3" a benchmark compares a real endpoint with. Requests are not
// authenticated; lists are always empty.
//
// Serves on its own threads from construction until destruction.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace dbexport::bench {

class DiscardS3Sink {
 public:
  // Starts serving on a free port; Die()s when it cannot.
  DiscardS3Sink();
  ~DiscardS3Sink();
  DiscardS3Sink(const DiscardS3Sink&) = delete;
  DiscardS3Sink& operator=(const DiscardS3Sink&) = delete;

  // http://127.0.0.1:<port>
  std::string endpoint() const;
  // Request body bytes received (and discarded) so far.
  int64_t bytes_received() const { return bytes_received_.load(); }

 private:
  std::atomic<int64_t> bytes_received_{0};
  std::atomic<int64_t> next_upload_id_{1};
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace dbexport::bench
