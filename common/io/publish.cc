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

namespace sluice {

namespace {

std::string errno_text() { return std::strerror(errno); }

bool same_file(const FileStatus& a, const FileStatus& b) {
  return a.device == b.device && a.inode == b.inode;
}

}  // namespace

Status fsync_path(const std::string& path) { return real_filesystem().fsync_file(path); }

Status fsync_directory(const std::string& dir) { return real_filesystem().fsync_directory(dir); }

Status make_directories(const std::string& dir, Filesystem& files) {
  std::filesystem::path target = std::filesystem::path(dir).lexically_normal();
  std::filesystem::path prefix;
  for (const auto& part : target) {
    prefix /= part;
    if (part.empty() || part == "/" || part == "." || part == "..") continue;
    Status created = files.create_directory(prefix.string());
    if (created.is_ok()) {
      std::string parent = prefix.parent_path().string();
      SLUICE_RETURN_IF_ERROR(files.fsync_directory(parent.empty() ? "." : parent));
      continue;
    }
    if (created.code() != StatusCode::kAlreadyExists) return created;
    SLUICE_ASSIGN_OR_RETURN(FileStatus info, files.stat(prefix.string()));
    if (!info.is_directory) {
      return io_error(fmt::format("{} exists and is not a directory", prefix.string()));
    }
  }
  return Status::ok();
}

Result<PublishOutcome> publish_file(const std::string& temp_path, const std::string& final_path,
                                    Filesystem& files) {
  const std::string final_dir = parent_directory(final_path);
  SLUICE_ASSIGN_OR_RETURN(FileStatus temp_info, files.stat(temp_path));
  if (!temp_info.exists) {
    SLUICE_ASSIGN_OR_RETURN(FileStatus final_info, files.stat(final_path));
    if (final_info.exists) {
      // Redo after a crash: the rename happened; make sure it is durable.
      SLUICE_RETURN_IF_ERROR(files.fsync_directory(final_dir));
      return PublishOutcome::kAlreadyPublished;
    }
    return not_found(
        fmt::format("cannot publish {}: neither it nor {} exists", temp_path, final_path));
  }
  SLUICE_RETURN_IF_ERROR(files.fsync_file(temp_path));
  Status renamed = files.rename(temp_path, final_path, RenameMode::kNoReplace);
  if (renamed.code() == StatusCode::kAlreadyExists) {
    // A crash between link() and unlink() leaves one file under both names.
    SLUICE_ASSIGN_OR_RETURN(FileStatus final_info, files.stat(final_path));
    if (final_info.exists && same_file(temp_info, final_info)) {
      SLUICE_RETURN_IF_ERROR(files.remove(temp_path));
      SLUICE_RETURN_IF_ERROR(files.fsync_directory(final_dir));
      return PublishOutcome::kAlreadyPublished;
    }
    return Status(StatusCode::kAlreadyExists,
                  fmt::format("{} already exists; {} was not published", final_path, temp_path));
  }
  if (renamed.code() == StatusCode::kNotFound) {
    SLUICE_ASSIGN_OR_RETURN(FileStatus temp_now, files.stat(temp_path));
    SLUICE_ASSIGN_OR_RETURN(FileStatus final_info, files.stat(final_path));
    if (!temp_now.exists && final_info.exists) {
      SLUICE_RETURN_IF_ERROR(files.fsync_directory(final_dir));
      return PublishOutcome::kAlreadyPublished;  // a concurrent redo won
    }
  }
  SLUICE_RETURN_IF_ERROR(renamed);
  SLUICE_RETURN_IF_ERROR(files.fsync_directory(final_dir));
  if (parent_directory(temp_path) != final_dir) {
    SLUICE_RETURN_IF_ERROR(files.fsync_directory(parent_directory(temp_path)));
  }
  return PublishOutcome::kPublished;
}

Status write_file_atomically(const std::string& path, std::string_view contents,
                             Filesystem& files) {
  static std::atomic<uint64_t> counter{0};
  SLUICE_RETURN_IF_ERROR(make_directories(parent_directory(path), files));
  std::string temp = fmt::format("{}.tmp-{}-{}", path, ::getpid(), counter.fetch_add(1));
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, files.create_file(temp));
  Status written = file->append(contents);
  if (written.is_ok()) written = file->sync();
  if (written.is_ok()) written = file->close();
  if (written.is_ok()) written = files.rename(temp, path, RenameMode::kReplace);
  if (!written.is_ok()) {
    file.reset();
    (void)files.remove(temp);
    return written;
  }
  return files.fsync_directory(parent_directory(path));
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
