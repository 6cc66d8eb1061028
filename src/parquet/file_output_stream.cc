#include "parquet/file_output_stream.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dbexport::parquet {
namespace {

constexpr size_t kBufferBytes = 1 << 20;

Status Errno(const std::string& what, const std::string& path) {
  return IoError(what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

Result<std::unique_ptr<FileOutputStream>> FileOutputStream::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("opening", path);
  return std::unique_ptr<FileOutputStream>(new FileOutputStream(path, fd));
}

FileOutputStream::~FileOutputStream() {
  if (fd_ >= 0) Abort().IgnoreError();
}

Status FileOutputStream::Flush() {
  size_t done = 0;
  while (done < buffer_.size()) {
    ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("writing", path_);
    }
    done += static_cast<size_t>(n);
  }
  buffer_.clear();
  return Status::OK();
}

Status FileOutputStream::Write(const uint8_t* data, size_t size) {
  if (fd_ < 0) return FailedPrecondition("writing " + path_ + ": stream is closed");
  if (!status_.ok()) return status_;
  position_ += static_cast<int64_t>(size);
  if (buffer_.size() + size > kBufferBytes) {
    status_ = Flush();
    if (!status_.ok()) return status_;
  }
  if (size >= kBufferBytes) {
    buffer_.assign(data, data + size);
    status_ = Flush();
    return status_;
  }
  buffer_.insert(buffer_.end(), data, data + size);
  return Status::OK();
}

Status FileOutputStream::Close() {
  if (fd_ < 0) return FailedPrecondition("closing " + path_ + ": stream is closed");
  if (status_.ok()) status_ = Flush();
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0 && status_.ok()) status_ = Errno("closing", path_);
  return status_;
}

Status FileOutputStream::Abort() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (::unlink(path_.c_str()) != 0 && errno != ENOENT) return Errno("removing", path_);
  return Status::OK();
}

}  // namespace dbexport::parquet
