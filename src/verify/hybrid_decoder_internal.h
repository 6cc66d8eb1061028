#pragma once
// The RLE / bit-packed hybrid of parquet-format Encodings.md (levels and
// dictionary indexes), decoded run by run: an RLE run of a million equal
// values is one callback, so the work is bounded by the bytes, whatever
// count a page header claims. Bounds-checked for untrusted input.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

namespace dbexport::verify {

// Bits needed for values 0..max_value: 0 for 0, 1 for 1, 2 for 2..3, ...
inline int BitWidth(uint64_t max_value) {
  int bits = 0;
  while (max_value != 0) {
    ++bits;
    max_value >>= 1;
  }
  return bits;
}

class HybridDecoder {
 public:
  // REQUIRES: 0 <= bit_width <= 32.
  HybridDecoder(const uint8_t* data, size_t size, int bit_width) : data_(data), size_(size), width_(bit_width) {}

  // Decodes `n` values, calling on_run(value, count) -> bool for each run
  // of equal values (bit-packed values one at a time); on_run returning
  // false stops the decoding (false). Malformed input returns false with
  // `why` set. After success, consumed() is the end of the run holding the
  // last value (the padding of its last bit-packed group included).
  template <typename OnRun>
  bool Decode(uint64_t n, OnRun&& on_run, std::string* why) {
    uint64_t done = 0;
    while (done < n) {
      uint64_t header = 0;
      if (!VarInt(&header)) return Fail("a run header runs past the section", why);
      if ((header & 1) == 0) {
        const uint64_t count = header >> 1;
        if (count == 0) return Fail("an RLE run of 0 values", why);
        const size_t bytes = static_cast<size_t>((width_ + 7) / 8);
        if (bytes > size_ - pos_) return Fail("an RLE run's value runs past the section", why);
        uint64_t value = 0;
        for (size_t b = 0; b < bytes; ++b) value |= static_cast<uint64_t>(data_[pos_ + b]) << (8 * b);
        pos_ += bytes;
        if ((value >> width_) != 0) return Fail("an RLE run's value is wider than its bit width", why);
        const uint64_t take = std::min(count, n - done);
        if (!on_run(value, take)) return false;
        done += take;
      } else {
        const uint64_t groups = header >> 1;
        if (groups == 0) return Fail("a bit-packed run of 0 groups", why);
        if (width_ > 0 && groups > (size_ - pos_) / static_cast<uint64_t>(width_)) {
          return Fail("a bit-packed run runs past the section", why);
        }
        const size_t bytes = static_cast<size_t>(groups) * static_cast<size_t>(width_);
        const uint64_t left = n - done;
        const uint64_t take = groups > left / 8 ? left : std::min(groups * 8, left);
        if (width_ == 0) {
          if (!on_run(0, take)) return false;
        } else {
          const uint8_t* p = data_ + pos_;
          const uint64_t mask = (uint64_t{1} << width_) - 1;
          for (uint64_t i = 0; i < take; ++i) {
            const uint64_t bit = i * static_cast<uint64_t>(width_);
            const size_t first = static_cast<size_t>(bit / 8);
            uint64_t value = 0;
            // Up to 32 bits starting anywhere in a byte: at most 5 bytes.
            for (size_t b = 0; b < 5 && first + b < bytes; ++b) {
              value |= static_cast<uint64_t>(p[first + b]) << (8 * b);
            }
            if (!on_run((value >> (bit % 8)) & mask, 1)) return false;
          }
        }
        pos_ += bytes;
        done += take;
      }
    }
    return true;
  }
  size_t consumed() const { return pos_; }

 private:
  bool VarInt(uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= size_) return false;
      const uint8_t b = data_[pos_++];
      *v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  }
  static bool Fail(const char* what, std::string* why) {
    *why = what;
    return false;
  }

  const uint8_t* data_;
  size_t size_;
  int width_;
  size_t pos_ = 0;
};

}  // namespace dbexport::verify
