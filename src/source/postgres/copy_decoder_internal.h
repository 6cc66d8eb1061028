#pragma once
// CopyDecoder: PostgreSQL's binary COPY stream (COPY ... TO STDOUT (FORMAT
// binary)) decoded straight into a ColumnBatch.
//
// Stream layout (PostgreSQL docs, "COPY", Binary Format), big-endian:
//   header:  11-byte signature "PGCOPY\n\377\r\n\0", int32 flags,
//            int32 extension length, extension bytes
//   tuple:   int16 field count, then per field int32 length (-1: NULL) and
//            that many bytes of the type's binary (send) form
//   trailer: int16 -1
// The server sends one tuple per CopyData message, the header in front of
// the first one.
//
// Each column's reader is chosen once (ColumnPlan::reader); the row loop is
// a switch on it per value, with no allocation beyond the batch's buffers.
// Not thread-safe.

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "parquet/column_batch.h"
#include "source/postgres/type_mapping_internal.h"

namespace dbexport::source::postgres {

class CopyDecoder {
 public:
  // `plans` describe the COPY's columns in order and must outlive the
  // decoder. A value longer than `max_value_bytes` fails the decode.
  CopyDecoder(const std::vector<ColumnPlan>* plans, int64_t max_value_bytes);

  // Decodes one CopyData message (the first starts with the header) and
  // appends its rows to `batch`, whose columns match the plans. Errors name
  // the column and the row (1-based within the stream).
  Status Decode(const uint8_t* data, size_t size, parquet::ColumnBatch* batch);

  bool finished() const { return finished_; }  // the trailer was seen
  int64_t rows() const { return rows_; }
  // Per column: values that no Parquet value of the column's type can hold
  // (NaN in a DECIMAL, a timestamp beyond the INT64 range), written as NULL.
  const std::vector<int64_t>& unrepresentable() const { return unrepresentable_; }

 private:
  Status DecodeHeader(const uint8_t*& p, const uint8_t* end);
  Status ValueError(int column, const char* reason) const;

  const std::vector<ColumnPlan>* plans_;
  std::vector<uint8_t> slot_width_;  // per column: bytes of a NULL's fixed slot
  int64_t max_value_bytes_;
  bool header_done_ = false;
  bool finished_ = false;
  int64_t rows_ = 0;
  std::vector<int64_t> unrepresentable_;
};

}  // namespace dbexport::source::postgres
