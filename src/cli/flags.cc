#include "cli/flags.h"

#include <limits>

#include "common/ascii.h"

namespace dbexport::cli {

Result<int64_t> ParseByteSize(std::string_view text) {
  std::string error = "invalid size '" + std::string(text) + "': expected a number of bytes with an optional unit (KiB, MiB, GiB, TiB)";
  size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  if (i == 0) return InvalidArgument(error);
  std::string_view digits = text.substr(0, i);
  std::string unit = AsciiLower(text.substr(i));
  while (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
  int shift;
  if (unit.empty() || unit == "b") shift = 0;
  else if (unit == "k" || unit == "kb" || unit == "kib") shift = 10;
  else if (unit == "m" || unit == "mb" || unit == "mib") shift = 20;
  else if (unit == "g" || unit == "gb" || unit == "gib") shift = 30;
  else if (unit == "t" || unit == "tb" || unit == "tib") shift = 40;
  else return InvalidArgument(error);
  int64_t value = 0;
  for (char c : digits) {
    if (value > (std::numeric_limits<int64_t>::max() - (c - '0')) / 10) return InvalidArgument(error + ": too large");
    value = value * 10 + (c - '0');
  }
  if (value > (std::numeric_limits<int64_t>::max() >> shift)) return InvalidArgument(error + ": too large");
  value <<= shift;
  if (value <= 0) return InvalidArgument("invalid size '" + std::string(text) + "': must be positive");
  return value;
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

std::string RedactUrl(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  size_t authority = scheme + 3;
  size_t end = url.find_first_of("/?#", authority);
  if (end == std::string_view::npos) end = url.size();
  size_t at = url.rfind('@', end);
  if (at == std::string_view::npos || at < authority) return std::string(url);
  size_t colon = url.find(':', authority);
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  return std::string(url.substr(0, colon)) + std::string(url.substr(at));
}

S3Location ParseS3Location(std::string_view url) {
  constexpr std::string_view kScheme = "s3://";
  if (!url.starts_with(kScheme)) return {};
  std::string_view rest = url.substr(kScheme.size());
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return {std::string(rest), ""};
  std::string_view prefix = rest.substr(slash + 1);
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  return {std::string(rest.substr(0, slash)), std::string(prefix)};
}

}  // namespace dbexport::cli
