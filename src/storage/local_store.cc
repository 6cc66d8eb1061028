// The local directory ObjectStore. Keys map to paths under the root. A writer
// streams into an unnamed file in the directory of its final path
// (O_TMPFILE) and links it into place on Close(), so a reader globbing for
// "*.parquet" never sees a partial file, and a writer that fails (a full
// disk, a directory turned read-only) or a process that dies leaves nothing
// behind: the kernel frees an unnamed file with its last descriptor. Where
// the filesystem has no O_TMPFILE, the writer uses a hidden temporary file
// beside its final path (".<name>.tmp-<random>") renamed on Close(); those
// a dead process left behind are removed by AbortIncompleteWrites.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <random>
#include <vector>

#include "common/ascii.h"
#include "storage/object_store.h"

namespace dbexport {
namespace {

namespace fs = std::filesystem;

// Bytes gathered before a write(2): Parquet writers hand over many small
// pieces (page headers, footer fields) between large pages.
constexpr size_t kWriteBufferBytes = 1 << 20;
constexpr char kTempMarker[] = ".tmp-";
// Hex digits of the random part of a temporary name: 48 bits, so that writers
// of the same key (in one process or several) do not collide.
constexpr size_t kTempSuffixLength = 12;

Status ErrnoStatus(std::string_view operation, const std::string& path, int err) {
  std::string msg = "local store: " + std::string(operation) + " " + path + ": " + std::strerror(err);
  switch (err) {
    case ENOENT: return NotFound(std::move(msg));
    case EACCES:
    case EPERM:
    case EROFS: return PermissionDenied(std::move(msg));
    case ENOSPC:
    case EDQUOT: return ResourceExhausted(std::move(msg));
    case ENOTDIR:
    case EISDIR:
    case ENAMETOOLONG:
    case EEXIST: return FailedPrecondition(std::move(msg));
    default: return IoError(std::move(msg));
  }
}

Status FsErrorStatus(std::string_view operation, const std::string& path, const std::error_code& ec) {
  if (ec.category() == std::generic_category() || ec.category() == std::system_category()) {
    return ErrnoStatus(operation, path, ec.value());
  }
  return IoError("local store: " + std::string(operation) + " " + path + ": " + ec.message());
}

Status ValidateKey(const std::string& key) {
  Status s = CheckObjectKey(key);
  return s.ok() ? s : s.WithContext("local store");
}

// A prefix is a plain string prefix of keys (as on S3); its directory part,
// up to the last '/', must stay inside the root.
Status ValidatePrefix(const std::string& prefix) {
  Status s = CheckKeyPrefix(prefix);
  return s.ok() ? s : s.WithContext("local store");
}

// The file name a writer's temporary file stands for: ".<name>.tmp-<hex>"
// gives "<name>"; nullopt for every other file name.
std::optional<std::string> TempFileTarget(const std::string& filename) {
  constexpr size_t kMarkerLength = sizeof(kTempMarker) - 1;
  if (filename.empty() || filename[0] != '.') return std::nullopt;
  size_t marker = filename.rfind(kTempMarker);
  if (marker == std::string::npos || marker < 2) return std::nullopt;  // "<name>" is not empty
  if (filename.size() - marker - kMarkerLength != kTempSuffixLength) return std::nullopt;
  for (size_t i = marker + kMarkerLength; i < filename.size(); ++i) {
    if (!IsHexDigit(filename[i])) return std::nullopt;
  }
  return filename.substr(1, marker - 1);
}

std::string RandomSuffix() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(kTempSuffixLength, '0');
  uint64_t v = rng();
  for (char& c : s) {
    c = kHex[v & 15];
    v >>= 4;
  }
  return s;
}

Status WriteAll(int fd, const uint8_t* data, size_t size, const std::string& path) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("writing", path, errno);
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return Status::OK();
}

// Gives the unnamed file open as `fd` the name `final_path`. linkat() does
// not replace an existing file; a key written again goes through a named
// temporary link and rename(), which does.
Status LinkIntoPlace(int fd, const std::string& final_path) {
  const std::string proc_path = "/proc/self/fd/" + std::to_string(fd);
  if (::linkat(AT_FDCWD, proc_path.c_str(), AT_FDCWD, final_path.c_str(), AT_SYMLINK_FOLLOW) == 0) {
    return Status::OK();
  }
  if (errno != EEXIST) return ErrnoStatus("linking into place", final_path, errno);
  fs::path final_fs(final_path);
  std::string temp = (final_fs.parent_path() / ("." + final_fs.filename().string() + kTempMarker + RandomSuffix()))
                         .string();
  if (::linkat(AT_FDCWD, proc_path.c_str(), AT_FDCWD, temp.c_str(), AT_SYMLINK_FOLLOW) != 0) {
    return ErrnoStatus("linking into place", final_path, errno);
  }
  if (::rename(temp.c_str(), final_path.c_str()) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    return ErrnoStatus("renaming into place", final_path, err);
  }
  return Status::OK();
}

class LocalOutputStream final : public OutputStream {
 public:
  // `temp_path` empty: `fd` is an unnamed O_TMPFILE file.
  LocalOutputStream(int fd, std::string temp_path, std::string final_path)
      : fd_(fd), temp_path_(std::move(temp_path)), final_path_(std::move(final_path)) {
    buffer_.reserve(kWriteBufferBytes);
  }
  ~LocalOutputStream() override {
    if (!done_) Abort().IgnoreError();
  }

  Status Write(const uint8_t* data, size_t size) override {
    if (done_) return FailedPrecondition("local store: write to " + final_path_ + " after Close/Abort");
    if (!status_.ok()) return status_;
    position_ += static_cast<int64_t>(size);
    if (buffer_.size() + size <= kWriteBufferBytes) {
      buffer_.insert(buffer_.end(), data, data + size);
      return Status::OK();
    }
    status_ = Flush();
    if (!status_.ok()) return status_;
    if (size >= kWriteBufferBytes) {
      status_ = WriteAll(fd_, data, size, final_path_);
    } else {
      buffer_.insert(buffer_.end(), data, data + size);
    }
    return status_;
  }

  int64_t Tell() const override { return position_; }

  Status Close() override {
    if (done_) return FailedPrecondition("local store: " + final_path_ + " already closed");
    if (status_.ok()) status_ = Flush();
    if (status_.ok() && temp_path_.empty()) status_ = LinkIntoPlace(fd_, final_path_);
    if (status_.ok()) {
      int fd = fd_;
      fd_ = -1;
      if (::close(fd) != 0) status_ = ErrnoStatus("closing", final_path_, errno);
    }
    if (status_.ok() && !temp_path_.empty() && ::rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
      status_ = ErrnoStatus("renaming into place", final_path_, errno);
    }
    if (!status_.ok()) {
      Status failed = status_;
      Abort().IgnoreError();
      return failed;
    }
    done_ = true;
    return Status::OK();
  }

  Status Abort() override {
    if (done_) return Status::OK();
    done_ = true;
    if (fd_ >= 0) {
      ::close(fd_);  // an unnamed file is freed here
      fd_ = -1;
    }
    if (!temp_path_.empty() && ::unlink(temp_path_.c_str()) != 0 && errno != ENOENT) {
      return ErrnoStatus("removing", temp_path_, errno);
    }
    return Status::OK();
  }

 private:
  Status Flush() {
    if (buffer_.empty()) return Status::OK();
    Status s = WriteAll(fd_, buffer_.data(), buffer_.size(), final_path_);
    buffer_.clear();
    return s;
  }

  int fd_;
  std::string temp_path_;
  std::string final_path_;
  std::vector<uint8_t> buffer_;
  int64_t position_ = 0;
  Status status_;
  bool done_ = false;
};

class LocalStore final : public ObjectStore {
 public:
  LocalStore(fs::path root, LocalStoreOptions options) : root_(std::move(root)), options_(options) {}

  Result<std::unique_ptr<OutputStream>> OpenWrite(const std::string& key) override {
    DBX_RETURN_IF_ERROR(ValidateKey(key));
    fs::path final_path = root_ / key;
    std::error_code ec;
    fs::create_directories(final_path.parent_path(), ec);
    if (ec) return FsErrorStatus("creating directory", final_path.parent_path().string(), ec);
    if (options_.unnamed_temp_files) {
      int fd = ::open(final_path.parent_path().c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
      if (fd >= 0) {
        return std::unique_ptr<OutputStream>(std::make_unique<LocalOutputStream>(fd, "", final_path.string()));
      }
      if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
        return ErrnoStatus("creating a file in", final_path.parent_path().string(), errno);
      }
    }
    fs::path temp_path = final_path.parent_path() /
                         ("." + final_path.filename().string() + kTempMarker + RandomSuffix());
    int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return ErrnoStatus("creating", temp_path.string(), errno);
    return std::unique_ptr<OutputStream>(
        std::make_unique<LocalOutputStream>(fd, temp_path.string(), final_path.string()));
  }

  Status Put(const std::string& key, const std::string& contents) override {
    DBX_ASSIGN_OR_RETURN(std::unique_ptr<OutputStream> out, OpenWrite(key));
    Status s = out->Write(reinterpret_cast<const uint8_t*>(contents.data()), contents.size());
    if (!s.ok()) {
      out->Abort().IgnoreError();
      return s;
    }
    return out->Close();
  }

  Result<std::string> Get(const std::string& key) override {
    DBX_RETURN_IF_ERROR(ValidateKey(key));
    std::string path = (root_ / key).string();
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus("opening", path, errno);
    std::string out;
    char buf[1 << 16];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0) {
        if (errno == EINTR) continue;
        int err = errno;
        ::close(fd);
        return ErrnoStatus("reading", path, err);
      }
      if (n == 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return out;
  }

  Result<std::string> GetRange(const std::string& key, int64_t offset, int64_t length) override {
    DBX_RETURN_IF_ERROR(ValidateKey(key));
    if (offset < 0 || length < 0) {
      return InvalidArgument("reading " + key + ": negative range (offset " + std::to_string(offset) +
                             ", length " + std::to_string(length) + ")");
    }
    std::string path = (root_ / key).string();
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus("opening", path, errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      int err = errno;
      ::close(fd);
      return ErrnoStatus("reading", path, err);
    }
    // Never allocate more than the file holds past `offset`.
    const int64_t available = offset < st.st_size ? st.st_size - offset : 0;
    std::string out(static_cast<size_t>(std::min(length, available)), '\0');
    size_t done = 0;
    while (done < out.size()) {
      ssize_t n = ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        int err = errno;
        ::close(fd);
        return ErrnoStatus("reading", path, err);
      }
      if (n == 0) break;  // the file shrank
      done += static_cast<size_t>(n);
    }
    ::close(fd);
    out.resize(done);
    return out;
  }

  Result<std::vector<ObjectInfo>> List(const std::string& prefix) override {
    std::vector<ObjectInfo> out;
    DBX_RETURN_IF_ERROR(WalkFiles(prefix, [&](const fs::directory_entry& entry) -> Status {
      if (TempFileTarget(entry.path().filename().string())) return Status::OK();
      std::string key = entry.path().lexically_relative(root_).generic_string();
      if (!key.starts_with(prefix)) return Status::OK();
      std::error_code ec;
      auto size = entry.file_size(ec);
      if (ec) return FsErrorStatus("listing", entry.path().string(), ec);
      out.push_back({std::move(key), static_cast<int64_t>(size)});
      return Status::OK();
    }));
    std::sort(out.begin(), out.end(), [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
    return out;
  }

  // A temporary file belongs to the key it would have been renamed to, so
  // `prefix` selects temporary files as List selects objects.
  Result<int> AbortIncompleteWrites(const std::string& prefix) override {
    std::vector<fs::path> temp_files;
    DBX_RETURN_IF_ERROR(WalkFiles(prefix, [&](const fs::directory_entry& entry) -> Status {
      std::optional<std::string> target = TempFileTarget(entry.path().filename().string());
      if (!target) return Status::OK();
      std::string key = (entry.path().parent_path() / *target).lexically_relative(root_).generic_string();
      if (key.starts_with(prefix)) temp_files.push_back(entry.path());
      return Status::OK();
    }));
    // Removed after the walk: the directories are not changed under the iterator.
    int removed = 0;
    for (const fs::path& path : temp_files) {
      if (::unlink(path.c_str()) != 0) {
        if (errno == ENOENT) continue;  // aborted meanwhile: nothing left to discard
        return ErrnoStatus("removing incomplete write", path.string(), errno);
      }
      ++removed;
    }
    return removed;
  }

  // Deleting a missing key succeeds, as on S3.
  Status Delete(const std::string& key) override {
    DBX_RETURN_IF_ERROR(ValidateKey(key));
    std::string path = (root_ / key).string();
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoStatus("deleting", path, errno);
    return Status::OK();
  }

  std::string Describe() const override { return root_.string(); }

 private:
  // Calls visit(entry) for every regular file under the directory `prefix`
  // lies in (not the whole root), stopping at the first error.
  template <typename Visit>
  Status WalkFiles(const std::string& prefix, Visit&& visit) const {
    DBX_RETURN_IF_ERROR(ValidatePrefix(prefix));
    std::error_code ec;
    fs::path start = root_;
    size_t slash = prefix.rfind('/');
    if (slash != std::string::npos) start = root_ / prefix.substr(0, slash);
    if (!fs::is_directory(start, ec)) return Status::OK();
    fs::recursive_directory_iterator it(start, fs::directory_options::skip_permission_denied, ec);
    if (ec) return FsErrorStatus("listing", start.string(), ec);
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) return FsErrorStatus("listing", start.string(), ec);
      if (!it->is_regular_file(ec)) continue;
      DBX_RETURN_IF_ERROR(visit(*it));
    }
    return Status::OK();
  }

  fs::path root_;
  LocalStoreOptions options_;
};

}  // namespace

Result<std::unique_ptr<ObjectStore>> OpenLocalStore(const std::string& root, LocalStoreOptions options) {
  if (root.empty()) return InvalidArgument("local store: empty directory path");
  std::error_code ec;
  fs::path abs = fs::absolute(root, ec);
  if (ec) return FsErrorStatus("resolving", root, ec);
  abs = abs.lexically_normal();
  if (abs.has_filename() == false && abs != abs.root_path()) abs = abs.parent_path();
  fs::create_directories(abs, ec);
  if (ec) return FsErrorStatus("creating directory", abs.string(), ec);
  if (!fs::is_directory(abs, ec)) {
    return FailedPrecondition("local store: " + abs.string() + " is not a directory");
  }
  if (::access(abs.c_str(), W_OK | X_OK) != 0) return ErrnoStatus("opening directory", abs.string(), errno);
  return std::unique_ptr<ObjectStore>(std::make_unique<LocalStore>(std::move(abs), options));
}

}  // namespace dbexport
