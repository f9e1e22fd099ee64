#pragma once
// Filesystem: what the coordinator does to the files of an output
// directory — rename (replacing, not replacing, exchanging), remove,
// create a directory, fsync a file or a directory, stat, list, and create a
// file to write — behind one interface, so that the deterministic
// simulation (tests/sim) can keep what is synced apart from what is not and
// lose the unsynced at a power cut. `real_filesystem()` is POSIX.
// Thread safety: RealFilesystem is stateless and may be used from any
// thread; a simulated one is its owner's.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace sluice {

enum class RenameMode {
  kReplace,    // rename(2): `to` is replaced when it exists
  kNoReplace,  // renameat2 RENAME_NOREPLACE (link+unlink where unsupported)
  kExchange,   // renameat2 RENAME_EXCHANGE: both exist and swap names
};

struct FileStatus {
  bool exists = false;
  bool is_directory = false;
  uint64_t size_bytes = 0;
  uint64_t device = 0;  // with `inode`: the same file under two names
  uint64_t inode = 0;
};

// A file being written; nothing is durable before sync().
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status append(std::string_view bytes) = 0;
  virtual Status sync() = 0;
  virtual Status close() = 0;
};

class Filesystem {
 public:
  virtual ~Filesystem() = default;
  // Errors: kNotFound when `from` is missing; kAlreadyExists (kNoReplace)
  // when `to` exists; kInvalidArgument when the filesystem cannot
  // exchange (kExchange).
  virtual Status rename(const std::string& from, const std::string& to, RenameMode mode) = 0;
  // One directory (its parent exists); kAlreadyExists when it is there.
  virtual Status create_directory(const std::string& dir) = 0;
  // A file or an empty directory; a missing one is no error.
  virtual Status remove(const std::string& path) = 0;
  // A file or a directory with everything in it; a missing one is no error.
  virtual Status remove_all(const std::string& path) = 0;
  virtual Status fsync_file(const std::string& path) = 0;
  virtual Status fsync_directory(const std::string& dir) = 0;
  // A missing path is no error: `exists` is false.
  virtual Result<FileStatus> stat(const std::string& path) = 0;
  // The names in `dir` (not "." and ".."); a missing directory is empty.
  virtual Result<std::vector<std::string>> list(const std::string& dir) = 0;
  // Creates (or truncates) `path` to write.
  virtual Result<std::unique_ptr<WritableFile>> create_file(const std::string& path) = 0;
};

// POSIX, one process-wide instance.
Filesystem& real_filesystem();

// The directory a path is in ("." for a bare name).
std::string parent_directory(const std::string& path);

}  // namespace sluice
