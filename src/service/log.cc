#include "service/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>

#include "common/printable.h"
#include "common/secrets.h"
#include "service/export_task.h"
#include "service/private_files.h"

namespace dbexport::service {
namespace {

std::mutex& LogMutex() {
  static std::mutex mu;
  return mu;
}
FILE*& LogFile() {
  static FILE* file = nullptr;
  return file;
}

// One line, whatever the message holds: secrets redacted, control
// characters and invalid UTF-8 escaped.
void Write(const char* level, const std::string& message) {
  std::string line = FormatIso8601(NowMs()) + " " + level + " " + Printable(RedactSecrets(message)) + "\n";
  std::lock_guard<std::mutex> lock(LogMutex());
  std::fwrite(line.data(), 1, line.size(), stderr);
  if (LogFile() != nullptr) {
    std::fwrite(line.data(), 1, line.size(), LogFile());
    std::fflush(LogFile());
  }
}

}  // namespace

Status OpenLogFile(const std::string& path) {
  Result<int> fd = OpenPrivateFile(path, O_WRONLY | O_APPEND);
  if (!fd.ok()) return fd.status().WithContext("opening the log file");
  FILE* file = ::fdopen(*fd, "a");
  if (file == nullptr) {
    ::close(*fd);
    return IoError("opening log file " + path + ": cannot open for appending");
  }
  std::lock_guard<std::mutex> lock(LogMutex());
  if (LogFile() != nullptr) std::fclose(LogFile());
  LogFile() = file;
  return Status::OK();
}

void CloseLogFile() {
  std::lock_guard<std::mutex> lock(LogMutex());
  if (LogFile() != nullptr) std::fclose(LogFile());
  LogFile() = nullptr;
}

void LogInfo(const std::string& message) { Write("INFO", message); }
void LogWarning(const std::string& message) { Write("WARN", message); }
void LogError(const std::string& message) { Write("ERROR", message); }

}  // namespace dbexport::service
