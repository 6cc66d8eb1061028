#include "source/key_ranges.h"

#include <algorithm>
#include <charconv>

namespace dbexport::source {

int64_t ChunkCount(int64_t rows, int64_t chunk_rows) {
  return std::max<int64_t>(1, (rows + chunk_rows / 2) / chunk_rows);
}

std::string KeyQuantileSql(const std::string& columns, const std::string& from, int64_t step) {
  return "SELECT " + columns + " FROM (SELECT " + columns + ", row_number() OVER (ORDER BY " + columns +
         ") AS dbx_rn" + from + ") s WHERE dbx_rn > 1 AND (dbx_rn - 1) % " + std::to_string(step) +
         " = 0 ORDER BY " + columns;
}

int64_t ParseKey(std::string_view text) {
  int64_t v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

std::vector<int64_t> SampleBounds(const std::vector<int64_t>& sorted_keys, int64_t n, int64_t min_key) {
  std::vector<int64_t> bounds;
  const int64_t sampled = static_cast<int64_t>(sorted_keys.size());
  for (int64_t j = 1; j < n && sampled > 0; ++j) {
    int64_t b = sorted_keys[static_cast<size_t>(j * sampled / n)];
    if (b == min_key) continue;
    if (bounds.empty() || b > bounds.back()) bounds.push_back(b);
  }
  return bounds;
}

std::vector<Chunk> KeyRangeChunks(const Chunk& base, const std::string& quoted_key, const std::string& min_key,
                                  const std::string& max_key, const std::vector<int64_t>& bounds,
                                  int64_t total_rows) {
  std::vector<Chunk> chunks;
  const int64_t n = static_cast<int64_t>(bounds.size()) + 1;
  const std::string& k = quoted_key;
  for (int64_t i = 0; i < n; ++i) {
    Chunk c = base;
    c.index = static_cast<int>(i);
    c.min = i == 0 ? min_key : std::to_string(bounds[i - 1]);
    c.max = i == n - 1 ? max_key : std::to_string(bounds[i] - 1);
    if (n > 1) {
      if (i == 0) {
        c.predicate = k + " < " + std::to_string(bounds[0]);
      } else if (i == n - 1) {
        c.predicate = k + " >= " + std::to_string(bounds[i - 1]);
      } else {
        c.predicate = k + " >= " + std::to_string(bounds[i - 1]) + " AND " + k + " < " + std::to_string(bounds[i]);
      }
    }
    c.estimated_rows = total_rows / n;
    chunks.push_back(std::move(c));
  }
  return chunks;
}

}  // namespace dbexport::source
