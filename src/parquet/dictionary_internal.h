#pragma once
// Dictionaries for RLE_DICTIONARY encoding: each maps a value to its index
// in insertion order and keeps the PLAIN-encoded entries, which are the
// dictionary page's payload. Open addressing with linear probing over a
// power-of-two table, at most half full; no allocation per value once the
// table has grown. Values are compared by bits (so -0.0 and 0.0, or two NaN
// payloads, are distinct entries: the file stores them as given).
//
// Encode() maps dense values to indices until the PLAIN size of the
// dictionary would pass `limit_bytes`; it returns how many values it
// consumed, so the caller can switch to PLAIN at that point.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "parquet/byte_buffer_internal.h"

namespace dbexport::parquet {

// INT32 / FLOAT (T = uint32_t) and INT64 / DOUBLE (T = uint64_t) values.
template <typename T>
class FixedDictionary {
 public:
  FixedDictionary();

  // Reads n values of sizeof(T) bytes; `valid` (nullptr: all) selects the
  // non-NULL ones, whose indices are appended to `indices`.
  size_t Encode(const uint8_t* values, const uint8_t* valid, size_t n, size_t limit_bytes,
                std::vector<uint32_t>* indices);

  size_t size() const { return plain_.size() / sizeof(T); }
  const ByteBuffer& plain() const { return plain_; }
  // Appends the PLAIN encoding of the values behind `indices`.
  void Decode(const uint32_t* indices, size_t n, ByteBuffer* out) const;
  void Clear();

 private:
  struct Slot {
    T key;
    int32_t index;  // -1: empty
  };
  void Rehash(size_t capacity);

  std::vector<Slot> slots_;
  int shift_ = 0;  // 64 - log2(capacity)
  ByteBuffer plain_;
};

// BYTE_ARRAY values (fixed_width == 0; PLAIN entries are u32 length + bytes)
// or FIXED_LEN_BYTE_ARRAY values (fixed_width bytes each, raw entries).
class BytesDictionary {
 public:
  explicit BytesDictionary(int fixed_width);

  // BYTE_ARRAY: value i = data[offsets[i], offsets[i + 1]).
  size_t EncodeByteArray(const int64_t* offsets, const uint8_t* data, const uint8_t* valid,
                         size_t n, size_t limit_bytes, std::vector<uint32_t>* indices);
  // FIXED_LEN_BYTE_ARRAY: value i = values[i * fixed_width, (i + 1) * fixed_width).
  size_t EncodeFixed(const uint8_t* values, const uint8_t* valid, size_t n, size_t limit_bytes,
                     std::vector<uint32_t>* indices);

  size_t size() const { return entries_.size(); }
  const ByteBuffer& plain() const { return plain_; }
  // Appends the PLAIN encoding of the values behind `indices`.
  void Decode(const uint32_t* indices, size_t n, ByteBuffer* out) const;
  void Clear();

 private:
  struct Slot {
    uint32_t hash;
    int32_t index;  // -1: empty
  };
  struct Entry {
    uint64_t offset;  // of the value bytes in plain_
    uint32_t length;
  };
  // Index of the value, inserting it unless that would pass the limit (-1).
  int32_t FindOrInsert(const uint8_t* p, size_t length, size_t limit_bytes);
  void Rehash(size_t capacity);

  int fixed_width_;
  std::vector<Slot> slots_;
  std::vector<Entry> entries_;
  ByteBuffer plain_;
};

// 64-bit hash of a byte string (wyhash-style multiply-mix).
uint64_t HashBytes(const uint8_t* p, size_t n);

extern template class FixedDictionary<uint32_t>;
extern template class FixedDictionary<uint64_t>;

}  // namespace dbexport::parquet
