#pragma once
// One file of an input as planned: its path and its identity (size,
// modification time), which the coordinator checks again before a retry.

#include <cstdint>
#include <string>

namespace sluice {

struct InputFile {
  std::string path;  // absolute, or an http(s):// or s3:// URL as written
  uint64_t size_bytes = 0;
  // A file's modification time; for a URL, a hash of its ETag (else of its
  // Last-Modified, else 0); for an S3 object, a hash of its ETag: what
  // changes when the object does.
  int64_t mtime_ns = 0;
};

}  // namespace sluice
