#pragma once
// Resolving a job's input paths (files, directories, globs) into files with
// their identity (size, modification time), as planned and as checked later.

#include <cstdint>
#include <string>
#include <vector>

#include "common/base/status.h"

namespace sluice {

struct InputFile {
  std::string path;  // absolute
  uint64_t size_bytes = 0;
  int64_t mtime_ns = 0;
};

// Expands files, directories (their regular files not starting with '.' or
// '_', sorted) and globs (sorted), resolving relative paths against
// `base_dir`. Each file appears once, in the order written; an input that
// matches nothing is an error.
Result<std::vector<InputFile>> resolve_inputs(const std::vector<std::string>& patterns,
                                              const std::string& base_dir);

// The file's current size and modification time.
Result<InputFile> stat_input(const std::string& path);

// `path` made absolute against `base_dir`, lexically normalised.
std::string absolute_path(const std::string& path, const std::string& base_dir);

}  // namespace sluice
