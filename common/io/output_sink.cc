#include "common/io/output_sink.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/io/publish.h"

namespace sluice {

Result<std::unique_ptr<OutputSink>> OutputSink::open(const std::string& path,
                                                     Compression compression) {
  std::string parent = std::filesystem::path(path).parent_path().string();
  if (!parent.empty()) SLUICE_RETURN_IF_ERROR(make_directories(parent));
  SLUICE_ASSIGN_OR_RETURN(auto compressor, make_compressor(compression));
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error(fmt::format("cannot create {}: {}", path, std::strerror(errno)));
  return std::unique_ptr<OutputSink>(new OutputSink(fd, path, std::move(compressor)));
}

OutputSink::OutputSink(int fd, std::string path, std::unique_ptr<Compressor> compressor)
    : fd_(fd), path_(std::move(path)), compressor_(std::move(compressor)) {
  pending_.reserve(limits::kWriteBufferBytes + (64 << 10));
}

OutputSink::~OutputSink() {
  if (fd_ >= 0) ::close(fd_);
}

Status OutputSink::write_file(std::string_view bytes) {
  hasher_.update(bytes);
  bytes_ += bytes.size();
  while (!bytes.empty()) {
    ssize_t count = ::write(fd_, bytes.data(), bytes.size());
    if (count < 0) {
      if (errno == EINTR) continue;
      return io_error(fmt::format("cannot write {}: {}", path_, std::strerror(errno)));
    }
    bytes.remove_prefix(static_cast<size_t>(count));
  }
  return Status::ok();
}

Status OutputSink::flush() {
  if (fd_ < 0) return internal_error(fmt::format("write to {} after finish", path_));
  if (pending_.empty()) return Status::ok();
  if (compressor_ == nullptr) {
    SLUICE_RETURN_IF_ERROR(write_file(pending_));
  } else {
    compressed_.clear();
    SLUICE_RETURN_IF_ERROR(compressor_->compress(pending_, compressed_));
    SLUICE_RETURN_IF_ERROR(write_file(compressed_));
  }
  pending_.clear();
  return Status::ok();
}

Result<FileTotals> OutputSink::finish() {
  SLUICE_RETURN_IF_ERROR(flush());
  if (compressor_ != nullptr) {
    compressed_.clear();
    SLUICE_RETURN_IF_ERROR(compressor_->finish(compressed_));
    SLUICE_RETURN_IF_ERROR(write_file(compressed_));
  }
  if (::fsync(fd_) != 0) {
    return io_error(fmt::format("cannot fsync {}: {}", path_, std::strerror(errno)));
  }
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    return io_error(fmt::format("cannot close {}: {}", path_, std::strerror(errno)));
  }
  return FileTotals{bytes_, hasher_.digest()};
}

}  // namespace sluice
