#pragma once
// The state directory and its files (task store, log, lock) are readable by
// their owner only: they hold every task's history and failure details.

#include <string>

#include "common/status.h"

namespace dbexport::service {

// Creates `path` (and missing parents) with mode 0700; an existing
// directory is narrowed to 0700.
Status MakePrivateDirectory(const std::string& path);

// open(2) with O_CREAT | O_CLOEXEC added and mode 0600; an existing file is
// narrowed to 0600. Returns the descriptor.
Result<int> OpenPrivateFile(const std::string& path, int flags);

}  // namespace dbexport::service
