#include "common/io/byte_source.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sluice {

ByteSource::~ByteSource() = default;

Status read_exactly(ByteSource& source, uint64_t offset, char* buffer, size_t length,
                    const std::string& name) {
  size_t done = 0;
  while (done < length) {
    SLUICE_ASSIGN_OR_RETURN(size_t count,
                            source.read_at(offset + done, buffer + done, length - done));
    if (count == 0) return data_error(name + " ends early");
    done += count;
  }
  return Status::ok();
}

Result<std::unique_ptr<FileSource>> FileSource::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int error = errno;
    std::string message = fmt::format("cannot open {}: {}", path, std::strerror(error));
    return error == ENOENT ? not_found(std::move(message)) : io_error(std::move(message));
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    int error = errno;
    ::close(fd);
    return io_error(fmt::format("cannot stat {}: {}", path, std::strerror(error)));
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd);
    return invalid_argument(fmt::format("{} is not a regular file", path));
  }
  // Advice only: failure changes nothing but speed.
  (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return std::unique_ptr<FileSource>(new FileSource(fd, static_cast<uint64_t>(info.st_size), path));
}

FileSource::~FileSource() { ::close(fd_); }

Result<size_t> FileSource::read_at(uint64_t offset, char* buffer, size_t length) {
  size_t done = 0;
  while (done < length) {
    ssize_t count = ::pread(fd_, buffer + done, length - done, static_cast<off_t>(offset + done));
    if (count < 0) {
      if (errno == EINTR) continue;
      return io_error(fmt::format("cannot read {} at offset {}: {}", path_, offset + done,
                                  std::strerror(errno)));
    }
    if (count == 0) break;
    done += static_cast<size_t>(count);
  }
  return done;
}

Result<FileIdentity> stat_file(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    int error = errno;
    std::string message = fmt::format("cannot stat {}: {}", path, std::strerror(error));
    return error == ENOENT ? not_found(std::move(message)) : io_error(std::move(message));
  }
  FileIdentity identity;
  identity.size_bytes = static_cast<uint64_t>(info.st_size);
  identity.mtime_ns = static_cast<int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 +
                      static_cast<int64_t>(info.st_mtim.tv_nsec);
  return identity;
}

}  // namespace sluice
