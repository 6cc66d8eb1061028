// Fuzzes the deep check of `dbexport verify --deep` (CheckParquetPages)
// with whole Parquet files: the footer's Thrift, page headers, the codecs'
// streams, levels, values and dictionaries are all untrusted. Seeds in
// fuzz/corpus/parquet_pages are small files dbexport wrote (every codec,
// every type, NULLs, lists, dictionaries).
//
// Beyond "no crash, no unbounded allocation" (the limits below keep every
// allocation under a few MiB, which -rss_limit_mb would catch): a file
// without a problem read each of its column chunks once and decompressed
// no page larger than the limit.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "verify/page_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace dbexport::verify;
  PageCheckLimits limits;
  limits.max_page_bytes = 4 << 20;
  limits.max_chunk_bytes = 4 << 20;
  std::string_view file(reinterpret_cast<const char*>(data), size);
  PageCheckResult r = CheckParquetPages(file, limits);
  if (r.problem.empty()) {
    const auto n = static_cast<int64_t>(size);
    if (r.stats.bytes_read > (r.stats.column_chunks + 1) * n + 12 || r.stats.values < 0 || r.stats.pages < 0 ||
        r.stats.bytes_decompressed > r.stats.pages * limits.max_page_bytes) {
      std::fprintf(stderr, "sound file with impossible stats: read %lld of %zu bytes\n",
                   static_cast<long long>(r.stats.bytes_read), size);
      std::abort();
    }
  }
  return 0;
}
