#include "service/private_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace dbexport::service {

Status MakePrivateDirectory(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return IoError("creating directory " + path + ": " + ec.message());
  if (::chmod(path.c_str(), 0700) != 0) {
    return IoError("making directory " + path + " private (mode 0700): " + std::strerror(errno));
  }
  return Status::OK();
}

Result<int> OpenPrivateFile(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return IoError("opening " + path + ": " + std::strerror(errno));
  if (::fchmod(fd, 0600) != 0) {
    std::string why = std::strerror(errno);
    ::close(fd);
    return IoError("making " + path + " private (mode 0600): " + why);
  }
  return fd;
}

}  // namespace dbexport::service
