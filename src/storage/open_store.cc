// Destination URLs and the ObjectStore each names.

#include <string_view>

#include "storage/object_store.h"
#include "storage/s3/s3_store.h"

namespace dbexport {

Result<StoreLocation> ParseStoreUrl(const std::string& url) {
  constexpr std::string_view kS3Scheme = "s3://";
  constexpr std::string_view kFileScheme = "file://";
  if (url.empty()) return InvalidArgument("destination URL is empty");
  std::string_view u(url);
  StoreLocation location;
  if (u.starts_with(kS3Scheme)) {
    std::string_view rest = u.substr(kS3Scheme.size());
    if (rest.empty() || rest.front() == '/') {
      return InvalidArgument("destination URL '" + url + "' names no bucket: expected s3://bucket[/prefix]");
    }
    DBX_RETURN_IF_ERROR(s3::ParseS3Url(url, &location.s3_bucket, &location.s3_prefix));
    return location;
  }
  if (u.starts_with(kFileScheme)) {
    std::string_view path = u.substr(kFileScheme.size());
    if (!path.starts_with('/')) {
      return InvalidArgument("destination URL '" + url + "' must be file:///absolute/path");
    }
    location.directory = std::string(path);
    return location;
  }
  if (u.find("://") != std::string_view::npos) {
    return InvalidArgument("destination URL '" + url +
                           "' has an unsupported scheme: expected a directory, file:///dir or s3://bucket[/prefix]");
  }
  location.directory = url;
  return location;
}

Result<std::unique_ptr<ObjectStore>> OpenStore(const StoreLocation& location, const StoreOptions& options) {
  if (location.is_s3()) {
    DBX_ASSIGN_OR_RETURN(s3::S3StoreOptions s3_options, s3::S3StoreOptionsFor(location, options));
    return s3::OpenS3Store(s3_options);
  }
  if (location.directory.empty()) return InvalidArgument("no destination: neither a directory nor an S3 bucket");
  return OpenLocalStore(location.directory);
}

Result<std::unique_ptr<ObjectStore>> OpenStoreForUrl(const std::string& url, const StoreOptions& options) {
  DBX_ASSIGN_OR_RETURN(StoreLocation location, ParseStoreUrl(url));
  return OpenStore(location, options);
}

}  // namespace dbexport
