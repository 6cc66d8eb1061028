#pragma once
// Ctrl-C handling for long commands: SIGINT and SIGTERM set a flag the
// export engine polls; a second signal ends the process at once.

#include <atomic>

namespace dbexport::cli {

// Installs the handlers (idempotent) and returns the flag they set.
const std::atomic<bool>* InstallCancelSignals();

}  // namespace dbexport::cli
