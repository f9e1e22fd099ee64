#pragma once
// OutputSink: the file end of every writer. Plain bytes are appended to
// pending(); past limits::kWriteBufferBytes they are compressed (if asked)
// and written. It counts and hashes (xxh64) the bytes that reach the file.
// Thread safety: one thread.

#include <cstdint>
#include <memory>
#include <string>

#include "common/base/hash.h"
#include "common/base/limits.h"
#include "common/base/status.h"
#include "common/io/compressor.h"
#include "common/spec/output_spec.h"

namespace sluice {

struct FileTotals {
  uint64_t bytes = 0;
  uint64_t checksum = 0;  // xxh64 of the file's bytes
};

class OutputSink {
 public:
  // Creates (truncates) `path`, making its parent directories.
  static Result<std::unique_ptr<OutputSink>> open(const std::string& path, Compression compression);
  ~OutputSink();  // closes the file if finish() was not reached; the caller removes it
  OutputSink(const OutputSink&) = delete;
  OutputSink& operator=(const OutputSink&) = delete;

  std::string& pending() { return pending_; }
  Status flush_if_full() {
    return pending_.size() >= limits::kWriteBufferBytes ? flush() : Status::ok();
  }
  // Flushes, ends the compressed stream, fsyncs and closes. Once.
  Result<FileTotals> finish();
  const std::string& path() const { return path_; }

 private:
  OutputSink(int fd, std::string path, std::unique_ptr<Compressor> compressor);
  Status flush();
  Status write_file(std::string_view bytes);

  int fd_;
  std::string path_;
  std::unique_ptr<Compressor> compressor_;
  std::string pending_;
  std::string compressed_;
  Hasher hasher_;
  uint64_t bytes_ = 0;
};

}  // namespace sluice
