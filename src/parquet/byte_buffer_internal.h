#pragma once
// ByteBuffer: a growable byte array for the encoder's hot paths. Unlike
// std::vector<uint8_t> it does not zero-fill on growth, so a caller can
// reserve room and write into it directly. Capacity is kept by clear(), so a
// buffer reused page after page stops allocating once it has grown.
// Allocation failure throws std::bad_alloc, as the standard containers do.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>
#include <utility>

namespace dbexport::parquet {

class ByteBuffer {
 public:
  ByteBuffer() = default;
  ~ByteBuffer() { std::free(data_); }
  ByteBuffer(const ByteBuffer&) = delete;
  ByteBuffer& operator=(const ByteBuffer&) = delete;
  ByteBuffer(ByteBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)),
        size_(std::exchange(other.size_, 0)),
        capacity_(std::exchange(other.capacity_, 0)) {}
  ByteBuffer& operator=(ByteBuffer&& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(capacity_, other.capacity_);
    return *this;
  }

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  bool empty() const { return size_ == 0; }
  std::string_view view() const {
    return {reinterpret_cast<const char*>(data_), size_};
  }

  void clear() { size_ = 0; }
  void Reserve(size_t n) {
    if (n > capacity_) Grow(n);
  }
  // Grows by `n` bytes left uninitialized and returns a pointer to them.
  uint8_t* Extend(size_t n) {
    if (size_ + n > capacity_) Grow(size_ + n);
    uint8_t* p = data_ + size_;
    size_ += n;
    return p;
  }
  // Sets the size; new bytes (if any) are uninitialized.
  void Resize(size_t n) {
    if (n > capacity_) Grow(n);
    size_ = n;
  }
  void Append(const void* p, size_t n) {
    if (n != 0) std::memcpy(Extend(n), p, n);
  }
  void Append(std::string_view s) { Append(s.data(), s.size()); }
  void PushBack(uint8_t b) {
    if (size_ == capacity_) Grow(size_ + 1);
    data_[size_++] = b;
  }
  template <typename T>
  void AppendLE(T v) {  // the machine is little-endian (checked in encoding.cc)
    std::memcpy(Extend(sizeof(T)), &v, sizeof(T));
  }

 private:
  void Grow(size_t min_capacity) {
    size_t cap = capacity_ < 64 ? 64 : capacity_ * 2;
    if (cap < min_capacity) cap = min_capacity;
    void* p = std::realloc(data_, cap);
    if (p == nullptr) throw std::bad_alloc();
    data_ = static_cast<uint8_t*>(p);
    capacity_ = cap;
  }

  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace dbexport::parquet
