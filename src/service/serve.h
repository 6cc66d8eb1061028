#pragma once
// `dbexport serve --config <file>`: the RDS-compatible export service.

#include <string>

namespace dbexport::service {

// Loads the configuration, opens the task store under state_dir (one service
// per state_dir: a lock file refuses a second), finishes the tasks a previous
// run left active, serves the API on `listen` and runs until SIGINT or
// SIGTERM; then stops accepting requests, stops running exports (see
// TaskManager::Shutdown) and delivers pending notifications for up to 5 s.
// Prints "dbexport serve: listening on http://<host>:<port>" on stdout once
// ready. Returns the process exit code: 0 after a signal, 2 for a bad
// configuration, 1 for any other failure to start.
int ServeMain(const std::string& config_path);

}  // namespace dbexport::service
