#include "storage/s3/multipart_stream.h"

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <future>
#include <string_view>
#include <utility>
#include <vector>

namespace dbexport::s3 {
namespace {

// A part's bytes, in memory mapped for the part alone rather than taken
// from malloc. glibc raises its mmap threshold to the size of any mapped
// block it frees (up to 32 MiB): after the first multi-MiB part buffer was
// freed, every smaller allocation of the process (the Parquet writer's page
// and column-chunk buffers) came from arenas that keep their memory, and an
// export at one worker held about 100 MiB more than the parts themselves.
// Mapped directly, part buffers leave malloc's policy alone and go back to
// the system when unmapped; pages are touched only as bytes arrive, so a
// small object costs what it holds, not a whole part.
class PartBuffer {
 public:
  PartBuffer() = default;
  ~PartBuffer() { Unmap(); }
  PartBuffer(PartBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)),
        size_(std::exchange(other.size_, 0)),
        capacity_(std::exchange(other.capacity_, 0)) {}
  PartBuffer& operator=(PartBuffer&& other) noexcept {
    if (this != &other) {
      Unmap();
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
      capacity_ = std::exchange(other.capacity_, 0);
    }
    return *this;
  }

  // An empty buffer able to hold `capacity` bytes. Fails when the system
  // has no address space left for it.
  static Result<PartBuffer> Map(size_t capacity) {
    void* p = mmap(nullptr, capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
      return ResourceExhausted("mapping a part buffer of " + std::to_string(capacity / kMiB) +
                               " MiB: " + std::strerror(errno));
    }
    PartBuffer buffer;
    buffer.data_ = static_cast<char*>(p);
    buffer.capacity_ = capacity;
    return buffer;
  }

  // REQUIRES: size() + n <= capacity().
  void Append(const uint8_t* data, size_t n) {
    std::memcpy(data_ + size_, data, n);
    size_ += n;
  }
  void Clear() { size_ = 0; }

  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  std::string_view view() const { return {data_, size_}; }

 private:
  void Unmap() {
    if (data_ != nullptr) munmap(data_, capacity_);
    data_ = nullptr;
    size_ = capacity_ = 0;
  }

  char* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

struct PartOutcome {
  Result<std::string> etag;
  std::string checksum_sha256;  // base64, as sent with the part
  PartBuffer buffer;            // handed back for reuse
};

class MultipartStream final : public OutputStream {
 public:
  MultipartStream(std::shared_ptr<S3Client> client, std::string bucket, std::string key,
                  MultipartOptions options)
      : client_(std::move(client)),
        bucket_(std::move(bucket)),
        key_(std::move(key)),
        options_(options),
        part_size_(options.part_size) {}

  ~MultipartStream() override {
    if (!finished_) Abort().IgnoreError();
  }

  Status Write(const uint8_t* data, size_t size) override {
    if (finished_) return FailedPrecondition("writing " + S3Url(bucket_, key_) + ": stream already closed");
    if (!status_.ok()) return status_;
    while (size > 0) {
      if (buffer_.capacity() == 0) {
        TakeSpareBuffer();
        if (!status_.ok()) return status_;
      }
      const size_t part_size = static_cast<size_t>(part_size_);
      size_t n = std::min(size, part_size - buffer_.size());
      buffer_.Append(data, n);
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
      status_ = client_->PutObject(bucket_, key_, buffer_.view());
      committed_ = status_.ok();
      ReleaseBuffers();
      return status_;
    }
    if (status_.ok() && buffer_.size() > 0) StartPart();
    DrainAll();
    if (status_.ok()) status_ = client_->CompleteMultipartUpload(bucket_, key_, upload_id_, etags_, checksums_);
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
                                  " MiB and larger; raise the part size");
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
    checksums_.emplace_back();
    part_size_ = PartSizeFor(part_number + 1, options_.part_size);
    // The next Write() takes a spare buffer (or maps one): none is held
    // for a part that may never come.
    in_flight_.push_back(
        {part_number, std::async(std::launch::async,
                                 [client = client_, bucket = bucket_, key = key_, upload_id = upload_id_,
                                  part_number, data = std::move(buffer_)]() mutable {
                                   std::string checksum;
                                   PartOutcome outcome{client->UploadPart(bucket, key, upload_id, part_number,
                                                                          data.view(), &checksum),
                                                       {}, {}};
                                   outcome.checksum_sha256 = std::move(checksum);
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
      checksums_[part.part_number - 1] = std::move(outcome.checksum_sha256);
    } else if (status_.ok()) {
      status_ = outcome.etag.status();
    }
    outcome.buffer.Clear();
    spare_buffers_.push_back(std::move(outcome.buffer));
  }

  void DrainAll() {
    while (!in_flight_.empty()) WaitOldest();
  }

  // Makes buffer_ an empty buffer of at least the current part size: a
  // spare one, else a new mapping. Sets status_ on failure.
  void TakeSpareBuffer() {
    while (!spare_buffers_.empty()) {
      PartBuffer spare = std::move(spare_buffers_.back());
      spare_buffers_.pop_back();
      if (spare.capacity() >= static_cast<size_t>(part_size_)) {
        buffer_ = std::move(spare);
        return;
      }
      // Smaller than the parts have grown to: unmapped as it goes.
    }
    Result<PartBuffer> mapped = PartBuffer::Map(static_cast<size_t>(part_size_));
    if (!mapped.ok()) {
      status_ = mapped.status().WithContext("writing " + S3Url(bucket_, key_));
      return;
    }
    buffer_ = std::move(mapped).value();
  }

  Status AbortUpload() {
    if (upload_id_.empty()) return Status::OK();
    Status status = client_->AbortMultipartUpload(bucket_, key_, upload_id_);
    upload_id_.clear();
    return status;
  }

  void ReleaseBuffers() {
    buffer_ = PartBuffer();
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
  int64_t part_size_;  // of the part being filled: PartSizeFor(etags_.size() + 1)
  PartBuffer buffer_;  // the part being filled; unmapped until the first byte
  std::string upload_id_;
  std::vector<std::string> etags_;  // index = part number - 1
  std::vector<std::string> checksums_;  // x-amz-checksum-sha256 of each part, as etags_
  std::deque<InFlight> in_flight_;
  std::vector<PartBuffer> spare_buffers_;
};

}  // namespace

int64_t PartSizeFor(int part_number, int64_t first_part_size) {
  int64_t size = first_part_size;
  for (int step = (part_number - 1) / kPartsPerSizeStep; step > 0 && size < kMaxPartSize; --step) size *= 2;
  return std::min(size, kMaxPartSize);
}

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
