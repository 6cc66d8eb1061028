#pragma once
// Chunk planning by ranges of an integer key, shared by every source: the
// source finds the key's bounds its own way (exact quantiles, a sample) and
// these functions turn them into chunks. Ranges cover the whole key space:
// the first chunk is open below, the last open above, and each boundary
// belongs to exactly one chunk, so every row is read exactly once.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "source/source.h"

namespace dbexport::source {

// How many chunks of about `chunk_rows` rows `rows` make (at least 1).
int64_t ChunkCount(int64_t rows, int64_t chunk_rows);

// The query for the cut points of a key: every `step`-th key tuple of
// `columns` (comma-separated, quoted) in key order, the first excluded, from
// `from` (" FROM <relation>"). Both sources' SQL dialects accept it.
std::string KeyQuantileSql(const std::string& columns, const std::string& from, int64_t step);

// An integer key as the server printed it; 0 when empty (NULL).
int64_t ParseKey(std::string_view text);

// Boundaries that cut `sorted_keys` (a sample, ascending) into `n` ranges of
// about equal count: strictly increasing, all above `min_key` (a range below
// the smallest key would be empty).
std::vector<int64_t> SampleBounds(const std::vector<int64_t>& sorted_keys, int64_t n, int64_t min_key);

// The chunks of a key space cut at `bounds` (strictly increasing): chunk i
// holds keys in [bounds[i-1], bounds[i]), with predicates on `quoted_key`
// (quoted as the source's SQL needs). Each chunk copies `base` (its
// constraint type and column), and carries min/max as text for the manifest
// (`min_key`/`max_key` as the server printed them) and total_rows / n as its
// estimate.
std::vector<Chunk> KeyRangeChunks(const Chunk& base, const std::string& quoted_key, const std::string& min_key,
                                  const std::string& max_key, const std::vector<int64_t>& bounds,
                                  int64_t total_rows);

}  // namespace dbexport::source
