// OpenStoreForUrl: routes a destination URL to its ObjectStore.

#include <string_view>

#include "storage/object_store.h"
#include "storage/s3/s3_store.h"

namespace dbexport {

Result<std::unique_ptr<ObjectStore>> OpenStoreForUrl(const std::string& url,
                                                     const StoreOptions& options) {
  constexpr std::string_view kS3Scheme = "s3://";
  constexpr std::string_view kFileScheme = "file://";
  if (url.empty()) return InvalidArgument("destination URL is empty");
  std::string_view u(url);
  if (u.starts_with(kS3Scheme)) {
    std::string_view rest = u.substr(kS3Scheme.size());
    if (rest.empty() || rest.front() == '/') {
      return InvalidArgument("destination URL '" + url + "' names no bucket: expected s3://bucket[/prefix]");
    }
    return s3::OpenS3StoreForUrl(url, options);
  }
  if (u.starts_with(kFileScheme)) {
    std::string_view path = u.substr(kFileScheme.size());
    if (!path.starts_with('/')) {
      return InvalidArgument("destination URL '" + url + "' must be file:///absolute/path");
    }
    return OpenLocalStore(std::string(path));
  }
  if (u.find("://") != std::string_view::npos) {
    return InvalidArgument("destination URL '" + url +
                           "' has an unsupported scheme: expected a directory, file:///dir or s3://bucket[/prefix]");
  }
  return OpenLocalStore(url);
}

}  // namespace dbexport
