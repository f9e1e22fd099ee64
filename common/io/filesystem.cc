#include "common/io/filesystem.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

namespace sluice {
namespace {

std::string errno_text(int error) { return std::strerror(error); }

int rename_with_flags(const char* from, const char* to, unsigned flags) {
#if defined(SYS_renameat2)
  return static_cast<int>(::syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, flags));
#else
  (void)from;
  (void)to;
  (void)flags;
  errno = ENOSYS;
  return -1;
#endif
}

Status errno_status(int error, std::string message) {
  message += ": " + errno_text(error);
  if (error == ENOENT) return not_found(std::move(message));
  if (error == EEXIST || error == ENOTEMPTY) {
    return Status(StatusCode::kAlreadyExists, std::move(message));
  }
  return io_error(std::move(message));
}

Status fsync_opened(const std::string& path, int flags, const char* what) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return errno_status(errno, fmt::format("cannot open {} {}", what, path));
  const int rc = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (rc != 0) return errno_status(error, fmt::format("cannot fsync {} {}", what, path));
  return Status::ok();
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  Status append(std::string_view bytes) override {
    while (!bytes.empty()) {
      const ssize_t count = ::write(fd_, bytes.data(), bytes.size());
      if (count < 0) {
        if (errno == EINTR) continue;
        return errno_status(errno, fmt::format("cannot write {}", path_));
      }
      bytes.remove_prefix(static_cast<size_t>(count));
    }
    return Status::ok();
  }
  Status sync() override {
    if (::fsync(fd_) != 0) return errno_status(errno, fmt::format("cannot fsync {}", path_));
    return Status::ok();
  }
  Status close() override {
    const int fd = fd_;
    fd_ = -1;
    if (fd >= 0 && ::close(fd) != 0) {
      return errno_status(errno, fmt::format("cannot close {}", path_));
    }
    return Status::ok();
  }

 private:
  std::string path_;
  int fd_ = -1;
};

class RealFilesystem final : public Filesystem {
 public:
  Status rename(const std::string& from, const std::string& to, RenameMode mode) override {
    switch (mode) {
      case RenameMode::kReplace:
        if (::rename(from.c_str(), to.c_str()) != 0) break;
        return Status::ok();
      case RenameMode::kExchange:
        if (rename_with_flags(from.c_str(), to.c_str(), RENAME_EXCHANGE) == 0) return Status::ok();
        if (errno == EINVAL || errno == ENOSYS) {
          return invalid_argument(
              fmt::format("cannot exchange {} with {}: {}", from, to, errno_text(errno)));
        }
        break;
      case RenameMode::kNoReplace:
        if (rename_with_flags(from.c_str(), to.c_str(), RENAME_NOREPLACE) == 0) {
          return Status::ok();
        }
        if (errno != EINVAL && errno != ENOSYS) break;
        // No RENAME_NOREPLACE on this filesystem: link() refuses to replace too.
        if (::link(from.c_str(), to.c_str()) != 0) break;
        if (::unlink(from.c_str()) != 0 && errno != ENOENT) {
          return errno_status(errno, fmt::format("cannot remove {}", from));
        }
        return Status::ok();
    }
    return errno_status(errno, fmt::format("cannot rename {} to {}", from, to));
  }

  Status create_directory(const std::string& dir) override {
    if (::mkdir(dir.c_str(), 0755) != 0) {
      return errno_status(errno, fmt::format("cannot create directory {}", dir));
    }
    return Status::ok();
  }

  Status remove(const std::string& path) override {
    std::error_code error;
    std::filesystem::remove(path, error);
    if (error) return io_error(fmt::format("cannot remove {}: {}", path, error.message()));
    return Status::ok();
  }

  Status remove_all(const std::string& path) override {
    std::error_code error;
    std::filesystem::remove_all(path, error);
    if (error) return io_error(fmt::format("cannot remove {}: {}", path, error.message()));
    return Status::ok();
  }

  Status fsync_file(const std::string& path) override {
    return fsync_opened(path, O_RDONLY, "file");
  }
  Status fsync_directory(const std::string& dir) override {
    return fsync_opened(dir, O_RDONLY | O_DIRECTORY, "directory");
  }

  Result<FileStatus> stat(const std::string& path) override {
    struct stat info {};
    FileStatus status;
    if (::stat(path.c_str(), &info) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) return status;
      return errno_status(errno, fmt::format("cannot stat {}", path));
    }
    status.exists = true;
    status.is_directory = S_ISDIR(info.st_mode);
    status.size_bytes = static_cast<uint64_t>(info.st_size);
    status.device = static_cast<uint64_t>(info.st_dev);
    status.inode = static_cast<uint64_t>(info.st_ino);
    return status;
  }

  Result<std::vector<std::string>> list(const std::string& dir) override {
    std::vector<std::string> names;
    DIR* handle = ::opendir(dir.c_str());
    if (handle == nullptr) {
      if (errno == ENOENT || errno == ENOTDIR) return names;
      return errno_status(errno, fmt::format("cannot list {}", dir));
    }
    while (const dirent* entry = ::readdir(handle)) {
      const std::string_view name = entry->d_name;
      if (name != "." && name != "..") names.emplace_back(name);
    }
    ::closedir(handle);
    return names;
  }

  Result<std::unique_ptr<WritableFile>> create_file(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return errno_status(errno, fmt::format("cannot create {}", path));
    return std::unique_ptr<WritableFile>(new PosixWritableFile(path, fd));
  }
};

}  // namespace

Filesystem& real_filesystem() {
  static RealFilesystem filesystem;
  return filesystem;
}

std::string parent_directory(const std::string& path) {
  const std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

}  // namespace sluice
