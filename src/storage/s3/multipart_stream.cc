#include "storage/s3/multipart_stream.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <future>
#include <vector>

namespace dbexport::s3 {
namespace {

// The first buffer grows from this size, so that small objects (manifests,
// small tables) do not each reserve a whole part.
constexpr size_t kInitialBuffer = 64 * 1024;

struct PartOutcome {
  Result<std::string> etag;
  std::string buffer;  // handed back for reuse
};

class MultipartStream final : public OutputStream {
 public:
  MultipartStream(std::shared_ptr<S3Client> client, std::string bucket, std::string key,
                  MultipartOptions options)
      : client_(std::move(client)),
        bucket_(std::move(bucket)),
        key_(std::move(key)),
        options_(options) {
    buffer_.reserve(std::min<size_t>(kInitialBuffer, static_cast<size_t>(options_.part_size)));
  }

  ~MultipartStream() override {
    if (!finished_) Abort().IgnoreError();
  }

  Status Write(const uint8_t* data, size_t size) override {
    if (finished_) return FailedPrecondition("writing " + S3Url(bucket_, key_) + ": stream already closed");
    if (!status_.ok()) return status_;
    const size_t part_size = static_cast<size_t>(options_.part_size);
    while (size > 0) {
      size_t n = std::min(size, part_size - buffer_.size());
      buffer_.append(reinterpret_cast<const char*>(data), n);
      data += n;
      size -= n;
      written_ += static_cast<int64_t>(n);
      if (buffer_.size() == part_size) {
        StartPart();
        if (!status_.ok()) return status_;
      }
    }
    return Status::OK();
  }

  int64_t Tell() const override { return written_; }

  Status Close() override {
    if (finished_) return FailedPrecondition("closing " + S3Url(bucket_, key_) + ": stream already closed");
    finished_ = true;
    if (status_.ok() && upload_id_.empty()) {
      // Smaller than one part: one request, visible at once.
      status_ = client_->PutObject(bucket_, key_, buffer_);
      committed_ = status_.ok();
      ReleaseBuffers();
      return status_;
    }
    if (status_.ok() && !buffer_.empty()) StartPart();
    DrainAll();
    if (status_.ok()) status_ = client_->CompleteMultipartUpload(bucket_, key_, upload_id_, etags_);
    if (status_.ok()) {
      upload_id_.clear();
      committed_ = true;
    } else {
      AbortUpload().IgnoreError();  // status_ already says what failed
    }
    ReleaseBuffers();
    return status_;
  }

  Status Abort() override {
    if (committed_) {
      return FailedPrecondition("aborting " + S3Url(bucket_, key_) + ": already closed and visible");
    }
    if (aborted_) return Status::OK();
    finished_ = true;
    aborted_ = true;
    if (status_.ok()) status_ = Cancelled("writing " + S3Url(bucket_, key_) + ": aborted");
    DrainAll();
    Status aborted = AbortUpload();
    ReleaseBuffers();
    return aborted;
  }

 private:
  // Hands the full buffer to a background upload. Sets status_ on failure.
  void StartPart() {
    int part_number = static_cast<int>(etags_.size()) + 1;
    if (part_number > kMaxParts) {
      status_ = ResourceExhausted("writing " + S3Url(bucket_, key_) + ": more than " +
                                  std::to_string(kMaxParts) + " parts of " +
                                  std::to_string(options_.part_size / kMiB) +
                                  " MiB; raise the part size (or the maximum object size hint)");
      return;
    }
    if (upload_id_.empty()) {
      auto created = client_->CreateMultipartUpload(bucket_, key_);
      if (!created.ok()) {
        status_ = created.status();
        return;
      }
      upload_id_ = std::move(created).value();
    }
    // Keep at most parts_in_flight uploads running.
    while (static_cast<int>(in_flight_.size()) >= options_.parts_in_flight) {
      WaitOldest();
      if (!status_.ok()) return;
    }
    etags_.emplace_back();
    std::string data = std::move(buffer_);
    buffer_ = TakeSpareBuffer();
    in_flight_.push_back(
        {part_number, std::async(std::launch::async,
                                 [client = client_, bucket = bucket_, key = key_, upload_id = upload_id_,
                                  part_number, data = std::move(data)]() mutable {
                                   PartOutcome outcome{
                                       client->UploadPart(bucket, key, upload_id, part_number, data), {}};
                                   outcome.buffer = std::move(data);
                                   return outcome;
                                 })});
  }

  void WaitOldest() {
    InFlight part = std::move(in_flight_.front());
    in_flight_.pop_front();
    PartOutcome outcome = part.outcome.get();
    if (outcome.etag.ok()) {
      etags_[part.part_number - 1] = std::move(outcome.etag).value();
    } else if (status_.ok()) {
      status_ = outcome.etag.status();
    }
    outcome.buffer.clear();
    spare_buffers_.push_back(std::move(outcome.buffer));
  }

  void DrainAll() {
    while (!in_flight_.empty()) WaitOldest();
  }

  std::string TakeSpareBuffer() {
    if (spare_buffers_.empty()) {
      std::string fresh;
      fresh.reserve(static_cast<size_t>(options_.part_size));
      return fresh;
    }
    std::string spare = std::move(spare_buffers_.back());
    spare_buffers_.pop_back();
    return spare;
  }

  Status AbortUpload() {
    if (upload_id_.empty()) return Status::OK();
    Status status = client_->AbortMultipartUpload(bucket_, key_, upload_id_);
    upload_id_.clear();
    return status;
  }

  void ReleaseBuffers() {
    std::string().swap(buffer_);
    spare_buffers_.clear();
  }

  struct InFlight {
    int part_number;
    std::future<PartOutcome> outcome;
  };

  const std::shared_ptr<S3Client> client_;
  const std::string bucket_;
  const std::string key_;
  const MultipartOptions options_;

  Status status_;
  bool finished_ = false;
  bool aborted_ = false;
  bool committed_ = false;  // Close() succeeded: the object is visible
  int64_t written_ = 0;
  std::string buffer_;  // the part being filled
  std::string upload_id_;
  std::vector<std::string> etags_;  // index = part number - 1
  std::deque<InFlight> in_flight_;
  std::vector<std::string> spare_buffers_;
};

}  // namespace

int64_t ChoosePartSize(int64_t requested, int64_t max_object_size) {
  int64_t size = std::max(requested, kMinPartSize);
  if (max_object_size > 0) size = std::max(size, (max_object_size + kMaxParts - 1) / kMaxParts);
  size = (size + kMiB - 1) / kMiB * kMiB;
  return std::min(size, kMaxPartSize);
}

std::unique_ptr<OutputStream> MakeMultipartStream(std::shared_ptr<S3Client> client, std::string bucket,
                                                  std::string key, MultipartOptions options) {
  return std::make_unique<MultipartStream>(std::move(client), std::move(bucket), std::move(key), options);
}

}  // namespace dbexport::s3
