#pragma once
// Parsing of `dbexport run` flag values that CLI11 does not parse itself.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "parquet/file_writer.h"
#include "source/source.h"

namespace dbexport::cli {

// "20GB", "512MiB", "64k", "1000000": a byte count. Units are powers of 1024
// (K, KB, KiB, M, MB, MiB, G, GB, GiB, T, TB, TiB; case-insensitive).
Result<int64_t> ParseByteSize(std::string_view text);

// "30", "30s", "500ms", "5m", "1h": a duration in milliseconds (a bare
// number is seconds).
Result<int64_t> ParseDurationMillis(std::string_view text);

// gzip | snappy | zstd | none
Result<parquet::Codec> ParseCodec(std::string_view text);

// aws | native
Result<source::TypeMapping> ParseTypeMapping(std::string_view text);

}  // namespace dbexport::cli
