#pragma once
// The web console's files (src/service/console/), compiled into the binary
// at build time by console/embed.cmake, so that /console/ is served with no
// file or network access beside the executable.

#include <string_view>

namespace dbexport::service {

struct ConsoleAsset {
  std::string_view name;          // file name, e.g. "app.js"
  std::string_view content_type;  // e.g. "text/javascript; charset=utf-8"
  std::string_view body;
};

// The asset named `name` (a file name, no directory), or nullptr.
// The table is static: thread-safe.
const ConsoleAsset* FindConsoleAsset(std::string_view name);

}  // namespace dbexport::service
