#include "parquet/dictionary_internal.h"

#include <cstring>

namespace dbexport::parquet {
namespace {

// Initial table size: small enough that short columns stay cheap.
constexpr size_t kInitialSlots = 1024;

inline uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline uint64_t Load32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint64_t Mix(uint64_t a, uint64_t b) {
  unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

constexpr uint64_t kSeed0 = 0xa0761d6478bd642full;
constexpr uint64_t kSeed1 = 0xe7037ed1a0b428dbull;
// Fibonacci hashing constant (2^64 / golden ratio).
constexpr uint64_t kFibonacci = 0x9E3779B97F4A7C15ull;

}  // namespace

uint64_t HashBytes(const uint8_t* p, size_t n) {
  uint64_t seed = kSeed0 ^ n;
  uint64_t a, b;
  if (n <= 16) {
    if (n >= 4) {
      size_t mid = (n >> 3) << 2;
      a = Load32(p) << 32 | Load32(p + mid);
      b = Load32(p + n - 4) << 32 | Load32(p + n - 4 - mid);
    } else if (n > 0) {
      a = static_cast<uint64_t>(p[0]) << 16 | static_cast<uint64_t>(p[n >> 1]) << 8 | p[n - 1];
      b = 0;
    } else {
      a = b = 0;
    }
  } else {
    size_t i = n;
    while (i > 16) {
      seed = Mix(Load64(p) ^ kSeed1, Load64(p + 8) ^ seed);
      p += 16;
      i -= 16;
    }
    a = Load64(p + i - 16);
    b = Load64(p + i - 8);
  }
  return Mix(kSeed1 ^ n, Mix(a ^ kSeed1, b ^ seed));
}

// ---- FixedDictionary ----

template <typename T>
FixedDictionary<T>::FixedDictionary() {
  Rehash(kInitialSlots);
}

template <typename T>
void FixedDictionary<T>::Clear() {
  plain_.clear();
  for (auto& s : slots_) s.index = -1;
}

template <typename T>
void FixedDictionary<T>::Rehash(size_t capacity) {
  slots_.assign(capacity, Slot{T{}, -1});
  shift_ = 64 - __builtin_ctzll(capacity);
  size_t mask = capacity - 1;
  size_t n = size();
  for (size_t i = 0; i < n; ++i) {
    T key;
    std::memcpy(&key, plain_.data() + i * sizeof(T), sizeof(T));
    size_t h = static_cast<size_t>((static_cast<uint64_t>(key) * kFibonacci) >> shift_);
    while (slots_[h].index >= 0) h = (h + 1) & mask;
    slots_[h] = Slot{key, static_cast<int32_t>(i)};
  }
}

template <typename T>
size_t FixedDictionary<T>::Encode(const uint8_t* values, const uint8_t* valid, size_t n,
                                  size_t limit_bytes, std::vector<uint32_t>* indices) {
  size_t mask = slots_.size() - 1;
  for (size_t i = 0; i < n; ++i) {
    if (valid != nullptr && valid[i] == 0) continue;
    T key;
    std::memcpy(&key, values + i * sizeof(T), sizeof(T));
    size_t h = static_cast<size_t>((static_cast<uint64_t>(key) * kFibonacci) >> shift_);
    int32_t index;
    for (;;) {
      const Slot& s = slots_[h];
      if (s.index < 0) {
        if (plain_.size() + sizeof(T) > limit_bytes) return i;
        index = static_cast<int32_t>(size());
        plain_.AppendLE(key);
        slots_[h] = Slot{key, index};
        if (2 * size() > slots_.size()) {
          Rehash(2 * slots_.size());
          mask = slots_.size() - 1;
        }
        break;
      }
      if (s.key == key) {
        index = s.index;
        break;
      }
      h = (h + 1) & mask;
    }
    indices->push_back(static_cast<uint32_t>(index));
  }
  return n;
}

template <typename T>
void FixedDictionary<T>::Decode(const uint32_t* indices, size_t n, ByteBuffer* out) const {
  uint8_t* p = out->Extend(n * sizeof(T));
  for (size_t i = 0; i < n; ++i) {
    std::memcpy(p + i * sizeof(T), plain_.data() + indices[i] * sizeof(T), sizeof(T));
  }
}

template class FixedDictionary<uint32_t>;
template class FixedDictionary<uint64_t>;

// ---- BytesDictionary ----

BytesDictionary::BytesDictionary(int fixed_width) : fixed_width_(fixed_width) {
  Rehash(kInitialSlots);
}

void BytesDictionary::Clear() {
  plain_.clear();
  entries_.clear();
  for (auto& s : slots_) s.index = -1;
}

void BytesDictionary::Rehash(size_t capacity) {
  slots_.assign(capacity, Slot{0, -1});
  size_t mask = capacity - 1;
  for (size_t i = 0; i < entries_.size(); ++i) {
    const Entry& e = entries_[i];
    uint64_t hash = HashBytes(plain_.data() + e.offset, e.length);
    size_t h = static_cast<size_t>(hash) & mask;
    while (slots_[h].index >= 0) h = (h + 1) & mask;
    slots_[h] = Slot{static_cast<uint32_t>(hash >> 32), static_cast<int32_t>(i)};
  }
}

inline int32_t BytesDictionary::FindOrInsert(const uint8_t* p, size_t length, size_t limit_bytes) {
  uint64_t hash = HashBytes(p, length);
  auto tag = static_cast<uint32_t>(hash >> 32);
  size_t mask = slots_.size() - 1;
  size_t h = static_cast<size_t>(hash) & mask;
  for (;;) {
    const Slot& s = slots_[h];
    if (s.index < 0) break;
    if (s.hash == tag) {
      const Entry& e = entries_[static_cast<size_t>(s.index)];
      // memcmp with a null pointer is undefined even for 0 bytes: an empty
      // value's pointer is null when its column holds no bytes at all.
      if (e.length == length && (length == 0 || std::memcmp(plain_.data() + e.offset, p, length) == 0)) {
        return s.index;
      }
    }
    h = (h + 1) & mask;
  }
  size_t prefix = fixed_width_ == 0 ? 4 : 0;
  if (plain_.size() + prefix + length > limit_bytes) return -1;
  if (prefix != 0) plain_.AppendLE(static_cast<uint32_t>(length));
  auto index = static_cast<int32_t>(entries_.size());
  entries_.push_back(Entry{plain_.size(), static_cast<uint32_t>(length)});
  plain_.Append(p, length);
  slots_[h] = Slot{tag, index};
  if (2 * entries_.size() > slots_.size()) Rehash(2 * slots_.size());
  return index;
}

void BytesDictionary::Decode(const uint32_t* indices, size_t n, ByteBuffer* out) const {
  size_t prefix = fixed_width_ == 0 ? 4 : 0;
  for (size_t i = 0; i < n; ++i) {
    const Entry& e = entries_[indices[i]];
    out->Append(plain_.data() + e.offset - prefix, e.length + prefix);
  }
}

size_t BytesDictionary::EncodeByteArray(const int64_t* offsets, const uint8_t* data,
                                        const uint8_t* valid, size_t n, size_t limit_bytes,
                                        std::vector<uint32_t>* indices) {
  for (size_t i = 0; i < n; ++i) {
    if (valid != nullptr && valid[i] == 0) continue;
    int32_t index = FindOrInsert(data + offsets[i], static_cast<size_t>(offsets[i + 1] - offsets[i]),
                                 limit_bytes);
    if (index < 0) return i;
    indices->push_back(static_cast<uint32_t>(index));
  }
  return n;
}

size_t BytesDictionary::EncodeFixed(const uint8_t* values, const uint8_t* valid, size_t n,
                                    size_t limit_bytes, std::vector<uint32_t>* indices) {
  auto w = static_cast<size_t>(fixed_width_);
  for (size_t i = 0; i < n; ++i) {
    if (valid != nullptr && valid[i] == 0) continue;
    int32_t index = FindOrInsert(values + i * w, w, limit_bytes);
    if (index < 0) return i;
    indices->push_back(static_cast<uint32_t>(index));
  }
  return n;
}

}  // namespace dbexport::parquet
