#include "common/base/paths.h"

#include <filesystem>

namespace sluice {

std::string absolute_path(const std::string& path, const std::string& base_dir) {
  std::filesystem::path result(path);
  if (result.is_relative()) result = std::filesystem::path(base_dir) / result;
  return result.lexically_normal().string();
}

}  // namespace sluice
