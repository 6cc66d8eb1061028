#pragma once
// OutputStream: a sink of bytes, written front to back. The Parquet writer
// writes into one; the object stores (local directory, S3 multipart upload)
// provide them.
//
// Call order: Write()* then exactly one of Close() (commit: the bytes become
// visible under their final name) or Abort() (discard: nothing is left that
// looks complete). A stream destroyed without Close() is aborted.
// Not thread-safe.

#include <cstddef>
#include <cstdint>

#include "common/status.h"

namespace dbexport {

class OutputStream {
 public:
  virtual ~OutputStream() = default;

  // Appends `size` bytes. The stream may buffer; errors may surface on a
  // later Write() or on Close().
  virtual Status Write(const uint8_t* data, size_t size) = 0;

  // Bytes accepted so far.
  virtual int64_t Tell() const = 0;

  // Flushes and commits. After Close() no other call is allowed.
  virtual Status Close() = 0;

  // Discards everything written. Safe to call after a failed Write()/Close().
  virtual Status Abort() = 0;
};

}  // namespace dbexport
