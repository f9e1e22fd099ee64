#include "common/job/inputs.h"

#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <set>

namespace sluice {
namespace {

namespace fs = std::filesystem;

bool is_glob(const std::string& pattern) {
  return pattern.find_first_of("*?[") != std::string::npos;
}

Result<std::vector<std::string>> expand(const std::string& pattern) {
  std::vector<std::string> paths;
  if (is_glob(pattern)) {
    glob_t matches{};
    if (::glob(pattern.c_str(), 0, nullptr, &matches) == 0) {
      for (size_t i = 0; i < matches.gl_pathc; ++i) paths.emplace_back(matches.gl_pathv[i]);
    }
    ::globfree(&matches);
    if (paths.empty()) return not_found("input " + pattern + " matches no file");
    std::sort(paths.begin(), paths.end());
    return paths;
  }
  std::error_code error;
  if (fs::is_directory(pattern, error)) {
    for (const auto& entry : fs::directory_iterator(pattern, error)) {
      const std::string name = entry.path().filename().string();
      if (name.empty() || name[0] == '.' || name[0] == '_') continue;  // hidden, _SUCCESS, ...
      if (entry.is_regular_file(error)) paths.push_back(entry.path().string());
    }
    if (error) return io_error("cannot list " + pattern + ": " + error.message());
    if (paths.empty()) return not_found("input directory " + pattern + " holds no file");
    std::sort(paths.begin(), paths.end());
    return paths;
  }
  paths.push_back(pattern);
  return paths;
}

}  // namespace

Result<InputFile> stat_input(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return not_found("input " + path + " does not exist");
  if (!S_ISREG(info.st_mode)) return invalid_argument("input " + path + " is not a regular file");
  InputFile file;
  file.path = path;
  file.size_bytes = static_cast<uint64_t>(info.st_size);
  file.mtime_ns = static_cast<int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec;
  return file;
}

std::string absolute_path(const std::string& path, const std::string& base_dir) {
  fs::path result(path);
  if (result.is_relative()) result = fs::path(base_dir) / result;
  return result.lexically_normal().string();
}

Result<std::vector<InputFile>> resolve_inputs(const std::vector<std::string>& patterns,
                                              const std::string& base_dir) {
  std::vector<InputFile> files;
  std::set<std::string> seen;
  for (const std::string& pattern : patterns) {
    SLUICE_ASSIGN_OR_RETURN(std::vector<std::string> paths,
                            expand(absolute_path(pattern, base_dir)));
    for (const std::string& path : paths) {
      if (!seen.insert(path).second) continue;
      SLUICE_ASSIGN_OR_RETURN(InputFile file, stat_input(path));
      files.push_back(std::move(file));
    }
  }
  return files;
}

}  // namespace sluice
