#pragma once
// ColumnBatch: rows in columnar form, the unit handed from a Source to the
// Parquet writer. Each Column stores dense values: a NULL row still takes a
// slot (zero bytes for fixed-width types, an empty value for byte arrays), so
// value i belongs to row i and a reader needs no prefix sums.
//
// Value layout per physical type (`Column::fixed`, little-endian):
//   BOOLEAN 1 byte (0/1), INT32 4, INT64 8, FLOAT 4, DOUBLE 8,
//   FIXED_LEN_BYTE_ARRAY type_length bytes (as they go to the file:
//   big-endian for DECIMAL and UUID).
// BYTE_ARRAY values live in `data`, value i = data[offsets[i], offsets[i+1]).
//
// `valid` (and `element_valid`) may also be left empty: every value is then
// present. A 0 in a column the schema declares required is an error.
//
// LIST columns: `valid` and `list_offsets` (size num_rows + 1) are per row;
// the values (fixed or offsets/data) and `element_valid` are per element,
// elements of row i = [list_offsets[i], list_offsets[i+1]). A NULL row and an
// empty list both have no elements; `valid` tells them apart.
//
// Not thread-safe. Clear() keeps the allocated capacity for reuse.

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "parquet/schema.h"

namespace dbexport::parquet {

// Bytes per value in `Column::fixed` for `field` (the layout above); 0 for
// BYTE_ARRAY, whose values live in `data`.
inline int FixedValueWidth(const Field& field) {
  switch (field.type) {
    case PhysicalType::kBoolean: return 1;
    case PhysicalType::kInt32:
    case PhysicalType::kFloat: return 4;
    case PhysicalType::kInt64:
    case PhysicalType::kDouble: return 8;
    case PhysicalType::kFixedLenByteArray: return field.type_length;
    case PhysicalType::kByteArray: return 0;
  }
  return 0;
}

// The T stored at `p`, at any alignment (a value of `Column::fixed`, or raw
// bytes read a word at a time).
template <typename T>
T LoadUnaligned(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

struct Column {
  std::vector<uint8_t> valid;          // per row: 1 = value present, 0 = NULL
  std::vector<uint8_t> fixed;          // fixed-width values
  std::vector<int64_t> offsets{0};     // BYTE_ARRAY: size values + 1
  std::vector<uint8_t> data;           // BYTE_ARRAY bytes
  std::vector<int64_t> list_offsets{0};  // LIST: size rows + 1
  std::vector<uint8_t> element_valid;  // LIST: per element

  void Clear() {
    valid.clear();
    fixed.clear();
    offsets.resize(1);
    data.clear();
    list_offsets.resize(1);
    element_valid.clear();
  }

  // Appends to the values (a row of a flat column, an element of a LIST).
  template <typename T>
  void AppendFixed(T v) {
    size_t n = fixed.size();
    fixed.resize(n + sizeof(T));
    std::memcpy(fixed.data() + n, &v, sizeof(T));
  }
  void AppendFixedBytes(const void* p, size_t size) {
    const auto* b = static_cast<const uint8_t*>(p);
    fixed.insert(fixed.end(), b, b + size);
  }
  void AppendBytes(const void* p, size_t size) {
    const auto* b = static_cast<const uint8_t*>(p);
    data.insert(data.end(), b, b + size);
    offsets.push_back(static_cast<int64_t>(data.size()));
  }
  void AppendBytes(std::string_view s) { AppendBytes(s.data(), s.size()); }
};

class ColumnBatch {
 public:
  ColumnBatch() = default;
  explicit ColumnBatch(const Schema& schema) : schema_(&schema), columns_(schema.fields.size()) {}

  const Schema& schema() const { return *schema_; }
  int num_columns() const { return static_cast<int>(columns_.size()); }
  int64_t num_rows() const { return num_rows_; }
  void set_num_rows(int64_t n) { num_rows_ = n; }

  Column& column(int i) { return columns_[i]; }
  const Column& column(int i) const { return columns_[i]; }

  // Approximate bytes held, to bound batch size.
  int64_t ByteSize() const {
    int64_t n = 0;
    for (const auto& c : columns_) {
      n += static_cast<int64_t>(c.valid.size() + c.fixed.size() + c.data.size() +
                                8 * c.offsets.size());
    }
    return n;
  }

  void Clear() {
    for (auto& c : columns_) c.Clear();
    num_rows_ = 0;
  }

 private:
  const Schema* schema_ = nullptr;
  std::vector<Column> columns_;
  int64_t num_rows_ = 0;
};

}  // namespace dbexport::parquet
