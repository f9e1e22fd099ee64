#pragma once
// Random-access byte sources for the readers. A reader asks for bytes at an
// absolute offset into its own buffer; a FileSource is pread() on one fd, so
// many readers (threads) may share one source.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/base/status.h"

namespace sluice {

class ByteSource {
 public:
  virtual ~ByteSource();
  // Reads up to `length` bytes at `offset` into `buffer`. Returns the bytes
  // read: fewer than `length` only at the end of the source, 0 at or past it.
  virtual Result<size_t> read_at(uint64_t offset, char* buffer, size_t length) = 0;
  // The size when the source was opened.
  virtual uint64_t size_bytes() const = 0;
};

// Reads exactly `length` bytes at `offset`; kDataError "`name` ends early"
// when the source ends first (a file cut short).
Status read_exactly(ByteSource& source, uint64_t offset, char* buffer, size_t length,
                    const std::string& name);

// A local file read with pread(). Thread safety: read_at may be called from
// several threads at once.
class FileSource final : public ByteSource {
 public:
  static Result<std::unique_ptr<FileSource>> open(const std::string& path);
  ~FileSource() override;
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  Result<size_t> read_at(uint64_t offset, char* buffer, size_t length) override;
  uint64_t size_bytes() const override { return size_bytes_; }
  const std::string& path() const { return path_; }

 private:
  FileSource(int fd, uint64_t size_bytes, std::string path)
      : fd_(fd), size_bytes_(size_bytes), path_(std::move(path)) {}
  int fd_;
  uint64_t size_bytes_;
  std::string path_;
};

// The first `limit` bytes of another source (which must outlive it): what a
// reader of only the start of a file sees.
class PrefixSource final : public ByteSource {
 public:
  PrefixSource(ByteSource& source, uint64_t limit)
      : source_(source), limit_(std::min(limit, source.size_bytes())) {}
  Result<size_t> read_at(uint64_t offset, char* buffer, size_t length) override {
    if (offset >= limit_) return size_t{0};
    return source_.read_at(offset, buffer,
                           static_cast<size_t>(std::min<uint64_t>(length, limit_ - offset)));
  }
  uint64_t size_bytes() const override { return limit_; }

 private:
  ByteSource& source_;
  uint64_t limit_;
};

// What identifies a version of an input file: a job fails when it changes.
struct FileIdentity {
  uint64_t size_bytes = 0;
  int64_t mtime_ns = 0;
  bool operator==(const FileIdentity&) const = default;
};

Result<FileIdentity> stat_file(const std::string& path);

}  // namespace sluice
