#include "cli/flags.h"

#include <limits>

#include "common/ascii.h"

namespace dbexport::cli {

namespace {

struct Unit {
  std::string_view name;  // lower case
  int64_t factor;
};

// "<digits>[ ]<unit>" with the unit one of `units` (case-insensitive; the
// empty name is the bare number). `error` says what was expected.
Result<int64_t> ParseWithUnit(std::string_view text, std::initializer_list<Unit> units, const std::string& error) {
  size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  if (i == 0) return InvalidArgument(error);
  std::string_view digits = text.substr(0, i);
  std::string unit = AsciiLower(text.substr(i));
  while (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
  const Unit* found = nullptr;
  for (const Unit& u : units) {
    if (u.name == unit) found = &u;
  }
  if (found == nullptr) return InvalidArgument(error);
  int64_t value = 0;
  for (char c : digits) {
    if (value > (std::numeric_limits<int64_t>::max() - (c - '0')) / 10) return InvalidArgument(error + ": too large");
    value = value * 10 + (c - '0');
  }
  if (value > std::numeric_limits<int64_t>::max() / found->factor) return InvalidArgument(error + ": too large");
  return value * found->factor;
}

}  // namespace

Result<int64_t> ParseByteSize(std::string_view text) {
  DBX_ASSIGN_OR_RETURN(
      int64_t value,
      ParseWithUnit(text,
                    {{"", 1}, {"b", 1}, {"k", 1ll << 10}, {"kb", 1ll << 10}, {"kib", 1ll << 10},
                     {"m", 1ll << 20}, {"mb", 1ll << 20}, {"mib", 1ll << 20}, {"g", 1ll << 30}, {"gb", 1ll << 30},
                     {"gib", 1ll << 30}, {"t", 1ll << 40}, {"tb", 1ll << 40}, {"tib", 1ll << 40}},
                    "invalid size '" + std::string(text) +
                        "': expected a number of bytes with an optional unit (KiB, MiB, GiB, TiB)"));
  if (value <= 0) return InvalidArgument("invalid size '" + std::string(text) + "': must be positive");
  return value;
}

Result<int64_t> ParseDurationMillis(std::string_view text) {
  return ParseWithUnit(text, {{"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"min", 60'000}, {"h", 3'600'000}},
                       "invalid duration '" + std::string(text) +
                           "': expected a number with an optional unit: ms, s (the default), m or h");
}

Result<parquet::Codec> ParseCodec(std::string_view text) {
  std::string t = AsciiLower(text);
  if (t == "gzip") return parquet::Codec::kGzip;
  if (t == "snappy") return parquet::Codec::kSnappy;
  if (t == "zstd") return parquet::Codec::kZstd;
  if (t == "none") return parquet::Codec::kUncompressed;
  return InvalidArgument("invalid compression '" + std::string(text) + "': expected gzip, snappy, zstd or none");
}

Result<source::TypeMapping> ParseTypeMapping(std::string_view text) {
  std::string t = AsciiLower(text);
  if (t == "aws") return source::TypeMapping::kAws;
  if (t == "native") return source::TypeMapping::kNative;
  return InvalidArgument("invalid type mapping '" + std::string(text) + "': expected aws or native");
}

}  // namespace dbexport::cli
