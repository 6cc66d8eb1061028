#pragma once
// The service log: one line per event, "<ISO time> <LEVEL> <message>", to
// stderr and, once OpenLogFile succeeds, appended to a file in the state
// directory (mode 0600). Thread-safe. Messages must never contain secrets;
// any registered secret that slips in is redacted (common/secrets.h), and
// control characters and invalid UTF-8 are escaped, so that one message is
// always one line.

#include <string>

#include "common/status.h"

namespace dbexport::service {

// Also append to `path` from now on (created if missing).
Status OpenLogFile(const std::string& path);
void CloseLogFile();

void LogInfo(const std::string& message);
void LogWarning(const std::string& message);
void LogError(const std::string& message);

}  // namespace dbexport::service
