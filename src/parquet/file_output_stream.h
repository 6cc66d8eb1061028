#pragma once
// FileOutputStream: an OutputStream onto a local file, for tests and
// benchmarks (the product's local object store lives in src/storage).
// Writes go through a 1 MiB buffer. Close() flushes and closes the file;
// Abort() closes and removes it. Not thread-safe.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/output_stream.h"
#include "common/status.h"

namespace dbexport::parquet {

class FileOutputStream final : public OutputStream {
 public:
  // Creates or truncates `path`.
  static Result<std::unique_ptr<FileOutputStream>> Open(const std::string& path);
  ~FileOutputStream() override;

  Status Write(const uint8_t* data, size_t size) override;
  int64_t Tell() const override { return position_; }
  Status Close() override;
  Status Abort() override;

 private:
  FileOutputStream(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  Status Flush();

  std::string path_;
  int fd_;
  std::vector<uint8_t> buffer_;
  int64_t position_ = 0;
  Status status_;
};

}  // namespace dbexport::parquet
