#pragma once
// The service log: one line per event, "<ISO time> <LEVEL> <message>", to
// stderr and, once OpenLogFile succeeds, appended to a file in the state
// directory. Thread-safe. Messages must never contain secrets.

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
