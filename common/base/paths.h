#pragma once
// Paths made absolute without touching the filesystem.

#include <string>

namespace sluice {

// `path` made absolute against `base_dir`, lexically normalised.
std::string absolute_path(const std::string& path, const std::string& base_dir);

}  // namespace sluice
