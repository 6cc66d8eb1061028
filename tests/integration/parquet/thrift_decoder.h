#pragma once
// A Thrift compact protocol decoder for tests: reads a struct into a
// generic tree so that tests can check what the writer put in footers, page
// headers and page indexes independently of any Parquet reader. Strict:
// unknown types or truncated input are errors.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace dbexport::parquet::testing {

struct TValue {
  enum class Kind { kBool, kInt, kDouble, kBinary, kList, kStruct } kind = Kind::kInt;
  bool b = false;
  int64_t i = 0;
  std::string s;
  std::vector<TValue> list;
  std::map<int16_t, TValue> fields;

  bool Has(int16_t id) const { return fields.count(id) != 0; }
  // The field `id`; a missing field is a test failure reported by the caller
  // through Has(), so this returns a static empty value.
  const TValue& operator[](int16_t id) const;
};

// Decodes one struct starting at data[*pos]; advances *pos past it.
Result<TValue> DecodeStruct(const uint8_t* data, size_t size, size_t* pos);

}  // namespace dbexport::parquet::testing
