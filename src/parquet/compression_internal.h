#pragma once
// Page compression. Every page is compressed on its own into one complete
// stream of the codec (parquet-format Compression.md):
//   SNAPPY  raw snappy block (not the framing format)
//   GZIP    one RFC 1952 member with a plain 10-byte header (FLG 0, no
//           name): DuckDB rejects zlib streams, raw deflate and FNAME
//   ZSTD    one zstd frame
// GZIP levels 0-3 use ISA-L's igzip (20x zlib level 6's speed on
// lineitem-shaped pages, about 9% larger output), levels 4-12 libdeflate.
// The default, libdeflate level 5, comes within 1% of zlib level 6's ratio
// at 3.6x its speed (docs/parquet-writer.md has the measurements). zlib is
// kept for the comparison benchmark only.
// Not thread-safe: a compressor keeps its state buffers between pages.

#include <cstddef>
#include <cstdint>
#include <memory>

#include "common/status.h"
#include "parquet/byte_buffer_internal.h"
#include "parquet/file_writer.h"

namespace dbexport::parquet {

class Compressor {
 public:
  // The compressor for `codec` at `level` (-1: the codec's default). Returns
  // nullptr for Codec::kUncompressed. InvalidArgument for a level the codec
  // does not have.
  static Result<std::unique_ptr<Compressor>> Make(Codec codec, int level);
  virtual ~Compressor() = default;

  // Replaces the contents of `out` with the compressed form of in[0, size).
  virtual Status Compress(const uint8_t* in, size_t size, ByteBuffer* out) = 0;
};

// GZIP implementations, for the benchmark that compares them.
enum class GzipLibrary { kIsal, kLibdeflate, kZlib };
Result<std::unique_ptr<Compressor>> MakeGzipCompressor(GzipLibrary library, int level);

// The default GZIP level: libdeflate level 5, files as small as DuckDB's
// (miniz level 6) on the lineitem benchmark.
constexpr int kDefaultGzipLevel = 5;
// ZSTD level 1, as Arrow's default: most of zstd's ratio at its top speed.
constexpr int kDefaultZstdLevel = 1;

}  // namespace dbexport::parquet
