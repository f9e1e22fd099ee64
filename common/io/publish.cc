#include "common/io/publish.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "common/base/hash.h"
#include "common/base/limits.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

namespace sluice {

namespace {

std::string errno_text() { return std::strerror(errno); }

std::string parent_of(const std::string& path) {
  std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

int rename_noreplace(const char* from, const char* to) {
#if defined(SYS_renameat2)
  return static_cast<int>(::syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE));
#else
  errno = ENOSYS;
  return -1;
#endif
}

bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

Status fsync_fd_of(const std::string& path, int flags, const char* what) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return io_error(fmt::format("cannot open {} {}: {}", what, path, errno_text()));
  int rc = ::fsync(fd);
  int error = errno;
  ::close(fd);
  if (rc != 0) {
    return io_error(fmt::format("cannot fsync {} {}: {}", what, path, std::strerror(error)));
  }
  return Status::ok();
}

}  // namespace

Status fsync_path(const std::string& path) { return fsync_fd_of(path, O_RDONLY, "file"); }

Status fsync_directory(const std::string& dir) {
  return fsync_fd_of(dir, O_RDONLY | O_DIRECTORY, "directory");
}

Status make_directories(const std::string& dir) {
  std::filesystem::path target = std::filesystem::path(dir).lexically_normal();
  std::filesystem::path prefix;
  for (const auto& part : target) {
    prefix /= part;
    if (part.empty() || part == "/" || part == "." || part == "..") continue;
    if (::mkdir(prefix.c_str(), 0755) == 0) {
      std::string parent = prefix.parent_path().string();
      SLUICE_RETURN_IF_ERROR(fsync_directory(parent.empty() ? "." : parent));
      continue;
    }
    if (errno != EEXIST) {
      return io_error(fmt::format("cannot create directory {}: {}", prefix.string(), errno_text()));
    }
    struct stat info {};
    if (::stat(prefix.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
      return io_error(fmt::format("{} exists and is not a directory", prefix.string()));
    }
  }
  return Status::ok();
}

Result<PublishOutcome> publish_file(const std::string& temp_path, const std::string& final_path) {
  struct stat temp_info {};
  struct stat final_info {};
  if (::stat(temp_path.c_str(), &temp_info) != 0) {
    if (errno != ENOENT)
      return io_error(fmt::format("cannot stat {}: {}", temp_path, errno_text()));
    if (::stat(final_path.c_str(), &final_info) == 0) {
      // Redo after a crash: the rename happened; make sure it is durable.
      SLUICE_RETURN_IF_ERROR(fsync_directory(parent_of(final_path)));
      return PublishOutcome::kAlreadyPublished;
    }
    return not_found(
        fmt::format("cannot publish {}: neither it nor {} exists", temp_path, final_path));
  }
  SLUICE_RETURN_IF_ERROR(fsync_path(temp_path));
  int error = 0;
  if (rename_noreplace(temp_path.c_str(), final_path.c_str()) != 0) error = errno;
  if (error == EINVAL || error == ENOSYS) {
    // No RENAME_NOREPLACE on this filesystem: link() refuses to replace too.
    error = 0;
    if (::link(temp_path.c_str(), final_path.c_str()) != 0) {
      error = errno;
    } else if (::unlink(temp_path.c_str()) != 0 && errno != ENOENT) {
      return io_error(fmt::format("cannot remove {}: {}", temp_path, errno_text()));
    }
  }
  if (error == EEXIST) {
    // A crash between link() and unlink() leaves one file under both names.
    if (::stat(final_path.c_str(), &final_info) == 0 && same_file(temp_info, final_info)) {
      if (::unlink(temp_path.c_str()) != 0 && errno != ENOENT) {
        return io_error(fmt::format("cannot remove {}: {}", temp_path, errno_text()));
      }
      SLUICE_RETURN_IF_ERROR(fsync_directory(parent_of(final_path)));
      return PublishOutcome::kAlreadyPublished;
    }
    return Status(StatusCode::kAlreadyExists,
                  fmt::format("{} already exists; {} was not published", final_path, temp_path));
  }
  if (error == ENOENT && ::stat(temp_path.c_str(), &temp_info) != 0 &&
      ::stat(final_path.c_str(), &final_info) == 0) {
    SLUICE_RETURN_IF_ERROR(fsync_directory(parent_of(final_path)));
    return PublishOutcome::kAlreadyPublished;  // a concurrent redo won
  }
  if (error != 0) {
    return io_error(
        fmt::format("cannot rename {} to {}: {}", temp_path, final_path, std::strerror(error)));
  }
  SLUICE_RETURN_IF_ERROR(fsync_directory(parent_of(final_path)));
  if (parent_of(temp_path) != parent_of(final_path)) {
    SLUICE_RETURN_IF_ERROR(fsync_directory(parent_of(temp_path)));
  }
  return PublishOutcome::kPublished;
}

Status write_file_atomically(const std::string& path, std::string_view contents) {
  static std::atomic<uint64_t> counter{0};
  SLUICE_RETURN_IF_ERROR(make_directories(parent_of(path)));
  std::string temp = fmt::format("{}.tmp-{}-{}", path, ::getpid(), counter.fetch_add(1));
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error(fmt::format("cannot create {}: {}", temp, errno_text()));
  auto fail = [&](std::string message) {
    ::close(fd);
    ::unlink(temp.c_str());
    return io_error(std::move(message));
  };
  while (!contents.empty()) {
    ssize_t count = ::write(fd, contents.data(), contents.size());
    if (count < 0) {
      if (errno == EINTR) continue;
      return fail(fmt::format("cannot write {}: {}", temp, errno_text()));
    }
    contents.remove_prefix(static_cast<size_t>(count));
  }
  if (::fsync(fd) != 0) return fail(fmt::format("cannot fsync {}: {}", temp, errno_text()));
  if (::close(fd) != 0) {
    ::unlink(temp.c_str());
    return io_error(fmt::format("cannot close {}: {}", temp, errno_text()));
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    std::string message = fmt::format("cannot rename {} to {}: {}", temp, path, errno_text());
    ::unlink(temp.c_str());
    return io_error(std::move(message));
  }
  return fsync_directory(parent_of(path));
}

Result<uint64_t> checksum_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::string message = fmt::format("cannot open {}: {}", path, errno_text());
    return errno == ENOENT ? not_found(std::move(message)) : io_error(std::move(message));
  }
  (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  auto buffer = std::make_unique_for_overwrite<char[]>(limits::kReadChunkBytes);
  Hasher hasher;
  for (;;) {
    ssize_t count = ::read(fd, buffer.get(), limits::kReadChunkBytes);
    if (count < 0) {
      if (errno == EINTR) continue;
      std::string message = fmt::format("cannot read {}: {}", path, errno_text());
      ::close(fd);
      return io_error(std::move(message));
    }
    if (count == 0) break;
    hasher.update(std::string_view(buffer.get(), static_cast<size_t>(count)));
  }
  ::close(fd);
  return hasher.digest();
}

}  // namespace sluice
