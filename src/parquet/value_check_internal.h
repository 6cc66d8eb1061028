#pragma once
// Input checks run on every batch before it is encoded, so that nothing a
// reader would reject reaches the file: the shape of each Column (buffer
// sizes, offsets, 0/1 validity bytes, NULLs only where the schema allows),
// and every value against its column's type (INT(8/16) and unsigned ranges,
// DECIMAL precision, TIME within a day, BOOLEAN 0/1, UTF-8 text).
// Errors are InvalidArgument naming the column and the row, counted from 0
// within the file: `column "price" row 41: DECIMAL(5,2) value 1234.56 has
// more than 5 digits`.

#include <cstddef>
#include <cstdint>

#include "common/status.h"
#include "parquet/column_batch.h"
#include "parquet/schema.h"

namespace dbexport::parquet {

// Longest BYTE_ARRAY value accepted: PostgreSQL's own field limit (1 GiB),
// which keeps a page holding it within Parquet's i32 page sizes.
constexpr int64_t kMaxByteArrayValue = int64_t{1} << 30;

// Checks rows [0, num_rows) of `column` for `field`; `first_row` is the row
// number of row 0 within the file, for error messages.
Status CheckColumn(const Field& field, const Column& column, int64_t num_rows, int64_t first_row);

// Well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF). On failure, *error_at (if given) is the offending byte offset.
bool IsValidUtf8(const uint8_t* p, size_t n, size_t* error_at = nullptr);

}  // namespace dbexport::parquet
