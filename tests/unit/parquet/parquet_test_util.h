#pragma once
// Helpers shared by the Parquet writer's unit tests: an in-memory
// OutputStream (optionally failing after N bytes) and byte formatting for
// readable expectations.

#include <cstdint>
#include <string>
#include <vector>

#include "common/output_stream.h"
#include "parquet/byte_buffer_internal.h"

namespace dbexport::parquet::testing {

class MemoryOutputStream final : public OutputStream {
 public:
  // Writes fail with IoError once more than `fail_after` bytes were accepted.
  explicit MemoryOutputStream(int64_t fail_after = -1) : fail_after_(fail_after) {}

  Status Write(const uint8_t* data, size_t size) override {
    if (fail_after_ >= 0 && static_cast<int64_t>(bytes.size() + size) > fail_after_) {
      return IoError("writing test stream: disk full");
    }
    bytes.insert(bytes.end(), data, data + size);
    return Status::OK();
  }
  int64_t Tell() const override { return static_cast<int64_t>(bytes.size()); }
  Status Close() override { return Status::OK(); }
  Status Abort() override {
    bytes.clear();
    return Status::OK();
  }

  std::vector<uint8_t> bytes;

 private:
  int64_t fail_after_;
};

// "15 02 0a": bytes as spaced hex, for expectations that read like the spec.
inline std::string Hex(const uint8_t* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) s.push_back(' ');
    s.push_back(digits[p[i] >> 4]);
    s.push_back(digits[p[i] & 15]);
  }
  return s;
}
inline std::string Hex(const ByteBuffer& b) { return Hex(b.data(), b.size()); }
inline std::string Hex(const std::string& s) {
  return Hex(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

}  // namespace dbexport::parquet::testing
